// The RocksDB implementation of Ledger (internal to ledger/; use OpenLedger).
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <deque>
#include <filesystem>
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
  kFacts,
  kFactKeys,
  kClaims,
  kClaimsByMonth,
  kClaimAggregates,
  kDeclarations,
  kStatements,
  kNotices,
  kResponses,
  kClaimIndex,
  kLateAggregates,
  kClaimLinks,
  kColumnFamilyCount,
};

ColumnFamily FamilyOf(Table table);

// Translates a RocksDB status: corruption stays corruption, everything else is an I/O error.
inline Status FromRocks(const rocksdb::Status& status, const std::string& what) {
  if (status.ok()) return Status::Ok();
  if (status.IsCorruption()) return Status::Corruption(what + ": " + status.ToString());
  return Status::IoError(what + ": " + status.ToString());
}

// fsync of a file or (directory = true) of a directory, so that a rename into it is durable.
Status SyncPath(const std::filesystem::path& path, bool directory);

class RocksLedger final : public Ledger {
 public:
  static Result<std::unique_ptr<Ledger>> Open(const LedgerOptions& options,
                                              const Participants& participants, const Clock& clock);
  ~RocksLedger() override;

  Result<std::vector<AppendResult>> Append(const std::vector<EntryDraft>& drafts) override;
  Result<CommitResult> Commit(const CommitRequest& request) override;
  Result<std::optional<std::string>> Get(Table table, std::string_view key) const override;
  using Ledger::MultiGet;
  Status MultiGet(Table table, const std::vector<std::string_view>& keys,
                  std::vector<std::string>& values, std::vector<bool>& found,
                  bool keys_sorted) const override;
  std::unique_ptr<TableCursor> NewCursor(Table table, std::string lower,
                                         std::string upper) const override;
  Result<std::unique_ptr<TableFileWriter>> NewTableFile(Table table) override;
  Result<std::unique_ptr<TableCursor>> OpenTableFile(const TableFile& file) const override;
  Result<std::optional<Fact>> FindFact(std::string_view key) const override;
  Status ForEachFact(std::string_view key_prefix,
                     const std::function<Status(const Fact&)>& visit) const override;
  Result<AppendResult> Reverse(uint64_t sequence, const std::string& actor,
                               const std::string& idempotency_key, const std::string& memo,
                               const Date& effective_date) override;
  Result<JournalEntry> Entry(uint64_t sequence) const override;
  Result<std::optional<uint64_t>> FindByIdempotencyKey(
      std::string_view idempotency_key) const override;
  Status ForEachEntry(uint64_t first, uint64_t last,
                      const std::function<Status(const JournalEntry&)>& visit) const override;
  LedgerHead Head() const override;
  uint64_t Version() const override;
  Result<uint64_t> SequenceAt(const Instant& instant) const override;
  Result<Money> Balance(const AccountId& account, uint64_t as_of_sequence) const override;
  Result<TrialBalance> TrialBalanceAt(uint64_t as_of_sequence) const override;
  Result<VerifyReport> Verify() const override;
  Result<BackupInfo> Backup(const std::filesystem::path& backups_dir) override;
  Result<uint64_t> TableRuns(Table table) const override;
  Status CompactTable(Table table) override;
  const Participants& participants() const override { return participants_; }

 private:
  struct PendingBatch;
  RocksLedger(const LedgerOptions& options, const Participants& participants, const Clock& clock);
  Status LoadState();
  Status StageDraft(const EntryDraft& draft, PendingBatch& batch,
                    std::vector<AppendResult>& results);
  Status StageFact(const FactDraft& draft, PendingBatch& batch, std::vector<Fact>& results);
  Status RecoverStorage();
  Status WriteStaged(PendingBatch& batch, const std::vector<TableFile>& files);
  Status IngestStaged(PendingBatch& batch, const std::vector<TableFile>& files);
  std::filesystem::path IngestDirectory() const { return options_.data_dir / "ingest"; }
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

  // HistoricalBalances of sequences below the head, the newest kHistoricalKept.
  static constexpr size_t kHistoricalKept = 16;
  // HistoricalBalances of a sequence at most this far below the head walk back from the head.
  static constexpr uint64_t kWalkBackEntriesMax = 64;
  mutable std::mutex historical_mutex_;
  mutable std::deque<std::pair<uint64_t, std::map<AccountId, Fen>>> historical_;
  std::atomic<uint64_t> version_{0};  // Version(): bumped by Commit under mutex_, read without
  mutable std::mutex mutex_;          // guards everything below; held for the whole of Append
  LedgerHead head_;
  LedgerHead facts_head_;              // the facts chain's head (same shape as the journal's)
  std::map<AccountId, Fen> balances_;  // current balances: the state after head_
  std::string storage_failure_;        // why the last write failed, until RocksDB resumes
  std::atomic<uint64_t> table_file_counter_{0};
};

}  // namespace xclear::ledger_internal
