// The RocksDB implementation of Ledger (internal to ledger/; use OpenLedger).
#pragma once

#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "xclear/ledger.h"

namespace xclear::ledger_internal {

// Column families, in the order they are opened (index into handles_).
enum ColumnFamily : size_t {
  kMeta = 0,  // rocksdb's "default"
  kJournal,
  kHistory,
  kBalances,
  kTimeIndex,
  kIdempotency,
  kReversals,
  kColumnFamilyCount,
};

class RocksLedger final : public Ledger {
 public:
  static Result<std::unique_ptr<Ledger>> Open(const LedgerOptions& options,
                                              const Participants& participants,
                                              const Clock& clock);
  ~RocksLedger() override;

  Result<std::vector<AppendResult>> Append(const std::vector<EntryDraft>& drafts) override;
  Result<AppendResult> Reverse(uint64_t sequence, const std::string& actor,
                               const std::string& idempotency_key, const std::string& memo,
                               const Date& effective_date) override;
  Result<JournalEntry> Entry(uint64_t sequence) const override;
  Status ForEachEntry(uint64_t first, uint64_t last,
                      const std::function<Status(const JournalEntry&)>& visit) const override;
  LedgerHead Head() const override;
  Result<uint64_t> SequenceAt(const Instant& instant) const override;
  Result<Money> Balance(const AccountId& account, uint64_t as_of_sequence) const override;
  Result<TrialBalance> TrialBalanceAt(uint64_t as_of_sequence) const override;
  Result<VerifyReport> Verify() const override;
  const Participants& participants() const override { return participants_; }

 private:
  struct PendingBatch;
  RocksLedger(const LedgerOptions& options, const Participants& participants, const Clock& clock);
  Status LoadState();
  Status StageDraft(const EntryDraft& draft, size_t index, PendingBatch& batch,
                    std::vector<AppendResult>& results);
  Status CheckReversal(const EntryDraft& draft, const PendingBatch& batch) const;
  Result<JournalEntry> EntryOrPending(uint64_t sequence, const PendingBatch& batch) const;
  Result<Money> HistoryBalance(const AccountId& account, uint64_t sequence) const;
  // Every account opened by `sequence`, with its balance just after that entry.
  Result<std::map<AccountId, Fen>> HistoricalBalances(uint64_t sequence) const;
  rocksdb::ColumnFamilyHandle* cf(ColumnFamily family) const { return handles_[family]; }

  LedgerOptions options_;
  Participants participants_;
  const Clock& clock_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  mutable std::mutex mutex_;          // guards everything below; held for the whole of Append
  LedgerHead head_;
  std::map<AccountId, Fen> balances_;  // current balances: the state after head_
};

}  // namespace xclear::ledger_internal
