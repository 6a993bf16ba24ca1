// Clearing benchmark: runs the month-end clearing of a month on an existing ledger (e.g. the
// one declare_bench leaves behind) and prints wall time, claims/s and peak RSS.
//
//   build/bench/clear_bench --ledger DIR --month YYYY-MM [--config FILE]
//
// The clearing writes its statement into that ledger; run it on a copy to repeat it.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "xclear/clearing.h"
#include "xclear/declarations.h"

int main(int argc, char** argv) {
  using namespace xclear;
  std::string ledger_dir, month_text, config_path = "config/xclear.json";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--ledger")
      ledger_dir = argv[i + 1];
    else if (flag == "--month")
      month_text = argv[i + 1];
    else if (flag == "--config")
      config_path = argv[i + 1];
  }
  auto config = LoadConfig(config_path);
  auto month = YearMonth::Parse(month_text);
  if (!config.ok() || !month.ok() || ledger_dir.empty()) {
    std::fprintf(stderr, "usage: clear_bench --ledger DIR --month YYYY-MM [--config FILE]\n");
    return 2;
  }
  // "Now" is just after the month's declaration deadline.
  ManualClock clock(DeclarationDeadline(*month, config->rules).AddMillis(3'600'000));
  LedgerOptions options;
  options.data_dir = ledger_dir;
  options.storage = config->storage;
  auto ledger = OpenLedger(options, config->participants, clock);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  Clearing clearing(**ledger, *config, clock);
  const auto start = std::chrono::steady_clock::now();
  auto statements = clearing.Clear(*month, "operator:bench");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!statements.ok()) {
    std::fprintf(stderr, "%s\n", statements.status().ToString().c_str());
    return 1;
  }
  uint64_t claims = 0;
  for (const Statement& statement : *statements) claims += statement.claim_count;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const Statement& regular = statements->front();
  std::printf(
      "cleared %s: %llu claims, %zu pairs, fund %s CNY in %.2f s (%.0f claims/s), peak "
      "RSS %ld MiB\n  gross: %llu payments, %s moved; net: %llu payments, %s moved\n",
      month->ToString().c_str(), static_cast<unsigned long long>(claims), regular.pairs.size(),
      regular.fund_amount.ToString().c_str(), seconds, claims / seconds, usage.ru_maxrss / 1024,
      static_cast<unsigned long long>(regular.gross.payments),
      regular.gross.moved.ToString().c_str(), static_cast<unsigned long long>(regular.net.payments),
      regular.net.moved.ToString().c_str());
  return 0;
}
