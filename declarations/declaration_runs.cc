// The runs of a declaration, after reading and validation (declarations.cc reads).
//
// A run is up to run_claims_max validated claims in arrival order. Its stages:
//
//   Observe  while the run fills: each claim's id hash (claim_index.cc), its ClaimDigest and
//            its group totals; a lookup of the hashes in the ledger's claim index (MultiGet, in
//            hash order), then of the few claims found: identical → a duplicate no-op, different
//            → a conflict.
//   Finish   when the run is complete, two halves side by side on the two cores:
//            - the index half sorts the run by (hash, id), finds an id given twice (within the
//              run, and against earlier runs through their files), assigns each new claim its
//              index key and writes the run's claim-index file;
//            - the claims half buckets the new claims by (month, insured), sorts each bucket
//              by id and writes the run's claims_by_month file: one contiguous key range
//              (month ‖ treatment) that no other province's declaration touches.
//            Then the run's totals, less its duplicates, are folded into the aggregates.
//
// The reading thread (declarations.cc) hands Observe and the Finish of a full run to a worker
// thread and reads on; the last run's Finish runs its index half on the reading thread and its
// claims half on the worker. A declaration that fits in one chunk never starts the worker.
#include "declaration_runs.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "claim_index.h"
#include "xclear/encoding.h"
#include "xclear/text.h"

namespace xclear::declarations_internal {
namespace {

constexpr size_t kLookupGroup = 8192;

size_t TotalsIndex(size_t slot, uint32_t insured, Category category, uint8_t flags) {
  return slot * kTotalsPerMonth + insured / 10000 * (4 * kFlagValues) +
         (static_cast<size_t>(category) - 1) * kFlagValues + flags;
}

// The 8 bytes of `id` after `skip` bytes, big-endian, zero-padded: ids compare as these first.
uint64_t SortPrefix(std::string_view id, size_t skip) {
  uint64_t prefix = 0;
  for (size_t i = 0; i < 8; ++i) {
    const size_t at = skip + i;
    prefix = prefix << 8 | (at < id.size() ? static_cast<uint8_t>(id[at]) : 0);
  }
  return prefix;
}

// The error of a claim id given a second time in one declaration (row), first at `first_row`.
RowError RepeatedIdError(uint64_t row, std::string_view id, uint64_t first_row) {
  return {row, "claim_id",
          "claim_id \"" + std::string(id) + "\" appears twice in this declaration (also row " +
              std::to_string(first_row) + ")"};
}

// Sorted union of two sorted vectors.
void MergeInto(std::vector<uint64_t>& into, std::vector<uint64_t>& more) {
  std::sort(more.begin(), more.end());
  std::vector<uint64_t> merged(into.size() + more.size());
  std::merge(into.begin(), into.end(), more.begin(), more.end(), merged.begin());
  into.swap(merged);
  more.clear();
}

}  // namespace

Run::Run(size_t capacity) : capacity_(capacity), arena_bytes_(capacity * kRecordBytesMax) {
  // Anonymous memory is not touched until a record is written; huge pages, where the kernel
  // grants them, spare the TLB misses of the sorts' random reads.
  void* arena =
      ::mmap(nullptr, arena_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (arena == MAP_FAILED) throw std::bad_alloc();
  ::madvise(arena, arena_bytes_, MADV_HUGEPAGE);
  arena_ = static_cast<char*>(arena);
  offsets_.reset(new uint32_t[capacity]);
  // Left uninitialized (untouched, so free until used): each is written for a record before
  // it is read.
  hashes.reset(new uint64_t[capacity]);
  states.reset(new uint8_t[capacity]);
  held.reset(new uint8_t[capacity]);
  slots.reset(new uint8_t[capacity]);
  groups.reset(new uint16_t[capacity]);
}

Run::~Run() { ::munmap(arena_, arena_bytes_); }

bool Run::Add(std::string_view claim_id, std::string_view value) {
  if (size_ == capacity_) return false;
  hashes[size_] = ClaimIdHash(claim_id);
  char* record = arena_ + arena_used_;
  record[0] = static_cast<char>(claim_id.size());
  std::memcpy(record + 1, claim_id.data(), claim_id.size());
  std::memcpy(record + 1 + claim_id.size(), value.data(), kClaimValueBytes);
  offsets_[size_++] = static_cast<uint32_t>(arena_used_);
  arena_used_ += 1 + claim_id.size() + kClaimValueBytes;
  return true;
}

void Run::Clear() {
  ++generation_;
  size_ = 0;
  arena_used_ = 0;
  months.clear();
  totals.clear();
  first_id.clear();
  common_prefix = 0;
}

RunWriter::RunWriter(Ledger& ledger, uint32_t treatment, const DeclarationLimits& limits)
    : ledger_(ledger), treatment_(treatment), limits_(limits) {}

RunWriter::~RunWriter() = default;

void RunWriter::DiscardFiles() {
  CloseFoundFiles();
  for (const TableFile& file : results_.files) {
    std::error_code ignored;
    if (file.records > 0) std::filesystem::remove(file.path, ignored);
  }
  results_.files.clear();
}

Status RunWriter::Digest(Run& run, size_t begin, size_t end) {
  if (begin == 0 && end > 0) {
    run.first_id.assign(run.IdAt(0));
    run.common_prefix = run.first_id.size();
  }
  for (size_t i = begin; i < end; ++i) {
    const std::string_view id = run.IdAt(i);
    const std::string_view value = run.ValueAt(i);
    const ClaimValueView claim(value);
    const int32_t month = YearMonth::Of(claim.settled_on()).Ordinal();
    size_t slot = std::find(run.months.begin(), run.months.end(), month) - run.months.begin();
    if (slot == run.months.size()) {
      if (run.months.size() == 255) {  // a record has a byte for its month's slot
        return Status::InvalidArgument("a declaration's claims may span at most 255 months");
      }
      run.months.push_back(month);
      run.totals.resize(run.months.size() * kTotalsPerMonth);
    }
    run.slots[i] = static_cast<uint8_t>(slot);
    run.groups[i] = static_cast<uint16_t>(slot * kCodeSlots + claim.insured() / 10000);
    size_t same = 0;
    while (same < run.common_prefix && same < id.size() && id[same] == run.first_id[same]) ++same;
    run.common_prefix = same;
    RunTotals& sum =
        run.totals[TotalsIndex(slot, claim.insured(), claim.category(), claim.flags())];
    ++sum.count;
    sum.fund += claim.fund_fen();
    sum.total += claim.total_fen();
    AddDigest(sum.digest, ClaimDigestOfEncoded(id, value));
  }
  return Status::Ok();
}

Status RunWriter::LookUp(Run& run, size_t begin, size_t end) {
  std::vector<uint32_t> records;
  records.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    run.states[i] = kNew;
    run.held[i] = 0;
    records.push_back(static_cast<uint32_t>(i));
  }
  std::sort(records.begin(), records.end(),
            [&run](uint32_t a, uint32_t b) { return run.hashes[a] < run.hashes[b]; });
  return LookUpInLedger(run, records);
}

// `records` in hash order: one MultiGet of their hashes per group, then a lookup of the claims
// whose hash the index holds (almost always: the claim itself, declared again).
Status RunWriter::LookUpInLedger(Run& run, const std::vector<uint32_t>& records) {
  std::string key_bytes;
  std::vector<std::string_view> keys;
  std::vector<std::string> values;
  std::vector<bool> found;
  std::vector<uint32_t> held;  // records whose hash the index holds
  std::vector<std::string> locators;
  for (size_t group = 0; group < records.size(); group += kLookupGroup) {
    const size_t end = std::min(records.size(), group + kLookupGroup);
    key_bytes.clear();
    keys.clear();
    std::vector<size_t> first_of_key;  // index into records of each distinct hash
    for (size_t i = group; i < end; ++i) {
      if (i > group && run.hashes[records[i]] == run.hashes[records[i - 1]]) continue;
      first_of_key.push_back(i);
      EncodeIndexKey(run.hashes[records[i]], key_bytes);
    }
    for (size_t k = 0; k < first_of_key.size(); ++k) {
      keys.emplace_back(key_bytes.data() + 8 * k, 8);
    }
    XCLEAR_RETURN_IF_ERROR(ledger_.MultiGet(Table::kClaimIndex, keys, values, found, true));
    for (size_t k = 0; k < first_of_key.size(); ++k) {
      if (!found[k]) continue;
      if (values[k].size() != kLocatorBytes)
        return Status::Corruption("a claim index record is malformed");
      const size_t key_end = k + 1 < first_of_key.size() ? first_of_key[k + 1] : end;
      for (size_t i = first_of_key[k]; i < key_end; ++i) {
        held.push_back(records[i]);
        locators.push_back(values[k]);
      }
    }
  }
  if (held.empty()) return Status::Ok();
  // The claims under the hashes found: locator ‖ id in claims_by_month.
  std::vector<std::string> claim_keys(held.size());
  keys.clear();
  for (size_t i = 0; i < held.size(); ++i) {
    claim_keys[i] = locators[i];
    claim_keys[i].append(run.IdAt(held[i]));
    keys.emplace_back(claim_keys[i]);
    run.held[held[i]] = 1;
  }
  XCLEAR_RETURN_IF_ERROR(ledger_.MultiGet(Table::kClaimsByMonth, keys, values, found));
  for (size_t i = 0; i < held.size(); ++i) {
    const uint32_t record = held[i];
    std::optional<std::string> recorded;
    if (found[i]) {
      recorded = std::move(values[i]);
    } else {
      // Another claim holds the hash; this id, if recorded, is under hash ‖ id.
      XCLEAR_ASSIGN_OR_RETURN(auto stored, FindStoredClaim(ledger_, run.IdAt(record)));
      if (stored) recorded = std::move(stored->value);
    }
    if (!recorded) continue;
    const std::string_view ours = run.ValueAt(record);
    const std::string_view id = run.IdAt(record);
    // The same fields, and a claim again a claim, a reversal again a reversal (what it reverses
    // is compared in reversals.cc).
    if (recorded->size() == kClaimValueBytes &&
        recorded->compare(0, kClaimDigestFieldBytes, ours.substr(0, kClaimDigestFieldBytes)) == 0 &&
        ClaimValueView(*recorded).reversal() == ClaimValueView(ours).reversal()) {
      run.states[record] = kDuplicate;
      std::lock_guard lock(results_mutex_);  // lookups of the next run may run beside a Finish
      ++results_.duplicates;
      if (results_.duplicate_ids.size() < limits_.duplicates_listed_max) {
        results_.duplicate_ids.emplace_back(id);
      }
      continue;
    }
    run.states[record] = kConflict;
    if (recorded->size() != kClaimValueBytes)
      return Status::Corruption("claim " + std::string(id) + " is stored malformed");
    const ClaimValueView existing(*recorded);
    // Claim ids are unique across the ledger, so another province's id must refuse the row;
    // but which province, declaration and row hold it is that province's business.
    const std::string where =
        existing.treatment() == treatment_
            ? " is already recorded with different fields (declaration " +
                  DeclarationIdToHex(existing.declaration_id()) + ", row " +
                  std::to_string(existing.row()) + ")"
            : " is already recorded by another province; settlement ids are unique across "
              "the ledger";
    std::lock_guard lock(results_mutex_);
    results_.errors.push_back(
        {ClaimValueView(ours).row(), "claim_id", "claim_id " + QuoteText(id, 64) + where});
  }
  return Status::Ok();
}

// A claim of this run whose hash an earlier run's new claim has: the same id (an error) or a
// collision of two ids (both fine). Rare, so it reads the earlier runs' files.
Status RunWriter::CheckAgainstEarlierRuns(const Run& run, size_t record, bool& repeated) {
  const std::string_view id = run.IdAt(record);
  XCLEAR_ASSIGN_OR_RETURN(const auto earlier, FindInEarlierRuns(id));
  if (!earlier) return Status::Ok();
  repeated = true;
  index_errors_.push_back(RepeatedIdError(run.RowAt(record), id, ClaimValueView(*earlier).row()));
  return Status::Ok();
}

// The id's entry in an earlier run's index file, then its claim in that run's claims file. The
// files are opened once (opening one reads its index and filter: milliseconds, not a per-lookup
// cost) and stay open until CloseFoundFiles or DiscardFiles.
Result<std::optional<std::string>> RunWriter::FindInEarlierRuns(std::string_view claim_id) {
  std::string prefix;
  EncodeIndexKey(ClaimIdHash(claim_id), prefix);
  open_runs_.resize(earlier_.size());
  for (size_t run = 0; run < earlier_.size(); ++run) {
    const EarlierRun& earlier = earlier_[run];
    if (earlier.index.records == 0) continue;
    auto& [index, claims] = open_runs_[run];
    if (!index) {
      XCLEAR_ASSIGN_OR_RETURN(index, ledger_.OpenTableFile(earlier.index));
      XCLEAR_ASSIGN_OR_RETURN(claims, ledger_.OpenTableFile(earlier.claims));
    }
    for (index->Seek(prefix); index->Valid() && index->key().starts_with(prefix); index->Next()) {
      const std::string_view other = index->key().substr(8);
      if (!other.empty() && other != claim_id) continue;
      const std::string key = std::string(index->value()) + std::string(claim_id);
      claims->Seek(key);
      if (claims->Valid() && claims->key() == key) {
        return std::optional<std::string>(std::string(claims->value()));
      }
      XCLEAR_RETURN_IF_ERROR(claims->status());
    }
    XCLEAR_RETURN_IF_ERROR(index->status());
  }
  return std::optional<std::string>();
}

// The locator (claims_by_month key prefix) of each (month slot, insured code) group of the run.
std::vector<std::string> RunWriter::GroupLocators(const Run& run) const {
  std::vector<std::string> locators(run.months.size() * kCodeSlots);
  for (size_t slot = 0; slot < run.months.size(); ++slot) {
    for (size_t code = 0; code < kCodeSlots; ++code) {
      EncodeMonthKey(YearMonth::FromOrdinal(run.months[slot]), treatment_,
                     static_cast<uint32_t>(code * 10000), {}, locators[slot * kCodeSlots + code]);
    }
  }
  return locators;
}

// The index half of Finish: ids given twice, then the run's claim-index records in key order.
// It works on a dense array sorted by hash; a claim's bytes are read only when two hashes tie.
Status RunWriter::WriteIndex(const Run& run, bool checks_only, bool as_writes) {
  struct Entry {
    uint64_t hash;
    uint32_t record;
    uint16_t group;
    uint8_t state;
    uint8_t held;
  };
  static_assert(sizeof(Entry) == 16);
  const size_t n = run.size();
  std::vector<Entry> order(n);
  for (size_t i = 0; i < n; ++i) {
    order[i] = {run.hashes[i], static_cast<uint32_t>(i), run.groups[i], run.states[i], run.held[i]};
  }
  std::sort(order.begin(), order.end(), [&run](const Entry& a, const Entry& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    const int by_id = run.IdAt(a.record).compare(run.IdAt(b.record));
    return by_id != 0 ? by_id < 0 : a.record < b.record;  // then arrival (row) order
  });
  // Ids given twice in the run (equal hashes, then equal ids: adjacent, in row order), and
  // hashes an earlier run's new claim has (a walk along the sorted earlier hashes).
  size_t earlier = 0;
  for (size_t i = 0; i < n; ++i) {
    Entry& entry = order[i];
    if (i > 0 && order[i - 1].hash == entry.hash &&
        run.IdAt(order[i - 1].record) == run.IdAt(entry.record)) {
      size_t first = i - 1;  // the first occurrence: the row reported beside this one
      while (first > 0 && order[first - 1].hash == entry.hash &&
             run.IdAt(order[first - 1].record) == run.IdAt(entry.record)) {
        --first;
      }
      entry.state = kRepeated;
      index_errors_.push_back(RepeatedIdError(run.RowAt(entry.record), run.IdAt(entry.record),
                                              run.RowAt(order[first].record)));
      continue;
    }
    if (entry.state == kDuplicate && !earlier_duplicates_.empty()) {
      const std::string_view id = run.IdAt(entry.record);
      const auto same = std::lower_bound(
          earlier_duplicates_.begin(), earlier_duplicates_.end(), entry.hash,
          [](const EarlierDuplicate& earlier, uint64_t hash) { return earlier.hash < hash; });
      for (auto it = same; it != earlier_duplicates_.end() && it->hash == entry.hash; ++it) {
        if (it->id != id) continue;
        entry.state = kRepeated;
        index_errors_.push_back(RepeatedIdError(run.RowAt(entry.record), id, it->row));
        break;
      }
      continue;
    }
    if (entry.state != kNew || earlier_hashes_.empty()) continue;
    while (earlier < earlier_hashes_.size() && earlier_hashes_[earlier] < entry.hash) ++earlier;
    if (earlier < earlier_hashes_.size() && earlier_hashes_[earlier] == entry.hash) {
      bool repeated = false;
      XCLEAR_RETURN_IF_ERROR(CheckAgainstEarlierRuns(run, entry.record, repeated));
      if (repeated) entry.state = kRepeated;
    }
  }
  if (checks_only || !index_errors_.empty()) return Status::Ok();
  std::unique_ptr<TableFileWriter> writer;
  if (!as_writes) {
    XCLEAR_ASSIGN_OR_RETURN(writer, ledger_.NewTableFile(Table::kClaimIndex));
  }
  const std::vector<std::string> locators = GroupLocators(run);
  std::string key;
  bool run_holds_last = false;  // the previous new claim took its hash's short key
  uint64_t last_hash = 0;
  size_t held_by_earlier = 0;
  new_hashes_.reserve(n);
  for (const Entry& entry : order) {
    if (entry.state != kNew) continue;
    while (held_by_earlier < earlier_held_.size() && earlier_held_[held_by_earlier] < entry.hash)
      ++held_by_earlier;
    const bool held =
        entry.held != 0 ||
        (held_by_earlier < earlier_held_.size() && earlier_held_[held_by_earlier] == entry.hash) ||
        (run_holds_last && last_hash == entry.hash);
    key.clear();
    if (held) {
      EncodeOverflowIndexKey(entry.hash, run.IdAt(entry.record), key);
    } else {
      EncodeIndexKey(entry.hash, key);
      run_holds_last = true;
      last_hash = entry.hash;
      new_held_.push_back(entry.hash);
    }
    new_hashes_.push_back(entry.hash);
    const std::string& locator = locators[entry.group];
    if (as_writes) {
      index_writes_.push_back({Table::kClaimIndex, key, locator});
    } else {
      XCLEAR_RETURN_IF_ERROR(writer->Put(key, locator));
    }
  }
  if (!as_writes) {
    XCLEAR_ASSIGN_OR_RETURN(index_file_, writer->Finish());
  }
  return Status::Ok();
}

// The claims half of Finish: the run's new claims in claims_by_month key order — by month, then
// insured province (the treatment province is the declaring one), then id. Claims are bucketed
// by (month, insured) in arrival order (a sequential pass), each bucket sorted by 8 bytes of id
// after the run's common prefix (whole ids on a tie), and written with the next claims'
// bytes prefetched.
Status RunWriter::WriteClaims(const Run& run, bool as_writes) {
  const size_t n = run.size();
  std::vector<std::vector<std::pair<uint64_t, uint32_t>>> buckets(run.months.size() * kCodeSlots);
  for (size_t i = 0; i < n; ++i) {  // (sort prefix, offset in the arena)
    if (run.states[i] != kNew) continue;
    buckets[run.groups[i]].emplace_back(SortPrefix(run.IdAt(i), run.common_prefix),
                                        run.OffsetOf(i));
  }
  std::vector<size_t> month_order(run.months.size());
  for (size_t slot = 0; slot < run.months.size(); ++slot) month_order[slot] = slot;
  std::sort(month_order.begin(), month_order.end(),
            [&run](size_t a, size_t b) { return run.months[a] < run.months[b]; });
  std::unique_ptr<TableFileWriter> writer;
  if (!as_writes) {
    XCLEAR_ASSIGN_OR_RETURN(writer, ledger_.NewTableFile(Table::kClaimsByMonth));
  }
  const std::vector<std::string> locators = GroupLocators(run);
  constexpr size_t kAhead = 16;
  std::string key;
  for (const size_t slot : month_order) {
    for (size_t code = 0; code < kCodeSlots; ++code) {
      auto& bucket = buckets[slot * kCodeSlots + code];
      if (bucket.empty()) continue;
      std::sort(bucket.begin(), bucket.end(), [&run](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first < b.first;
        return run.IdAtOffset(a.second) < run.IdAtOffset(b.second);
      });
      const std::string& locator = locators[slot * kCodeSlots + code];
      for (size_t i = 0; i < bucket.size(); ++i) {
        if (i + kAhead < bucket.size()) run.PrefetchOffset(bucket[i + kAhead].second);
        const uint32_t offset = bucket[i].second;
        if (i > 0 && run.IdAtOffset(bucket[i - 1].second) == run.IdAtOffset(offset)) {
          continue;  // an id given twice: the index half refuses the declaration for it
        }
        key.assign(locator);
        key.append(run.IdAtOffset(offset));
        const std::string_view value = run.ValueAtOffset(offset);
        if (as_writes) {
          claims_writes_.push_back({Table::kClaimsByMonth, key, std::string(value)});
        } else {
          XCLEAR_RETURN_IF_ERROR(writer->Put(key, value));
        }
      }
      std::vector<std::pair<uint64_t, uint32_t>>().swap(bucket);
    }
  }
  if (!as_writes) {
    XCLEAR_ASSIGN_OR_RETURN(claims_file_, writer->Finish());
  }
  return Status::Ok();
}

// The run's totals, less its duplicates (already recorded), into the declaration's aggregates.
void RunWriter::Fold(Run& run) {
  for (size_t record = 0; record < run.size(); ++record) {
    if (run.states[record] != kDuplicate) continue;
    const ClaimValueView claim(run.ValueAt(record));
    RunTotals& sum = run.totals[TotalsIndex(run.slots[record], claim.insured(), claim.category(),
                                            claim.flags())];
    --sum.count;
    sum.fund -= claim.fund_fen();
    sum.total -= claim.total_fen();
    SubtractDigest(sum.digest, ClaimDigestOfEncoded(run.IdAt(record), run.ValueAt(record)));
  }
  for (size_t slot = 0; slot < run.months.size(); ++slot) {
    for (size_t index = 0; index < kTotalsPerMonth; ++index) {
      const RunTotals& sum = run.totals[slot * kTotalsPerMonth + index];
      if (sum.count == 0) continue;
      const uint32_t insured = static_cast<uint32_t>(index / (4 * kFlagValues) * 10000);
      const auto flags = static_cast<uint8_t>(index % kFlagValues);
      const AggregateKey key{YearMonth::FromOrdinal(run.months[slot]),
                             treatment_,
                             insured,
                             static_cast<Category>(index % (4 * kFlagValues) / kFlagValues + 1),
                             (flags & kClaimLate) != 0,
                             (flags & kClaimReversal) != 0};
      const Aggregate group{sum.count, Fen(sum.fund), Fen(sum.total), sum.digest};
      results_.aggregates[key].Add(group);
      KindTotals& kind = key.reversal ? results_.reversals : results_.claims;
      if (key.late) {
        results_.late_aggregates[key].Add(group);
        kind.late += sum.count;
      }
      kind.fund_by_insured[insured] += group.fund_fen;
      AddDigest(kind.digest, sum.digest);
      kind.fund += group.fund_fen;
      kind.total += group.total_fen;
      kind.recorded += sum.count;
    }
  }
}

Status RunWriter::Finish(Run& run, bool last, bool refused, Helper* helper) {
  size_t fresh = 0;
  for (size_t i = 0; i < run.size(); ++i) fresh += run.states[i] == kNew ? 1 : 0;
  bool conflicts = false;
  {
    std::lock_guard lock(results_mutex_);
    conflicts = !results_.errors.empty();
  }
  const bool checks_only = refused || conflicts || fresh == 0;
  const bool as_writes = last && earlier_.empty() && fresh <= limits_.write_batch_claims_max;
  Status index = Status::Ok();
  Status claims = Status::Ok();
  if (checks_only) {
    index = WriteIndex(run, true, as_writes);
  } else if (helper != nullptr && !as_writes) {
    // The claims half cannot see an error of the index half; its file is dropped if one is found.
    helper->Start([&] { return WriteClaims(run, as_writes); });
    index = WriteIndex(run, false, as_writes);
    claims = helper->Wait();
  } else {
    index = WriteIndex(run, false, as_writes);
    if (index.ok() && index_errors_.empty()) claims = WriteClaims(run, as_writes);
  }
  // An id given twice refuses the declaration with its rows; the claims half, which wrote the
  // repeated claim too, may have failed on it, and that is not the answer.
  if (!index_errors_.empty()) claims = Status::Ok();
  if (index.ok() && index_errors_.empty()) {
    // Claims already recorded stay in mind too: the same one twice across runs is an error as
    // it is within a run.
    for (size_t i = 0; i < run.size(); ++i) {
      if (run.states[i] == kDuplicate) {
        earlier_duplicates_.push_back({run.hashes[i], std::string(run.IdAt(i)), run.RowAt(i)});
      }
    }
    std::sort(earlier_duplicates_.begin(), earlier_duplicates_.end());
  }
  for (size_t i = 0; i < run.size(); ++i) {  // reversals the ledger holds: sent again
    if (run.states[i] == kDuplicate && ClaimValueView(run.ValueAt(i)).reversal()) {
      recorded_reversal_rows_.insert(run.RowAt(i));
    }
  }
  bool errors = false;
  {
    std::lock_guard lock(results_mutex_);
    results_.errors.insert(results_.errors.end(), index_errors_.begin(), index_errors_.end());
    errors = !results_.errors.empty();
  }
  const EarlierRun done{index_file_, claims_file_};
  const bool written = !checks_only && index.ok() && claims.ok() && !errors;
  if (written) {
    Fold(run);
    for (auto* writes : {&index_writes_, &claims_writes_}) {
      std::move(writes->begin(), writes->end(), std::back_inserter(results_.writes));
    }
    results_.files.push_back(index_file_);
    results_.files.push_back(claims_file_);
    MergeInto(earlier_hashes_, new_hashes_);
    MergeInto(earlier_held_, new_held_);
  } else {
    for (const TableFile* file : {&index_file_, &claims_file_}) {
      std::error_code ignored;
      if (file->records > 0) std::filesystem::remove(file->path, ignored);
    }
  }
  if (written) {
    earlier_.push_back(done);
    written_run_ = &run;
    written_generation_ = run.generation();
  }
  Reset();
  XCLEAR_RETURN_IF_ERROR(index);
  return claims;
}

void RunWriter::KeepNewClaimsInMemory(const std::unordered_set<uint64_t>& hashes) {
  // Only the one written run, and only while its records are still those it was written with.
  if (earlier_.size() != 1 || written_claims_built_ || written_run_ == nullptr ||
      written_run_->generation() != written_generation_) {
    return;
  }
  const Run& run = *written_run_;
  for (size_t i = 0; i < run.size(); ++i) {
    if (run.states[i] != kNew || hashes.count(run.hashes[i]) == 0) continue;
    written_claims_.emplace(run.IdAt(i), run.ValueAt(i));
  }
  written_claims_built_ = true;
}

Result<std::optional<std::string>> RunWriter::FindNewClaim(std::string_view claim_id) {
  if (written_claims_built_) {
    const auto found = written_claims_.find(claim_id);
    if (found == written_claims_.end()) return std::optional<std::string>();
    return std::optional<std::string>(std::string(found->second));
  }
  if (!results_.writes.empty() || earlier_.empty()) {  // a small declaration: plain writes
    for (const TableWrite& write : results_.writes) {
      if (write.table != Table::kClaimsByMonth) continue;
      written_claims_.emplace(ClaimIdOfMonthKey(write.key), write.value);
    }
    written_claims_built_ = true;
    return FindNewClaim(claim_id);
  }
  return FindInEarlierRuns(claim_id);  // runs written as files
}

void RunWriter::Reset() {
  index_errors_.clear();
  new_hashes_.clear();
  new_held_.clear();
  index_writes_.clear();
  claims_writes_.clear();
  index_file_ = TableFile{};
  claims_file_ = TableFile{};
}

}  // namespace xclear::declarations_internal
