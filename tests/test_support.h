// Helpers shared by the tests: temporary directories and small ledger fixtures.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "xclear/journal.h"

namespace xclear::testing_support {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("xclear-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline Posting Debit(const AccountId& account, int64_t fen) {
  return {account, Side::kDebit, Money::FromFen(fen)};
}
inline Posting Credit(const AccountId& account, int64_t fen) {
  return {account, Side::kCredit, Money::FromFen(fen)};
}

// Claims of `fen` paid by treatment province T for insured province I (SPEC §5).
inline EntryDraft ClaimEntry(uint32_t treatment, uint32_t insured, int64_t fen, std::string key) {
  EntryDraft draft;
  draft.kind = EntryKind::kClaimsDeclared;
  draft.effective_date = Date::Parse("2026-10-15").value();
  draft.actor = "province:" + std::to_string(treatment);
  draft.idempotency_key = std::move(key);
  draft.postings = {Debit(AccountId::Receivable(treatment, insured), fen),
                    Credit(AccountId::Bank(treatment), fen),
                    Debit(AccountId::Expense(insured), fen),
                    Credit(AccountId::Payable(insured, treatment), fen)};
  return draft;
}

// Payment of `fen` by insured province I to treatment province T for claims.
inline EntryDraft PaymentEntry(uint32_t insured, uint32_t treatment, int64_t fen, std::string key) {
  EntryDraft draft;
  draft.kind = EntryKind::kClaimPayment;
  draft.effective_date = Date::Parse("2026-11-20").value();
  draft.actor = "province:" + std::to_string(insured);
  draft.idempotency_key = std::move(key);
  draft.postings = {Debit(AccountId::Payable(insured, treatment), fen),
                    Credit(AccountId::Bank(insured), fen),
                    Debit(AccountId::Bank(treatment), fen),
                    Credit(AccountId::Receivable(treatment, insured), fen)};
  return draft;
}

}  // namespace xclear::testing_support
