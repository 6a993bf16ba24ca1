#include "xclear/clearing.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "../raw_edit.h"
#include "../test_support.h"
#include "xclear/declarations.h"
#include "xclear/encoding.h"

namespace xclear {
namespace {

constexpr uint32_t kBeijing = 110000;
constexpr uint32_t kHebei = 130000;
constexpr uint32_t kShanghai = 310000;
const YearMonth kSeptember = YearMonth::Parse("2026-09").value();

using testing_support::At;

struct HandClaim {
  const char* id;
  uint32_t treatment;
  uint32_t insured;
  Category category;
  uint64_t fen;  // total = fund
};
// The claims of DeclareTheMonth.
const std::vector<HandClaim> kTheMonth = {{"B-2", kBeijing, kHebei, Category::kInpatient, 10000},
                                          {"B-1", kBeijing, kHebei, Category::kOutpatient, 5000},
                                          {"B-3", kBeijing, kShanghai, Category::kPharmacy, 3000},
                                          {"S-1", kShanghai, kBeijing, Category::kInpatient, 7000},
                                          {"S-2", kShanghai, kHebei, Category::kChronic, 2000},
                                          {"H-1", kHebei, kBeijing, Category::kOutpatient, 1000}};

// The control digest of docs/clearing.md, computed independently of the library: each claim's
// digest is SHA-256(id ‖ 0 ‖ treatment ‖ insured ‖ settled days ‖ category ‖ total ‖ fund);
// each (treatment, insured, category) group contributes, in that order, its record with the
// sum of its claims' digests mod 2^256.
std::string HandComputedDigest(const std::vector<HandClaim>& claims) {
  struct Group {
    uint64_t count = 0, total = 0, fund = 0;
    std::array<uint8_t, 32> sum{};
  };
  std::map<std::tuple<uint32_t, uint32_t, int>, Group> groups;
  for (const HandClaim& claim : claims) {
    std::string bytes = claim.id;
    bytes += '\0';
    encoding::PutFixed32(bytes, claim.treatment);
    encoding::PutFixed32(bytes, claim.insured);
    encoding::PutFixed32(bytes,
                         static_cast<uint32_t>(Date::Parse("2026-09-10")->days_since_epoch()));
    bytes += static_cast<char>(claim.category);
    encoding::PutFixed64(bytes, claim.fen);
    encoding::PutFixed64(bytes, claim.fen);
    const Digest digest = Sha256Of(bytes);
    Group& group = groups[{claim.treatment, claim.insured, static_cast<int>(claim.category)}];
    ++group.count;
    group.total += claim.fen;
    group.fund += claim.fen;
    int carry = 0;
    for (int i = 31; i >= 0; --i) {
      const int sum = group.sum[i] + digest[i] + carry;
      group.sum[i] = static_cast<uint8_t>(sum % 256);
      carry = sum / 256;
    }
  }
  Sha256 expected;
  for (const auto& [key, group] : groups) {
    std::string record;
    encoding::PutFixed32(record, std::get<0>(key));
    encoding::PutFixed32(record, std::get<1>(key));
    record += static_cast<char>(std::get<2>(key));
    encoding::PutFixed64(record, group.count);
    encoding::PutFixed64(record, group.total);
    encoding::PutFixed64(record, group.fund);
    record.append(reinterpret_cast<const char*>(group.sum.data()), group.sum.size());
    expected.Update(record);
  }
  return DigestToHex(expected.Finish());
}

class ClearingTest : public testing::Test {
 protected:
  ClearingTest()
      : config_(DefaultConfig(XCLEAR_SOURCE_DIR "/config")), clock_(At("2026-10-10T09:00:00")) {}
  void SetUp() override {
    LedgerOptions options;
    options.data_dir = dir_.path() / "ledger";
    options.create_if_missing = true;
    ledger_ = OpenLedger(options, config_.participants, clock_).value();
    declarations_ = std::make_unique<Declarations>(*ledger_, config_, clock_);
    clearing_ = std::make_unique<Clearing>(*ledger_, config_, clock_);
  }
  void Declare(uint32_t treatment, const std::vector<std::vector<std::string>>& rows) {
    auto report = declarations_->DeclareRows(treatment, rows,
                                             "province:" + std::to_string(treatment), "test");
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->accepted) << (report->errors.empty() ? "" : report->errors[0].reason);
  }
  static std::vector<std::string> Claim(const std::string& id, uint32_t treatment, uint32_t insured,
                                        const std::string& category, const std::string& fund,
                                        const std::string& date = "2026-09-10") {
    return {id, std::to_string(treatment), std::to_string(insured), date, category, fund, fund};
  }
  // The hand-computed month:
  //   Beijing treats Hebei 100.00 + 50.00, Shanghai 30.00; Shanghai treats Beijing 70.00 and
  //   Hebei 20.00; Hebei treats Beijing 10.00.
  void DeclareTheMonth() {
    Declare(kBeijing, {Claim("B-2", kBeijing, kHebei, "inpatient", "100.00"),
                       Claim("B-1", kBeijing, kHebei, "outpatient", "50.00"),
                       Claim("B-3", kBeijing, kShanghai, "pharmacy", "30.00")});
    Declare(kShanghai, {Claim("S-1", kShanghai, kBeijing, "inpatient", "70.00"),
                        Claim("S-2", kShanghai, kHebei, "chronic", "20.00")});
    Declare(kHebei, {Claim("H-1", kHebei, kBeijing, "outpatient", "10.00")});
  }
  static const StatementProvince& Province(const Statement& statement, uint32_t code) {
    for (const StatementProvince& province : statement.provinces) {
      if (province.province == code) return province;
    }
    static const StatementProvince kNone;
    return kNone;
  }

  testing_support::TempDir dir_;
  Config config_;
  ManualClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Declarations> declarations_;
  std::unique_ptr<Clearing> clearing_;
};

TEST_F(ClearingTest, TheStatementOfAHandComputedMonth) {
  DeclareTheMonth();
  clock_.Set(At("2026-10-21T09:00:00"));
  auto statements = clearing_->Clear(kSeptember, "operator:alice");
  ASSERT_TRUE(statements.ok()) << statements.status().ToString();
  ASSERT_EQ(statements->size(), 1u);
  const Statement& statement = statements->front();
  EXPECT_EQ(statement.round, 0u);
  EXPECT_EQ(statement.claim_count, 6u);
  EXPECT_EQ(statement.fund_amount.ToString(), "280.00");
  EXPECT_EQ(statement.issued_by, "operator:alice");
  // Pairs by insured, then treatment.
  ASSERT_EQ(statement.pairs.size(), 5u);
  const auto expect_pair = [&](size_t i, uint32_t insured, uint32_t treatment, uint64_t count,
                               const char* fund) {
    EXPECT_EQ(statement.pairs[i].insured, insured) << i;
    EXPECT_EQ(statement.pairs[i].treatment, treatment) << i;
    EXPECT_EQ(statement.pairs[i].claim_count, count) << i;
    EXPECT_EQ(statement.pairs[i].fund_amount.ToString(), fund) << i;
  };
  expect_pair(0, kBeijing, kHebei, 1, "10.00");
  expect_pair(1, kBeijing, kShanghai, 1, "70.00");
  expect_pair(2, kHebei, kBeijing, 2, "150.00");
  expect_pair(3, kHebei, kShanghai, 1, "20.00");
  expect_pair(4, kShanghai, kBeijing, 1, "30.00");
  EXPECT_EQ(statement.pairs[2].count_by_category[0], 1u);  // inpatient
  EXPECT_EQ(statement.pairs[2].fund_by_category[0].ToString(), "100.00");
  EXPECT_EQ(statement.pairs[2].fund_by_category[1].ToString(), "50.00");  // outpatient
  // Provinces: Beijing receives 180 − pays 80 = +100; Hebei 10 − 170 = −160; Shanghai 90 − 30 =
  // +60.
  EXPECT_EQ(Province(statement, kBeijing).receivable.ToString(), "180.00");
  EXPECT_EQ(Province(statement, kBeijing).payable.ToString(), "80.00");
  EXPECT_EQ(Province(statement, kBeijing).net.ToString(), "100.00");
  EXPECT_EQ(Province(statement, kHebei).net.ToString(), "-160.00");
  EXPECT_EQ(Province(statement, kShanghai).net.ToString(), "60.00");
  EXPECT_EQ(Province(statement, 440000).net.ToString(), "0.00");
  EXPECT_EQ(statement.provinces.size(), 32u);
  // Gross: 5 pair payments moving 280.00; net: 3 payments through the national account, 160.00.
  EXPECT_EQ(statement.gross.payments, 5u);
  EXPECT_EQ(statement.gross.moved.ToString(), "280.00");
  EXPECT_EQ(statement.net.payments, 3u);
  EXPECT_EQ(statement.net.moved.ToString(), "160.00");
  EXPECT_EQ(DigestToHex(statement.claims_digest), HandComputedDigest(kTheMonth));
  // Stored, and read back identically.
  auto stored = clearing_->Statements(kSeptember);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(StatementToJson(stored->front(), config_.participants),
            StatementToJson(statement, config_.participants));
  EXPECT_EQ(stored->front().statement_hash, statement.statement_hash);
  auto fact = ledger_->FindFact("statement:2026-09:0");
  ASSERT_TRUE(fact.ok() && fact->has_value());
  EXPECT_EQ((*fact)->payload, DigestToHex(statement.statement_hash));
  EXPECT_TRUE(ledger_->Verify()->ok);
}

TEST_F(ClearingTest, IsRefusedUntilTheDeclarationDeadlineHasPassed) {
  DeclareTheMonth();
  clock_.Set(At("2026-10-20T23:59:59.999"));
  auto early = clearing_->Clear(kSeptember, "operator:alice");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), ErrorCode::kRefused);
  EXPECT_NE(early.status().message().find("2026-10-20T23:59:59.999+08:00"), std::string::npos);
  clock_.Set(At("2026-10-21T00:00:00"));
  EXPECT_TRUE(clearing_->Clear(kSeptember, "operator:alice").ok());
}

TEST_F(ClearingTest, ARerunReturnsTheSameStatementAndWritesNothing) {
  DeclareTheMonth();
  clock_.Set(At("2026-10-21T09:00:00"));
  auto first = clearing_->Clear(kSeptember, "operator:alice");
  ASSERT_TRUE(first.ok());
  const LedgerHead journal = ledger_->Head();
  const uint64_t facts_before = ledger_->Verify()->facts_checked;
  clock_.Set(At("2026-10-25T09:00:00"));
  auto again = clearing_->Clear(kSeptember, "operator:bob");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(StatementToJson(again->front(), config_.participants),
            StatementToJson(first->front(), config_.participants));
  EXPECT_EQ(again->front().issued_by, "operator:alice");
  EXPECT_EQ(ledger_->Head().sequence, journal.sequence);
  EXPECT_EQ(ledger_->Verify()->facts_checked, facts_before);
}

TEST_F(ClearingTest, LateClaimsFormSupplementaryRounds) {
  DeclareTheMonth();
  clock_.Set(At("2026-10-15T09:00:00"));
  ASSERT_TRUE(
      declarations_->FileExplanation(kBeijing, kSeptember, "HIS migration", "province:110000")
          .ok());
  clock_.Set(At("2026-10-22T09:00:00"));
  Declare(kBeijing,
          {Claim("LATE-1", kBeijing, kHebei, "inpatient", "5.00")});  // before the first run
  auto first = clearing_->Clear(kSeptember, "operator:alice");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].claim_count, 6u);  // the regular round: on-time claims only
  EXPECT_EQ((*first)[1].round, 1u);
  EXPECT_EQ((*first)[1].claim_count, 1u);
  EXPECT_EQ((*first)[1].fund_amount.ToString(), "5.00");
  EXPECT_EQ(Province((*first)[1], kHebei).net.ToString(), "-5.00");
  clock_.Set(At("2026-11-05T09:00:00"));
  Declare(kBeijing, {Claim("LATE-2", kBeijing, kShanghai, "pharmacy", "7.00"),
                     Claim("LATE-3", kBeijing, kShanghai, "pharmacy", "1.00")});
  auto second = clearing_->Clear(kSeptember, "operator:alice");
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 3u);
  EXPECT_EQ((*second)[2].round, 2u);
  EXPECT_EQ((*second)[2].claim_count, 2u);
  EXPECT_EQ((*second)[2].fund_amount.ToString(), "8.00");
  // The month's totals are the sum of its rounds.
  Money month_total;
  for (const Statement& statement : *second) month_total += statement.fund_amount;
  EXPECT_EQ(month_total.ToString(), "293.00");
  auto third = clearing_->Clear(kSeptember, "operator:alice");
  EXPECT_EQ(third->size(), 3u);
  EXPECT_EQ(*clearing_->Verify(), "");
}

// A supplementary round is built from the late claims' groups kept per declaration, the regular
// round from the aggregates kept at declaration time: both must give the documented digest. Here
// the whole month arrives late, plus a second claim in one group (so a group sums two claim
// digests).
TEST_F(ClearingTest, ASupplementaryRoundHasTheSameDigestAsTheClaimsGive) {
  ASSERT_TRUE(
      declarations_->FileExplanation(kBeijing, kSeptember, "HIS migration", "province:110000")
          .ok());
  ASSERT_TRUE(
      declarations_->FileExplanation(kShanghai, kSeptember, "HIS migration", "province:310000")
          .ok());
  ASSERT_TRUE(
      declarations_->FileExplanation(kHebei, kSeptember, "HIS migration", "province:130000").ok());
  clock_.Set(At("2026-10-22T09:00:00"));
  DeclareTheMonth();
  Declare(kBeijing, {Claim("B-4", kBeijing, kHebei, "inpatient", "12.34")});
  auto statements = clearing_->Clear(kSeptember, "operator:alice");
  ASSERT_TRUE(statements.ok()) << statements.status().ToString();
  ASSERT_EQ(statements->size(), 2u);
  EXPECT_EQ((*statements)[0].claim_count, 0u);
  EXPECT_EQ(DigestToHex((*statements)[0].claims_digest), HandComputedDigest({}));
  std::vector<HandClaim> claims = kTheMonth;
  claims.push_back({"B-4", kBeijing, kHebei, Category::kInpatient, 1234});
  EXPECT_EQ((*statements)[1].claim_count, 7u);
  EXPECT_EQ(DigestToHex((*statements)[1].claims_digest), HandComputedDigest(claims));
  EXPECT_EQ(*clearing_->Verify(), "");
}

TEST_F(ClearingTest, AnAlteredStoredStatementIsFoundByVerify) {
  DeclareTheMonth();
  clock_.Set(At("2026-10-21T09:00:00"));
  ASSERT_TRUE(clearing_->Clear(kSeptember, "operator:alice").ok());
  uint64_t checked = 0;
  EXPECT_EQ(*clearing_->Verify(&checked), "");
  EXPECT_EQ(checked, 1u);
  clearing_.reset();
  declarations_.reset();
  ledger_.reset();
  std::string key;
  encoding::PutFixed32(key, static_cast<uint32_t>(kSeptember.Ordinal()));
  encoding::PutFixed32(key, 0);
  testing_support::EditRaw(dir_.path() / "ledger", "statements", key, [](std::string& value) {
    const size_t at = value.find("\"150.00\"");  // Hebei's pair to Beijing
    ASSERT_NE(at, std::string::npos);
    value.replace(at, 8, "\"140.00\"");
  });
  SetUp();
  auto problem = clearing_->Verify();
  ASSERT_TRUE(problem.ok());
  EXPECT_NE(problem->find("does not match its fact"), std::string::npos) << *problem;
}

// The regular round is built from the declaration-time aggregates; verify recomputes it from
// them, so an aggregate that changed after the statement (or a statement built from a wrong
// one) is reported.
TEST_F(ClearingTest, ARegularRoundThatDisagreesWithTheAggregatesIsFoundByVerify) {
  DeclareTheMonth();
  clock_.Set(At("2026-10-21T09:00:00"));
  ASSERT_TRUE(clearing_->Clear(kSeptember, "operator:alice").ok());
  clearing_.reset();
  declarations_.reset();
  ledger_.reset();
  std::string key;  // month ‖ treatment ‖ insured ‖ category ‖ late
  encoding::PutFixed32(key, static_cast<uint32_t>(kSeptember.Ordinal()));
  encoding::PutFixed32(key, kBeijing);
  encoding::PutFixed32(key, kHebei);
  key += static_cast<char>(Category::kInpatient);
  key += '\0';
  testing_support::EditRaw(dir_.path() / "ledger", "claim_aggregates", key, [](std::string& value) {
    ASSERT_EQ(value.size(), 74u);
    value[7] = 2;  // count 1 → 2
  });
  SetUp();
  auto problem = clearing_->Verify();
  ASSERT_TRUE(problem.ok());
  EXPECT_NE(problem->find("statement 2026-09:0 disagrees with the on-time claims of its month"),
            std::string::npos)
      << *problem;
}

TEST_F(ClearingTest, AMonthWithoutClaimsHasAnEmptyBalancedStatement) {
  clock_.Set(At("2026-10-21T09:00:00"));
  auto statements = clearing_->Clear(kSeptember, "operator:alice");
  ASSERT_TRUE(statements.ok());
  EXPECT_EQ(statements->front().claim_count, 0u);
  EXPECT_EQ(statements->front().net.payments, 0u);
  EXPECT_TRUE(statements->front().fund_amount.is_zero());
}

}  // namespace
}  // namespace xclear
