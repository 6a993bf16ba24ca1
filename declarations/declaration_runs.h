// The second half of the declaration pipeline (internal to declarations/): what becomes of the
// claims a declaration has read and validated. See declaration_runs.cc for the stages and
// which thread runs them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "claim_codec.h"
#include "xclear/declarations.h"
#include "xclear/ledger.h"

namespace xclear::declarations_internal {

// Totals of one (month, insured, category, late) group of a run in plain 64-bit integers: a
// run's sums cannot overflow (run_claims_max × the maximum claim amount < 2^63, checked by
// Declarations' constructor); they are folded into the checked 128-bit aggregates once per run.
struct RunTotals {
  uint64_t count = 0, fund = 0, total = 0;
  Digest digest{};
};

inline constexpr size_t kCodeSlots = 100;  // provincial codes by their first two digits
inline constexpr size_t kFlagValues = 4;   // kClaimLate | kClaimReversal
inline constexpr size_t kTotalsPerMonth = kCodeSlots * 4 * kFlagValues;

// Up to `capacity` validated claims in arrival order, and what the writer learns about each.
// The reading thread appends; the writer's threads work on records the reader has handed over
// (Digest and LookUp on disjoint per-record arrays, then Finish). The buffers are allocated
// once, at their full size, and never move (untouched pages cost no memory).
class Run {
 public:
  static constexpr size_t kRecordBytesMax = 1 + kClaimIdBytesMax + kClaimValueBytes;
  static constexpr size_t kCapacityMax = UINT32_MAX / kRecordBytesMax;  // 32-bit offsets
  explicit Run(size_t capacity);
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  // Appends a claim whose value EncodeClaimValueRaw wrote; false when the run is full.
  bool Add(std::string_view claim_id, std::string_view value);
  size_t size() const { return size_; }
  bool full() const { return size_ == capacity_; }
  void Clear();
  uint64_t generation() const { return generation_; }  // advances with every Clear

  std::string_view IdAt(size_t i) const { return IdAtOffset(offsets_[i]); }
  std::string_view ValueAt(size_t i) const { return ValueAtOffset(offsets_[i]); }
  uint64_t RowAt(size_t i) const { return ClaimValueView(ValueAt(i)).row(); }
  // The same by a record's place in the arena (no read of the offsets: dense sorts carry it).
  uint32_t OffsetOf(size_t i) const { return offsets_[i]; }
  std::string_view IdAtOffset(uint32_t offset) const {
    return std::string_view(arena_ + offset + 1, static_cast<uint8_t>(arena_[offset]));
  }
  std::string_view ValueAtOffset(uint32_t offset) const {
    return std::string_view(arena_ + offset + 1 + static_cast<uint8_t>(arena_[offset]),
                            kClaimValueBytes);
  }
  void PrefetchOffset(uint32_t offset) const {
    __builtin_prefetch(arena_ + offset);
    __builtin_prefetch(arena_ + offset + 64);
  }

  // Per record. By the reader: the id's hash (ClaimIdHash). By LookUp: state (RunWriter::State)
  // and whether a recorded claim holds the hash. By Digest: the month slot and the group
  // (slot × kCodeSlots + insured code).
  std::unique_ptr<uint64_t[]> hashes;
  std::unique_ptr<uint8_t[]> states;
  std::unique_ptr<uint8_t[]> held;
  std::unique_ptr<uint8_t[]> slots;
  std::unique_ptr<uint16_t[]> groups;
  // By Digest: the months (by slot), the totals (slot × kTotalsPerMonth), the first id and the
  // length of the prefix every id shares with it.
  std::vector<int32_t> months;
  std::vector<RunTotals> totals;
  std::string first_id;
  size_t common_prefix = 0;

 private:
  size_t capacity_;
  size_t arena_bytes_;
  char* arena_ = nullptr;  // mmap'ed
  std::unique_ptr<uint32_t[]> offsets_;
  size_t size_ = 0;
  size_t arena_used_ = 0;
  uint64_t generation_ = 0;
};

// The sums of one kind of record (claims, or reversals) of a declaration.
struct KindTotals {
  uint64_t recorded = 0;
  uint64_t late = 0;
  Fen fund = 0;
  Fen total = 0;
  Digest digest{};
  std::map<uint32_t, Fen> fund_by_insured;
};

// Everything the runs of one declaration add up to.
struct RunResults {
  std::vector<RowError> errors;  // duplicates within the declaration, conflicts with the ledger
  uint64_t duplicates = 0;
  KindTotals claims;
  KindTotals reversals;
  std::vector<std::string> duplicate_ids;
  std::vector<TableFile> files;
  std::vector<TableWrite> writes;
  std::map<AggregateKey, Aggregate> aggregates;
  std::map<AggregateKey, Aggregate> late_aggregates;  // this declaration's late claims
};

// Checks the runs of one declaration against each other and against the ledger, and turns their
// new claims into table files (or plain writes for a small declaration). One run at a time:
// Observe the records as they are published, then Finish the run.
class RunWriter {
 public:
  RunWriter(Ledger& ledger, uint32_t treatment, const DeclarationLimits& limits);
  ~RunWriter();
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  // Records [begin, end) of `run`: their group totals and ClaimDigests (Digest), and a lookup of
  // their hashes in the ledger's claim index (LookUp). The two may run side by side, and LookUp
  // beside the Finish of the previous run; each is called for a run's records in order.
  Status Digest(Run& run, size_t begin, size_t end);
  Status LookUp(Run& run, size_t begin, size_t end);
  // Another thread that Finish may hand half of its work to.
  class Helper {
   public:
    virtual ~Helper() = default;
    virtual void Start(std::function<Status()> work) = 0;
    virtual Status Wait() = 0;  // the work's status, once it is done
  };
  // After every record of `run` is observed: checks the run for claim ids given twice (within
  // it and against earlier runs) and writes its new claims: the claim index on this thread, the
  // claims on `helper` when one is given. `refused`: the declaration is refused already (reading
  // found bad rows): check, write nothing. `last`: no run follows (a small declaration's only
  // run may then become plain writes).
  Status Finish(Run& run, bool last, bool refused, Helper* helper);

  RunResults& results() { return results_; }
  // The value of a new claim of this declaration with id `claim_id`, after its last Finish (a
  // reversal's original may come in the same declaration). Empty when it has none, or when the
  // declaration was refused before its claims were written.
  Result<std::optional<std::string>> FindNewClaim(std::string_view claim_id);
  // After the last Finish, when one run holds every new claim and is still in memory: makes
  // FindNewClaim read the new claims whose id hash is in `hashes` from it instead of from files.
  void KeepNewClaimsInMemory(const std::unordered_set<uint64_t>& hashes);
  // The rows of the declaration's reversals that the ledger already holds (duplicates).
  const std::unordered_set<uint64_t>& recorded_reversal_rows() const {
    return recorded_reversal_rows_;
  }
  // Closes the earlier runs' files that the lookups opened (before they are ingested).
  void CloseFoundFiles() { open_runs_.clear(); }
  // Removes the files written so far (the declaration was refused or its commit failed).
  void DiscardFiles();

 private:
  enum State : uint8_t { kNew = 0, kDuplicate = 1, kConflict = 2, kRepeated = 3 };
  struct EarlierRun {
    TableFile index;
    TableFile claims;
  };
  Status LookUpInLedger(Run& run, const std::vector<uint32_t>& records);
  Status CheckAgainstEarlierRuns(const Run& run, size_t record, bool& repeated);
  Result<std::optional<std::string>> FindInEarlierRuns(std::string_view claim_id);
  Status WriteIndex(const Run& run, bool checks_only, bool as_writes);
  Status WriteClaims(const Run& run, bool as_writes);
  void Fold(Run& run);
  std::vector<std::string> GroupLocators(const Run& run) const;
  void Reset();

  Ledger& ledger_;
  uint32_t treatment_;
  DeclarationLimits limits_;
  RunResults results_;
  std::mutex results_mutex_;  // LookUp's duplicates and conflicts, beside a Finish
  // Written by the two halves of Finish (which run side by side, each into its own members).
  std::vector<RowError> index_errors_;
  std::vector<uint8_t> repeated_;     // per record: its id came earlier in the declaration
  std::vector<uint64_t> new_hashes_;  // hashes of the run's new claims
  std::vector<uint64_t> new_held_;    // hashes whose short key the run's new claims took
  std::vector<TableWrite> index_writes_;
  std::vector<TableWrite> claims_writes_;
  TableFile index_file_;
  TableFile claims_file_;
  // Earlier runs of this declaration.
  std::vector<EarlierRun> earlier_;
  std::vector<uint64_t> earlier_hashes_;  // sorted: hashes of the new claims of earlier runs
  std::vector<uint64_t> earlier_held_;    // sorted: hashes whose short key an earlier run took
  struct EarlierDuplicate {               // a claim of an earlier run already recorded
    uint64_t hash;
    std::string id;
    uint64_t row;
    auto operator<=>(const EarlierDuplicate&) const = default;
  };
  std::vector<EarlierDuplicate> earlier_duplicates_;  // sorted by hash
  // FindNewClaim over plain writes: claim id → value, built on the first call.
  std::unordered_map<std::string_view, std::string_view> written_claims_;
  bool written_claims_built_ = false;
  std::unordered_set<uint64_t> recorded_reversal_rows_;
  const Run* written_run_ = nullptr;  // the run last written, and its generation then
  uint64_t written_generation_ = 0;
  // FindInEarlierRuns: each earlier run's (index, claims) files, opened on first use.
  std::vector<std::pair<std::unique_ptr<TableCursor>, std::unique_ptr<TableCursor>>> open_runs_;
};

}  // namespace xclear::declarations_internal
