// A SIGKILL during a large declaration (claims and reversals) leaves all of it or none of it.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "../test_support.h"
#include "xclear/declarations.h"

namespace xclear {
namespace {

constexpr int kClaimsPerFile = 150'000;

void WriteFile(const std::filesystem::path& path, int round) {
  std::ofstream out(path);
  out << "claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_"
         "amount,reversal_of\n";
  const uint32_t insured[] = {130000, 310000, 440000, 510000};
  // Every 50th row reverses the claim before it (the same fields, its own id): the crash must
  // leave reversals and their links all there or none.
  for (int i = 0; i < kClaimsPerFile; ++i) {
    const bool reversal = i % 50 == 49;
    const int of = reversal ? i - 1 : i;
    const int day = 1 + of % 28;
    out << "K" << round << "-" << (reversal ? "R" : "") << i << ",110000," << insured[of % 4]
        << ",2026-09-" << (day < 10 ? "0" : "") << day << ",outpatient," << (100 + of % 900)
        << ".00," << (50 + of % 50) << ".25,";
    if (reversal) out << "K" << round << "-" << of;
    out << "\n";
  }
}

TEST(DeclarationCrash, SigkillDuringALargeDeclarationLeavesAllOrNothing) {
  testing_support::TempDir dir;
  const Config config = DefaultConfig(XCLEAR_SOURCE_DIR "/config");
  std::mt19937 random(1123);
  int complete = 0, absent = 0;
  for (int round = 0; round < 6; ++round) {
    const auto file = dir.path() / ("round-" + std::to_string(round) + ".csv");
    WriteFile(file, round);
    const int kill_after = round == 5 ? 60'000 : 30 + static_cast<int>(random() % 900);
    const auto run =
        testing_support::RunChild({XCLEAR_DECLARE_CHILD, (dir.path() / "ledger").string(),
                                   file.string(), "110000", "2026-10-10T09:00:00"},
                                  kill_after);
    ManualClock clock(Instant::Parse("2026-10-10T09:00:00").value());
    LedgerOptions options;
    options.data_dir = dir.path() / "ledger";
    auto ledger = OpenLedger(options, config.participants, clock);
    if (!ledger.ok() && ledger.status().code() == ErrorCode::kNotFound) {
      ++absent;  // killed while the ledger was being created
      continue;
    }
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    Declarations declarations(**ledger, config, clock);
    uint64_t found = 0;
    const std::string prefix = "K" + std::to_string(round) + "-";
    ASSERT_TRUE(declarations
                    .ForEachClaim(YearMonth::Parse("2026-09").value(), 110000, 0,
                                  [&](const ClaimRecord& claim) {
                                    found += claim.claim_id.rfind(prefix, 0) == 0 ? 1 : 0;
                                    return Status::Ok();
                                  })
                    .ok());
    ASSERT_TRUE(found == 0 || found == kClaimsPerFile)
        << "round " << round << ": " << found << " claims";
    if (found == static_cast<uint64_t>(kClaimsPerFile)) {
      auto reversed = declarations.FindClaim(prefix + "48");
      ASSERT_TRUE(reversed.ok() && reversed->has_value());
      EXPECT_EQ((*reversed)->reversed_by, prefix + "R49");
    }
    if (!run.killed) {
      ASSERT_EQ(run.exit_code, 0);
      ASSERT_EQ(found, static_cast<uint64_t>(kClaimsPerFile))
          << "an acknowledged declaration is missing";
    }
    (found == 0 ? absent : complete) += 1;
    auto problem = declarations.Verify();
    ASSERT_TRUE(problem.ok());
    ASSERT_EQ(*problem, "") << "round " << round;
    auto report = (*ledger)->Verify();
    ASSERT_TRUE(report->ok) << report->reason;
  }
  EXPECT_GE(complete, 1);  // the last round is never killed
  std::printf("declaration crash test: %d declarations complete, %d absent, none partial\n",
              complete, absent);
}

}  // namespace
}  // namespace xclear
