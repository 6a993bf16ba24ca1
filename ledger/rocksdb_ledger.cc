// Storage layout of the ledger in RocksDB. One column family per record type; every commit is one
// WriteBatch written with a synced WAL, so a crash leaves all of a commit or none of it.
//
//   default      "meta:format"            -> format_version:fixed32 (= 1)
//                "meta:head"              -> sequence:fixed64 hash:32 recorded_ms:fixed64
//   journal      sequence:fixed64         -> entry_value            (grammar in codec.cc)
//   history      account sequence:fixed64 -> balance:amount         (after that entry; one per
//                                                                    account touched by it)
//   balances     account                  -> balance:amount last_sequence:fixed64
//   time_index   recorded:instant last_sequence:fixed64 -> ""       (one per commit)
//   idempotency  key:bytes                -> sequence:fixed64 content_digest:32
//   reversals    reversed_sequence:fixed64 -> reversing_sequence:fixed64
//                "meta:facts_head"        -> sequence:fixed64 hash:32 recorded_ms:fixed64
//   facts        sequence:fixed64         -> fact_value             (grammar in codec.cc)
//   fact_keys    key:bytes                -> sequence:fixed64
//   claims (format 1 only), claims_by_month, claim_aggregates, declarations, statements, notices,
//   responses, claim_index, late_aggregates, claim_links: the domain tables of ledger.h
//                (encodings in declarations/claim_codec.cc, claim_index.cc, claim_links.cc,
//                clearing.h, prepayments.h, service/idempotency.cc)
//
// A commit with table files is made visible by one IngestExternalFiles call across all the
// column families it touches instead of a WriteBatch: the ledger's own records are written into
// small sorted files of their own and ingested together with the caller's files.
//
// `instant` is the Unix millisecond count with its sign bit flipped, so keys sort by time.
// Balance as of sequence S = the history record at or before (account, S): one SeekForPrev.
#include "rocksdb_ledger.h"

#include <fcntl.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <cassert>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>

#include "codec.h"

namespace xclear::ledger_internal {
namespace {

constexpr uint32_t kFormatVersion = 1;
constexpr size_t kSortedRunsMax = 64;  // level-0 files a table may have before a commit merges it
const char* const kFormatKey = "meta:format";
const char* const kHeadKey = "meta:head";
const char* const kColumnFamilyNames[] = {rocksdb::kDefaultColumnFamilyName.c_str(),
                                          "journal",
                                          "history",
                                          "balances",
                                          "time_index",
                                          "idempotency",
                                          "reversals",
                                          "facts",
                                          "fact_keys",
                                          "claims",
                                          "claims_by_month",
                                          "claim_aggregates",
                                          "declarations",
                                          "statements",
                                          "notices",
                                          "responses",
                                          "claim_index",
                                          "late_aggregates",
                                          "claim_links"};
static_assert(std::size(kColumnFamilyNames) == kColumnFamilyCount,
              "every column family needs its name, in enum order");
const char* const kFactsHeadKey = "meta:facts_head";

std::string AccountKey(const AccountId& account) {
  std::string key;
  PutAccount(key, account);
  return key;
}

std::string HistoryKey(const AccountId& account, uint64_t sequence) {
  std::string key = AccountKey(account);
  PutFixed64(key, sequence);
  return key;
}

std::string EncodeHead(const LedgerHead& head) {
  std::string value;
  PutFixed64(value, head.sequence);
  value.append(reinterpret_cast<const char*>(head.hash.data()), head.hash.size());
  PutFixed64(value, static_cast<uint64_t>(head.recorded_at.unix_millis()));
  return value;
}

bool DecodeHead(std::string_view value, LedgerHead& head) {
  if (value.size() != 48) return false;
  head.sequence = DecodeFixed64(value.data());
  std::memcpy(head.hash.data(), value.data() + 8, 32);
  head.recorded_at =
      Instant::FromUnixMillis(static_cast<int64_t>(DecodeFixed64(value.data() + 40)));
  return true;
}

std::string BalanceValue(const Fen& balance, uint64_t sequence) {
  std::string value;
  PutAmount(value, balance);
  PutFixed64(value, sequence);
  return value;
}

std::vector<Posting> Negated(const std::vector<Posting>& postings) {
  std::vector<Posting> out = postings;
  for (Posting& posting : out) {
    posting.side = posting.side == Side::kDebit ? Side::kCredit : Side::kDebit;
  }
  return out;
}

// Balances and claim aggregates are a few thousand records rewritten by every commit that
// touches them, and read by scans (positions, statements, deadlines). A memtable holds every
// version written since its last flush, and a scan steps over all of them: with 64 MiB memtables,
// scanning a month's 4 000 aggregates under the 32-province load walked ~400 000 versions (half
// the service's time; deadlines p99 406 ms). A 256 KiB memtable is flushed after ~2 500
// versions, and the flush keeps only the newest (1 MiB gave deadlines p99 111 ms, 256 KiB
// 57 ms).
constexpr size_t kRewrittenBufferBytes = 256 << 10;

// Tuning per column family, chosen by measurement (bench/ledger_append_bench):
// - journal, time_index: keys only ever grow, so an insert hint makes each memtable insert O(1);
// - history: keys grow within an account, so the hint is kept per account (9-byte prefix);
// - idempotency, fact_keys, claims: point lookups of mostly absent keys, so whole-key bloom
//   filters in the memtable and in the SST files answer "not there" without a search.
rocksdb::ColumnFamilyOptions FamilyOptions(ColumnFamily family, const rocksdb::Options& base,
                                           bool background_compaction) {
  rocksdb::ColumnFamilyOptions options(base);
  switch (family) {
    case kJournal:
    case kTimeIndex:
    case kReversals:
      // The first key byte is the same for every realistic key: one shared hint.
      options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
      break;
    case kHistory:
    case kBalances:
      options.memtable_insert_with_hint_prefix_extractor.reset(
          rocksdb::NewFixedPrefixTransform(kAccountKeyBytes));
      if (family == kBalances) options.write_buffer_size = kRewrittenBufferBytes;
      break;
    case kFacts:
    case kClaimsByMonth:
      options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
      break;
    case kIdempotency:
    case kFactKeys:
    case kClaims:
    case kClaimLinks:
    case kClaimIndex: {
      rocksdb::BlockBasedTableOptions table;
      // The claim index is probed once per claim per sorted run, and every declaration adds a
      // run: 20 bits a key (a 0.01 % false-positive rate, against 1 % at 10) saves the data
      // block read a false positive costs (bench/declare_month.sh: 43.1 s -> 40.6 s a month).
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(family == kClaimIndex ? 20 : 10));
      options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
      options.memtable_whole_key_filtering = true;
      options.memtable_prefix_bloom_size_ratio = 0.05;
      if (family == kClaimIndex) {
        options.memtable_insert_with_hint_prefix_extractor.reset(
            rocksdb::NewFixedPrefixTransform(1));
        // Every declaration's index file spans the whole hash range and lands in level 0.
        // Merging goes straight to the last level (one sorted run when done), and level-0 files
        // may pile up between merges without stalling a declaration: CompactTable bounds them.
        options.level_compaction_dynamic_level_bytes = true;
        options.disable_auto_compactions = !background_compaction;
        options.level0_slowdown_writes_trigger = 1000;
        options.level0_stop_writes_trigger = 1000;
      }
      break;
    }
    case kClaimAggregates:
    case kLateAggregates:
      options.write_buffer_size = kRewrittenBufferBytes;
      break;
    case kMeta:
    case kDeclarations:
    case kStatements:
    case kNotices:
    case kResponses:
    case kColumnFamilyCount:
      break;
  }
  return options;
}

void RemoveQuietly(const std::filesystem::path& path) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

}  // namespace

Status SyncPath(const std::filesystem::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return Status::IoError("cannot open " + path.string() + " to sync it");
  const int synced = ::fsync(fd);
  ::close(fd);
  return synced == 0 ? Status::Ok() : Status::IoError("cannot sync " + path.string());
}

// Everything a Commit stages before the single write; applied to memory only after the write.
struct RocksLedger::PendingBatch {
  struct Operation {
    ColumnFamily family;
    std::string key;
    std::string value;
  };
  std::vector<Operation> operations;                        // in staging order; later wins
  LedgerHead head;                                          // advances as entries are staged
  LedgerHead facts_head;                                    // advances as facts are staged
  std::map<AccountId, Fen> balances;                        // touched accounts' new balances
  std::map<std::string, std::pair<uint64_t, Digest>> keys;  // idempotency keys staged
  std::map<uint64_t, uint64_t> reversals;                   // reversed → reversing, staged
  std::map<std::string, size_t> fact_keys;                  // fact key → index in staged facts
  std::vector<JournalEntry> entries;                        // staged entries, in order
  size_t new_facts = 0;
  Instant recorded_at;

  void Put(ColumnFamily family, std::string key, std::string value) {
    operations.push_back({family, std::move(key), std::move(value)});
  }
};

RocksLedger::RocksLedger(const LedgerOptions& options, const Participants& participants,
                         const Clock& clock)
    : options_(options), participants_(participants), clock_(clock) {}

RocksLedger::~RocksLedger() {
  if (!db_) return;
  for (auto* handle : handles_) {
    if (handle != nullptr) db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  if (db_) db_->Close().PermitUncheckedError();
}

namespace {

rocksdb::Options DatabaseOptions(const LedgerOptions& ledger) {
  const StorageConfig& storage = ledger.storage;
  rocksdb::Options options;
  if (ledger.env != nullptr) options.env = ledger.env;
  options.create_if_missing = false;
  // A family added by a newer version of xclear is created on first open.
  options.create_missing_column_families = true;
  options.IncreaseParallelism(storage.background_jobs);
  options.write_buffer_size = storage.write_buffer_bytes;
  options.paranoid_checks = true;
  // Table files are opened when first read, not all at open: a CLI command that reads the
  // balances must not load the filters of every claim file the ledger has (that made opening
  // grow with the ledger: 0.1 s at 20 M claims). Up to this many stay open.
  options.max_open_files = 5000;
  options.skip_stats_update_on_db_open = true;
  return options;
}

std::vector<rocksdb::ColumnFamilyDescriptor> FamilyDescriptors(const rocksdb::Options& options,
                                                               bool background_compaction) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (size_t family = 0; family < kColumnFamilyCount; ++family) {
    families.emplace_back(
        kColumnFamilyNames[family],
        FamilyOptions(static_cast<ColumnFamily>(family), options, background_compaction));
  }
  return families;
}

// Creates and initialises a ledger beside `data_dir`, then renames it into place, so that a
// crash during creation leaves either no ledger or a complete one (rename(2) is atomic).
Status CreateAtomically(const LedgerOptions& options) {
  const std::filesystem::path target = std::filesystem::absolute(options.data_dir);
  std::error_code error;
  if (std::filesystem::exists(target, error) && !std::filesystem::is_empty(target, error)) {
    return Status::FailedPrecondition(target.string() +
                                      " exists and is not an xclear ledger; choose an empty "
                                      "directory");
  }
  const std::filesystem::path parent = target.parent_path();
  std::filesystem::create_directories(parent, error);
  const std::filesystem::path staging =
      parent / ("." + target.filename().string() + ".creating-" + std::to_string(::getpid()));
  std::filesystem::remove_all(staging, error);
  rocksdb::Options db_options = DatabaseOptions(options);
  db_options.create_if_missing = true;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  XCLEAR_RETURN_IF_ERROR(
      FromRocks(rocksdb::DB::Open(db_options, staging.string(),
                                  FamilyDescriptors(db_options, options.background_compaction),
                                  &handles, &raw),
                "cannot create a ledger in " + staging.string()));
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string format;
  PutFixed32(format, kFormatVersion);
  rocksdb::WriteBatch batch;
  rocksdb::Status status = batch.Put(handles[kMeta], kFormatKey, format);
  if (status.ok()) status = batch.Put(handles[kMeta], kHeadKey, EncodeHead(LedgerHead{}));
  rocksdb::WriteOptions write;
  write.sync = true;
  if (status.ok()) status = db->Write(write, &batch);
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  if (status.ok()) status = db->Close();
  db.reset();
  XCLEAR_RETURN_IF_ERROR(FromRocks(status, "initialising the ledger"));
  std::filesystem::rename(staging, target, error);
  if (error)
    return Status::IoError("cannot move the new ledger into " + target.string() + ": " +
                           error.message());
  return SyncPath(parent, /*directory=*/true);
}

}  // namespace

Result<std::unique_ptr<Ledger>> RocksLedger::Open(const LedgerOptions& options,
                                                  const Participants& participants,
                                                  const Clock& clock) {
  std::error_code error;
  if (!std::filesystem::exists(options.data_dir / "CURRENT", error)) {
    if (!options.create_if_missing) {
      return Status::NotFound("no ledger in " + options.data_dir.string() +
                              " (run `xclear init` to create one)");
    }
    XCLEAR_RETURN_IF_ERROR(CreateAtomically(options));
  }
  const rocksdb::Options db_options = DatabaseOptions(options);
  std::unique_ptr<RocksLedger> ledger(new RocksLedger(options, participants, clock));
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened = rocksdb::DB::Open(
      db_options, options.data_dir.string(),
      FamilyDescriptors(db_options, options.background_compaction), &ledger->handles_, &raw);
  if (!opened.ok()) {
    if (opened.IsIOError() && opened.ToString().find("lock") != std::string::npos) {
      return Status::FailedPrecondition("the ledger in " + options.data_dir.string() +
                                        " is in use by another process");
    }
    return FromRocks(opened, "cannot open the ledger in " + options.data_dir.string());
  }
  ledger->db_.reset(raw);
  XCLEAR_RETURN_IF_ERROR(ledger->LoadState());
  return std::unique_ptr<Ledger>(std::move(ledger));
}

Status RocksLedger::LoadState() {
  std::string value;
  const rocksdb::Status format = db_->Get(rocksdb::ReadOptions(), cf(kMeta), kFormatKey, &value);
  if (format.IsNotFound() || value.size() != 4) {
    return Status::Corruption(options_.data_dir.string() + " is not an xclear ledger");
  }
  XCLEAR_RETURN_IF_ERROR(FromRocks(format, "reading the format"));
  if (DecodeFixed32(value.data()) != kFormatVersion) {
    return Status::FailedPrecondition("ledger format " +
                                      std::to_string(DecodeFixed32(value.data())) +
                                      " is not supported by this version");
  }
  XCLEAR_RETURN_IF_ERROR(
      FromRocks(db_->Get(rocksdb::ReadOptions(), cf(kMeta), kHeadKey, &value), "reading the head"));
  if (!DecodeHead(value, head_)) return Status::Corruption("the ledger head record is malformed");
  const rocksdb::Status facts = db_->Get(rocksdb::ReadOptions(), cf(kMeta), kFactsHeadKey, &value);
  if (!facts.IsNotFound()) {
    XCLEAR_RETURN_IF_ERROR(FromRocks(facts, "reading the facts head"));
    if (!DecodeHead(value, facts_head_))
      return Status::Corruption("the facts head record is malformed");
  }
  // Files left by a commit that never happened (a crash before ingestion) are garbage.
  std::error_code error;
  std::filesystem::remove_all(IngestDirectory(), error);
  std::filesystem::create_directories(IngestDirectory(), error);
  if (error)
    return Status::IoError("cannot create " + IngestDirectory().string() + ": " + error.message());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kBalances)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != kAccountKeyBytes || it->value().size() != kAmountBytes + 8) {
      return Status::Corruption("a stored balance record is malformed");
    }
    balances_[DecodeAccount(it->key().data())] = DecodeAmount(it->value().data());
  }
  return FromRocks(it->status(), "loading balances");
}

Result<std::vector<AppendResult>> RocksLedger::Append(const std::vector<EntryDraft>& drafts) {
  if (drafts.empty()) return Status::InvalidArgument("nothing to append");
  CommitRequest request;
  request.entries = drafts;
  XCLEAR_ASSIGN_OR_RETURN(CommitResult result, Commit(request));
  return std::move(result.entries);
}

Result<CommitResult> RocksLedger::Commit(const CommitRequest& request) {
  if (request.entries.size() > options_.storage.write_group_entries_max) {
    return Status::InvalidArgument(std::to_string(request.entries.size()) +
                                   " entries in one commit; at most " +
                                   std::to_string(options_.storage.write_group_entries_max) +
                                   " are allowed (storage.write_group_entries_max)");
  }
  std::lock_guard lock(mutex_);
  XCLEAR_RETURN_IF_ERROR(RecoverStorage());
  PendingBatch pending;
  pending.head = head_;
  pending.facts_head = facts_head_;
  // Recorded times never go backwards, even if the system clock does.
  pending.recorded_at = std::max({clock_.Now(), head_.recorded_at, facts_head_.recorded_at});
  CommitResult result;
  try {
    for (size_t i = 0; i < request.entries.size(); ++i) {
      const Status staged = StageDraft(request.entries[i], pending, result.entries);
      if (!staged.ok()) {
        return request.entries.size() == 1 ? staged
                                           : staged.WithContext("entry " + std::to_string(i + 1));
      }
    }
  } catch (const std::overflow_error&) {
    return Status::Overflow("a balance would overflow 128-bit fen; nothing was recorded");
  }
  for (const FactDraft& fact : request.facts) {
    XCLEAR_RETURN_IF_ERROR(StageFact(fact, pending, result.facts));
  }
  const bool sequenced_anything = !request.entries.empty() || !request.facts.empty();
  if (sequenced_anything && pending.entries.empty() && pending.new_facts == 0) {
    return result;  // every entry and fact was an idempotent replay: nothing to write
  }
  std::vector<TableWrite> writes = request.writes;
  if (request.complete) XCLEAR_RETURN_IF_ERROR(request.complete(result.entries, writes));
  for (TableWrite& write : writes) {
    pending.Put(FamilyOf(write.table), std::move(write.key), std::move(write.value));
  }
  const Status written = WriteStaged(pending, request.files);
  if (!written.ok()) {
    // RocksDB stops taking writes after a failed write (disk full, I/O error); the next commit
    // asks it to resume first. Memory still holds the state before this commit.
    storage_failure_ = written.message();
    return written;
  }
  head_ = pending.head;
  facts_head_ = pending.facts_head;
  for (auto& [account, balance] : pending.balances) balances_[account] = balance;
  version_.fetch_add(1, std::memory_order_release);
  return result;
}

// After a failed write RocksDB refuses writes until it is resumed (it re-syncs its state and
// starts a new WAL). Each commit tries that once while the failure lasts, so the ledger takes
// commits again as soon as the cause (a full disk) is gone, without a restart.
Status RocksLedger::RecoverStorage() {
  if (storage_failure_.empty()) return Status::Ok();
  const rocksdb::Status resumed = db_->Resume();
  if (resumed.IsBusy()) {  // RocksDB's own recovery is running (it retries every second)
    return Status::IoError("the storage is recovering from an earlier failure (" +
                           storage_failure_ + "); nothing was recorded; retry shortly");
  }
  if (!resumed.ok()) {
    return Status::IoError("the storage is failing since an earlier commit (" + storage_failure_ +
                           "); nothing was recorded: " + resumed.ToString());
  }
  storage_failure_.clear();
  return Status::Ok();
}

// Adds the commit-level records (balances, time index, heads) and writes everything at once.
Status RocksLedger::WriteStaged(PendingBatch& pending, const std::vector<TableFile>& files) {
  if (!pending.entries.empty() || pending.new_facts > 0) {
    for (const auto& [account, balance] : pending.balances) {
      pending.Put(kBalances, AccountKey(account), BalanceValue(balance, pending.head.sequence));
    }
    if (!pending.entries.empty()) pending.head.recorded_at = pending.recorded_at;
    if (pending.new_facts > 0) pending.facts_head.recorded_at = pending.recorded_at;
    std::string time_key;
    PutInstantKey(time_key, pending.recorded_at);
    PutFixed64(time_key, pending.head.sequence);
    if (!pending.entries.empty()) pending.Put(kTimeIndex, time_key, "");
    pending.Put(kMeta, kHeadKey, EncodeHead(pending.head));
    pending.Put(kMeta, kFactsHeadKey, EncodeHead(pending.facts_head));
  }
  bool has_files = false;
  for (const TableFile& file : files) has_files = has_files || file.records > 0;
  if (has_files) return IngestStaged(pending, files);
  rocksdb::WriteBatch batch;
  for (const auto& operation : pending.operations) {
    XCLEAR_RETURN_IF_ERROR(FromRocks(
        batch.Put(cf(operation.family), operation.key, operation.value), "staging the commit"));
  }
  rocksdb::WriteOptions write;
  write.sync = options_.storage.sync_wal;
  return FromRocks(db_->Write(write, &batch), "the commit failed; nothing was recorded");
}

// The large-commit path: the staged records are written into one sorted file per column family
// and ingested with the caller's files in a single atomic IngestExternalFiles.
Status RocksLedger::IngestStaged(PendingBatch& pending, const std::vector<TableFile>& files) {
  std::map<ColumnFamily, std::map<std::string, std::string>> sorted;
  for (auto& operation : pending.operations) {
    sorted[operation.family][std::move(operation.key)] = std::move(operation.value);  // last wins
  }
  std::map<ColumnFamily, std::vector<std::string>> paths;
  std::vector<std::filesystem::path> own_files;
  const auto cleanup = [&own_files] {
    for (const auto& path : own_files) RemoveQuietly(path);
  };
  for (const auto& [family, records] : sorted) {
    const std::filesystem::path path =
        IngestDirectory() / ("commit-" + std::to_string(table_file_counter_++) + ".sst");
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), db_->GetOptions(cf(family)), cf(family));
    rocksdb::Status status = writer.Open(path.string());
    for (auto it = records.begin(); status.ok() && it != records.end(); ++it) {
      status = writer.Put(it->first, it->second);
    }
    if (status.ok()) status = writer.Finish();
    own_files.push_back(path);
    if (!status.ok()) {
      cleanup();
      return FromRocks(status, "writing the commit file; nothing was recorded");
    }
    paths[family].push_back(path.string());
  }
  for (const TableFile& file : files) {
    if (file.records > 0) paths[FamilyOf(file.table)].push_back(file.path.string());
  }
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (auto& [family, family_paths] : paths) {
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = cf(family);
    arg.external_files = std::move(family_paths);
    arg.options.move_files = true;
    arg.options.failed_move_fall_back_to_copy = true;
    arg.options.snapshot_consistency = true;
    arg.options.allow_global_seqno = true;
    arg.options.allow_blocking_flush = true;
    args.push_back(std::move(arg));
  }
  const rocksdb::Status ingested = db_->IngestExternalFiles(args);
  cleanup();  // after a move only the extra links are left; after a failure, the files
  XCLEAR_RETURN_IF_ERROR(FromRocks(ingested, "the commit failed; nothing was recorded"));
  // Without background merging (a CLI process), a table whose ingested files overlap — the claim
  // index — gains a sorted run per commit; past kSortedRunsMax they are merged here, after the
  // commit is durable, so that a lookup never probes more.
  if (!options_.background_compaction) {
    for (const auto& arg : args) {
      rocksdb::ColumnFamilyMetaData meta;
      db_->GetColumnFamilyMetaData(arg.column_family, &meta);
      if (!meta.levels.empty() && meta.levels[0].files.size() > kSortedRunsMax) {
        rocksdb::CompactRangeOptions compact;
        compact.exclusive_manual_compaction = false;
        XCLEAR_RETURN_IF_ERROR(FromRocks(
            db_->CompactRange(compact, arg.column_family, nullptr, nullptr), "merging a table"));
      }
    }
  }
  return Status::Ok();
}

Status RocksLedger::StageDraft(const EntryDraft& draft, PendingBatch& pending,
                               std::vector<AppendResult>& results) {
  XCLEAR_RETURN_IF_ERROR(ValidateDraft(draft, participants_, options_.limits));
  Digest content{};
  if (!draft.idempotency_key.empty()) {
    content = DraftContentDigest(draft);
    uint64_t known_sequence = 0;
    Digest known_content{};
    const auto staged = pending.keys.find(draft.idempotency_key);
    if (staged != pending.keys.end()) {
      known_sequence = staged->second.first;
      known_content = staged->second.second;
    } else {
      std::string value;
      const rocksdb::Status got =
          db_->Get(rocksdb::ReadOptions(), cf(kIdempotency), draft.idempotency_key, &value);
      if (!got.IsNotFound()) {
        XCLEAR_RETURN_IF_ERROR(FromRocks(got, "reading idempotency keys"));
        if (!DecodeIdempotencyRecord(value, known_sequence, known_content)) {
          return Status::Corruption("an idempotency record is malformed");
        }
      }
    }
    if (known_sequence != 0) {
      if (known_content != content) {
        return Status::Conflict("idempotency key \"" + draft.idempotency_key +
                                "\" was already used for a different entry (sequence " +
                                std::to_string(known_sequence) + ")");
      }
      XCLEAR_ASSIGN_OR_RETURN(const JournalEntry original, EntryOrPending(known_sequence, pending));
      results.push_back({known_sequence, true, original.hash});
      return Status::Ok();
    }
  }
  if (draft.kind == EntryKind::kReversal) XCLEAR_RETURN_IF_ERROR(CheckReversal(draft, pending));

  JournalEntry entry;
  static_cast<EntryDraft&>(entry) = draft;
  entry.sequence = pending.head.sequence + 1;
  entry.recorded_at = pending.recorded_at;
  const std::string value = ChainedValue(
      pending.head.hash, EncodeEntryBody(draft, entry.sequence, entry.recorded_at), entry.hash);
  assert(DecodeEntry(value).ok() && "an encoded entry must decode");
  pending.Put(kJournal, SequenceKey(entry.sequence), value);

  std::map<AccountId, Fen> touched;
  for (const Posting& posting : draft.postings) {
    auto staged = pending.balances.find(posting.account);
    if (staged == pending.balances.end()) {
      const auto current = balances_.find(posting.account);
      staged = pending.balances
                   .emplace(posting.account, current == balances_.end() ? Fen(0) : current->second)
                   .first;
    }
    staged->second += posting.Signed().fen();
    touched[posting.account] = staged->second;
  }
  for (const auto& [account, balance] : touched) {
    std::string amount;
    PutAmount(amount, balance);
    pending.Put(kHistory, HistoryKey(account, entry.sequence), amount);
  }
  if (!draft.idempotency_key.empty()) {
    pending.Put(kIdempotency, draft.idempotency_key,
                EncodeIdempotencyRecord(entry.sequence, content));
    pending.keys[draft.idempotency_key] = {entry.sequence, content};
  }
  if (draft.kind == EntryKind::kReversal) {
    pending.Put(kReversals, SequenceKey(draft.reverses_sequence), SequenceKey(entry.sequence));
    pending.reversals[draft.reverses_sequence] = entry.sequence;
  }
  pending.head.sequence = entry.sequence;
  pending.head.hash = entry.hash;
  results.push_back({entry.sequence, false, entry.hash});
  pending.entries.push_back(std::move(entry));
  return Status::Ok();
}

Status RocksLedger::CheckReversal(const EntryDraft& draft, const PendingBatch& pending) const {
  const uint64_t target = draft.reverses_sequence;
  auto original = EntryOrPending(target, pending);
  if (!original.ok()) {
    return Status::NotFound("entry " + std::to_string(target) + " to reverse does not exist");
  }
  XCLEAR_RETURN_IF_ERROR(CheckReversible(*original));
  std::string value;
  const rocksdb::Status got =
      db_->Get(rocksdb::ReadOptions(), cf(kReversals), SequenceKey(target), &value);
  if (!got.IsNotFound() || pending.reversals.count(target) > 0) {
    XCLEAR_RETURN_IF_ERROR(FromRocks(got, "reading reversals"));
    const uint64_t by =
        value.size() == 8 ? DecodeFixed64(value.data()) : pending.reversals.at(target);
    return Status::Refused("entry " + std::to_string(target) + " was already reversed by entry " +
                           std::to_string(by));
  }
  if (!SamePostingsNegated(original->postings, draft.postings)) {
    return Status::InvalidArgument("a reversal must carry the postings of entry " +
                                   std::to_string(target) + " with debit and credit swapped");
  }
  return Status::Ok();
}

Result<JournalEntry> RocksLedger::EntryOrPending(uint64_t sequence,
                                                 const PendingBatch& pending) const {
  if (sequence > head_.sequence) {
    const uint64_t offset = sequence - head_.sequence - 1;
    if (offset < pending.entries.size()) return pending.entries[offset];
    return Status::NotFound("entry " + std::to_string(sequence) + " does not exist");
  }
  return Entry(sequence);
}

Result<AppendResult> RocksLedger::Reverse(uint64_t sequence, const std::string& actor,
                                          const std::string& idempotency_key,
                                          const std::string& memo, const Date& effective_date) {
  XCLEAR_ASSIGN_OR_RETURN(const JournalEntry original, Entry(sequence));
  EntryDraft draft;
  draft.kind = EntryKind::kReversal;
  draft.effective_date = effective_date;
  draft.actor = actor;
  draft.idempotency_key = idempotency_key;
  draft.source_reference = "reverses entry " + std::to_string(sequence);
  draft.memo = memo;
  draft.reverses_sequence = sequence;
  draft.postings = Negated(original.postings);
  return AppendOne(draft);
}

Result<JournalEntry> RocksLedger::Entry(uint64_t sequence) const {
  std::string value;
  const rocksdb::Status got =
      db_->Get(rocksdb::ReadOptions(), cf(kJournal), SequenceKey(sequence), &value);
  if (got.IsNotFound()) {
    return Status::NotFound("entry " + std::to_string(sequence) + " does not exist");
  }
  XCLEAR_RETURN_IF_ERROR(FromRocks(got, "reading entry " + std::to_string(sequence)));
  auto entry = DecodeEntry(value);
  if (!entry.ok()) return entry.status().WithContext("entry " + std::to_string(sequence));
  return entry;
}

Status RocksLedger::ForEachEntry(uint64_t first, uint64_t last,
                                 const std::function<Status(const JournalEntry&)>& visit) const {
  last = std::min(last, Head().sequence);
  if (first == 0) first = 1;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kJournal)));
  for (it->Seek(SequenceKey(first)); it->Valid(); it->Next()) {
    const uint64_t sequence = DecodeFixed64(it->key().data());
    if (sequence > last) break;
    auto entry = DecodeEntry(std::string_view(it->value().data(), it->value().size()));
    if (!entry.ok()) return entry.status().WithContext("entry " + std::to_string(sequence));
    XCLEAR_RETURN_IF_ERROR(visit(*entry));
  }
  return FromRocks(it->status(), "reading the journal");
}

uint64_t RocksLedger::Version() const { return version_.load(std::memory_order_acquire); }

LedgerHead RocksLedger::Head() const {
  std::lock_guard lock(mutex_);
  return head_;
}

Result<uint64_t> RocksLedger::SequenceAt(const Instant& instant) const {
  std::string bound;
  PutInstantKey(bound, instant);
  PutFixed64(bound, UINT64_MAX);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kTimeIndex)));
  it->SeekForPrev(bound);
  if (!it->Valid()) {
    XCLEAR_RETURN_IF_ERROR(FromRocks(it->status(), "reading the time index"));
    return uint64_t{0};
  }
  if (it->key().size() != 16) return Status::Corruption("a time index record is malformed");
  return DecodeFixed64(it->key().data() + 8);
}

Result<Money> RocksLedger::HistoryBalance(const AccountId& account, uint64_t sequence) const {
  const std::string prefix = AccountKey(account);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kHistory)));
  it->SeekForPrev(HistoryKey(account, sequence));
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    XCLEAR_RETURN_IF_ERROR(FromRocks(it->status(), "reading balance history"));
    return Money::Zero();
  }
  if (it->value().size() != kAmountBytes)
    return Status::Corruption("a history record is malformed");
  return Money::FromFen(DecodeAmount(it->value().data()));
}

Result<Money> RocksLedger::Balance(const AccountId& account, uint64_t as_of_sequence) const {
  XCLEAR_RETURN_IF_ERROR(ValidateAccount(account, participants_));
  {
    std::lock_guard lock(mutex_);
    if (as_of_sequence >= head_.sequence) {
      const auto it = balances_.find(account);
      return Money::FromFen(it == balances_.end() ? Fen(0) : it->second);
    }
  }
  return HistoryBalance(account, as_of_sequence);
}

Result<TrialBalance> RocksLedger::TrialBalanceAt(uint64_t as_of_sequence) const {
  TrialBalance trial;
  std::map<AccountId, Fen> balances;
  bool at_head = false;
  {
    std::lock_guard lock(mutex_);
    trial.as_of_sequence = std::min(as_of_sequence, head_.sequence);
    at_head = trial.as_of_sequence == head_.sequence;
    if (at_head) {
      trial.as_of_hash = head_.hash;
      balances = balances_;
    }
  }
  if (!at_head && trial.as_of_sequence > 0) {
    XCLEAR_ASSIGN_OR_RETURN(const JournalEntry at, Entry(trial.as_of_sequence));
    trial.as_of_hash = at.hash;
    XCLEAR_ASSIGN_OR_RETURN(balances, HistoricalBalances(trial.as_of_sequence));
  }
  for (const auto& [account, balance] : balances) {
    const Money amount = Money::FromFen(balance);
    trial.accounts.push_back({account, amount});
    trial.province_totals[account.owner] += amount;
    trial.total += amount;
  }
  return trial;
}

Result<std::map<AccountId, Fen>> RocksLedger::HistoricalBalances(uint64_t sequence) const {
  // The balances after an entry never change once later entries exist (the journal is append
  // only): what was read for a sequence below the head is kept and answered again. A provincial
  // statement asks for the same month boundaries over and over (each read was 4 000 history
  // seeks).
  {
    std::lock_guard lock(historical_mutex_);
    for (const auto& [kept_sequence, kept] : historical_) {
      if (kept_sequence == sequence) return kept;
    }
  }
  // A sequence a few entries below the head (a month still running, whose last entry was the
  // head a moment ago): the current balances with those entries' postings taken back, and the
  // accounts they opened left out.
  std::map<AccountId, Fen> current;
  uint64_t head = 0;
  bool walk_back = false;
  {
    std::lock_guard lock(mutex_);
    head = head_.sequence;
    walk_back = head >= sequence && head - sequence <= kWalkBackEntriesMax;
    if (walk_back) current = balances_;
  }
  if (walk_back) {
    std::set<AccountId> touched;
    for (uint64_t later = head; later > sequence; --later) {
      XCLEAR_ASSIGN_OR_RETURN(const JournalEntry entry, Entry(later));
      for (const Posting& posting : entry.postings) {
        current[posting.account] -= posting.Signed().fen();
        touched.insert(posting.account);
      }
    }
    std::unique_ptr<rocksdb::Iterator> history(
        db_->NewIterator(rocksdb::ReadOptions(), cf(kHistory)));
    for (const AccountId& account : touched) {
      history->SeekForPrev(HistoryKey(account, sequence));
      if (!history->Valid() || !history->key().starts_with(AccountKey(account)))
        current.erase(account);  // first posted after `sequence`
    }
    XCLEAR_RETURN_IF_ERROR(FromRocks(history->status(), "reading balance history"));
    return current;
  }
  std::map<AccountId, Fen> out;
  std::unique_ptr<rocksdb::Iterator> accounts(
      db_->NewIterator(rocksdb::ReadOptions(), cf(kBalances)));
  std::unique_ptr<rocksdb::Iterator> history(
      db_->NewIterator(rocksdb::ReadOptions(), cf(kHistory)));
  for (accounts->SeekToFirst(); accounts->Valid(); accounts->Next()) {
    const AccountId account = DecodeAccount(accounts->key().data());
    history->SeekForPrev(HistoryKey(account, sequence));
    // No record at or before `sequence`: the account was first posted to later.
    if (!history->Valid() || !history->key().starts_with(accounts->key())) continue;
    if (history->value().size() != kAmountBytes) {
      return Status::Corruption("a history record is malformed");
    }
    out[account] = DecodeAmount(history->value().data());
  }
  XCLEAR_RETURN_IF_ERROR(FromRocks(history->status(), "reading balance history"));
  XCLEAR_RETURN_IF_ERROR(FromRocks(accounts->status(), "reading balances"));
  if (sequence < Head().sequence) {  // below the head: final
    std::lock_guard lock(historical_mutex_);
    if (historical_.size() == kHistoricalKept) historical_.pop_front();
    historical_.emplace_back(sequence, out);
  }
  return out;
}

Status RocksLedger::StageFact(const FactDraft& draft, PendingBatch& pending,
                              std::vector<Fact>& results) {
  const uint32_t text_max = options_.limits.text_field_bytes_max;
  if (draft.key.empty() || draft.key.size() > text_max) {
    return Status::InvalidArgument("a fact key must be 1.." + std::to_string(text_max) + " bytes");
  }
  if (draft.actor.empty() || draft.actor.size() > text_max) {
    return Status::InvalidArgument("a fact needs an actor of at most " + std::to_string(text_max) +
                                   " bytes");
  }
  if (draft.payload.size() > options_.limits.memo_bytes_max) {
    return Status::InvalidArgument("a fact's text is " + std::to_string(draft.payload.size()) +
                                   " bytes; at most " +
                                   std::to_string(options_.limits.memo_bytes_max) + " are allowed");
  }
  std::optional<Fact> known;
  const auto staged = pending.fact_keys.find(draft.key);
  if (staged != pending.fact_keys.end()) {
    known = results[staged->second];
  } else {
    XCLEAR_ASSIGN_OR_RETURN(known, FindFact(draft.key));
  }
  if (known) {
    if (known->kind != draft.kind || known->payload != draft.payload ||
        known->actor != draft.actor) {
      return Status::Conflict("\"" + draft.key + "\" was already recorded on " +
                              known->recorded_at.ToString() + " by " + known->actor +
                              " with different content");
    }
    known->replayed = true;
    results.push_back(*known);
    return Status::Ok();
  }
  Fact fact;
  static_cast<FactDraft&>(fact) = draft;
  fact.sequence = pending.facts_head.sequence + 1;
  fact.recorded_at = pending.recorded_at;
  pending.Put(kFacts, SequenceKey(fact.sequence),
              ChainedValue(pending.facts_head.hash,
                           EncodeFactBody(draft, fact.sequence, fact.recorded_at), fact.hash));
  pending.Put(kFactKeys, draft.key, SequenceKey(fact.sequence));
  pending.facts_head.sequence = fact.sequence;
  pending.facts_head.hash = fact.hash;
  pending.fact_keys[draft.key] = results.size();
  ++pending.new_facts;
  results.push_back(std::move(fact));
  return Status::Ok();
}

Result<std::optional<uint64_t>> RocksLedger::FindByIdempotencyKey(
    std::string_view idempotency_key) const {
  std::string value;
  const rocksdb::Status got =
      db_->Get(rocksdb::ReadOptions(), cf(kIdempotency), idempotency_key, &value);
  if (got.IsNotFound()) return std::optional<uint64_t>();
  XCLEAR_RETURN_IF_ERROR(FromRocks(got, "reading the idempotency index"));
  uint64_t sequence = 0;
  Digest content{};
  if (!DecodeIdempotencyRecord(value, sequence, content)) {
    return Status::Corruption("an idempotency record is malformed");
  }
  return std::optional<uint64_t>(sequence);
}

Result<std::optional<Fact>> RocksLedger::FindFact(std::string_view key) const {
  std::string sequence;
  const rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), cf(kFactKeys), key, &sequence);
  if (got.IsNotFound()) return std::optional<Fact>();
  XCLEAR_RETURN_IF_ERROR(FromRocks(got, "reading fact keys"));
  std::string value;
  XCLEAR_RETURN_IF_ERROR(
      FromRocks(db_->Get(rocksdb::ReadOptions(), cf(kFacts), sequence, &value), "reading a fact"));
  XCLEAR_ASSIGN_OR_RETURN(Fact fact, DecodeFact(value));
  return std::optional<Fact>(std::move(fact));
}

Status RocksLedger::ForEachFact(std::string_view key_prefix,
                                const std::function<Status(const Fact&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kFactKeys)));
  for (it->Seek(rocksdb::Slice(key_prefix.data(), key_prefix.size()));
       it->Valid() && it->key().starts_with(rocksdb::Slice(key_prefix.data(), key_prefix.size()));
       it->Next()) {
    std::string value;
    XCLEAR_RETURN_IF_ERROR(FromRocks(
        db_->Get(rocksdb::ReadOptions(), cf(kFacts), it->value(), &value), "reading a fact"));
    XCLEAR_ASSIGN_OR_RETURN(const Fact fact, DecodeFact(value));
    XCLEAR_RETURN_IF_ERROR(visit(fact));
  }
  return FromRocks(it->status(), "reading fact keys");
}

Result<std::optional<std::string>> RocksLedger::Get(Table table, std::string_view key) const {
  std::string value;
  const rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), cf(FamilyOf(table)),
                                       rocksdb::Slice(key.data(), key.size()), &value);
  if (got.IsNotFound()) return std::optional<std::string>();
  XCLEAR_RETURN_IF_ERROR(FromRocks(got, "reading a table"));
  return std::optional<std::string>(std::move(value));
}

Status RocksLedger::MultiGet(Table table, const std::vector<std::string_view>& keys,
                             std::vector<std::string>& values, std::vector<bool>& found,
                             bool keys_sorted) const {
  const size_t count = keys.size();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(count);
  for (const auto& key : keys) slices.emplace_back(key.data(), key.size());
  std::vector<rocksdb::PinnableSlice> pinned(count);
  std::vector<rocksdb::Status> statuses(count);
  db_->MultiGet(rocksdb::ReadOptions(), cf(FamilyOf(table)), count, slices.data(), pinned.data(),
                statuses.data(), keys_sorted);
  values.assign(count, std::string());
  found.assign(count, false);
  for (size_t i = 0; i < count; ++i) {
    if (statuses[i].IsNotFound()) continue;
    XCLEAR_RETURN_IF_ERROR(FromRocks(statuses[i], "reading a table"));
    values[i].assign(pinned[i].data(), pinned[i].size());
    found[i] = true;
  }
  return Status::Ok();
}

namespace {

// A cursor over a RocksDB iterator — of the database or of a table file's reader, which it then
// owns — together with the bounds the iterator points at.
class RocksCursor final : public TableCursor {
 public:
  RocksCursor(std::string lower, std::string upper,
              std::unique_ptr<rocksdb::SstFileReader> reader = nullptr)
      : lower_(std::move(lower)), upper_(std::move(upper)), reader_(std::move(reader)) {
    upper_slice_ = rocksdb::Slice(upper_);
    if (!upper_.empty()) options_.iterate_upper_bound = &upper_slice_;
    // Cursors serve range scans (a month of claims): read ahead in large chunks and keep the
    // scanned blocks out of the block cache, where they would only evict the hot point-lookup
    // blocks.
    options_.readahead_size = 4u << 20;
    options_.fill_cache = false;
  }
  const rocksdb::ReadOptions& options() const { return options_; }
  void Start(std::unique_ptr<rocksdb::Iterator> iterator) {
    iterator_ = std::move(iterator);
    iterator_->Seek(lower_);
  }
  bool Valid() const override { return iterator_->Valid(); }
  void Next() override { iterator_->Next(); }
  void Seek(std::string_view key) override {
    iterator_->Seek(rocksdb::Slice(key.data(), key.size()));
  }
  std::string_view key() const override {
    return std::string_view(iterator_->key().data(), iterator_->key().size());
  }
  std::string_view value() const override {
    return std::string_view(iterator_->value().data(), iterator_->value().size());
  }
  Status status() const override { return FromRocks(iterator_->status(), "reading a table"); }

 private:
  std::string lower_;
  std::string upper_;
  rocksdb::Slice upper_slice_;
  rocksdb::ReadOptions options_;
  std::unique_ptr<rocksdb::SstFileReader> reader_;  // declared before iterator_: outlives it
  std::unique_ptr<rocksdb::Iterator> iterator_;
};

// A table file is synced when it is finished; asking the kernel to write it out every
// megabyte meanwhile keeps that final sync short (the writing overlaps the building).
rocksdb::EnvOptions WriterEnvOptions() {
  rocksdb::EnvOptions options;
  options.bytes_per_sync = 1 << 20;
  return options;
}

class SstTableFileWriter final : public TableFileWriter {
 public:
  SstTableFileWriter(Table table, std::filesystem::path path, const rocksdb::Options& options,
                     rocksdb::ColumnFamilyHandle* family)
      : table_(table), path_(std::move(path)), writer_(WriterEnvOptions(), options, family) {}
  ~SstTableFileWriter() override {
    if (!finished_) RemoveQuietly(path_);
  }
  Status Open() { return FromRocks(writer_.Open(path_.string()), "creating " + path_.string()); }
  Status Put(std::string_view key, std::string_view value) override {
    ++records_;
    return FromRocks(writer_.Put(rocksdb::Slice(key.data(), key.size()),
                                 rocksdb::Slice(value.data(), value.size())),
                     "writing " + path_.string());
  }
  Result<TableFile> Finish() override {
    finished_ = true;
    if (records_ == 0) {
      RemoveQuietly(path_);
      return TableFile{table_, {}, 0};
    }
    const rocksdb::Status finished = writer_.Finish();
    if (!finished.ok()) RemoveQuietly(path_);
    XCLEAR_RETURN_IF_ERROR(FromRocks(finished, "finishing " + path_.string()));
    return TableFile{table_, path_, records_};
  }

 private:
  Table table_;
  std::filesystem::path path_;
  rocksdb::SstFileWriter writer_;
  uint64_t records_ = 0;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<TableCursor> RocksLedger::NewCursor(Table table, std::string lower,
                                                    std::string upper) const {
  auto cursor = std::make_unique<RocksCursor>(std::move(lower), std::move(upper));
  cursor->Start(
      std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(cursor->options(), cf(FamilyOf(table)))));
  return cursor;
}

Result<std::unique_ptr<TableFileWriter>> RocksLedger::NewTableFile(Table table) {
  const std::filesystem::path path =
      IngestDirectory() / ("table-" + std::to_string(table_file_counter_++) + ".sst");
  const ColumnFamily family = FamilyOf(table);
  auto writer =
      std::make_unique<SstTableFileWriter>(table, path, db_->GetOptions(cf(family)), cf(family));
  XCLEAR_RETURN_IF_ERROR(writer->Open());
  return std::unique_ptr<TableFileWriter>(std::move(writer));
}

Result<std::unique_ptr<TableCursor>> RocksLedger::OpenTableFile(const TableFile& file) const {
  auto reader = std::make_unique<rocksdb::SstFileReader>(db_->GetOptions(cf(FamilyOf(file.table))));
  XCLEAR_RETURN_IF_ERROR(
      FromRocks(reader->Open(file.path.string()), "opening " + file.path.string()));
  rocksdb::SstFileReader& opened = *reader;
  auto cursor = std::make_unique<RocksCursor>(std::string(), std::string(), std::move(reader));
  cursor->Start(std::unique_ptr<rocksdb::Iterator>(opened.NewIterator(cursor->options())));
  return std::unique_ptr<TableCursor>(std::move(cursor));
}

ColumnFamily FamilyOf(Table table) {
  switch (table) {
    case Table::kClaims:
      return kClaims;
    case Table::kClaimsByMonth:
      return kClaimsByMonth;
    case Table::kClaimAggregates:
      return kClaimAggregates;
    case Table::kDeclarations:
      return kDeclarations;
    case Table::kStatements:
      return kStatements;
    case Table::kNotices:
      return kNotices;
    case Table::kResponses:
      return kResponses;
    case Table::kClaimIndex:
      return kClaimIndex;
    case Table::kLateAggregates:
      return kLateAggregates;
    case Table::kClaimLinks:
      return kClaimLinks;
    case Table::kTableCount:
      break;
  }
  assert(false && "unknown table");
  return kMeta;
}

}  // namespace xclear::ledger_internal

namespace xclear {

Result<AppendResult> Ledger::AppendOne(const EntryDraft& draft) {
  auto results = Append({draft});
  if (!results.ok()) return results.status();
  return results->front();
}

Result<uint64_t> ResolveAsOf(const Ledger& ledger, std::string_view text) {
  if (text.empty()) return ledger.Head().sequence;
  if (text.find_first_not_of("0123456789") == std::string_view::npos && text.size() <= 19) {
    return static_cast<uint64_t>(std::stoull(std::string(text)));
  }
  auto instant = Instant::Parse(std::string(text));
  if (!instant.ok()) {
    return Status::InvalidArgument("as-of \"" + std::string(text.substr(0, 40)) +
                                   "\" is neither a sequence number nor a time");
  }
  return ledger.SequenceAt(*instant);
}

Result<AsOfPoint> ResolveAsOfPoint(const Ledger& ledger, std::string_view text) {
  XCLEAR_ASSIGN_OR_RETURN(const uint64_t sequence, ResolveAsOf(ledger, text));
  AsOfPoint point;
  point.sequence = std::min(sequence, ledger.Head().sequence);
  if (point.sequence > 0) {
    XCLEAR_ASSIGN_OR_RETURN(const JournalEntry entry, ledger.Entry(point.sequence));
    point.hash = entry.hash;
  }
  return point;
}

Result<Money> Ledger::CurrentBalance(const AccountId& account) const {
  return Balance(account, Head().sequence);
}

Result<std::unique_ptr<Ledger>> OpenLedger(const LedgerOptions& options,
                                           const Participants& participants, const Clock& clock) {
  return ledger_internal::RocksLedger::Open(options, participants, clock);
}

}  // namespace xclear

namespace xclear::ledger_internal {

Result<uint64_t> RocksLedger::TableRuns(Table table) const {
  rocksdb::ColumnFamilyMetaData meta;
  db_->GetColumnFamilyMetaData(cf(FamilyOf(table)), &meta);
  uint64_t runs = 0;
  for (const rocksdb::LevelMetaData& level : meta.levels) {
    if (level.files.empty()) continue;
    runs += level.level == 0 ? level.files.size() : 1;
  }
  return runs;
}

Status RocksLedger::CompactTable(Table table) {
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kIfHaveCompactionFilter;
  options.exclusive_manual_compaction = false;
  return FromRocks(db_->CompactRange(options, cf(FamilyOf(table)), nullptr, nullptr),
                   "compacting a table");
}

}  // namespace xclear::ledger_internal
