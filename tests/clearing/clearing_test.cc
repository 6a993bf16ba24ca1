#include "xclear/clearing.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "../raw_edit.h"
#include "../test_support.h"
#include "xclear/declarations.h"
#include "xclear/encoding.h"
#include "xclear/settlement.h"

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

// A claim or (reversal = true) a reversal for the hand-computed digest: total = fund.
struct HandRecord {
  std::string id;
  uint32_t treatment;
  uint32_t insured;
  Category category;
  uint64_t fen;
  std::string settled;
  bool reversal;
};

// The control digest of clearing.cc, computed independently: per (treatment, insured,
// category), the claims' record (kind = category) then the reversals' (kind = 0x80 + category),
// each with Σ of its records' digests mod 2^256.
std::string HandComputedRecordsDigest(const std::vector<HandRecord>& records) {
  struct Group {
    uint64_t count = 0, fen = 0;
    std::array<uint8_t, 32> sum{};
  };
  std::map<std::tuple<uint32_t, uint32_t, int, bool>, Group> groups;
  for (const HandRecord& record : records) {
    std::string bytes = record.id;
    bytes += '\0';
    encoding::PutFixed32(bytes, record.treatment);
    encoding::PutFixed32(bytes, record.insured);
    encoding::PutFixed32(bytes,
                         static_cast<uint32_t>(Date::Parse(record.settled)->days_since_epoch()));
    bytes += static_cast<char>(record.category);
    encoding::PutFixed64(bytes, record.fen);
    encoding::PutFixed64(bytes, record.fen);
    const Digest digest = Sha256Of(bytes);
    Group& group = groups[{record.treatment, record.insured, static_cast<int>(record.category),
                           record.reversal}];
    ++group.count;
    group.fen += record.fen;
    int carry = 0;
    for (int i = 31; i >= 0; --i) {
      const int sum = group.sum[i] + digest[i] + carry;
      group.sum[i] = static_cast<uint8_t>(sum % 256);
      carry = sum / 256;
    }
  }
  Sha256 expected;
  for (const auto& [key, group] : groups) {
    std::string bytes;
    encoding::PutFixed32(bytes, std::get<0>(key));
    encoding::PutFixed32(bytes, std::get<1>(key));
    bytes += static_cast<char>((std::get<3>(key) ? 0x80 : 0) + std::get<2>(key));
    encoding::PutFixed64(bytes, group.count);
    encoding::PutFixed64(bytes, group.fen);
    encoding::PutFixed64(bytes, group.fen);
    bytes.append(reinterpret_cast<const char*>(group.sum.data()), group.sum.size());
    expected.Update(bytes);
  }
  return DigestToHex(expected.Finish());
}

// The same for claims of DeclareTheMonth (all settled on 2026-09-10, no reversals).
std::string HandComputedDigest(const std::vector<HandClaim>& claims) {
  std::vector<HandRecord> records;
  for (const HandClaim& claim : claims) {
    records.push_back(
        {claim.id, claim.treatment, claim.insured, claim.category, claim.fen, "2026-09-10", false});
  }
  return HandComputedRecordsDigest(records);
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

namespace xclear {
namespace {

class ReversalClearingTest : public ClearingTest {
 protected:
  static std::vector<std::string> Reversal(const std::string& id, const std::string& original,
                                           uint32_t insured, const std::string& category,
                                           const std::string& fund, const std::string& date) {
    std::vector<std::string> row = Claim(id, kBeijing, insured, category, fund, date);
    row.push_back(original);
    return row;
  }
  // August: Beijing treats Hebei 300.00, cleared. September (hand-computed): Beijing treats
  // Hebei 100.00 and reverses August's 300.00 (the pair goes to −200.00); treats Shanghai 30.00
  // and reverses it in the same batch (0.00); Hebei treats Beijing 10.00.
  void DeclareAugustAndSeptember() {
    clock_.Set(At("2026-08-10T09:00:00"));
    Declare(kBeijing, {Claim("B-A", kBeijing, kHebei, "inpatient", "300.00", "2026-08-05")});
    clock_.Set(At("2026-09-21T09:00:00"));
    auto august = clearing_->Clear(YearMonth::Parse("2026-08").value(), "operator:alice");
    ASSERT_TRUE(august.ok()) << august.status().ToString();
    clock_.Set(At("2026-10-10T09:00:00"));
    Declare(kBeijing, {Claim("B-1", kBeijing, kHebei, "inpatient", "100.00", "2026-09-10"),
                       Reversal("R-A", "B-A", kHebei, "inpatient", "300.00", "2026-09-02"),
                       Claim("B-2", kBeijing, kShanghai, "pharmacy", "30.00", "2026-09-10"),
                       Reversal("R-2", "B-2", kShanghai, "pharmacy", "30.00", "2026-09-11")});
    Declare(kHebei, {Claim("H-1", kHebei, kBeijing, "outpatient", "10.00", "2026-09-10")});
  }
  const StatementPair* Pair(const Statement& statement, uint32_t insured, uint32_t treatment) {
    for (const StatementPair& pair : statement.pairs) {
      if (pair.insured == insured && pair.treatment == treatment) return &pair;
    }
    return nullptr;
  }
};

TEST_F(ReversalClearingTest, ReversalsAreClearedInTheirOwnMonthAndAPairMayGoNegative) {
  DeclareAugustAndSeptember();
  clock_.Set(At("2026-10-21T09:00:00"));
  auto statements = clearing_->Clear(kSeptember, "operator:alice");
  ASSERT_TRUE(statements.ok()) << statements.status().ToString();
  const Statement& september = statements->front();
  EXPECT_EQ(september.claim_count, 3u);
  EXPECT_EQ(september.fund_amount.ToString(), "140.00");
  EXPECT_EQ(september.reversal_count, 2u);
  EXPECT_EQ(september.reversed_fund.ToString(), "330.00");
  EXPECT_EQ(september.amount.ToString(), "-190.00");
  const StatementPair* hebei = Pair(september, kHebei, kBeijing);
  ASSERT_NE(hebei, nullptr);
  EXPECT_EQ(hebei->claim_count, 1u);
  EXPECT_EQ(hebei->fund_amount.ToString(), "100.00");
  EXPECT_EQ(hebei->reversal_count, 1u);
  EXPECT_EQ(hebei->reversed_fund.ToString(), "300.00");
  EXPECT_EQ(hebei->reversed_by_category[0].ToString(), "300.00");  // inpatient
  EXPECT_EQ(hebei->amount.ToString(), "-200.00");
  const StatementPair* shanghai = Pair(september, kShanghai, kBeijing);
  ASSERT_NE(shanghai, nullptr);
  EXPECT_EQ(shanghai->amount.ToString(), "0.00");
  EXPECT_EQ(Pair(september, kBeijing, kHebei)->amount.ToString(), "10.00");
  // A negative pair is its treatment province's payable and its insured province's receivable:
  // Beijing pays 10.00 (to Hebei, as insured) + 200.00 (back to Hebei) = 210.00.
  EXPECT_EQ(Province(september, kBeijing).payable.ToString(), "210.00");
  EXPECT_EQ(Province(september, kBeijing).receivable.ToString(), "0.00");
  EXPECT_EQ(Province(september, kBeijing).net.ToString(), "-210.00");
  EXPECT_EQ(Province(september, kHebei).receivable.ToString(), "210.00");
  EXPECT_EQ(Province(september, kHebei).net.ToString(), "210.00");
  EXPECT_EQ(september.gross.payments, 2u);
  EXPECT_EQ(september.gross.moved.ToString(), "210.00");
  EXPECT_EQ(september.net.payments, 2u);
  EXPECT_EQ(september.net.moved.ToString(), "210.00");
  EXPECT_EQ(DigestToHex(september.claims_digest),
            HandComputedRecordsDigest(
                {{"B-1", kBeijing, kHebei, Category::kInpatient, 10000, "2026-09-10", false},
                 {"R-A", kBeijing, kHebei, Category::kInpatient, 30000, "2026-09-02", true},
                 {"B-2", kBeijing, kShanghai, Category::kPharmacy, 3000, "2026-09-10", false},
                 {"R-2", kBeijing, kShanghai, Category::kPharmacy, 3000, "2026-09-11", true},
                 {"H-1", kHebei, kBeijing, Category::kOutpatient, 1000, "2026-09-10", false}}));
  // August's statement is never changed: the correction is September's.
  auto august = clearing_->Statements(YearMonth::Parse("2026-08").value());
  EXPECT_EQ(august->front().amount.ToString(), "300.00");
  EXPECT_EQ(august->front().reversal_count, 0u);
  // Stored and read back identically; verify agrees.
  auto stored = clearing_->Statements(kSeptember);
  EXPECT_EQ(StatementToJson(stored->front(), config_.participants),
            StatementToJson(september, config_.participants));
  auto problem = clearing_->Verify();
  ASSERT_TRUE(problem.ok());
  EXPECT_EQ(*problem, "");
  EXPECT_EQ(*declarations_->Verify(), "");
  EXPECT_TRUE(ledger_->Verify()->ok);
}

TEST_F(ReversalClearingTest, InNetModeANegativePairMovesToTheNationalAccountTheOtherWay) {
  config_.rules.settlement_mode = SettlementMode::kNet;
  DeclareAugustAndSeptember();
  clock_.Set(At("2026-10-21T09:00:00"));
  ASSERT_TRUE(clearing_->Clear(kSeptember, "operator:alice").ok());
  // August's netting took the 300.00 off the pair; September's reversal (−300.00) and claim
  // (+100.00) leave −200.00, which September's netting takes off again.
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::Receivable(kBeijing, kHebei))->ToString(), "0.00");
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::Payable(kHebei, kBeijing))->ToString(), "0.00");
  // Beijing owes the national account 210.00 (net −210.00) on top of August's +300.00.
  EXPECT_EQ(
      ledger_->CurrentBalance(AccountId::Receivable(kBeijing, kNationalClearingCode))->ToString(),
      "300.00");
  EXPECT_EQ(
      ledger_->CurrentBalance(AccountId::Payable(kBeijing, kNationalClearingCode))->ToString(),
      "-210.00");
  EXPECT_TRUE(ledger_->Verify()->ok);
  EXPECT_EQ(*clearing_->Verify(), "");
}

TEST_F(ReversalClearingTest, ALateReversalGoesIntoASupplementaryRound) {
  DeclareAugustAndSeptember();
  ASSERT_TRUE(
      declarations_
          ->FileExplanation(kBeijing, kSeptember, "hospital refunds arrive late", "province:110000")
          .ok());
  clock_.Set(At("2026-10-21T09:00:00"));
  ASSERT_TRUE(clearing_->Clear(kSeptember, "operator:alice").ok());
  clock_.Set(At("2026-10-25T09:00:00"));
  Declare(kBeijing, {Reversal("R-1", "B-1", kHebei, "inpatient", "100.00", "2026-09-15")});
  auto statements = clearing_->Clear(kSeptember, "operator:alice");
  ASSERT_TRUE(statements.ok());
  ASSERT_EQ(statements->size(), 2u);
  const Statement& supplementary = statements->back();
  EXPECT_EQ(supplementary.round, 1u);
  EXPECT_EQ(supplementary.claim_count, 0u);
  EXPECT_EQ(supplementary.reversal_count, 1u);
  EXPECT_EQ(supplementary.amount.ToString(), "-100.00");
  EXPECT_EQ(Province(supplementary, kHebei).receivable.ToString(), "100.00");
  // Nothing more: a third run issues nothing.
  EXPECT_EQ(clearing_->Clear(kSeptember, "operator:alice")->size(), 2u);
  EXPECT_EQ(*clearing_->Verify(), "");
  EXPECT_EQ(*declarations_->Verify(), "");
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

// Gross mode, September above: Beijing owes Hebei 10.00 as insured (pair Beijing←Hebei) and
// 200.00 back as treatment province (the negative pair Hebei←Beijing): two payments from
// Beijing to Hebei, each to its own accounts.
TEST_F(ReversalClearingTest, ANegativePairIsPaidBackByItsTreatmentProvinceInGrossMode) {
  DeclareAugustAndSeptember();
  clock_.Set(At("2026-10-21T09:00:00"));
  ASSERT_TRUE(clearing_->Clear(kSeptember, "operator:alice").ok());
  const WorkingCalendar calendar = WorkingCalendar::LoadDirectory(config_.calendar_dir).value();
  Settlement settlement(*ledger_, config_, calendar, clock_);
  auto status = settlement.StatusOf(kSeptember);
  ASSERT_TRUE(status.ok());
  const auto& obligations = status->rounds[0].obligations;
  ASSERT_EQ(obligations.size(), 2u);
  EXPECT_EQ(obligations[0].payer, kBeijing);
  EXPECT_EQ(obligations[0].payee, kHebei);
  EXPECT_FALSE(obligations[0].owed_back);
  EXPECT_EQ(obligations[0].owed.ToString(), "10.00");
  EXPECT_TRUE(obligations[1].owed_back);
  EXPECT_EQ(obligations[1].owed.ToString(), "200.00");
  ASSERT_TRUE(settlement.Confirm(kSeptember, 0, kBeijing, "province:110000").ok());
  clock_.Set(At("2026-10-22T09:00:00"));
  const auto pay = [&](const char* serial, const char* amount, bool owed_back) {
    PaymentDraft draft;
    draft.month = kSeptember;
    draft.payer = kBeijing;
    draft.payee = kHebei;
    draft.bank = "ICBC";
    draft.serial = serial;
    draft.value_date = Date::Parse("2026-10-22").value();
    draft.amount = Money::Parse(amount).value();
    draft.owed_back = owed_back;
    return settlement.RecordPayment(draft, "province:110000");
  };
  const auto balance = [&](const AccountId& account) {
    return ledger_->CurrentBalance(account)->ToString();
  };
  ASSERT_TRUE(pay("S1", "10.00", false).ok());
  // Without the flag the usual direction is meant, and it is paid in full.
  const auto over = pay("S2", "150.00", false);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("overpayment"), std::string::npos);
  auto back = pay("S2", "150.00", true);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->owed_back);
  // Paid back: Beijing's receivable from Hebei rises from 100.00 (300 + 100 − 300) by 150.00;
  // Hebei's payable to Beijing mirrors it.
  EXPECT_EQ(balance(AccountId::Receivable(kBeijing, kHebei)), "250.00");
  EXPECT_EQ(balance(AccountId::Payable(kHebei, kBeijing)), "-250.00");
  EXPECT_EQ(balance(AccountId::Payable(kBeijing, kHebei)), "0.00");  // the 10.00, paid
  const auto too_much = pay("S3", "60.00", true);
  ASSERT_FALSE(too_much.ok());
  EXPECT_NE(too_much.status().message().find("owes 130000 50.00"), std::string::npos)
      << too_much.status().message();
  ASSERT_TRUE(pay("S3", "50.00", true).ok());
  EXPECT_TRUE(pay("S3", "50.00", true)->replayed);
  status = settlement.StatusOf(kSeptember);
  EXPECT_TRUE(status->rounds[0].settled());
  // The bank returns the last 50.00: the payment back is open again by that much.
  PaymentReturnDraft returned{"ICBC", "S3", "S3-R", Date::Parse("2026-10-23").value(),
                              Money::Parse("50.00").value()};
  clock_.Set(At("2026-10-23T09:00:00"));
  auto recorded = settlement.RecordReturn(returned, Actor::Province(kBeijing, "clerk"));
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  EXPECT_TRUE(recorded->owed_back);
  EXPECT_EQ(balance(AccountId::Receivable(kBeijing, kHebei)), "250.00");
  status = settlement.StatusOf(kSeptember);
  EXPECT_EQ(status->rounds[0].obligations[1].remaining().ToString(), "50.00");
  auto problem = settlement.Verify();
  ASSERT_TRUE(problem.ok());
  EXPECT_EQ(*problem, "");
  EXPECT_TRUE(ledger_->Verify()->ok);
}

TEST_F(ReversalClearingTest, APaymentBackIsFoundWithoutTheFlagWhenItIsTheOnlyOne) {
  // Only Beijing's reversal: the pair Hebei←Beijing is −200.00 and Beijing owes nothing else.
  clock_.Set(At("2026-08-10T09:00:00"));
  Declare(kBeijing, {Claim("B-A", kBeijing, kHebei, "inpatient", "300.00", "2026-08-05")});
  clock_.Set(At("2026-10-10T09:00:00"));
  Declare(kBeijing, {Claim("B-1", kBeijing, kHebei, "inpatient", "100.00", "2026-09-10"),
                     Reversal("R-A", "B-A", kHebei, "inpatient", "300.00", "2026-09-02")});
  clock_.Set(At("2026-10-21T09:00:00"));
  ASSERT_TRUE(clearing_->Clear(kSeptember, "operator:alice").ok());
  const WorkingCalendar calendar = WorkingCalendar::LoadDirectory(config_.calendar_dir).value();
  Settlement settlement(*ledger_, config_, calendar, clock_);
  ASSERT_TRUE(settlement.Confirm(kSeptember, 0, kBeijing, "province:110000").ok());
  PaymentDraft draft;
  draft.month = kSeptember;
  draft.payer = kBeijing;
  draft.payee = kHebei;
  draft.bank = "ICBC";
  draft.serial = "B1";
  draft.value_date = Date::Parse("2026-10-21").value();
  draft.amount = Money::Parse("200.00").value();
  auto paid = settlement.RecordPayment(draft, "province:110000");
  ASSERT_TRUE(paid.ok()) << paid.status().ToString();
  EXPECT_TRUE(paid->owed_back);
  EXPECT_TRUE(settlement.RecordPayment(draft, "province:110000")->replayed);
  // Hebei owes Beijing nothing in September: a payment from Hebei is the wrong counterpart.
  draft.payer = kHebei;
  draft.payee = kBeijing;
  draft.serial = "H1";
  ASSERT_TRUE(settlement.Confirm(kSeptember, 0, kHebei, "province:130000").ok());
  auto wrong = settlement.RecordPayment(draft, "province:130000");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("wrong counterpart"), std::string::npos);
  EXPECT_TRUE(settlement.StatusOf(kSeptember)->rounds[0].settled());
  EXPECT_EQ(*settlement.Verify(), "");
}

}  // namespace
}  // namespace xclear
