// Child of the clearing crash test: clears one month and prints "DONE".
#include <cstdio>

#include "xclear/clearing.h"

int main(int argc, char** argv) {
  using namespace xclear;
  if (argc != 4) {
    std::fprintf(stderr, "usage: clear_crash_child LEDGER MONTH NOW\n");
    return 2;
  }
  const Config config = DefaultConfig(XCLEAR_SOURCE_DIR "/config");
  ManualClock clock(Instant::Parse(argv[3]).value());
  LedgerOptions options;
  options.data_dir = argv[1];
  auto ledger = OpenLedger(options, config.participants, clock);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  Clearing clearing(**ledger, config, clock);
  auto statements = clearing.Clear(YearMonth::Parse(argv[2]).value(), "operator:crash-test");
  if (!statements.ok()) {
    std::fprintf(stderr, "%s\n", statements.status().ToString().c_str());
    return 1;
  }
  std::printf("DONE\n");
  std::fflush(stdout);
  return 0;
}
