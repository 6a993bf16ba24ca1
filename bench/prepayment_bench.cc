// Prepayment benchmark: on a ledger holding a year of claims (bench/prepayment_bench.sh builds
// one: 12 generated months of 2026), times a full positions scan (all 992 pairs, and one
// province's 62), the annual adjustment for 2027 (bases of 992 pairs from a year of claims)
// and the operator's top-up check, and prints wall times and peak RSS.
//
//   build/bench/prepayment_bench --ledger DIR [--year 2027] [--config FILE]
//
// The adjustment and the top-ups are written into that ledger; run it on a copy to repeat it.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "xclear/prepayments.h"

namespace {

using namespace xclear;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

long PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ledger_dir, config_path = "config/xclear.json";
  int year = 2027;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--ledger")
      ledger_dir = argv[i + 1];
    else if (flag == "--year")
      year = std::stoi(argv[i + 1]);
    else if (flag == "--config")
      config_path = argv[i + 1];
  }
  auto config = LoadConfig(config_path);
  if (!config.ok() || ledger_dir.empty()) {
    std::fprintf(stderr, "usage: prepayment_bench --ledger DIR [--year YYYY] [--config FILE]\n");
    return 2;
  }
  auto calendar = WorkingCalendar::LoadDirectory(config->calendar_dir);
  if (!calendar.ok()) {
    std::fprintf(stderr, "%s\n", calendar.status().ToString().c_str());
    return 1;
  }
  // 10 January of the adjustment year: inside its window.
  ManualClock clock(Instant::Parse(std::to_string(year) + "-01-10T10:00:00").value());
  LedgerOptions options;
  options.data_dir = ledger_dir;
  options.storage = config->storage;
  auto ledger = OpenLedger(options, config->participants, clock);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  Prepayments prepayments(**ledger, *config, *calendar, clock);

  auto start = std::chrono::steady_clock::now();
  auto positions = prepayments.Positions((*ledger)->Head().sequence);
  if (!positions.ok()) {
    std::fprintf(stderr, "%s\n", positions.status().ToString().c_str());
    return 1;
  }
  const double all_seconds = SecondsSince(start);
  uint64_t red = 0;
  Money outstanding;
  for (const Position& position : *positions) {
    red += position.warning == Warning::kRed ? 1 : 0;
    outstanding += position.outstanding;
  }
  std::printf("positions of all %zu pairs: %.4f s (%llu red, outstanding %s CNY)\n",
              positions->size(), all_seconds, static_cast<unsigned long long>(red),
              outstanding.ToString().c_str());
  start = std::chrono::steady_clock::now();
  auto mine = prepayments.Positions((*ledger)->Head().sequence, 440000);
  std::printf("positions of one province (%zu pairs): %.4f s\n", mine.ok() ? mine->size() : 0,
              SecondsSince(start));
  // As of a past instant (mid-year): every balance from the per-account history index.
  const auto mid_year =
      (*ledger)->SequenceAt(Instant::Parse(std::to_string(year - 1) + "-07-01T00:00:00").value());
  start = std::chrono::steady_clock::now();
  auto past = prepayments.Positions(mid_year.ok() ? *mid_year : 0);
  Money past_outstanding;
  if (past.ok()) {
    for (const Position& position : *past) past_outstanding += position.outstanding;
  }
  std::printf("positions of all pairs as of entry %llu (1 July %d): %.4f s (outstanding %s CNY)\n",
              static_cast<unsigned long long>(mid_year.ok() ? *mid_year : 0), year - 1,
              SecondsSince(start), past_outstanding.ToString().c_str());

  start = std::chrono::steady_clock::now();
  auto adjustment = prepayments.RunAdjustment(year, "operator:bench");
  if (!adjustment.ok()) {
    std::fprintf(stderr, "%s\n", adjustment.status().ToString().c_str());
    return 1;
  }
  const double adjust_seconds = SecondsSince(start);
  Money target;
  for (const AdjustmentLine& line : adjustment->lines) target += line.target;
  std::printf(
      "annual adjustment %d: %zu pairs from %llu claims of %d in %.3f s (Σ target %s CNY)\n", year,
      adjustment->lines.size(), static_cast<unsigned long long>(adjustment->claim_count), year - 1,
      adjust_seconds, target.ToString().c_str());

  start = std::chrono::steady_clock::now();
  auto notices = prepayments.Notices();
  std::printf("notices listed: %zu in %.3f s\n", notices.ok() ? notices->size() : 0,
              SecondsSince(start));
  start = std::chrono::steady_clock::now();
  auto check = prepayments.CheckTopUps(xclear::Actor::Operator("bench"));
  if (!check.ok()) {
    std::fprintf(stderr, "%s\n", check.status().ToString().c_str());
    return 1;
  }
  std::printf("top-up check: %zu issued, %zu left alone in %.3f s\n", check->issued.size(),
              check->skipped.size(), SecondsSince(start));
  std::printf("peak RSS %ld MiB\n", PeakRssMiB());
  return 0;
}
