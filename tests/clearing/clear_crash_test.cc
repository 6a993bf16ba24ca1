// A SIGKILL at any moment of a clearing run leaves the whole statement or none of it.
#include <gtest/gtest.h>

#include <random>

#include "../test_support.h"
#include "xclear/clearing.h"
#include "xclear/declarations.h"

namespace xclear {
namespace {

constexpr const char* kNow = "2026-10-21T09:00:00";

// Declares 300 000 claims of 2026-09 from four provinces into a ledger in `dir`.
void BuildLedger(const std::filesystem::path& dir, const Config& config) {
  ManualClock clock(Instant::Parse("2026-10-10T09:00:00").value());
  LedgerOptions options;
  options.data_dir = dir;
  options.create_if_missing = true;
  auto ledger = OpenLedger(options, config.participants, clock).value();
  Declarations declarations(*ledger, config, clock);
  const uint32_t provinces[] = {110000, 310000, 440000, 510000};
  for (const uint32_t treatment : provinces) {
    std::string csv =
        "claim_id,treatment_province,insured_province,settled_on,category,total_amount,"
        "fund_amount\n";
    for (int i = 0; i < 75'000; ++i) {
      const uint32_t insured =
          provinces[(i + 1) % 4] == treatment ? 130000 : provinces[(i + 1) % 4];
      const int day = 1 + i % 28;
      csv += std::to_string(treatment) + "-" + std::to_string(i) + "," + std::to_string(treatment) +
             "," + std::to_string(insured) + ",2026-09-" + (day < 10 ? "0" : "") +
             std::to_string(day) + ",outpatient," + std::to_string(100 + i % 900) + ".00," +
             std::to_string(50 + i % 50) + ".25\n";
    }
    auto report = declarations.DeclareCsvText(treatment, csv, "province:test", "crash.csv");
    ASSERT_TRUE(report.ok() && report->accepted);
  }
}

std::vector<std::string> StatementsOf(const std::filesystem::path& dir, const Config& config) {
  ManualClock clock(Instant::Parse(kNow).value());
  LedgerOptions options;
  options.data_dir = dir;
  auto ledger = OpenLedger(options, config.participants, clock);
  EXPECT_TRUE(ledger.ok()) << ledger.status().ToString();
  if (!ledger.ok()) return {};
  Clearing clearing(**ledger, config, clock);
  auto problem = clearing.Verify();
  EXPECT_TRUE(problem.ok() && problem->empty()) << (problem.ok() ? *problem : "");
  EXPECT_TRUE((*ledger)->Verify()->ok);
  auto statements = clearing.Statements(YearMonth::Parse("2026-09").value());
  EXPECT_TRUE(statements.ok());
  std::vector<std::string> out;
  if (!statements.ok()) return out;
  for (const Statement& statement : *statements) {
    out.push_back(StatementToJson(statement, config.participants));
  }
  return out;
}

TEST(ClearingCrash, SigkillDuringClearingLeavesTheWholeStatementOrNone) {
  testing_support::TempDir dir;
  const Config config = DefaultConfig(XCLEAR_SOURCE_DIR "/config");
  const auto pristine = dir.path() / "pristine";
  BuildLedger(pristine, config);
  // The reference: the same run, uninterrupted, on a copy.
  const auto reference_dir = dir.path() / "reference";
  std::filesystem::copy(pristine, reference_dir, std::filesystem::copy_options::recursive);
  const auto reference_run = testing_support::RunChild(
      {XCLEAR_CLEAR_CHILD, reference_dir.string(), "2026-09", kNow}, 120'000);
  ASSERT_EQ(reference_run.exit_code, 0) << reference_run.output;
  const std::vector<std::string> reference = StatementsOf(reference_dir, config);
  ASSERT_EQ(reference.size(), 1u);
  std::mt19937 random(4242);
  int whole = 0, none = 0;
  for (int round = 0; round < 8; ++round) {
    const auto work = dir.path() / ("round-" + std::to_string(round));
    std::filesystem::copy(pristine, work, std::filesystem::copy_options::recursive);
    const auto run = testing_support::RunChild({XCLEAR_CLEAR_CHILD, work.string(), "2026-09", kNow},
                                               static_cast<int>(random() % 700));
    const std::vector<std::string> statements = StatementsOf(work, config);
    if (statements.empty()) {
      ASSERT_TRUE(run.killed) << "a finished run left no statement";
      ++none;
    } else {
      ASSERT_EQ(statements, reference) << "round " << round;
      ++whole;
    }
    std::filesystem::remove_all(work);
  }
  std::printf("clearing crash test: %d runs left the whole statement, %d none, none partial\n",
              whole, none);
}

}  // namespace
}  // namespace xclear
