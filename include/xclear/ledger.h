// The ledger: an append-only, hash-chained, double-entry journal with balances as of any point.
//
// Open one with OpenLedger (RocksDB in a data directory). All methods are thread-safe: appends are
// serialized internally (one writer at a time, each commit one atomic write batch with a synced
// WAL); reads run concurrently with appends and see only committed entries.
// There is deliberately no way to update or delete an entry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "xclear/account.h"
#include "xclear/config.h"
#include "xclear/journal.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

struct AppendResult {
  uint64_t sequence = 0;
  bool replayed = false;  // true: the idempotency key was known with identical content
  Digest hash{};
};

struct LedgerHead {
  uint64_t sequence = 0;  // 0 for an empty ledger
  Digest hash{};          // all zeros for an empty ledger
  Instant recorded_at;
};

struct AccountBalance {
  AccountId account;
  Money balance;  // signed, debit positive
};

struct TrialBalance {
  uint64_t as_of_sequence = 0;
  Digest as_of_hash{};
  std::vector<AccountBalance> accounts;           // sorted by account; zero balances included
  std::map<uint32_t, Money> province_totals;      // Σ of each province's accounts: always 0
  Money total;                                    // Σ of everything: always 0
};

struct VerifyReport {
  bool ok = true;
  uint64_t entries_checked = 0;
  uint64_t postings_checked = 0;
  uint64_t accounts_checked = 0;
  uint64_t first_bad_sequence = 0;  // 0 when the problem is not tied to an entry
  std::string reason;               // empty when ok
};

struct LedgerOptions {
  std::filesystem::path data_dir;
  bool create_if_missing = false;
  StorageConfig storage;
  LimitConfig limits;
};

class Ledger {
 public:
  virtual ~Ledger() = default;

  // Validates and records the drafts in order as one atomic commit: either every new entry is
  // durable when this returns ok, or none is. A draft whose idempotency key is already recorded
  // with identical content is not written again; its result has replayed = true and the original
  // sequence. The same key with different content fails the whole call with kConflict.
  // More drafts than storage.write_group_entries_max are refused.
  virtual Result<std::vector<AppendResult>> Append(const std::vector<EntryDraft>& drafts) = 0;
  Result<AppendResult> AppendOne(const EntryDraft& draft);

  // Records a kReversal entry that negates entry `sequence`. An entry can be reversed once; a
  // reversal cannot itself be reversed (post a new entry instead).
  virtual Result<AppendResult> Reverse(uint64_t sequence, const std::string& actor,
                                       const std::string& idempotency_key,
                                       const std::string& memo, const Date& effective_date) = 0;

  virtual Result<JournalEntry> Entry(uint64_t sequence) const = 0;
  // Calls `visit` for entries first..last (inclusive, clipped to the head) in order; stops at the
  // first non-ok Status and returns it.
  virtual Status ForEachEntry(uint64_t first, uint64_t last,
                              const std::function<Status(const JournalEntry&)>& visit) const = 0;

  virtual LedgerHead Head() const = 0;
  // The last sequence number recorded at or before `instant` (0 when none was).
  virtual Result<uint64_t> SequenceAt(const Instant& instant) const = 0;

  // The balance of `account` just after entry `as_of_sequence` (clipped to the head), answered
  // from the per-account history index, not by replaying the journal.
  virtual Result<Money> Balance(const AccountId& account, uint64_t as_of_sequence) const = 0;
  Result<Money> CurrentBalance(const AccountId& account) const;

  // Every account that has ever been posted to, with its balance after `as_of_sequence`.
  virtual Result<TrialBalance> TrialBalanceAt(uint64_t as_of_sequence) const = 0;

  // Recomputes everything from the journal: sequence numbers, the hash chain, each entry's
  // balance (overall and per province), the mirror invariants, the stored history and current
  // balances. Reports the first bad sequence number and why.
  virtual Result<VerifyReport> Verify() const = 0;

  virtual const Participants& participants() const = 0;
};

// Opens (or with create_if_missing, creates) the ledger in options.data_dir. Fails when the
// directory holds no ledger and create_if_missing is false, or when it is locked by another
// process. The clock must outlive the ledger.
Result<std::unique_ptr<Ledger>> OpenLedger(const LedgerOptions& options,
                                           const Participants& participants, const Clock& clock);

}  // namespace xclear
