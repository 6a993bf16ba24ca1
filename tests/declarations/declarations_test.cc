#include "xclear/declarations.h"

#include <gtest/gtest.h>

#include "../../declarations/claim_index.h"
#include "../raw_edit.h"
#include "../test_support.h"
#include "xclear/text.h"

namespace xclear {
namespace {

using testing_support::TempDir;

constexpr uint32_t kBeijing = 110000;
constexpr uint32_t kHebei = 130000;
constexpr uint32_t kShanghai = 310000;
constexpr const char* kHeader =
    "claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_amount\n";

using testing_support::At;

class DeclarationsTest : public testing::Test {
 protected:
  DeclarationsTest()
      : config_(DefaultConfig(XCLEAR_SOURCE_DIR "/config")), clock_(At("2026-10-10T09:00:00")) {}
  void SetUp() override { Open(); }
  void Open(DeclarationLimits limits = {}) {
    declarations_.reset();
    ledger_.reset();
    LedgerOptions options;
    options.data_dir = dir_.path() / "ledger";
    options.create_if_missing = true;
    ledger_ = OpenLedger(options, config_.participants, clock_).value();
    declarations_ = std::make_unique<Declarations>(*ledger_, config_, clock_, limits);
  }
  DeclarationReport Declare(const std::string& rows, uint32_t treatment = kBeijing) {
    auto report =
        declarations_->DeclareCsvText(treatment, std::string(kHeader) + rows,
                                      "province:" + std::to_string(treatment), "test.csv");
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : DeclarationReport{};
  }
  static std::string Row(const std::string& id, const std::string& settled,
                         const std::string& fund = "100.00", uint32_t treatment = kBeijing,
                         uint32_t insured = kHebei, const std::string& category = "inpatient",
                         const std::string& total = "150.00") {
    return id + "," + std::to_string(treatment) + "," + std::to_string(insured) + "," + settled +
           "," + category + "," + total + "," + fund + "\n";
  }
  void ExpectRefused(const DeclarationReport& report, const std::string& field,
                     const std::string& text) {
    EXPECT_FALSE(report.accepted);
    ASSERT_FALSE(report.errors.empty());
    EXPECT_EQ(report.errors[0].field, field);
    EXPECT_NE(report.errors[0].reason.find(text), std::string::npos) << report.errors[0].reason;
    EXPECT_EQ(ledger_->Head().sequence, 0u) << "a refused declaration must write nothing";
  }
  void ExpectVerified() {
    auto problem = declarations_->Verify();
    ASSERT_TRUE(problem.ok());
    EXPECT_EQ(*problem, "");
    EXPECT_TRUE(ledger_->Verify()->ok);
  }

  TempDir dir_;
  Config config_;
  ManualClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Declarations> declarations_;
};

TEST_F(DeclarationsTest, RecordsAValidBatchWithItsLedgerEntryAndReconciles) {
  const DeclarationReport report =
      Declare(Row("A1", "2026-09-03", "100.00") +
              Row("A2", "2026-09-04", "20.50", kBeijing, kShanghai, "pharmacy", "30.00") +
              Row("A3", "2026-10-01", "0.00", kBeijing, kHebei, "outpatient", "12.00"));
  ASSERT_TRUE(report.accepted);
  EXPECT_EQ(report.recorded, 3u);
  EXPECT_EQ(report.fund_amount.ToString(), "120.50");
  EXPECT_EQ(report.total_amount.ToString(), "192.00");
  EXPECT_EQ(report.entry_sequence, 1u);
  auto entry = ledger_->Entry(1);
  EXPECT_EQ(entry->kind, EntryKind::kClaimsDeclared);
  EXPECT_EQ(entry->actor, "province:110000");
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::Receivable(kBeijing, kHebei))->ToString(), "100.00");
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::Payable(kShanghai, kBeijing))->ToString(), "-20.50");
  auto claim = declarations_->FindClaim("A2");
  ASSERT_TRUE(claim.ok() && claim->has_value());
  EXPECT_EQ((*claim)->insured, kShanghai);
  EXPECT_EQ((*claim)->category, Category::kPharmacy);
  EXPECT_EQ((*claim)->row, 3u);
  EXPECT_EQ((*claim)->declaration_id, report.declaration_id);
  EXPECT_FALSE((*claim)->late);
  std::vector<std::string> september;
  ASSERT_TRUE(declarations_
                  ->ForEachClaim(YearMonth::Parse("2026-09").value(), kBeijing, 0,
                                 [&](const ClaimRecord& c) {
                                   september.push_back(c.claim_id);
                                   return Status::Ok();
                                 })
                  .ok());
  EXPECT_EQ(september,
            (std::vector<std::string>{"A1", "A2"}));  // ordered by pair: Hebei, then Shanghai
  ExpectVerified();
}

TEST_F(DeclarationsTest, IdenticalRedeclarationIsAReportedNoOp) {
  ASSERT_TRUE(Declare(Row("A1", "2026-09-03")).accepted);
  const DeclarationReport again = Declare(Row("A1", "2026-09-03") + Row("A2", "2026-09-03"));
  ASSERT_TRUE(again.accepted);
  EXPECT_EQ(again.duplicates, 1u);
  EXPECT_EQ(again.duplicate_ids, std::vector<std::string>{"A1"});
  EXPECT_EQ(again.recorded, 1u);
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::Receivable(kBeijing, kHebei))->ToString(), "200.00");
  const DeclarationReport only_duplicates = Declare(Row("A1", "2026-09-03"));
  EXPECT_TRUE(only_duplicates.accepted);
  EXPECT_EQ(only_duplicates.recorded, 0u);
  EXPECT_EQ(ledger_->Head().sequence, 2u);
  ExpectVerified();
}

TEST_F(DeclarationsTest, TheSameClaimIdWithDifferentFieldsRefusesTheBatch) {
  ASSERT_TRUE(Declare(Row("A1", "2026-09-03", "100.00")).accepted);
  const DeclarationReport report =
      Declare(Row("B1", "2026-09-03") + Row("A1", "2026-09-03", "100.01"));
  EXPECT_FALSE(report.accepted);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].row, 3u);
  EXPECT_NE(report.errors[0].reason.find("already recorded with different fields"),
            std::string::npos);
  EXPECT_FALSE(declarations_->FindClaim("B1")->has_value());
}

TEST_F(DeclarationsTest, EveryRejectionNamesTheRowFieldAndReason) {
  clock_.Set(At("2026-10-10T09:00:00"));
  const DeclarationReport report =
      Declare(Row("ok-1", "2026-09-03") +                            // row 2: fine
              Row("bad id!", "2026-09-03") +                         // 3
              Row("u1", "2026-09-03", "1.00", kBeijing, 710000) +    // 4 unknown province
              Row("u2", "2026-09-03", "1.00", kBeijing, kBeijing) +  // 5 insured = treatment
              Row("u3", "2026-09-03", "1.00", kShanghai, kHebei) +   // 6 not the declaring province
              Row("u4", "2026-09-31") +                              // 7 bad date
              Row("u5", "2026-10-11") +                              // 8 future date
              Row("u6", "2026-09-03", "1.00", kBeijing, kHebei, "dental") +  // 9 unknown category
              Row("u7", "2026-09-03", "1.005") +                             // 10 three decimals
              Row("u8", "2026-09-03", "200.00") +                            // 11 fund > total
              Row("ok-1", "2026-09-03") +       // 12 duplicate in batch
              Row("u9", "2026-09-03", "1e3") +  // 13 exponent
              "u10,110000,130000\n");           // 14 short row
  EXPECT_FALSE(report.accepted);
  EXPECT_EQ(report.rows, 13u);
  std::map<uint64_t, std::pair<std::string, std::string>> by_row;
  for (const RowError& error : report.errors) by_row[error.row] = {error.field, error.reason};
  const auto expect = [&](uint64_t row, const std::string& field, const std::string& text) {
    ASSERT_EQ(by_row.count(row), 1u) << "row " << row;
    EXPECT_EQ(by_row[row].first, field) << "row " << row;
    EXPECT_NE(by_row[row].second.find(text), std::string::npos)
        << "row " << row << ": " << by_row[row].second;
  };
  EXPECT_EQ(by_row.count(2), 0u);
  expect(3, "claim_id", "only letters, digits");
  expect(4, "insured_province", "\"710000\" is not a configured province code");
  expect(5, "insured_province", "is the treatment province");
  expect(6, "treatment_province", "is not the declaring province 110000");
  expect(7, "settled_on", "2026-09-31 does not exist");
  expect(8, "settled_on", "is in the future");
  expect(9, "category", "\"dental\" is not a category");
  expect(10, "fund_amount", "has 3 decimals");
  expect(11, "fund_amount", "exceeds total_amount");
  expect(12, "claim_id", "appears twice in this declaration (also row 2)");
  expect(13, "fund_amount", "exponent");
  expect(14, "", "has 3 fields; the header has 7");
  EXPECT_EQ(report.error_count, 12u);
  EXPECT_EQ(ledger_->Head().sequence, 0u);
  EXPECT_FALSE(declarations_->FindClaim("ok-1")->has_value());
}

// The bad-input classes of docs/reliability.md that are about the bytes of a file: each is
// refused with the row and the reason, and nothing is written.
TEST_F(DeclarationsTest, MalformedEncodedHugeAndOverflowingInputIsRefusedWhole) {
  clock_.Set(At("2026-10-10T09:00:00"));
  const auto refused = [&](const std::string& rows, const std::string& text) {
    auto report = declarations_->DeclareCsvText(kBeijing, std::string(kHeader) + rows,
                                                "province:110000", "test.csv");
    std::string message;
    if (!report.ok()) {
      message = report.status().message();
    } else {
      EXPECT_FALSE(report->accepted) << text;
      for (const RowError& error : report->errors)
        message += "row " + std::to_string(error.row) + " " + error.field + ": " + error.reason;
    }
    EXPECT_NE(message.find(text), std::string::npos) << "wanted \"" << text << "\" in: " << message;
    EXPECT_EQ(ledger_->Head().sequence, 0u);
    EXPECT_FALSE(declarations_->FindClaim("ok-1")->has_value());
  };
  const std::string ok = Row("ok-1", "2026-09-03");
  refused(ok + "q1,110000,130000,\"2026-09-03,inpatient,1.00,1.00\n", "not closed");
  // GBK (the usual wrong encoding of a Chinese export) is not UTF-8.
  refused(ok + "g1,110000,130000,2026-09-03,\xB1\xB1\xBE\xA9,1.00,1.00\n", "row 3");
  refused(ok + "g1,110000,130000,2026-09-03,\xB1\xB1\xBE\xA9,1.00,1.00\n", "UTF-8");
  refused(ok + "h1,110000,130000,2026-09-03,inpatient,1.00," + std::string(2 << 20, '1') + "\n",
          "longer than");
  refused(ok + Row("m1", "2026-09-03", "10000000.01", kBeijing, kHebei, "inpatient", "10000000.01"),
          "exceeds the maximum 10000000.00");
  refused(ok + Row("o1", "2026-09-03", "1" + std::string(40, '9') + ".00"), "exceeds the maximum");
}

TEST_F(DeclarationsTest, ThreeBadRowsAmongTenThousandAreReportedAndNothingIsWritten) {
  std::string rows;
  for (int i = 1; i <= 10'000; ++i) {
    std::string fund = "10.00";
    if (i == 17) fund = "12.345";
    if (i == 5000) fund = "-1.00";
    if (i == 9999) fund = "\"1,000.00\"";  // quoted, so the comma is inside the field
    rows += Row("C" + std::to_string(i), "2026-09-15", fund);
  }
  const DeclarationReport report = Declare(rows);
  EXPECT_FALSE(report.accepted);
  ASSERT_EQ(report.errors.size(), 3u);
  EXPECT_EQ(report.errors[0].row, 18u);  // the header is row 1
  EXPECT_EQ(report.errors[1].row, 5001u);
  EXPECT_EQ(report.errors[2].row, 10000u);
  for (const RowError& error : report.errors) EXPECT_EQ(error.field, "fund_amount");
  EXPECT_EQ(ledger_->Head().sequence, 0u);
  EXPECT_FALSE(declarations_->FindClaim("C1")->has_value());
  auto problem = declarations_->Verify();
  EXPECT_EQ(*problem, "");
}

TEST_F(DeclarationsTest, TheDeadlineIsTheTwentiethAt235959999Cst) {
  clock_.Set(At("2026-10-20T23:59:59.999"));
  EXPECT_TRUE(Declare(Row("S1", "2026-09-30")).accepted);
  clock_.Set(At("2026-10-21T00:00:00.000"));
  const DeclarationReport late = Declare(Row("S2", "2026-09-30"));
  EXPECT_FALSE(late.accepted);
  ASSERT_EQ(late.errors.size(), 1u);
  EXPECT_EQ(late.errors[0].field, "settled_on");
  EXPECT_NE(
      late.errors[0].reason.find("claims of 2026-09 were due by 2026-10-20T23:59:59.999+08:00"),
      std::string::npos)
      << late.errors[0].reason;
  // October's claims are still on time.
  EXPECT_TRUE(Declare(Row("S3", "2026-10-05")).accepted);
  EXPECT_EQ(DeclarationDeadline(YearMonth::Parse("2027-01").value(), config_.rules).ToString(),
            "2027-02-20T23:59:59.999+08:00");
}

TEST_F(DeclarationsTest, DecemberClaimsAreDueOnTheTwentiethOfJanuaryAndFebruaryHasItsOwn) {
  clock_.Set(At("2027-01-20T23:59:59.999"));
  EXPECT_TRUE(Declare(Row("D1", "2026-12-31")).accepted);
  clock_.Set(At("2027-01-21T00:00:00"));
  EXPECT_FALSE(Declare(Row("D2", "2026-12-31")).accepted);
  EXPECT_TRUE(Declare(Row("J1", "2027-01-15")).accepted);
  clock_.Set(At("2027-03-20T23:59:59.999"));
  EXPECT_TRUE(Declare(Row("F1", "2027-02-28")).accepted);
  clock_.Set(At("2027-03-21T00:00:00"));
  EXPECT_FALSE(Declare(Row("F2", "2027-02-28")).accepted);
  EXPECT_FALSE(Declare(Row("F3", "2027-02-29")).accepted);  // no such day in 2027
}

TEST_F(DeclarationsTest, AnExplanationFiledBeforeTheDeadlineAdmitsLateClaimsUntilTheCutOff) {
  clock_.Set(At("2026-10-20T18:00:00"));
  auto explanation =
      declarations_->FileExplanation(kBeijing, YearMonth::Parse("2026-09").value(),
                                     "HIS migration 1-25 October", "province:110000");
  ASSERT_TRUE(explanation.ok()) << explanation.status().ToString();
  EXPECT_EQ(explanation->filed_at, At("2026-10-20T18:00:00"));
  clock_.Set(At("2026-11-05T10:00:00"));
  const DeclarationReport late = Declare(Row("L1", "2026-09-12") + Row("L2", "2026-10-12"));
  ASSERT_TRUE(late.accepted);
  EXPECT_EQ(late.late, 1u);
  EXPECT_TRUE((*declarations_->FindClaim("L1"))->late);
  EXPECT_FALSE((*declarations_->FindClaim("L2"))->late);
  // Another province without an explanation is still refused for September.
  EXPECT_FALSE(Declare(Row("H1", "2026-09-12", "1.00", kHebei, kBeijing), kHebei).accepted);
  clock_.Set(At("2027-03-31T23:59:59.999"));
  EXPECT_TRUE(Declare(Row("L3", "2026-09-13")).accepted);
  clock_.Set(At("2027-04-01T00:00:00"));
  const DeclarationReport cut = Declare(Row("L4", "2026-09-14"));
  EXPECT_FALSE(cut.accepted);
  EXPECT_NE(cut.errors[0].reason.find("year-end cut-off 2027-03-31T23:59:59.999+08:00"),
            std::string::npos);
  auto listed = declarations_->ListExplanations();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].reason, "HIS migration 1-25 October");
  EXPECT_EQ((*listed)[0].actor, "province:110000");
  ExpectVerified();
}

TEST_F(DeclarationsTest, AnExplanationAfterTheDeadlineIsRefused) {
  clock_.Set(At("2026-10-21T00:00:00"));
  auto explanation = declarations_->FileExplanation(kBeijing, YearMonth::Parse("2026-09").value(),
                                                    "too late", "province:110000");
  ASSERT_FALSE(explanation.ok());
  EXPECT_EQ(explanation.status().code(), ErrorCode::kRefused);
  EXPECT_NE(explanation.status().message().find("2026-10-20T23:59:59.999+08:00"),
            std::string::npos);
  EXPECT_FALSE(Declare(Row("L1", "2026-09-12")).accepted);
  // Nor for a month that has not begun, nor without a reason.
  EXPECT_FALSE(
      declarations_->FileExplanation(kBeijing, YearMonth::Parse("2026-12").value(), "x", "p").ok());
  EXPECT_FALSE(
      declarations_->FileExplanation(kBeijing, YearMonth::Parse("2026-10").value(), "  ", "p")
          .ok());
  // Filing the same explanation twice is a no-op; a different one for the same month is refused.
  ASSERT_TRUE(
      declarations_->FileExplanation(kBeijing, YearMonth::Parse("2026-10").value(), "r", "p").ok());
  EXPECT_TRUE(
      declarations_->FileExplanation(kBeijing, YearMonth::Parse("2026-10").value(), "r", "p").ok());
  EXPECT_EQ(
      declarations_->FileExplanation(kBeijing, YearMonth::Parse("2026-10").value(), "other", "p")
          .status()
          .code(),
      ErrorCode::kConflict);
}

TEST_F(DeclarationsTest, AcceptsTheNationalPlatformsExportAsIs) {
  const std::string csv =
      "setl_id,psn_no,mdtrtarea_admvs,insuplc_admdvs,setl_time,med_type,medfee_sumamt,fund_pay_"
      "sumamt\n"
      "N1,P1,110105,411302,2026-09-30 23:59:59,21,1000.00,800.00\n"
      "N2,P2,110105,130102,2026-09-01 08:00:00,41,50.00,40.00\n";
  auto report = declarations_->DeclareCsvText(kBeijing, csv, "province:110000", "national.csv");
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->accepted) << (report->errors.empty() ? "" : report->errors[0].reason);
  auto claim = declarations_->FindClaim("N1");
  EXPECT_EQ((*claim)->insured, 410000u);  // 411302 → Henan
  EXPECT_EQ((*claim)->category, Category::kInpatient);
  EXPECT_EQ((*claim)->settled_on.ToString(), "2026-09-30");
  EXPECT_EQ((*declarations_->FindClaim("N2"))->category, Category::kPharmacy);
  auto unmapped = declarations_->DeclareCsvText(
      kBeijing,
      "setl_id,mdtrtarea_admvs,insuplc_admdvs,setl_time,med_type,medfee_sumamt,fund_pay_sumamt\n"
      "N3,110105,411302,2026-09-30 10:00:00,99,10.00,8.00\n",
      "province:110000", "national.csv");
  EXPECT_FALSE(unmapped->accepted);
  EXPECT_NE(unmapped->errors[0].reason.find("med_type \"99\" is not mapped"), std::string::npos);
}

TEST_F(DeclarationsTest, AHeaderWithoutTheRequiredColumnsIsRefused) {
  auto report = declarations_->DeclareCsvText(kBeijing, "claim_id,amount\nA,1\n", "p", "x.csv");
  EXPECT_FALSE(report->accepted);
  EXPECT_EQ(report->errors[0].row, 1u);
  EXPECT_NE(report->errors[0].reason.find("treatment_province"), std::string::npos);
  auto empty = declarations_->DeclareCsvText(kBeijing, "", "p", "x.csv");
  EXPECT_FALSE(empty->accepted);
}

TEST_F(DeclarationsTest, LargeDeclarationsGoThroughSortedRunsAndFindDuplicatesAcrossRuns) {
  DeclarationLimits limits;
  limits.run_claims_max = 1000;
  limits.write_batch_claims_max = 500;
  Open(limits);
  std::string rows;
  for (int i = 0; i < 4500; ++i)
    rows +=
        Row("R" + std::to_string(i), "2026-09-15", "1.00", kBeijing, i % 2 ? kHebei : kShanghai);
  const DeclarationReport report = Declare(rows);
  ASSERT_TRUE(report.accepted);
  EXPECT_EQ(report.recorded, 4500u);
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::Receivable(kBeijing, kHebei))->ToString(),
            "2250.00");
  ExpectVerified();
  // A duplicate 3000 rows apart lands in a different run.
  std::string with_duplicate;
  for (int i = 0; i < 3000; ++i) with_duplicate += Row("X" + std::to_string(i), "2026-09-15");
  with_duplicate += Row("X5", "2026-09-15");
  const DeclarationReport refused = Declare(with_duplicate);
  EXPECT_FALSE(refused.accepted);
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].row, 3002u);
  EXPECT_NE(refused.errors[0].reason.find("also row 7"), std::string::npos)
      << refused.errors[0].reason;
  EXPECT_FALSE(declarations_->FindClaim("X1")->has_value());
  ExpectVerified();
}

TEST_F(DeclarationsTest, RowsFromTheApiUseTheSameRules) {
  auto report = declarations_->DeclareRows(
      kBeijing,
      {{"J1", "110000", "130000", "2026-09-01", "chronic", "10.00", "8.00"},
       {"J2", "110000", "130000", "2026-09-01", "chronic", "10.00", "8.001"}},
      "province:110000", "api");
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->accepted);
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_EQ(report->errors[0].row, 3u);
}

TEST_F(DeclarationsTest, JsonClaimsFollowTheSameRulesAndNameTheElementAndField) {
  const std::string good = R"([{"claim_id": "JS1", "treatment_province": "110000",
      "insured_province": "130000", "settled_on": "2026-09-03", "category": "inpatient",
      "total_amount": "150.00", "fund_amount": "100.00"}])";
  auto accepted = declarations_->DeclareJson(kBeijing, good, "province:110000", "api");
  ASSERT_TRUE(accepted.ok());
  EXPECT_TRUE(accepted->accepted);
  EXPECT_EQ(accepted->recorded, 1u);
  // An otherwise valid element with an unknown key, a number amount, a missing field: all
  // refused, nothing recorded, each named.
  const std::string bad = R"([
    {"claim_id": "JS2", "treatment_province": "110000", "insured_province": "130000",
     "settled_on": "2026-09-03", "category": "inpatient", "total_amount": "150.00",
     "fund_amount": "100.00", "note": "x"},
    {"claim_id": "JS3", "treatment_province": "110000", "insured_province": "130000",
     "settled_on": "2026-09-03", "category": "inpatient", "total_amount": "150.00",
     "fund_amount": 100.5},
    {"claim_id": "JS4", "treatment_province": "110000", "insured_province": "130000",
     "settled_on": "2026-09-03", "category": "inpatient", "total_amount": "150.00"}])";
  auto refused = declarations_->DeclareJson(kBeijing, bad, "province:110000", "api");
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->accepted);
  ASSERT_EQ(refused->errors.size(), 3u);
  EXPECT_EQ(refused->error_count, 3u);
  EXPECT_EQ(refused->errors[0].row, 2u);
  EXPECT_EQ(refused->errors[0].field, "note");
  EXPECT_EQ(refused->errors[1].row, 3u);
  EXPECT_EQ(refused->errors[1].field, "fund_amount");
  EXPECT_NE(refused->errors[1].reason.find("JSON string"), std::string::npos);
  EXPECT_EQ(refused->errors[2].row, 4u);
  EXPECT_EQ(refused->errors[2].reason, "is missing");
  EXPECT_FALSE(declarations_->FindClaim("JS2")->has_value());
  EXPECT_EQ(ledger_->Head().sequence, 1u);
  EXPECT_EQ(declarations_->DeclareJson(kBeijing, "{", "p", "api").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(declarations_->DeclareJson(kBeijing, "{}", "p", "api").status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(DeclarationsTest, ZeroFundClaimsAreRecordedWithoutALedgerEntry) {
  const DeclarationReport report = Declare(Row("Z1", "2026-09-01", "0.00"));
  ASSERT_TRUE(report.accepted);
  EXPECT_EQ(report.entry_sequence, 0u);
  EXPECT_TRUE(declarations_->FindClaim("Z1")->has_value());
  ExpectVerified();
}

TEST_F(DeclarationsTest, EighteenDigitAmountsAreRefusedNotWrapped) {
  // 184467440737095517 × 100 fen wraps a 64-bit integer to 84 fen (0.84 CNY): issue 15.
  for (const std::string amount :
       {"184467440737095517", "184467440737095516", "184467440737095518", "9223372036854775808",
        "9223372036854775808.00", "18446744073709551616", "18446744073709551615",
        "18446744073709551615.99", "10000000.01"}) {
    const DeclarationReport report =
        Declare(Row("W1", "2026-09-03", amount, kBeijing, kHebei, "inpatient", amount));
    ASSERT_EQ(report.errors.size(), 2u) << amount;
    EXPECT_EQ(report.errors[0].row, 2u);
    EXPECT_EQ(report.errors[0].field, "total_amount");
    EXPECT_EQ(report.errors[1].field, "fund_amount");
    EXPECT_NE(report.errors[1].reason.find("exceeds the maximum 10000000.00"), std::string::npos)
        << report.errors[1].reason;
    ExpectRefused(report, "total_amount", amount);
  }
  EXPECT_FALSE(declarations_->FindClaim("W1")->has_value());
  const DeclarationReport at_max =
      Declare(Row("W2", "2026-09-03", "10000000.00", kBeijing, kHebei, "inpatient", "10000000"));
  ASSERT_TRUE(at_max.accepted);
  EXPECT_EQ(declarations_->FindClaim("W2")->value().fund_amount.ToString(), "10000000.00");
}

TEST_F(DeclarationsTest, RefusalsQuotingNonAsciiInputAreValidUtf8) {
  const DeclarationReport report =
      Declare(Row("申报1", "2026-09-03", "０.５") + Row("W3", "2026-09-03", "−1.00"));
  ASSERT_EQ(report.errors.size(), 3u);
  EXPECT_EQ(report.errors[0].field, "claim_id");
  EXPECT_EQ(report.errors[0].reason,
            "claim_id \"申报1\" contains '申'; only letters, digits, '_' and '-' are allowed");
  EXPECT_EQ(report.errors[1].reason, "amount \"０.５\" contains the character '０'");
  EXPECT_EQ(report.errors[2].reason, "amount \"−1.00\" contains the character '−'");
  for (const RowError& error : report.errors) EXPECT_TRUE(IsValidUtf8(error.reason));
}

TEST_F(DeclarationsTest, AJsonClaimWithADuplicateKeyIsRefused) {
  const std::string twice = R"([{"claim_id": "JD1", "treatment_province": "110000",
      "insured_province": "130000", "settled_on": "2026-09-03", "category": "inpatient",
      "total_amount": "150.00", "fund_amount": "10.00", "fund_amount": "90.00"}])";
  auto refused = declarations_->DeclareJson(kBeijing, twice, "province:110000", "api");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("duplicate key \"fund_amount\""), std::string::npos);
  EXPECT_FALSE(declarations_->FindClaim("JD1")->has_value());
  EXPECT_EQ(ledger_->Head().sequence, 0u);
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

// Four hash values for every id: the claim index's collision handling (hash ‖ id keys) carries
// all the weight, within a run, across runs, against the ledger and on the small-write path.
uint64_t FourHashes(std::string_view id) { return static_cast<uint64_t>(id.back()) % 4; }

// Errors beyond errors_listed_max are counted while reading, not kept (a body of millions of
// misshapen rows held millions of errors until the end); the first rows are listed, including a
// low row whose error is found only when the run is checked.
TEST_F(DeclarationsTest, ErrorsBeyondTheListAreCountedAndTheFirstRowsListed) {
  DeclarationLimits limits;
  limits.errors_listed_max = 5;
  Open(limits);
  std::string rows = Row("L0", "2026-09-03", "1.00") + Row("L0", "2026-09-03", "2.00");  // row 3
  for (int i = 0; i < 27; ++i) rows += Row("B" + std::to_string(i), "2026-09-03", "1.001");
  const DeclarationReport report = Declare(rows);
  EXPECT_FALSE(report.accepted);
  EXPECT_EQ(report.error_count, 28u);
  ASSERT_EQ(report.errors.size(), 5u);
  std::vector<uint64_t> listed;
  for (const RowError& error : report.errors) listed.push_back(error.row);
  EXPECT_EQ(listed, (std::vector<uint64_t>{3, 4, 5, 6, 7}));
  EXPECT_EQ(report.errors[0].field, "claim_id");
  EXPECT_FALSE(declarations_->FindClaim("L0")->has_value());
}

class CollidingHashesTest : public DeclarationsTest {
 protected:
  void SetUp() override {
    declarations_internal::SetClaimIdHashForTesting(&FourHashes);
    DeclarationLimits limits;
    limits.run_claims_max = 1000;
    limits.write_batch_claims_max = 500;
    Open(limits);
  }
  void TearDown() override { declarations_internal::SetClaimIdHashForTesting(nullptr); }
};

TEST_F(CollidingHashesTest, EveryClaimIsFoundCheckedAndVerifiedWhenHashesCollide) {
  // Claims spread over months and insured provinces unrelated to their hashes, so that the
  // claim holding a hash is seldom where another claim with that hash is.
  constexpr uint32_t kInsured[] = {130000, 310000, 320000, 410000, 510000};
  const auto settled = [](int i) { return i / 7 % 2 ? "2026-10-05" : "2026-09-15"; };
  std::string rows;
  for (int i = 0; i < 4500; ++i) {
    rows += Row("C" + std::to_string(i), settled(i), std::to_string(i % 90 + 1) + ".00", kBeijing,
                kInsured[i / 10 % 5]);
  }
  const DeclarationReport report = Declare(rows);
  ASSERT_TRUE(report.accepted);
  EXPECT_EQ(report.recorded, 4500u);
  ExpectVerified();
  for (const int i : {0, 1, 2, 3, 999, 1000, 2501, 4499}) {
    const auto claim = declarations_->FindClaim("C" + std::to_string(i));
    ASSERT_TRUE(claim.ok());
    ASSERT_TRUE(claim->has_value()) << i;
    EXPECT_EQ((*claim)->fund_amount.ToString(), std::to_string(i % 90 + 1) + ".00");
    EXPECT_EQ((*claim)->insured, kInsured[i / 10 % 5]);
    EXPECT_EQ((*claim)->settled_on.ToString(), settled(i));
  }
  EXPECT_FALSE(declarations_->FindClaim("C4500")->has_value());
  // Declared again: every claim is a duplicate, nothing is recorded.
  const DeclarationReport again = Declare(rows);
  ASSERT_TRUE(again.accepted);
  EXPECT_EQ(again.recorded, 0u);
  EXPECT_EQ(again.duplicates, 4500u);
  // New ids whose hashes recorded claims hold, on the small-write path and through files.
  std::string small;
  for (int i = 0; i < 10; ++i) small += Row("S" + std::to_string(i), "2026-09-16");
  ASSERT_EQ(Declare(small).recorded, 10u);
  std::string large;
  for (int i = 0; i < 2500; ++i) large += Row("L" + std::to_string(i), "2026-09-16");
  ASSERT_EQ(Declare(large).recorded, 2500u);
  ExpectVerified();
  EXPECT_TRUE(declarations_->FindClaim("S7")->has_value());
  EXPECT_TRUE(declarations_->FindClaim("L2499")->has_value());
  // A known id with another amount conflicts; a repeat across runs is found.
  const DeclarationReport conflict =
      Declare(Row("D1", "2026-09-16") + Row("C7", settled(7), "1.00", kBeijing, kInsured[0]));
  EXPECT_FALSE(conflict.accepted);
  ASSERT_EQ(conflict.errors.size(), 1u);
  EXPECT_EQ(conflict.errors[0].row, 3u);
  EXPECT_NE(conflict.errors[0].reason.find("already recorded with different fields"),
            std::string::npos);
  std::string repeated;
  for (int i = 0; i < 1500; ++i) repeated += Row("R" + std::to_string(i), "2026-09-16");
  repeated += Row("R3", "2026-09-16");
  const DeclarationReport twice = Declare(repeated);
  EXPECT_FALSE(twice.accepted);
  ASSERT_EQ(twice.errors.size(), 1u);
  EXPECT_EQ(twice.errors[0].row, 1502u);
  EXPECT_NE(twice.errors[0].reason.find("also row 5"), std::string::npos) << twice.errors[0].reason;
  EXPECT_FALSE(declarations_->FindClaim("R1")->has_value());
  ExpectVerified();
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

TEST_F(DeclarationsTest, VerifyFindsAClaimIndexEntryAlteredBehindTheLedgersBack) {
  ASSERT_TRUE(Declare(Row("T1", "2026-09-15") + Row("T2", "2026-09-15")).accepted);
  ExpectVerified();
  declarations_.reset();
  ledger_.reset();
  std::string key;
  declarations_internal::EncodeIndexKey(declarations_internal::ClaimIdHash("T1"), key);
  testing_support::EditRaw(dir_.path() / "ledger", "claim_index", key, [](std::string& locator) {
    locator[11] = static_cast<char>(locator[11] ^ 1);  // another insured province
  });
  Open();
  EXPECT_FALSE(declarations_->FindClaim("T1")->has_value());  // the index decides the lookup
  const auto problem = declarations_->Verify();
  ASSERT_TRUE(problem.ok());
  EXPECT_NE(problem->find("the claim index (2 entries) does not match the claims (2)"),
            std::string::npos)
      << *problem;
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

// The index half and the claims half of a run are written side by side on two threads once a
// declaration is large enough to start them: an id given twice must still be a row error there.
TEST_F(DeclarationsTest, AnIdGivenTwiceIsARowErrorOnTheThreadedPathToo) {
  std::string rows;
  for (int i = 0; i < 70'000; ++i) rows += Row("W" + std::to_string(i), "2026-09-15");
  rows += Row("W3", "2026-09-15");  // row 70 002, the same claim as row 5
  const DeclarationReport one_run = Declare(rows);
  EXPECT_FALSE(one_run.accepted);
  ASSERT_EQ(one_run.errors.size(), 1u);
  EXPECT_EQ(one_run.errors[0].row, 70'002u);
  EXPECT_NE(one_run.errors[0].reason.find("also row 5"), std::string::npos);
  EXPECT_EQ(ledger_->Head().sequence, 0u);

  DeclarationLimits limits;
  limits.run_claims_max = 1000;
  limits.write_batch_claims_max = 500;
  Open(limits);
  std::string in_one_run;  // both copies in the first (full) run, finished on a worker
  for (int i = 0; i < 1500; ++i) in_one_run += Row("V" + std::to_string(i), "2026-09-15");
  in_one_run.insert(0, Row("V700", "2026-09-15"));
  const DeclarationReport refused = Declare(in_one_run);
  EXPECT_FALSE(refused.accepted);
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].row, 703u);
  EXPECT_NE(refused.errors[0].reason.find("also row 2"), std::string::npos);

  // A claim already recorded, given twice in different runs, is refused as within a run.
  std::string recorded;
  for (int i = 0; i < 10; ++i) recorded += Row("P" + std::to_string(i), "2026-09-15");
  ASSERT_EQ(Declare(recorded).recorded, 10u);
  std::string across = Row("P3", "2026-09-15");
  for (int i = 0; i < 1500; ++i) across += Row("Q" + std::to_string(i), "2026-09-15");
  across += Row("P3", "2026-09-15");
  const DeclarationReport twice = Declare(across);
  EXPECT_FALSE(twice.accepted);
  ASSERT_EQ(twice.errors.size(), 1u);
  EXPECT_EQ(twice.errors[0].row, 1503u);
  EXPECT_NE(twice.errors[0].reason.find("also row 2"), std::string::npos);
  ExpectVerified();
}

}  // namespace
}  // namespace xclear
