// Child of the declaration crash test: declares one CSV file with small runs (so that the
// ingestion path with several sorted files is taken) and prints "DONE <recorded>".
#include <cstdio>

#include "xclear/declarations.h"

int main(int argc, char** argv) {
  using namespace xclear;
  if (argc != 5) {
    std::fprintf(stderr, "usage: declare_crash_child LEDGER FILE PROVINCE NOW\n");
    return 2;
  }
  const Config config = DefaultConfig(XCLEAR_SOURCE_DIR "/config");
  ManualClock clock(Instant::Parse(argv[4]).value());
  LedgerOptions options;
  options.data_dir = argv[1];
  options.create_if_missing = true;
  auto ledger = OpenLedger(options, config.participants, clock);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  DeclarationLimits limits;
  limits.run_claims_max = 20'000;
  limits.write_batch_claims_max = 1'000;
  Declarations declarations(**ledger, config, clock, limits);
  auto report = declarations.DeclareCsvFile(static_cast<uint32_t>(std::stoul(argv[3])), argv[2],
                                            "province:test");
  if (!report.ok() || !report->accepted) {
    std::fprintf(
        stderr, "%s\n",
        report.ok() ? report->errors.at(0).reason.c_str() : report.status().ToString().c_str());
    return 1;
  }
  std::printf("DONE %llu\n", static_cast<unsigned long long>(report->recorded));
  std::fflush(stdout);
  return 0;
}
