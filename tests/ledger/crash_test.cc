// Crash atomicity: a child process appends in a loop and is killed with SIGKILL at random moments.
// After every kill the ledger must verify, and every commit the child saw acknowledged must be
// there, each entry exactly once and exactly as written.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "../test_support.h"
#include "xclear/ledger.h"

namespace xclear {
namespace {

// Starts the child, lets it run for `run_millis`, kills it, and returns the last ACKed sequence.
uint64_t RunAndKill(const std::filesystem::path& dir, int run_millis) {
  const testing_support::ChildRun run =
      testing_support::RunChild({XCLEAR_CRASH_CHILD, dir.string()}, run_millis);
  EXPECT_TRUE(run.killed) << "the child ended on its own: " << run.exit_code;
  uint64_t last = 0;
  size_t position = 0;
  while ((position = run.output.find("ACK ", position)) != std::string::npos) {
    const size_t end = run.output.find('\n', position);
    if (end == std::string::npos) break;  // a line cut by the kill was never fully acknowledged
    last = std::stoull(run.output.substr(position + 4, end - position - 4));
    position = end;
  }
  return last;
}

TEST(CrashAtomicity, SigkillDuringAppendsLosesNothingAcknowledgedAndLeavesNoHalfCommit) {
  testing_support::TempDir dir;
  std::mt19937 random(20261123);
  constexpr int kKills = 8;
  uint64_t acknowledged = 0;
  for (int round = 0; round < kKills; ++round) {
    // The first kill lands while the child is still creating the ledger.
    // Wide enough that a sanitizer build (several times slower) still commits in most rounds;
    // until the child has acknowledged anything (a slow start on a loaded machine), longer.
    const int base_millis = acknowledged == 0 ? 3000 : 300;
    const int run_millis = round == 0 ? 2 : base_millis + static_cast<int>(random() % 1200);
    const uint64_t acked = RunAndKill(dir.path() / "ledger", run_millis);
    acknowledged = std::max(acknowledged, acked);
    SystemClock clock;
    LedgerOptions options;
    options.data_dir = dir.path() / "ledger";
    auto ledger = OpenLedger(options, Participants::Default(), clock);
    if (!ledger.ok() && ledger.status().code() == ErrorCode::kNotFound && acknowledged == 0) {
      continue;  // killed before creation finished: no ledger at all, never half of one
    }
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    auto report = (*ledger)->Verify();
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok) << "round " << round << ": " << report->reason;
    const uint64_t head = (*ledger)->Head().sequence;
    ASSERT_GE(head, acknowledged) << "an acknowledged commit was lost in round " << round;
    // Every entry is the one the child wrote for its sequence, so none is missing or doubled.
    const Status checked = (*ledger)->ForEachEntry(1, head, [](const JournalEntry& entry) {
      const std::string key = "c-" + std::to_string(entry.sequence);
      if (entry.idempotency_key != key || entry.postings[0].amount.fen() != Fen(entry.sequence)) {
        return Status::Corruption("entry " + std::to_string(entry.sequence) + " is not as written");
      }
      return Status::Ok();
    });
    ASSERT_TRUE(checked.ok()) << checked.ToString();
    auto trial = (*ledger)->TrialBalanceAt(head);
    ASSERT_TRUE(trial.ok());
    EXPECT_TRUE(trial->total.is_zero());
  }
  EXPECT_GT(acknowledged, 0u) << "the child never committed anything";
  std::printf("crash test: %d kills survived, %llu acknowledged entries checked\n", kKills,
              static_cast<unsigned long long>(acknowledged));
}

}  // namespace
}  // namespace xclear
