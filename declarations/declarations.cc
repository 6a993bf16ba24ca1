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
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <thread>
#include <unordered_set>

#include "claim_codec.h"
#include "claim_index.h"
#include "claim_links.h"
#include "declaration_runs.h"
#include "json_claim_reader.h"
#include "reversals.h"
#include "row_validator.h"
#include "xclear/csv_reader.h"
#include "xclear/encoding.h"
#include "xclear/text.h"

namespace xclear {

using namespace declarations_internal;

namespace {

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
  virtual bool Next(ClaimFieldValues& fields, uint64_t& row, std::vector<RowError>& errors) = 0;
  virtual Status status() const { return Status::Ok(); }
  virtual bool national() const { return false; }
  virtual uint64_t bytes() const { return 0; }
  virtual uint64_t bytes_total() const { return 0; }
  // At least as many claims as the source can hold (0: unknown), so that a small declaration
  // does not reserve a run for millions.
  virtual uint64_t claims_max() const { return 0; }
  uint64_t rows() const { return rows_; }  // data rows read so far, well-formed or not
  std::string name;

 protected:
  uint64_t rows_ = 0;
};

namespace {

class CsvRowSource final : public Declarations::RowSource {
 public:
  CsvRowSource(std::unique_ptr<CsvReader> reader, std::string_view reversal_column)
      : reader_(std::move(reader)), reversal_column_(reversal_column) {}
  bool Next(ClaimFieldValues& fields, uint64_t& row, std::vector<RowError>& errors) override {
    while (reader_->Next(record_)) {
      row = reader_->record_number();
      if (!header_read_) {
        header_read_ = true;
        auto map = MapHeader(record_, reversal_column_);
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
      for (size_t field = 0; field < kClaimFieldsAll; ++field) {
        const size_t at = map_.index[field];
        fields[field] = at == ColumnMap::kAbsent ? std::string_view() : record_[at];
      }
      return true;
    }
    if (!header_read_ && reader_->status().ok()) errors.push_back({1, "", "the file is empty"});
    return false;
  }
  Status status() const override { return reader_->status(); }
  bool national() const override { return map_.national; }
  uint64_t bytes() const override { return reader_->bytes_consumed(); }
  uint64_t bytes_total() const override { return reader_->bytes_total(); }
  // A claim's row has 7 fields, each at least one character, and 6 commas: 13 bytes.
  uint64_t claims_max() const override {
    return reader_->bytes_total() == 0 ? 0 : reader_->bytes_total() / 13 + 1;
  }

 private:
  std::unique_ptr<CsvReader> reader_;
  std::string_view reversal_column_;
  std::vector<std::string_view> record_;
  ColumnMap map_;
  bool header_read_ = false;
};

class VectorRowSource final : public Declarations::RowSource {
 public:
  explicit VectorRowSource(const std::vector<std::vector<std::string>>& rows) : input_(rows) {}
  bool Next(ClaimFieldValues& fields, uint64_t& row, std::vector<RowError>& errors) override {
    while (next_ < input_.size()) {
      const auto& values = input_[next_++];
      row = next_ + 1;
      ++rows_;
      if (values.size() != kClaimFieldsRequired && values.size() != kClaimFieldsAll) {
        errors.push_back({row, "",
                          "has " + std::to_string(values.size()) +
                              " fields; 7 are needed (8 with reversal_of)"});
        continue;
      }
      fields[kReversalOfField] = {};
      for (size_t field = 0; field < values.size(); ++field) fields[field] = values[field];
      return true;
    }
    return false;
  }

  uint64_t claims_max() const override { return input_.size(); }

 private:
  const std::vector<std::vector<std::string>>& input_;
  size_t next_ = 0;
};

// The JSON API's array of claim objects, read as it streams (json_claim_reader.h).
class JsonRowSource final : public Declarations::RowSource {
 public:
  explicit JsonRowSource(std::string_view text) : reader_(text) {}
  bool Next(ClaimFieldValues& fields, uint64_t& row, std::vector<RowError>& errors) override {
    const bool read = reader_.Next(fields, row, errors);
    rows_ = reader_.elements();
    return read;
  }
  Status status() const override { return reader_.status(); }
  uint64_t bytes() const override { return reader_.bytes_consumed(); }
  uint64_t bytes_total() const override { return reader_.bytes_total(); }
  // A claim object names its seven keys (83 bytes), quotes them and their values (28),
  // separates them (13) and has its braces (2): at least 126 bytes.
  uint64_t claims_max() const override { return reader_.bytes_total() / 126 + 1; }

 private:
  JsonClaimReader reader_;
};

}  // namespace

Declarations::Declarations(Ledger& ledger, const Config& config, const Clock& clock,
                           DeclarationLimits limits)
    : ledger_(ledger), config_(config), clock_(clock), limits_(limits) {
  // A run's 64-bit sums must not overflow: keep run size × maximum claim below 2^63.
  const Fen max_run_fen = config.rules.claim_amount_max.fen() * Fen(limits_.run_claims_max);
  if (max_run_fen > Fen(INT64_MAX)) {
    limits_.run_claims_max =
        (Fen(INT64_MAX) / config.rules.claim_amount_max.fen()).convert_to<uint64_t>();
  }
  // A run's records are addressed by 32-bit offsets into its arena.
  limits_.run_claims_max = std::min<uint64_t>(limits_.run_claims_max, Run::kCapacityMax);
  limits_.run_claims_max = std::max<uint64_t>(limits_.run_claims_max, 1);
}

Result<DeclarationReport> Declarations::DeclareCsvFile(uint32_t treatment,
                                                       const std::filesystem::path& file,
                                                       const std::string& actor,
                                                       const ProgressCallback& progress) {
  XCLEAR_ASSIGN_OR_RETURN(auto reader, CsvReader::OpenFile(file));
  CsvRowSource source(std::move(reader), config_.rules.national_reversal_column);
  source.name = file.filename().string();
  return Declare(treatment, source, actor, progress);
}

Result<DeclarationReport> Declarations::DeclareCsvText(uint32_t treatment, std::string_view text,
                                                       const std::string& actor,
                                                       const std::string& source_name) {
  CsvRowSource source(CsvReader::FromString(text), config_.rules.national_reversal_column);
  source.name = source_name;
  return Declare(treatment, source, actor, {});
}

Result<DeclarationReport> Declarations::DeclareJson(uint32_t treatment, std::string_view json_text,
                                                    const std::string& actor,
                                                    const std::string& source_name) {
  JsonRowSource source(json_text);
  source.name = source_name;
  XCLEAR_ASSIGN_OR_RETURN(DeclarationReport report, Declare(treatment, source, actor, {}));
  // Text that is not a JSON array of objects refuses the request itself, not rows of it (the
  // declaration was refused whole: nothing was recorded).
  if (!source.status().ok()) return source.status();
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

namespace {

// The declaration's second thread: runs tasks in order; after a failed task, skips the rest and
// keeps the failure. Started by the first task, so that a small declaration never starts it.
class Worker final : public RunWriter::Helper {
 public:
  ~Worker() override {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  // Queues `task`; returns its ticket for WaitFor.
  uint64_t Post(std::function<Status()> task) {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
    tasks_.push_back(std::move(task));
    changed_.notify_all();
    return ++posted_;
  }
  // Waits until the task of `ticket` (and every one before it) is done.
  Status WaitFor(uint64_t ticket) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return done_ >= ticket; });
    return failure_;
  }
  Status WaitAll() {
    uint64_t posted = 0;
    {
      std::lock_guard lock(mutex_);
      posted = posted_;
    }
    return WaitFor(posted);
  }
  bool started() {
    std::lock_guard lock(mutex_);
    return thread_.joinable();
  }
  bool failed() {
    std::lock_guard lock(mutex_);
    return !failure_.ok();
  }
  // RunWriter::Helper: one task beside the caller.
  void Start(std::function<Status()> work) override {
    helped_ = Status::Ok();
    helper_ticket_ = Post([this, work = std::move(work)] {
      helped_ = work();
      return Status::Ok();
    });
  }
  Status Wait() override {
    XCLEAR_RETURN_IF_ERROR(WaitFor(helper_ticket_));
    return helped_;
  }

 private:
  void Loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      changed_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping
      std::function<Status()> task = std::move(tasks_.front());
      tasks_.pop_front();
      const bool skip = !failure_.ok();
      lock.unlock();
      Status status = Status::Ok();
      try {
        if (!skip) status = task();
      } catch (const std::bad_alloc&) {
        status = Status::Internal("out of memory while declaring");
      } catch (const std::exception& e) {
        status = Status::Internal(std::string("declaring failed: ") + e.what());
      }
      lock.lock();
      if (!status.ok() && failure_.ok()) failure_ = std::move(status);
      ++done_;
      changed_.notify_all();
    }
  }

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<Status()>> tasks_;
  uint64_t posted_ = 0;
  uint64_t done_ = 0;
  bool stop_ = false;
  Status failure_ = Status::Ok();
  uint64_t helper_ticket_ = 0;
  Status helped_ = Status::Ok();
};

// Claims read between two hand-overs to the worker (Observe): small enough that the worker
// keeps pace with reading, large enough that the hand-over costs nothing.
constexpr size_t kObserveChunk = 1 << 16;

}  // namespace

Result<DeclarationReport> Declarations::Declare(uint32_t treatment, RowSource& source,
                                                const std::string& actor,
                                                const ProgressCallback& progress) {
  if (!config_.participants.Contains(treatment)) {
    return Status::InvalidArgument("province " + std::to_string(treatment) +
                                   " is not a configured participant");
  }
  std::lock_guard lock(declare_mutex_);
  XCLEAR_RETURN_IF_ERROR(CheckClaimFormat());
  const Instant now = clock_.Now();
  DeclarationReport report;
  report.treatment = treatment;
  report.source = source.name;
  {
    std::string seed = std::to_string(treatment) + "|" + source.name + "|" +
                       std::to_string(now.unix_millis()) + "|" + DigestToHex(ledger_.Head().hash);
    const Digest digest = Sha256Of(seed);
    for (int i = 0; i < 8; ++i) report.declaration_id = report.declaration_id << 8 | digest[i];
    if (report.declaration_id == 0) report.declaration_id = 1;
  }
  std::map<int32_t, Instant> explanations;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact(ExplanationPrefix(treatment), [&](const Fact& fact) {
    auto month = YearMonth::Parse(fact.key.substr(fact.key.size() - 7));
    if (month.ok()) explanations[month->Ordinal()] = fact.recorded_at;
    return Status::Ok();
  }));
  RowValidator validator(treatment, config_, now, std::move(explanations));
  RunWriter writer(ledger_, treatment, limits_);
  // Two runs: one filled here while the worker finishes the other.
  std::array<std::unique_ptr<Run>, 2> runs;
  std::array<uint64_t, 2> finish_ticket{0, 0};
  size_t current = 0;
  const uint64_t run_capacity =
      source.claims_max() == 0 ? limits_.run_claims_max
                               : std::min<uint64_t>(limits_.run_claims_max, source.claims_max());
  runs[0] = std::make_unique<Run>(run_capacity);
  Run* run = runs[0].get();
  // Workers: one digests the handed-over claims (and finishes full runs); two look them up in
  // the ledger, a chunk each in turn (the lookups are most of the work once the ledger holds
  // many declarations), and the first writes the claims half of a Finish. While reading, the
  // reading thread shares the two cores with them; then they have both.
  // Declared before `digests`, so destroyed after it: a queued Finish on `digests` waits on them.
  std::array<Worker, 2> lookups;
  Worker digests;
  size_t handed = 0;  // records of `run` handed to the workers
  size_t next_lookup = 0;
  const auto hand_over = [&] {
    const size_t begin = handed, end = run->size();
    if (end == begin) return;
    digests.Post([&writer, run, begin, end] { return writer.Digest(*run, begin, end); });
    lookups[next_lookup].Post(
        [&writer, run, begin, end] { return writer.LookUp(*run, begin, end); });
    next_lookup ^= 1;
    handed = end;
  };
  const auto lookups_failed = [&] { return lookups[0].failed() || lookups[1].failed(); };
  std::vector<RowError> errors;  // found while reading, in row order
  // Errors found while reading beyond errors_listed_max are counted, not kept: they come in row
  // order, so those kept are the first rows, which is what the report lists (a body of 30
  // million misshapen rows must not hold 30 million errors).
  uint64_t errors_dropped = 0;
  const auto bound_errors = [&] {
    if (errors.size() <= limits_.errors_listed_max) return;
    errors_dropped += errors.size() - limits_.errors_listed_max;
    errors.resize(limits_.errors_listed_max);
  };
  const auto any_errors = [&] { return !errors.empty() || errors_dropped > 0; };
  ClaimFieldValues fields;
  std::vector<PendingReversal> reversals;
  uint64_t row = 0;
  declarations_internal::ValidRow valid;
  std::string value;
  while (source.Next(fields, row, errors)) {
    bound_errors();
    if (source.rows() > limits_.claims_max) {
      errors.push_back(
          {row, "",
           "a declaration may hold at most " + std::to_string(limits_.claims_max) + " claims"});
      break;
    }
    if (validator.Validate(fields, source.national(), row, valid, errors)) {
      value.clear();
      const bool reversal = !valid.reversal_of.empty();
      const auto flags =
          static_cast<uint8_t>((valid.late ? kClaimLate : 0) | (reversal ? kClaimReversal : 0));
      EncodeClaimValueRaw(treatment, valid.insured, valid.settled_on, valid.category,
                          valid.total_fen, valid.fund_fen, flags, report.declaration_id, row,
                          value);
      run->Add(valid.claim_id, value);
      // A reversal is a record like a claim (unique id, aggregates, files); what it cancels is
      // checked once every claim of the declaration is known.
      if (reversal) {
        reversals.push_back(
            {std::string(valid.claim_id), std::string(valid.reversal_of), row, value});
      }
      if (run->size() - handed >= kObserveChunk) {
        hand_over();
        if (digests.failed() || lookups_failed()) break;
      }
      if (run->full()) {
        hand_over();
        const bool refused = any_errors();
        const std::array<uint64_t, 2> looked_up{lookups[0].Post([] { return Status::Ok(); }),
                                                lookups[1].Post([] { return Status::Ok(); })};
        finish_ticket[current] = digests.Post([&writer, &lookups, run, refused, looked_up] {
          XCLEAR_RETURN_IF_ERROR(lookups[0].WaitFor(looked_up[0]));
          XCLEAR_RETURN_IF_ERROR(lookups[1].WaitFor(looked_up[1]));
          return writer.Finish(*run, false, refused, &lookups[0]);
        });
        current ^= 1;
        if (!runs[current]) {
          runs[current] = std::make_unique<Run>(run_capacity);
        } else if (!digests.WaitFor(finish_ticket[current]).ok()) {
          break;
        }
        run = runs[current].get();
        run->Clear();
        handed = 0;
      }
    }
    if (progress && source.rows() % 65536 == 0)
      progress(source.rows(), source.bytes(), source.bytes_total());
  }
  report.rows = source.rows();
  Status finished = Status::Ok();
  if (!digests.started()) {  // a small declaration: no thread is worth starting
    finished = writer.Digest(*run, 0, run->size());
    if (finished.ok()) finished = writer.LookUp(*run, 0, run->size());
  } else {
    hand_over();
    finished = digests.WaitAll();
    for (Worker& worker : lookups) {
      const Status looked_up = worker.WaitAll();
      if (finished.ok()) finished = looked_up;
    }
  }
  const Status read = source.status();
  if (finished.ok() && read.code() == ErrorCode::kIoError) finished = read;
  if (!read.ok() && read.code() != ErrorCode::kIoError)
    errors.push_back({row + 1, "", read.message()});
  bound_errors();
  if (finished.ok()) {
    finished =
        writer.Finish(*run, true, any_errors(), lookups[0].started() ? &lookups[0] : nullptr);
  }
  if (!finished.ok()) {
    writer.DiscardFiles();
    return finished;
  }
  if (progress) progress(source.rows(), source.bytes(), source.bytes_total());
  RunResults& results = writer.results();
  std::vector<TableWrite> links;
  if (!reversals.empty()) {
    const bool refused = any_errors() || !results.errors.empty();
    std::unordered_set<uint64_t> originals;
    for (const PendingReversal& reversal : reversals) {
      originals.insert(ClaimIdHash(reversal.original));
    }
    writer.KeepNewClaimsInMemory(originals);
    const Status checked =
        CheckReversals(ledger_, writer, treatment, refused, reversals, results.errors, links);
    writer.CloseFoundFiles();
    if (!checked.ok()) {
      writer.DiscardFiles();
      return checked;
    }
  }
  // The run's errors (any rows) join the first rows read; sorted, the first listed are kept.
  errors.insert(errors.end(), results.errors.begin(), results.errors.end());
  report.error_count = errors.size() + errors_dropped;
  if (report.error_count > 0) {
    writer.DiscardFiles();
    std::stable_sort(errors.begin(), errors.end(),
                     [](const RowError& a, const RowError& b) { return a.row < b.row; });
    if (errors.size() > limits_.errors_listed_max) errors.resize(limits_.errors_listed_max);
    report.errors = std::move(errors);
    report.duplicates = 0;
    return report;
  }
  report.accepted = true;
  report.recorded = results.claims.recorded;
  report.duplicates = results.duplicates;
  report.late = results.claims.late + results.reversals.late;
  report.fund_amount = Money::FromFen(results.claims.fund);
  report.total_amount = Money::FromFen(results.claims.total);
  report.digest = results.claims.digest;
  report.reversals = results.reversals.recorded;
  report.reversed_fund = Money::FromFen(results.reversals.fund);
  report.reversed_total = Money::FromFen(results.reversals.total);
  report.reversals_digest = results.reversals.digest;
  std::sort(results.duplicate_ids.begin(), results.duplicate_ids.end());
  report.duplicate_ids = std::move(results.duplicate_ids);
  if (report.recorded + report.reversals == 0) return report;  // only duplicates: nothing new
  std::move(links.begin(), links.end(), std::back_inserter(results.writes));
  const Status committed = CommitDeclaration(report, results, actor);
  if (!committed.ok()) {
    writer.DiscardFiles();
    return committed;
  }
  return report;
}

}  // namespace xclear

namespace xclear {
namespace {

// declaration := treatment:fixed32 entry_sequence:fixed64 declared_ms:fixed64 rows:fixed64
//                recorded:fixed64 duplicates:fixed64 late:fixed64 fund:fixed64 total:fixed64
//                digest:32 actor:str source:str [reversals]
// reversals   := count:fixed64 fund:fixed64 total:fixed64 entry_sequence:fixed64 digest:32
//                (written by every declaration since reversals exist; absent: none)
std::string EncodeDeclaration(const DeclarationReport& report, const Instant& declared_at,
                              const std::string& actor) {
  std::string out;
  const auto put64 = [&out](uint64_t value) { encoding::PutFixed64(out, value); };
  const auto fen64 = [](const Money& money) { return money.fen().convert_to<uint64_t>(); };
  encoding::PutFixed32(out, report.treatment);
  put64(report.entry_sequence);
  put64(static_cast<uint64_t>(declared_at.unix_millis()));
  put64(report.rows);
  put64(report.recorded);
  put64(report.duplicates);
  put64(report.late);
  put64(fen64(report.fund_amount));
  put64(fen64(report.total_amount));
  out.append(reinterpret_cast<const char*>(report.digest.data()), 32);
  PutString(out, actor);
  PutString(out, report.source);
  put64(report.reversals);
  put64(fen64(report.reversed_fund));
  put64(fen64(report.reversed_total));
  put64(report.reversal_entry_sequence);
  out.append(reinterpret_cast<const char*>(report.reversals_digest.data()), 32);
  return out;
}

// The entry of a declaration's claims (kClaimsDeclared), or of its reversals (kClaimReversal:
// the same postings with debit and credit swapped), per insured province.
EntryDraft DeclarationEntry(const DeclarationReport& report, EntryKind kind,
                            const std::map<uint32_t, Fen>& by_insured, const Instant& now,
                            const std::string& actor) {
  const bool reversal = kind == EntryKind::kClaimReversal;
  const std::string id = DeclarationIdToHex(report.declaration_id);
  EntryDraft draft;
  draft.kind = kind;
  draft.effective_date = now.CstDate();
  draft.actor = actor;
  draft.idempotency_key = (reversal ? "declaration-reversals:" : "declaration:") + id;
  draft.source_reference = "declaration " + id;
  if (reversal) {
    draft.memo = std::to_string(report.reversals) + " reversals from " + report.source;
  } else {
    draft.memo = std::to_string(report.recorded) + " claims from " + report.source;
  }
  if (report.late > 0) draft.memo += ", " + std::to_string(report.late) + " late";
  const Side dr = reversal ? Side::kCredit : Side::kDebit;
  const Side cr = reversal ? Side::kDebit : Side::kCredit;
  const uint32_t treatment = report.treatment;
  for (const auto& [insured, fen] : by_insured) {
    if (fen == 0) continue;
    const Money amount = Money::FromFen(fen);
    draft.postings.push_back({AccountId::Receivable(treatment, insured), dr, amount});
    draft.postings.push_back({AccountId::Bank(treatment), cr, amount});
    draft.postings.push_back({AccountId::Expense(insured), dr, amount});
    draft.postings.push_back({AccountId::Payable(insured, treatment), cr, amount});
  }
  return draft;
}

}  // namespace

Status Declarations::CommitDeclaration(DeclarationReport& report, RunResults& results,
                                       const std::string& actor) {
  const Instant now = clock_.Now();
  CommitRequest request;
  int claims_entry = -1, reversals_entry = -1;
  EntryDraft entry = DeclarationEntry(report, EntryKind::kClaimsDeclared,
                                      results.claims.fund_by_insured, now, actor);
  if (!entry.postings.empty()) {
    claims_entry = static_cast<int>(request.entries.size());
    request.entries.push_back(std::move(entry));
  }
  entry = DeclarationEntry(report, EntryKind::kClaimReversal, results.reversals.fund_by_insured,
                           now, actor);
  if (!entry.postings.empty()) {
    reversals_entry = static_cast<int>(request.entries.size());
    request.entries.push_back(std::move(entry));
  }
  request.writes = std::move(results.writes);
  request.files = results.files;
  for (const auto& [key, late] : results.late_aggregates) {
    request.writes.push_back({Table::kLateAggregates,
                              EncodeLateAggregateKey(key, report.declaration_id),
                              EncodeAggregate(late)});
  }
  request.complete = [&](const std::vector<AppendResult>& entries,
                         std::vector<TableWrite>& writes) {
    const auto sequence_of = [&entries](int index) {
      return index < 0 ? uint64_t{0} : entries[static_cast<size_t>(index)].sequence;
    };
    report.entry_sequence = sequence_of(claims_entry);
    report.reversal_entry_sequence = sequence_of(reversals_entry);
    writes.push_back({Table::kDeclarations, DeclarationKey(report.declaration_id),
                      EncodeDeclaration(report, now, actor)});
    for (const auto& [key, delta] : results.aggregates) {
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

Status Declarations::CheckClaimFormat() const {
  if (format_checked_.load(std::memory_order_acquire)) return Status::Ok();
  XCLEAR_ASSIGN_OR_RETURN(const bool unindexed, HasUnindexedClaims(ledger_));
  if (unindexed) {
    return Status::FailedPrecondition(
        "this ledger keeps its claims in the format of xclear before the claim index (an "
        "id-keyed claims table); this version cannot check claim ids against it. Restore it "
        "into a ledger written by this version, or keep using the version that wrote it");
  }
  format_checked_.store(true, std::memory_order_release);
  return Status::Ok();
}

Result<std::optional<ClaimRecord>> Declarations::FindClaim(std::string_view claim_id) const {
  XCLEAR_RETURN_IF_ERROR(CheckClaimFormat());
  XCLEAR_ASSIGN_OR_RETURN(const auto stored, FindStoredClaim(ledger_, claim_id));
  if (!stored) return std::optional<ClaimRecord>();
  ClaimRecord record;
  if (!DecodeClaimValue(claim_id, stored->value, record)) {
    return Status::Corruption("claim " + std::string(claim_id) + " is stored malformed");
  }
  if (ClaimValueView(stored->value).reversal()) {
    XCLEAR_ASSIGN_OR_RETURN(const auto original, FindReversalOf(ledger_, claim_id));
    if (!original) {
      return Status::Corruption("reversal " + std::string(claim_id) + " names no claim");
    }
    record.reversal_of = *original;
  } else {
    XCLEAR_ASSIGN_OR_RETURN(const auto reversal, FindReversedBy(ledger_, claim_id));
    if (reversal) record.reversed_by = *reversal;
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
    if (ClaimValueView(cursor->value()).reversal()) {
      XCLEAR_ASSIGN_OR_RETURN(const auto original, FindReversalOf(ledger_, record.claim_id));
      if (!original) return Status::Corruption("reversal " + record.claim_id + " names no claim");
      record.reversal_of = *original;
    }
    XCLEAR_RETURN_IF_ERROR(visit(record));
  }
  return cursor->status();
}

}  // namespace xclear

namespace xclear {

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
    groups.push_back({key.treatment, key.insured, key.category, key.reversal, aggregate.count,
                      aggregate.fund_fen, aggregate.total_fen, aggregate.digest_sum});
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
    totals.second += group.reversal ? -group.fund_fen : group.fund_fen;
  }
  return totals;
}

}  // namespace xclear

namespace xclear {

Result<std::vector<Declarations::LateGroup>> Declarations::LateGroups(
    const YearMonth& month) const {
  std::vector<LateGroup> groups;
  auto cursor = ledger_.NewCursor(Table::kLateAggregates, MonthKeyPrefix(month),
                                  MonthKeyPrefix(month.AddMonths(1)));
  for (; cursor->Valid(); cursor->Next()) {
    AggregateKey key;
    uint64_t declaration_id = 0;
    Aggregate aggregate;
    if (!DecodeLateAggregateKey(cursor->key(), key, declaration_id) ||
        !DecodeAggregate(cursor->value(), aggregate)) {
      return Status::Corruption("a late claims aggregate record is malformed");
    }
    groups.push_back({declaration_id,
                      {key.treatment, key.insured, key.category, key.reversal, aggregate.count,
                       aggregate.fund_fen, aggregate.total_fen, aggregate.digest_sum}});
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  return groups;
}

}  // namespace xclear
