// The child process of the crash tests: appends deterministic claim entries in commits of varying
// size, forever, and prints "ACK <sequence>" (flushed) after each commit is acknowledged. Entry n
// is always ClaimEntry(110000, 130000, n fen, key "c-n"), so the parent can check every entry.
#include <cstdio>
#include <random>

#include "../test_support.h"
#include "xclear/ledger.h"

int main(int argc, char** argv) {
  using namespace xclear;
  if (argc != 2) {
    std::fprintf(stderr, "usage: ledger_crash_child DATA_DIR\n");
    return 2;
  }
  SystemClock clock;
  LedgerOptions options;
  options.data_dir = argv[1];
  options.create_if_missing = true;
  auto ledger = OpenLedger(options, Participants::Default(), clock);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  std::mt19937 random(static_cast<unsigned>(clock.Now().unix_millis()));
  uint64_t next = (*ledger)->Head().sequence + 1;
  while (true) {
    const uint64_t count = 1 + random() % 200;
    std::vector<EntryDraft> drafts;
    for (uint64_t n = next; n < next + count; ++n) {
      drafts.push_back(testing_support::ClaimEntry(110000, 130000, static_cast<int64_t>(n),
                                                   "c-" + std::to_string(n)));
    }
    auto appended = (*ledger)->Append(drafts);
    if (!appended.ok()) {
      std::fprintf(stderr, "%s\n", appended.status().ToString().c_str());
      return 1;
    }
    next += count;
    std::printf("ACK %llu\n", static_cast<unsigned long long>(appended->back().sequence));
    std::fflush(stdout);
  }
}
