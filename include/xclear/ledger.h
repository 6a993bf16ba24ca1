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
#include <optional>
#include <string_view>
#include <vector>

#include "xclear/account.h"
#include "xclear/config.h"
#include "xclear/journal.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace rocksdb {
class Env;
}

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
  std::vector<AccountBalance> accounts;       // sorted by account; zero balances included
  std::map<uint32_t, Money> province_totals;  // Σ of each province's accounts: always 0
  Money total;                                // Σ of everything: always 0
};

struct VerifyReport {
  bool ok = true;
  uint64_t entries_checked = 0;
  uint64_t postings_checked = 0;
  uint64_t accounts_checked = 0;
  uint64_t facts_checked = 0;
  uint64_t first_bad_sequence = 0;  // 0 when the problem is not tied to an entry
  std::string reason;               // empty when ok
};

// Tables stored beside the journal, owned by the domain libraries (declarations, clearing…).
// The ledger stores their bytes; their encodings are documented where they are produced.
enum class Table : uint8_t {
  kClaims = 0,       // claim_id → claim record (claims format 1, read only to upgrade it)
  kClaimsByMonth,    // month ‖ treatment ‖ insured ‖ claim_id → claim record (the claims)
  kClaimAggregates,  // month ‖ treatment ‖ insured ‖ category ‖ late → count and sums
  kDeclarations,     // declaration id → declaration record
  kStatements,       // month ‖ round → clearing statement (JSON, see clearing.h)
  kNotices,          // "adjustment:<Y>" → annual prepayment adjustment (JSON, prepayments.h)
  kResponses,        // principal ‖ Idempotency-Key → the HTTP service's recorded response
  kClaimIndex,       // hash of claim_id → where the claim is (uniqueness, lookup by id)
  kLateAggregates,  // month ‖ declaration ‖ treatment ‖ insured ‖ category → late claims' sums
  kClaimLinks,  // a claim and its reversal, each naming the other
  kTableCount,
};

struct TableWrite {
  Table table = Table::kClaims;
  std::string key;
  std::string value;
};

// A sorted file of table records built with NewTableFile, ingested by Commit.
struct TableFile {
  Table table = Table::kClaims;
  std::filesystem::path path;
  uint64_t records = 0;
};

// Writes a sorted table file; keys must be strictly increasing. Not thread-safe.
class TableFileWriter {
 public:
  virtual ~TableFileWriter() = default;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  // Closes the file. A writer that received no record yields a TableFile with records = 0
  // (and no file), which Commit ignores.
  virtual Result<TableFile> Finish() = 0;
};

// Forward iteration over a table (or a table file) in key order. Not thread-safe.
class TableCursor {
 public:
  virtual ~TableCursor() = default;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual Status status() const = 0;
  // Moves to the first record at or after `key` (within the cursor's bounds).
  virtual void Seek(std::string_view key) = 0;
};

// A non-monetary fact in its own hash chain: a late-declaration explanation, a confirmation, a
// notice. Facts are unique by key: the same key with the same payload is a replay, with a
// different payload a conflict. Like entries, facts are never changed or deleted.
enum class FactKind : uint16_t {
  kLateExplanation = 1,  // key "explanation:<T>:<YYYY-MM>", payload: reason text
  kStatementIssued = 2,  // key "statement:<YYYY-MM>:<round>", payload: the statement's SHA-256
  kConfirmation = 3,     // key "confirmation:<YYYY-MM>:<round>:<province>", payload: the
                         // confirmed statement's SHA-256
  kPayment = 4,          // key "payment:<YYYY-MM>:<round>:<payer>:<payee>:<bank>:<serial>",
                         // payload: the payment's canonical JSON
  kPaymentSerial = 5,    // key "serial:<bank>:<serial>", payload: the payment fact's key
  kAdjustment = 6,       // key "adjustment:<Y>", payload: the stored adjustment's SHA-256
  kTopUp = 7,            // key "topup:<I>:<T>:<n>", payload: the top-up notice's canonical JSON
  kNoticePayment = 8,    // key "notice-payment:<notice>:<bank>:<serial>", payload: the payment
  kPaymentReturn = 9,    // key "payment-return:<YYYY-MM>:<round>:<payer>:<payee>:<bank>:<serial>:
                         // <return serial>", payload: the return's canonical JSON
};

struct FactDraft {
  FactKind kind = FactKind::kLateExplanation;
  std::string key;
  std::string actor;
  std::string payload;
};

struct Fact : FactDraft {
  uint64_t sequence = 0;  // 1, 2, 3, … in the facts chain
  Instant recorded_at;    // the ledger clock at commit; never earlier than the previous fact
  Digest hash{};          // SHA-256(previous fact's hash ‖ canonical bytes)
  bool replayed = false;  // true when Commit found it already recorded
};

// Everything one Commit makes visible at once.
struct CommitRequest {
  std::vector<EntryDraft> entries;
  std::vector<FactDraft> facts;
  // Called under the commit lock after the entries are sequenced (and only if at least one entry
  // or fact is new, or there is nothing to sequence); adds table writes that depend on the
  // sequence numbers or on the latest table state (read-modify-write). May be empty.
  std::function<Status(const std::vector<AppendResult>& entries, std::vector<TableWrite>& writes)>
      complete;
  std::vector<TableWrite> writes;
  std::vector<TableFile> files;  // from NewTableFile; moved into the database
};

struct CommitResult {
  std::vector<AppendResult> entries;
  std::vector<Fact> facts;
};

struct LedgerOptions {
  std::filesystem::path data_dir;
  bool create_if_missing = false;
  StorageConfig storage;
  LimitConfig limits;
  // The storage environment; null means the operating system's. Tests pass an environment that
  // injects I/O errors (disk full) to show that a failed commit leaves nothing behind.
  rocksdb::Env* env = nullptr;
  // Whether the store merges the sorted runs of the claim index in background threads. A
  // long-running process (xcleard) does; a short one (the CLI) does not, because the work would
  // be abandoned when it exits: the runs are merged by CompactTable instead (the month-end job,
  // `xclear compact`, or a declaration that finds too many).
  bool background_compaction = true;
};

// A consistent copy of a ledger made while it is in use (see Ledger::Backup): a directory with
// the ledger's files and a manifest (BACKUP-MANIFEST) naming the head it holds and the size and
// SHA-256 of every file.
struct BackupInfo {
  std::filesystem::path directory;
  LedgerHead head;     // the journal head the copy holds (what a restore comes back to)
  uint64_t facts = 0;  // facts recorded in the copy
  Instant created_at;
  uint64_t files = 0;
  uint64_t bytes = 0;
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

  // The general commit: entries, facts, table writes and table files, all visible atomically
  // (one synced WriteBatch, or one multi-column-family file ingestion when files are given), or
  // none of them. Entries follow the rules of Append; a fact whose key is recorded with the same
  // payload is a replay, with another payload a conflict that fails the whole commit.
  virtual Result<CommitResult> Commit(const CommitRequest& request) = 0;

  // Table access for the domain libraries. Reads see committed state only.
  virtual Result<std::optional<std::string>> Get(Table table, std::string_view key) const = 0;
  // Looks up many keys at once; values[i] is empty and found[i] false where a key is absent.
  // `keys_sorted`: the caller promises ascending key order (the lookup then skips its own sort).
  virtual Status MultiGet(Table table, const std::vector<std::string_view>& keys,
                          std::vector<std::string>& values, std::vector<bool>& found,
                          bool keys_sorted) const = 0;
  Status MultiGet(Table table, const std::vector<std::string_view>& keys,
                  std::vector<std::string>& values, std::vector<bool>& found) const {
    return MultiGet(table, keys, values, found, false);
  }
  // Records with lower <= key < upper (an empty upper means no bound), in key order.
  virtual std::unique_ptr<TableCursor> NewCursor(Table table, std::string lower,
                                                 std::string upper) const = 0;
  // A writer for a sorted file of `table` records, placed inside the data directory so that
  // Commit can move it in without copying.
  virtual Result<std::unique_ptr<TableFileWriter>> NewTableFile(Table table) = 0;
  virtual Result<std::unique_ptr<TableCursor>> OpenTableFile(const TableFile& file) const = 0;

  // Facts.
  virtual Result<std::optional<Fact>> FindFact(std::string_view key) const = 0;
  // Facts whose key starts with `key_prefix`, in key order.
  virtual Status ForEachFact(std::string_view key_prefix,
                             const std::function<Status(const Fact&)>& visit) const = 0;

  // Records a kReversal entry that negates entry `sequence`. An entry can be reversed once; a
  // reversal cannot itself be reversed (post a new entry instead).
  virtual Result<AppendResult> Reverse(uint64_t sequence, const std::string& actor,
                                       const std::string& idempotency_key, const std::string& memo,
                                       const Date& effective_date) = 0;

  virtual Result<JournalEntry> Entry(uint64_t sequence) const = 0;
  // The sequence number of the entry recorded with `idempotency_key`, if any.
  virtual Result<std::optional<uint64_t>> FindByIdempotencyKey(
      std::string_view idempotency_key) const = 0;
  // Calls `visit` for entries first..last (inclusive, clipped to the head) in order; stops at the
  // first non-ok Status and returns it.
  virtual Status ForEachEntry(uint64_t first, uint64_t last,
                              const std::function<Status(const JournalEntry&)>& visit) const = 0;

  virtual LedgerHead Head() const = 0;
  // Commits this process has made to the ledger since it opened it: advances with every commit
  // that records anything (entries, facts, claims, table writes), after it is visible to
  // readers and before Commit returns. A view read at version N holds while Version() is N.
  // Lock-free: a reader never waits for a commit to ask.
  virtual uint64_t Version() const = 0;
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

  // Writes a consistent copy of the ledger into a new directory under `backups_dir` while commits
  // go on (a RocksDB checkpoint: hard links where `backups_dir` is on the same file system, copies
  // elsewhere), opens the copy and verifies it, and only then gives it its final name
  // (<UTC time>-seq<N>) with a synced manifest. A failed backup leaves no directory behind.
  virtual Result<BackupInfo> Backup(const std::filesystem::path& backups_dir) = 0;

  // The sorted runs a lookup in `table` probes (files in level 0 plus non-empty lower levels).
  virtual Result<uint64_t> TableRuns(Table table) const = 0;
  // Merges `table` into one sorted run, in the calling thread (commits wait meanwhile only if
  // they write that table).
  virtual Status CompactTable(Table table) = 0;

  virtual const Participants& participants() const = 0;
};

// Opens (or with create_if_missing, creates) the ledger in options.data_dir. Fails when the
// directory holds no ledger and create_if_missing is false, or when it is locked by another
// process. The clock must outlive the ledger.
Result<std::unique_ptr<Ledger>> OpenLedger(const LedgerOptions& options,
                                           const Participants& participants, const Clock& clock);

// Reads a backup's manifest and checks every file against it (size and SHA-256); the error names
// the first file that is missing, extra, or different.
Result<BackupInfo> CheckBackup(const std::filesystem::path& backup_dir);

// Restores the backup in `backup_dir` as the ledger in options.data_dir, which must not exist or
// be empty: checks the backup, copies it beside the target, opens and verifies the copy, checks
// that its head is the manifest's, then renames it into place (atomic: a crash leaves no ledger
// or the whole one).
Result<BackupInfo> RestoreLedger(const std::filesystem::path& backup_dir,
                                 const LedgerOptions& options, const Participants& participants,
                                 const Clock& clock);

// An "as of" point given as text: empty (the head), a sequence number, or an instant (the last
// entry recorded by then). The error names the text.
Result<uint64_t> ResolveAsOf(const Ledger& ledger, std::string_view text);
// The same point clipped to the head, with the hash of its entry (zeros for 0): what a report
// "as of" names so that it can be checked against the chain.
struct AsOfPoint {
  uint64_t sequence = 0;
  Digest hash{};
};
Result<AsOfPoint> ResolveAsOfPoint(const Ledger& ledger, std::string_view text);

}  // namespace xclear
