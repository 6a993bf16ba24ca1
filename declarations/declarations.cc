// The declaration pipeline.
//
// 1. Stream the rows; validate each (row_validator.cc); append valid ones to an in-memory run
//    (an arena of encoded claims), never holding more than run_claims_max at once.
// 2. When a run is full (and at the end): sort it by claim_id; a claim_id twice in the run is an
//    error; look the ids up in the ledger (MultiGet): identical → duplicate no-op, different →
//    conflict error. Without errors so far, the run's new claims are written as two sorted table
//    files (claims by id, claims by month) — or kept as plain writes for a small declaration —
//    and folded into the per-(month, pair, category, late) aggregates.
// 3. With several runs, a merge over their id files finds a claim_id repeated across runs.
// 4. Any error: nothing is committed, every bad row is reported. Otherwise one ledger Commit
//    records the claims_declared entry (per insured province: Dr T:receivable:I / Cr T:bank,
//    Dr I:expense / Cr I:payable:T), the files, the declaration record and the aggregates.
#include "xclear/declarations.h"

#include <algorithm>
#include <cassert>
#include <queue>
#include <set>

#include "claim_codec.h"
#include "row_validator.h"
#include "xclear/csv_reader.h"
#include "xclear/encoding.h"
#include "xclear/json.h"
#include "xclear/text.h"

namespace xclear {

using namespace declarations_internal;

namespace {

constexpr size_t kLookupGroup = 8192;

std::string ExplanationPrefix(uint32_t treatment) {
  return treatment == 0 ? "explanation:" : "explanation:" + std::to_string(treatment) + ":";
}

std::string ExplanationKey(uint32_t treatment, const YearMonth& month) {
  return ExplanationPrefix(treatment) + month.ToString();
}

void PutString(std::string& out, std::string_view text) {
  encoding::PutFixed32(out, static_cast<uint32_t>(text.size()));
  out.append(text);
}

}  // namespace

Instant DeclarationDeadline(const YearMonth& month, const RuleConfig& rules) {
  const YearMonth next = month.AddMonths(1);
  return Instant::EndOfDay(
      Date::FromYmd(next.year(), next.month(), rules.declaration_deadline_day).value());
}

Instant YearEndCutoff(const YearMonth& month, const RuleConfig& rules) {
  return Instant::EndOfDay(
      Date::FromYmd(month.year() + 1, rules.year_end_cutoff_month, rules.year_end_cutoff_day)
          .value());
}

// Rows in canonical field order, from a CSV file or text, or from the JSON API.
class Declarations::RowSource {
 public:
  virtual ~RowSource() = default;
  // False at the end. Row-level problems (wrong field count, a bad header) go to `errors`;
  // a problem that ends reading (malformed quoting, I/O) is status().
  virtual bool Next(std::array<std::string_view, 7>& fields, uint64_t& row,
                    std::vector<RowError>& errors) = 0;
  virtual Status status() const { return Status::Ok(); }
  virtual bool national() const { return false; }
  virtual uint64_t bytes() const { return 0; }
  virtual uint64_t bytes_total() const { return 0; }
  uint64_t rows() const { return rows_; }  // data rows read so far, well-formed or not
  std::string name;

 protected:
  uint64_t rows_ = 0;
};

namespace {

class CsvRowSource final : public Declarations::RowSource {
 public:
  explicit CsvRowSource(std::unique_ptr<CsvReader> reader) : reader_(std::move(reader)) {}
  bool Next(std::array<std::string_view, 7>& fields, uint64_t& row,
            std::vector<RowError>& errors) override {
    while (reader_->Next(record_)) {
      row = reader_->record_number();
      if (!header_read_) {
        header_read_ = true;
        auto map = MapHeader(record_);
        if (!map.ok()) {
          errors.push_back({row, "", map.status().message()});
          return false;
        }
        map_ = *map;
        continue;
      }
      if (record_.size() == 1 && record_[0].empty()) continue;  // a blank line
      ++rows_;
      if (record_.size() != map_.columns) {
        errors.push_back({row, "",
                          "has " + std::to_string(record_.size()) + " fields; the header has " +
                              std::to_string(map_.columns)});
        continue;
      }
      for (size_t field = 0; field < 7; ++field) fields[field] = record_[map_.index[field]];
      return true;
    }
    if (!header_read_ && reader_->status().ok()) errors.push_back({1, "", "the file is empty"});
    return false;
  }
  Status status() const override { return reader_->status(); }
  bool national() const override { return map_.national; }
  uint64_t bytes() const override { return reader_->bytes_consumed(); }
  uint64_t bytes_total() const override { return reader_->bytes_total(); }

 private:
  std::unique_ptr<CsvReader> reader_;
  std::vector<std::string_view> record_;
  ColumnMap map_;
  bool header_read_ = false;
};

class VectorRowSource final : public Declarations::RowSource {
 public:
  explicit VectorRowSource(const std::vector<std::vector<std::string>>& rows) : input_(rows) {}
  bool Next(std::array<std::string_view, 7>& fields, uint64_t& row,
            std::vector<RowError>& errors) override {
    while (next_ < input_.size()) {
      const auto& values = input_[next_++];
      row = next_ + 1;
      ++rows_;
      if (values.size() != 7) {
        errors.push_back(
            {row, "", "has " + std::to_string(values.size()) + " fields; 7 are needed"});
        continue;
      }
      for (size_t field = 0; field < 7; ++field) fields[field] = values[field];
      return true;
    }
    return false;
  }

 private:
  const std::vector<std::vector<std::string>>& input_;
  size_t next_ = 0;
};

}  // namespace

// The state of one declaration while it is read.
struct Declarations::Batch {
  uint32_t treatment = 0;
  uint64_t declaration_id = 0;
  DeclarationReport report;
  std::vector<RowError> errors;        // all collected (trimmed to the listed maximum later)
  std::string arena;                   // the current run: [id_length:u8 id value]...
  std::vector<uint32_t> offsets;       // record starts in arena
  std::vector<TableFile> id_files;     // claims by id, one per run
  std::vector<TableFile> month_files;  // claims by month, one per run
  std::vector<TableWrite> writes;      // the small-declaration path
  std::map<AggregateKey, Aggregate> aggregates;
  std::map<uint32_t, Fen> fund_by_insured;
  bool small = true;  // still eligible for plain writes

  std::string_view IdAt(uint32_t offset) const {
    return std::string_view(arena.data() + offset + 1, static_cast<uint8_t>(arena[offset]));
  }
  std::string_view ValueAt(uint32_t offset) const {
    return std::string_view(arena.data() + offset + 1 + static_cast<uint8_t>(arena[offset]),
                            kClaimValueBytes);
  }
  uint64_t RowAt(uint32_t offset) const { return ClaimValueView(ValueAt(offset)).row(); }
  void Error(uint64_t row, std::string field, std::string reason) {
    errors.push_back({row, std::move(field), std::move(reason)});
  }
};

Declarations::Declarations(Ledger& ledger, const Config& config, const Clock& clock,
                           DeclarationLimits limits)
    : ledger_(ledger), config_(config), clock_(clock), limits_(limits) {
  // A run's 64-bit sums must not overflow: keep run size × maximum claim below 2^63.
  const Fen max_run_fen = config.rules.claim_amount_max.fen() * Fen(limits_.run_claims_max);
  if (max_run_fen > Fen(INT64_MAX)) {
    limits_.run_claims_max =
        (Fen(INT64_MAX) / config.rules.claim_amount_max.fen()).convert_to<uint64_t>();
  }
}

Result<DeclarationReport> Declarations::DeclareCsvFile(uint32_t treatment,
                                                       const std::filesystem::path& file,
                                                       const std::string& actor,
                                                       const ProgressCallback& progress) {
  XCLEAR_ASSIGN_OR_RETURN(auto reader, CsvReader::OpenFile(file));
  CsvRowSource source(std::move(reader));
  source.name = file.filename().string();
  return Declare(treatment, source, actor, progress);
}

Result<DeclarationReport> Declarations::DeclareCsvText(uint32_t treatment, std::string_view text,
                                                       const std::string& actor,
                                                       const std::string& source_name) {
  CsvRowSource source(CsvReader::FromString(text));
  source.name = source_name;
  return Declare(treatment, source, actor, {});
}

Result<DeclarationReport> Declarations::DeclareJson(uint32_t treatment, std::string_view json_text,
                                                    const std::string& actor,
                                                    const std::string& source_name) {
  auto read = ParseJson(json_text);
  if (!read.ok()) return read.status().WithContext("the claims");
  const Poco::Dynamic::Var parsed = *read;
  if (parsed.type() != typeid(Poco::JSON::Array::Ptr)) {
    return Status::InvalidArgument("the claims must be a JSON array of objects");
  }
  const Poco::JSON::Array::Ptr array = parsed.extract<Poco::JSON::Array::Ptr>();
  std::vector<std::vector<std::string>> rows;
  std::vector<RowError> shape_errors;
  std::set<uint64_t> misshapen;
  for (size_t i = 0; i < array->size(); ++i) {
    const uint64_t row = i + 2;
    const size_t errors_before = shape_errors.size();
    const Poco::JSON::Object::Ptr object = array->getObject(static_cast<unsigned>(i));
    std::vector<std::string> fields(7);
    if (!object) {
      shape_errors.push_back({row, "", "is not a JSON object"});
    } else {
      for (const auto& member : *object) {
        const std::string& key = member.first;
        const Poco::Dynamic::Var& value = member.second;
        const auto known = std::find_if(std::begin(kClaimFields), std::end(kClaimFields),
                                        [&key](const char* field) { return key == field; });
        if (known == std::end(kClaimFields)) {
          shape_errors.push_back({row, key, "is not a claim field"});
        } else if (!value.isString()) {
          shape_errors.push_back({row, key, "must be a JSON string (amounts as \"12.34\")"});
        } else {
          fields[static_cast<size_t>(known - std::begin(kClaimFields))] =
              value.extract<std::string>();
        }
      }
      for (size_t field = 0; field < 7; ++field) {
        if (!object->has(kClaimFields[field])) {
          shape_errors.push_back({row, kClaimFields[field], "is missing"});
        }
      }
    }
    // A misshapen element goes in with the wrong number of fields, so that validation refuses
    // the declaration whatever its other fields hold; its reported errors are the shape errors.
    if (shape_errors.size() > errors_before) {
      misshapen.insert(row);
      fields.pop_back();
    }
    rows.push_back(std::move(fields));
  }
  XCLEAR_ASSIGN_OR_RETURN(DeclarationReport report,
                          DeclareRows(treatment, rows, actor, source_name));
  if (misshapen.empty()) return report;
  assert(!report.accepted && "a misshapen row must refuse the declaration");
  std::erase_if(report.errors,
                [&misshapen](const RowError& e) { return misshapen.count(e.row) > 0; });
  report.error_count -= misshapen.size();  // one field-count error each, replaced below
  report.errors.insert(report.errors.end(), shape_errors.begin(), shape_errors.end());
  std::stable_sort(report.errors.begin(), report.errors.end(),
                   [](const RowError& a, const RowError& b) { return a.row < b.row; });
  report.error_count += shape_errors.size();
  return report;
}

Result<DeclarationReport> Declarations::DeclareRows(
    uint32_t treatment, const std::vector<std::vector<std::string>>& rows, const std::string& actor,
    const std::string& source_name) {
  VectorRowSource source(rows);
  source.name = source_name;
  return Declare(treatment, source, actor, {});
}

}  // namespace xclear

namespace xclear {

Result<DeclarationReport> Declarations::Declare(uint32_t treatment, RowSource& source,
                                                const std::string& actor,
                                                const ProgressCallback& progress) {
  if (!config_.participants.Contains(treatment)) {
    return Status::InvalidArgument("province " + std::to_string(treatment) +
                                   " is not a configured participant");
  }
  std::lock_guard lock(declare_mutex_);
  const Instant now = clock_.Now();
  Batch batch;
  batch.treatment = treatment;
  batch.report.treatment = treatment;
  batch.report.source = source.name;
  {
    std::string seed = std::to_string(treatment) + "|" + source.name + "|" +
                       std::to_string(now.unix_millis()) + "|" + DigestToHex(ledger_.Head().hash);
    const Digest digest = Sha256Of(seed);
    for (int i = 0; i < 8; ++i) batch.declaration_id = batch.declaration_id << 8 | digest[i];
    if (batch.declaration_id == 0) batch.declaration_id = 1;
  }
  std::map<int32_t, Instant> explanations;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact(ExplanationPrefix(treatment), [&](const Fact& fact) {
    auto month = YearMonth::Parse(fact.key.substr(fact.key.size() - 7));
    if (month.ok()) explanations[month->Ordinal()] = fact.recorded_at;
    return Status::Ok();
  }));
  RowValidator validator(treatment, config_, now, std::move(explanations));
  std::array<std::string_view, 7> fields;
  uint64_t row = 0;
  declarations_internal::ValidRow valid;
  while (source.Next(fields, row, batch.errors)) {
    if (source.rows() > limits_.claims_max) {
      batch.Error(
          row, "",
          "a declaration may hold at most " + std::to_string(limits_.claims_max) + " claims");
      break;
    }
    if (validator.Validate(fields, source.national(), row, valid, batch.errors)) {
      batch.offsets.push_back(static_cast<uint32_t>(batch.arena.size()));
      batch.arena += static_cast<char>(valid.claim_id.size());
      batch.arena.append(valid.claim_id);
      EncodeClaimValueRaw(treatment, valid.insured, valid.settled_on, valid.category,
                          valid.total_fen, valid.fund_fen, valid.late, batch.declaration_id, row,
                          batch.arena);
      if (batch.offsets.size() >= limits_.run_claims_max)
        XCLEAR_RETURN_IF_ERROR(FlushRun(batch, false));
    }
    if (progress && source.rows() % 65536 == 0)
      progress(source.rows(), source.bytes(), source.bytes_total());
  }
  batch.report.rows = source.rows();
  const Status read = source.status();
  if (read.code() == ErrorCode::kIoError) return read;
  if (!read.ok()) batch.Error(row + 1, "", read.message());
  XCLEAR_RETURN_IF_ERROR(FlushRun(batch, true));
  if (batch.errors.empty() && batch.id_files.size() > 1)
    XCLEAR_RETURN_IF_ERROR(CheckAcrossRuns(batch));
  if (progress) progress(source.rows(), source.bytes(), source.bytes_total());
  const auto discard_files = [&batch] {
    for (const auto* files : {&batch.id_files, &batch.month_files}) {
      for (const TableFile& file : *files) {
        std::error_code ignored;
        if (file.records > 0) std::filesystem::remove(file.path, ignored);
      }
    }
  };
  DeclarationReport& report = batch.report;
  report.error_count = batch.errors.size();
  if (!batch.errors.empty()) {
    discard_files();
    std::stable_sort(batch.errors.begin(), batch.errors.end(),
                     [](const RowError& a, const RowError& b) { return a.row < b.row; });
    if (batch.errors.size() > limits_.errors_listed_max)
      batch.errors.resize(limits_.errors_listed_max);
    report.errors = std::move(batch.errors);
    report.recorded = report.late = 0;
    report.fund_amount = report.total_amount = Money();
    report.digest = Digest{};
    return report;
  }
  report.accepted = true;
  if (report.recorded == 0) return report;  // only duplicates: nothing to record
  const Status committed = CommitBatch(batch, actor);
  if (!committed.ok()) {
    discard_files();
    return committed;
  }
  return report;
}

Status Declarations::FlushRun(Batch& batch, bool final) {
  std::vector<uint32_t>& offsets = batch.offsets;
  if (offsets.empty()) return Status::Ok();
  std::sort(offsets.begin(), offsets.end(),
            [&batch](uint32_t a, uint32_t b) { return batch.IdAt(a) < batch.IdAt(b); });
  std::vector<char> skip(offsets.size(), 0);
  for (size_t i = 1; i < offsets.size(); ++i) {
    if (batch.IdAt(offsets[i]) != batch.IdAt(offsets[i - 1])) continue;
    batch.Error(batch.RowAt(offsets[i]), "claim_id",
                "claim_id \"" + std::string(batch.IdAt(offsets[i])) +
                    "\" appears twice in this declaration (also row " +
                    std::to_string(batch.RowAt(offsets[i - 1])) + ")");
    skip[i] = 1;
  }
  // Claims already recorded: identical → a no-op duplicate; different → a conflict.
  std::vector<std::string_view> keys;
  std::vector<std::string> values;
  std::vector<bool> found;
  for (size_t group = 0; group < offsets.size(); group += kLookupGroup) {
    const size_t end = std::min(offsets.size(), group + kLookupGroup);
    keys.clear();
    for (size_t i = group; i < end; ++i) keys.push_back(batch.IdAt(offsets[i]));
    XCLEAR_RETURN_IF_ERROR(ledger_.MultiGet(Table::kClaims, keys, values, found));
    for (size_t i = group; i < end; ++i) {
      if (!found[i - group] || skip[i]) continue;
      skip[i] = 1;
      const std::string_view ours = batch.ValueAt(offsets[i]);
      const std::string& theirs = values[i - group];
      if (theirs.size() == kClaimValueBytes &&
          theirs.compare(0, kClaimDigestFieldBytes, ours.substr(0, kClaimDigestFieldBytes)) == 0) {
        ++batch.report.duplicates;
        if (batch.report.duplicate_ids.size() < limits_.duplicates_listed_max) {
          batch.report.duplicate_ids.emplace_back(keys[i - group]);
        }
        continue;
      }
      const ClaimValueView existing(theirs);
      // Claim ids are unique across the ledger, so another province's id must refuse the row;
      // but which province, declaration and row hold it is that province's business.
      const std::string where =
          existing.treatment() == batch.treatment
              ? " is already recorded with different fields (declaration " +
                    DeclarationIdToHex(existing.declaration_id()) + ", row " +
                    std::to_string(existing.row()) + ")"
              : " is already recorded by another province; settlement ids are unique across "
                "the ledger";
      batch.Error(ClaimValueView(ours).row(), "claim_id",
                  "claim_id " + QuoteText(keys[i - group], 64) + where);
    }
  }
  if (!batch.errors.empty()) {  // the declaration will be refused: only keep reading for errors
    batch.arena.clear();
    offsets.clear();
    return Status::Ok();
  }
  size_t fresh = 0;
  for (const char skipped : skip) fresh += skipped ? 0 : 1;
  if (fresh == 0) {
    batch.arena.clear();
    offsets.clear();
    return Status::Ok();
  }
  const bool as_writes =
      final && batch.small && batch.id_files.empty() && fresh <= limits_.write_batch_claims_max;
  batch.small = as_writes;
  std::unique_ptr<TableFileWriter> id_writer;
  if (!as_writes) {
    XCLEAR_ASSIGN_OR_RETURN(id_writer, ledger_.NewTableFile(Table::kClaims));
  }
  // Per (month, insured, category, late) totals in plain 64-bit integers for the run (a run's
  // sums cannot overflow: run_claims_max × the maximum claim amount < 2^64, checked in
  // Declarations' constructor), folded into the checked 128-bit aggregates once per run. The
  // month index is bucketed by (month, insured); walking the id-sorted run keeps each bucket in
  // id order, which is the index's key order.
  struct RunTotals {
    uint64_t count = 0, fund = 0, total = 0;
    Digest digest{};
  };
  constexpr size_t kCodeSlots = 100;  // provincial codes by their first two digits
  constexpr size_t kTotalsPerMonth = kCodeSlots * 4 * 2;
  std::vector<int32_t> months;
  std::vector<RunTotals> totals;
  std::vector<std::vector<uint32_t>> buckets;
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (skip[i]) continue;
    const uint32_t offset = offsets[i];
    const std::string_view id = batch.IdAt(offset);
    const std::string_view value = batch.ValueAt(offset);
    const ClaimValueView claim(value);
    if (as_writes) {
      batch.writes.push_back({Table::kClaims, std::string(id), std::string(value)});
    } else {
      XCLEAR_RETURN_IF_ERROR(id_writer->Put(id, value));
    }
    const int32_t ordinal = YearMonth::Of(claim.settled_on()).Ordinal();
    size_t slot = std::find(months.begin(), months.end(), ordinal) - months.begin();
    if (slot == months.size()) {
      months.push_back(ordinal);
      totals.resize(months.size() * kTotalsPerMonth);
      buckets.resize(months.size() * kCodeSlots);
    }
    const size_t code = claim.insured() / 10000;
    RunTotals& sum =
        totals[slot * kTotalsPerMonth + code * 8 + (static_cast<size_t>(claim.category()) - 1) * 2 +
               (claim.late() ? 1 : 0)];
    ++sum.count;
    sum.fund += claim.fund_fen();
    sum.total += claim.total_fen();
    AddDigest(sum.digest, ClaimDigestOfEncoded(id, value));
    buckets[slot * kCodeSlots + code].push_back(offset);
  }
  for (size_t slot = 0; slot < months.size(); ++slot) {
    for (size_t index = 0; index < kTotalsPerMonth; ++index) {
      const RunTotals& sum = totals[slot * kTotalsPerMonth + index];
      if (sum.count == 0) continue;
      const uint32_t insured = static_cast<uint32_t>(index / 8 * 10000);
      const AggregateKey key{YearMonth::FromOrdinal(months[slot]), batch.treatment, insured,
                             static_cast<Category>(index % 8 / 2 + 1), index % 2 == 1};
      Aggregate run{sum.count, Fen(sum.fund), Fen(sum.total), sum.digest};
      batch.aggregates[key].Add(run);
      batch.fund_by_insured[insured] += run.fund_fen;
      AddDigest(batch.report.digest, sum.digest);
      batch.report.fund_amount += Money::FromFen(run.fund_fen);
      batch.report.total_amount += Money::FromFen(run.total_fen);
      batch.report.recorded += sum.count;
      if (key.late) batch.report.late += sum.count;
    }
  }
  std::vector<size_t> month_order(months.size());
  for (size_t slot = 0; slot < months.size(); ++slot) month_order[slot] = slot;
  std::sort(month_order.begin(), month_order.end(),
            [&months](size_t a, size_t b) { return months[a] < months[b]; });
  std::unique_ptr<TableFileWriter> month_writer;
  if (!as_writes) {
    XCLEAR_ASSIGN_OR_RETURN(month_writer, ledger_.NewTableFile(Table::kClaimsByMonth));
  }
  std::string key;
  for (const size_t slot : month_order) {
    for (size_t code = 0; code < kCodeSlots; ++code) {
      for (const uint32_t offset : buckets[slot * kCodeSlots + code]) {
        key.clear();
        EncodeMonthKey(YearMonth::FromOrdinal(months[slot]), batch.treatment,
                       static_cast<uint32_t>(code * 10000), batch.IdAt(offset), key);
        if (as_writes) {
          batch.writes.push_back({Table::kClaimsByMonth, key, std::string(batch.ValueAt(offset))});
        } else {
          XCLEAR_RETURN_IF_ERROR(month_writer->Put(key, batch.ValueAt(offset)));
        }
      }
    }
  }
  if (!as_writes) {
    XCLEAR_ASSIGN_OR_RETURN(TableFile ids, id_writer->Finish());
    XCLEAR_ASSIGN_OR_RETURN(TableFile months, month_writer->Finish());
    batch.id_files.push_back(std::move(ids));
    batch.month_files.push_back(std::move(months));
  }
  batch.arena.clear();
  offsets.clear();
  return Status::Ok();
}

// With several runs, a claim_id may repeat across them: merge their sorted id files.
Status Declarations::CheckAcrossRuns(Batch& batch) const {
  std::vector<std::unique_ptr<TableCursor>> cursors;
  using Head = std::pair<std::string, size_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heap;
  for (const TableFile& file : batch.id_files) {
    if (file.records == 0) continue;
    XCLEAR_ASSIGN_OR_RETURN(auto cursor, ledger_.OpenTableFile(file));
    if (cursor->Valid()) heap.emplace(std::string(cursor->key()), cursors.size());
    cursors.push_back(std::move(cursor));
  }
  std::string previous;
  uint64_t previous_row = 0;
  while (!heap.empty()) {
    auto [key, index] = heap.top();
    heap.pop();
    TableCursor& cursor = *cursors[index];
    const uint64_t row = ClaimValueView(cursor.value()).row();
    if (key == previous) {
      batch.Error(std::max(row, previous_row), "claim_id",
                  "claim_id \"" + key + "\" appears twice in this declaration (also row " +
                      std::to_string(std::min(row, previous_row)) + ")");
    }
    previous = key;
    previous_row = row;
    cursor.Next();
    if (cursor.Valid()) heap.emplace(std::string(cursor.key()), index);
    XCLEAR_RETURN_IF_ERROR(cursor.status());
  }
  return Status::Ok();
}

}  // namespace xclear

namespace xclear {
namespace {

// declaration := treatment:fixed32 entry_sequence:fixed64 declared_ms:fixed64 rows:fixed64
//                recorded:fixed64 duplicates:fixed64 late:fixed64 fund:fixed64 total:fixed64
//                digest:32 actor:str source:str
std::string EncodeDeclaration(const DeclarationReport& report, uint64_t entry_sequence,
                              const Instant& declared_at, const std::string& actor) {
  std::string out;
  const auto put64 = [&out](uint64_t value) { encoding::PutFixed64(out, value); };
  encoding::PutFixed32(out, report.treatment);
  put64(entry_sequence);
  put64(static_cast<uint64_t>(declared_at.unix_millis()));
  put64(report.rows);
  put64(report.recorded);
  put64(report.duplicates);
  put64(report.late);
  put64(report.fund_amount.fen().convert_to<uint64_t>());
  put64(report.total_amount.fen().convert_to<uint64_t>());
  out.append(reinterpret_cast<const char*>(report.digest.data()), 32);
  PutString(out, actor);
  PutString(out, report.source);
  return out;
}

EntryDraft DeclarationEntry(const DeclarationReport& report,
                            const std::map<uint32_t, Fen>& by_insured, const Instant& now,
                            const std::string& actor) {
  EntryDraft draft;
  draft.kind = EntryKind::kClaimsDeclared;
  draft.effective_date = now.CstDate();
  draft.actor = actor;
  draft.idempotency_key = "declaration:" + DeclarationIdToHex(report.declaration_id);
  draft.source_reference = "declaration " + DeclarationIdToHex(report.declaration_id);
  draft.memo = std::to_string(report.recorded) + " claims from " + report.source;
  if (report.late > 0) draft.memo += ", " + std::to_string(report.late) + " late";
  const uint32_t treatment = report.treatment;
  for (const auto& [insured, fen] : by_insured) {
    if (fen == 0) continue;
    const Money amount = Money::FromFen(fen);
    draft.postings.push_back({AccountId::Receivable(treatment, insured), Side::kDebit, amount});
    draft.postings.push_back({AccountId::Bank(treatment), Side::kCredit, amount});
    draft.postings.push_back({AccountId::Expense(insured), Side::kDebit, amount});
    draft.postings.push_back({AccountId::Payable(insured, treatment), Side::kCredit, amount});
  }
  return draft;
}

}  // namespace

Status Declarations::CommitBatch(Batch& batch, const std::string& actor) {
  DeclarationReport& report = batch.report;
  report.declaration_id = batch.declaration_id;
  const Instant now = clock_.Now();
  CommitRequest request;
  EntryDraft entry = DeclarationEntry(report, batch.fund_by_insured, now, actor);
  if (!entry.postings.empty()) request.entries.push_back(std::move(entry));
  request.writes = std::move(batch.writes);
  for (const auto* files : {&batch.id_files, &batch.month_files}) {
    request.files.insert(request.files.end(), files->begin(), files->end());
  }
  request.complete = [&](const std::vector<AppendResult>& entries,
                         std::vector<TableWrite>& writes) {
    report.entry_sequence = entries.empty() ? 0 : entries.front().sequence;
    writes.push_back({Table::kDeclarations, DeclarationKey(report.declaration_id),
                      EncodeDeclaration(report, report.entry_sequence, now, actor)});
    for (const auto& [key, delta] : batch.aggregates) {
      const std::string encoded_key = EncodeAggregateKey(key);
      XCLEAR_ASSIGN_OR_RETURN(const auto stored, ledger_.Get(Table::kClaimAggregates, encoded_key));
      Aggregate total;
      if (stored && !DecodeAggregate(*stored, total)) {
        return Status::Corruption("a claim aggregate record is malformed");
      }
      total.Add(delta);
      writes.push_back({Table::kClaimAggregates, encoded_key, EncodeAggregate(total)});
    }
    return Status::Ok();
  };
  auto committed = ledger_.Commit(request);
  if (!committed.ok()) return committed.status();
  return Status::Ok();
}

Result<Explanation> Declarations::FileExplanation(uint32_t treatment, const YearMonth& month,
                                                  const std::string& reason,
                                                  const std::string& actor) {
  if (!config_.participants.Contains(treatment)) {
    return Status::InvalidArgument("province " + std::to_string(treatment) +
                                   " is not a configured participant");
  }
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("the explanation needs a reason");
  }
  const Instant now = clock_.Now();
  if (month > YearMonth::Of(now.CstDate())) {
    return Status::Refused("month " + month.ToString() +
                           " has not begun; an explanation is filed "
                           "during the month or before its declaration deadline");
  }
  const Instant deadline = DeclarationDeadline(month, config_.rules);
  if (now > deadline) {
    return Status::Refused("the late-declaration explanation for " + month.ToString() +
                           " had to be filed by " + deadline.ToString() +
                           " (before the declaration deadline)");
  }
  CommitRequest request;
  request.facts.push_back(
      {FactKind::kLateExplanation, ExplanationKey(treatment, month), actor, reason});
  XCLEAR_ASSIGN_OR_RETURN(const CommitResult result, ledger_.Commit(request));
  const Fact& fact = result.facts.front();
  return Explanation{treatment, month, fact.payload, fact.actor, fact.recorded_at, fact.sequence};
}

Result<std::optional<Explanation>> Declarations::FindExplanation(uint32_t treatment,
                                                                 const YearMonth& month) const {
  XCLEAR_ASSIGN_OR_RETURN(const auto fact, ledger_.FindFact(ExplanationKey(treatment, month)));
  if (!fact) return std::optional<Explanation>();
  return std::optional<Explanation>(
      Explanation{treatment, month, fact->payload, fact->actor, fact->recorded_at, fact->sequence});
}

Result<std::vector<Explanation>> Declarations::ListExplanations(uint32_t treatment) const {
  std::vector<Explanation> out;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact(ExplanationPrefix(treatment), [&](const Fact& fact) {
    // key: explanation:<T>:<YYYY-MM>
    const std::string_view key = fact.key;
    const size_t colon = key.rfind(':');
    auto month = YearMonth::Parse(key.substr(colon + 1));
    auto province = config_.participants.ParseCode(key.substr(12, colon - 12));
    if (!month.ok() || !province.ok())
      return Status::Corruption("explanation key " + fact.key + " is malformed");
    out.push_back({*province, *month, fact.payload, fact.actor, fact.recorded_at, fact.sequence});
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<ClaimRecord>> Declarations::FindClaim(std::string_view claim_id) const {
  XCLEAR_ASSIGN_OR_RETURN(const auto value, ledger_.Get(Table::kClaims, claim_id));
  if (!value) return std::optional<ClaimRecord>();
  ClaimRecord record;
  if (!DecodeClaimValue(claim_id, *value, record)) {
    return Status::Corruption("claim " + std::string(claim_id) + " is stored malformed");
  }
  return std::optional<ClaimRecord>(std::move(record));
}

Status Declarations::ForEachClaim(const YearMonth& month, uint32_t treatment, uint32_t insured,
                                  const std::function<Status(const ClaimRecord&)>& visit,
                                  std::string_view after) const {
  std::string prefix = treatment == 0 ? MonthKeyPrefix(month)
                       : insured == 0 ? MonthKeyPrefix(month, treatment)
                                      : MonthKeyPrefix(month, treatment, insured);
  std::string lower = prefix;
  if (treatment != 0 && insured != 0 && !after.empty()) {
    lower.append(after);
    lower.push_back('\0');  // the smallest key after `after` (claim ids hold no NUL)
  }
  auto cursor = ledger_.NewCursor(Table::kClaimsByMonth, lower, MonthKeyPrefix(month.AddMonths(1)));
  ClaimRecord record;
  for (; cursor->Valid() && cursor->key().starts_with(prefix); cursor->Next()) {
    if (!DecodeClaimValue(ClaimIdOfMonthKey(cursor->key()), cursor->value(), record)) {
      return Status::Corruption("a claims_by_month record is malformed");
    }
    if (insured != 0 && record.insured != insured) continue;
    XCLEAR_RETURN_IF_ERROR(visit(record));
  }
  return cursor->status();
}

}  // namespace xclear

namespace xclear {

Status Declarations::ScanMonth(const YearMonth& month,
                               const std::function<Status(const ClaimView&)>& visit) const {
  auto cursor = ledger_.NewCursor(Table::kClaimsByMonth, MonthKeyPrefix(month),
                                  MonthKeyPrefix(month.AddMonths(1)));
  ClaimView view;
  for (; cursor->Valid(); cursor->Next()) {
    if (cursor->value().size() != kClaimValueBytes) {
      return Status::Corruption("a claims_by_month record is malformed");
    }
    const ClaimValueView claim(cursor->value());
    view.claim_id = ClaimIdOfMonthKey(cursor->key());
    view.treatment = claim.treatment();
    view.insured = claim.insured();
    view.category = claim.category();
    view.total_fen = claim.total_fen();
    view.fund_fen = claim.fund_fen();
    view.late = claim.late();
    view.declaration_id = claim.declaration_id();
    view.digest_fields = cursor->value().substr(0, kClaimDigestFieldBytes);
    XCLEAR_RETURN_IF_ERROR(visit(view));
  }
  return cursor->status();
}

Result<std::vector<YearMonth>> Declarations::MonthsWithClaims() const {
  std::vector<YearMonth> months;
  std::string lower;
  while (true) {
    auto cursor = ledger_.NewCursor(Table::kClaimAggregates, lower, "");
    if (!cursor->Valid()) {
      XCLEAR_RETURN_IF_ERROR(cursor->status());
      return months;
    }
    AggregateKey key;
    if (!DecodeAggregateKey(cursor->key(), key)) {
      return Status::Corruption("a claim aggregate record is malformed");
    }
    months.push_back(key.month);
    lower = MonthKeyPrefix(key.month.AddMonths(1));
  }
}

Result<std::vector<Declarations::ClaimGroup>> Declarations::MonthGroups(const YearMonth& month,
                                                                        bool late) const {
  std::vector<ClaimGroup> groups;
  auto cursor = ledger_.NewCursor(Table::kClaimAggregates, MonthKeyPrefix(month),
                                  MonthKeyPrefix(month.AddMonths(1)));
  for (; cursor->Valid(); cursor->Next()) {
    AggregateKey key;
    Aggregate aggregate;
    if (!DecodeAggregateKey(cursor->key(), key) || !DecodeAggregate(cursor->value(), aggregate)) {
      return Status::Corruption("a claim aggregate record is malformed");
    }
    if (key.late != late) continue;
    groups.push_back({key.treatment, key.insured, key.category, aggregate.count, aggregate.fund_fen,
                      aggregate.total_fen, aggregate.digest_sum});
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  return groups;
}

Result<std::pair<uint64_t, Fen>> Declarations::MonthTotals(const YearMonth& month,
                                                           bool late) const {
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<ClaimGroup> groups, MonthGroups(month, late));
  std::pair<uint64_t, Fen> totals{0, 0};
  for (const ClaimGroup& group : groups) {
    totals.first += group.count;
    totals.second += group.fund_fen;
  }
  return totals;
}

}  // namespace xclear
