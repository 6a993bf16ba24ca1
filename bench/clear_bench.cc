// Clearing benchmark: runs the month-end clearing of a month on an existing ledger (e.g. the
// one declare_bench leaves behind) and prints wall time, claims/s and peak RSS — first the
// regular round (built from the declaration-time aggregates), then a supplementary round: a
// treatment province that filed an explanation declares LATE claims after the deadline and
// the month is cleared again, from the late claims' groups kept per declaration (no scan).
//
//   build/bench/clear_bench --ledger DIR --month YYYY-MM [--late N] [--config FILE]
//
// The clearing writes its statements into that ledger; run it on a copy to repeat it.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "xclear/clearing.h"
#include "xclear/declarations.h"

namespace {

using namespace xclear;

long PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

// Clears `month` and prints the figures of the round it issued (or of the regular round).
bool ClearAndReport(Clearing& clearing, const YearMonth& month, const char* what) {
  const auto start = std::chrono::steady_clock::now();
  auto statements = clearing.Clear(month, "operator:bench");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!statements.ok()) {
    std::fprintf(stderr, "%s\n", statements.status().ToString().c_str());
    return false;
  }
  uint64_t claims = 0;
  for (const Statement& statement : *statements) claims += statement.claim_count;
  const Statement& round = statements->back();
  std::printf(
      "%s %s: round %u with %llu claims (%llu in the month), %zu pairs, fund %s CNY, in %.3f s "
      "(%.0f claims of the month/s), peak RSS %ld MiB\n"
      "  gross: %llu payments, %s moved; net: %llu payments, %s moved\n",
      what, month.ToString().c_str(), round.round,
      static_cast<unsigned long long>(round.claim_count), static_cast<unsigned long long>(claims),
      round.pairs.size(), round.fund_amount.ToString().c_str(), seconds, claims / seconds,
      PeakRssMiB(), static_cast<unsigned long long>(round.gross.payments),
      round.gross.moved.ToString().c_str(), static_cast<unsigned long long>(round.net.payments),
      round.net.moved.ToString().c_str());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ledger_dir, month_text, config_path = "config/xclear.json";
  long late_claims = 10'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--ledger")
      ledger_dir = argv[i + 1];
    else if (flag == "--month")
      month_text = argv[i + 1];
    else if (flag == "--late")
      late_claims = std::stol(argv[i + 1]);
    else if (flag == "--config")
      config_path = argv[i + 1];
  }
  auto config = LoadConfig(config_path);
  auto month = YearMonth::Parse(month_text);
  if (!config.ok() || !month.ok() || ledger_dir.empty() || late_claims < 0) {
    std::fprintf(stderr,
                 "usage: clear_bench --ledger DIR --month YYYY-MM [--late N] [--config FILE]\n");
    return 2;
  }
  const Instant deadline = DeclarationDeadline(*month, config->rules);
  ManualClock clock(deadline.AddMillis(-86'400'000));  // the day before the deadline
  LedgerOptions options;
  options.data_dir = ledger_dir;
  options.storage = config->storage;
  auto ledger = OpenLedger(options, config->participants, clock);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  constexpr uint32_t kLateProvince = 110000;
  Declarations declarations(**ledger, *config, clock);
  if (late_claims > 0) {
    auto explanation = declarations.FileExplanation(kLateProvince, *month,
                                                    "clear_bench late claims", "province:110000");
    if (!explanation.ok()) {
      std::fprintf(stderr, "%s\n", explanation.status().ToString().c_str());
      return 1;
    }
  }
  clock.Set(deadline.AddMillis(3'600'000));  // an hour after the deadline
  Clearing clearing(**ledger, *config, clock);
  if (!ClearAndReport(clearing, *month, "regular clearing")) return 1;
  if (late_claims == 0) return 0;

  clock.Set(deadline.AddMillis(7'200'000));
  std::string csv =
      "claim_id,treatment_province,insured_province,settled_on,category,total_amount,"
      "fund_amount\n";
  const std::string settled_on = month->ToString() + "-15";
  for (long i = 0; i < late_claims; ++i) {
    csv += "bench-late-" + std::to_string(i) + ",110000," + std::to_string(120000 + i % 3 * 10000) +
           "," + settled_on + ",outpatient," + std::to_string(100 + i % 900) + ".00," +
           std::to_string(50 + i % 50) + ".25\n";
  }
  auto report = declarations.DeclareCsvText(kLateProvince, csv, "province:110000", "late.csv");
  if (!report.ok() || !report->accepted) {
    std::fprintf(
        stderr, "late declaration failed: %s\n",
        report.ok() ? report->errors.front().reason.c_str() : report.status().ToString().c_str());
    return 1;
  }
  return ClearAndReport(clearing, *month, "supplementary clearing") ? 0 : 1;
}
