// The declaration run: reads a declaration's rows (row_sources.cc), validates each
// (row_validator.cc), fills runs of encoded claims and hands them to the run writer
// (declaration_runs.cc: uniqueness against the ledger and within the declaration, files),
// checks its reversals against what they cancel (reversals.cc), and commits it whole
// (declaration_record.cc) or reports every bad row and writes nothing.
#include "xclear/declarations.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <thread>
#include <unordered_set>

#include "claim_index.h"
#include "declaration_runs.h"
#include "explanations.h"
#include "reversals.h"
#include "row_sources.h"
#include "row_validator.h"

namespace xclear {

using namespace declarations_internal;

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
  XCLEAR_ASSIGN_OR_RETURN(auto explanations, ExplanationsFiled(ledger_, treatment));
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
    if (!checked.ok()) {
      writer.DiscardFiles();
      return checked;
    }
  }
  writer.CloseFoundFiles();  // the lookups are done: the files may be ingested or removed
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
