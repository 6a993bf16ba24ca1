// Reversals (结算撤销) in declarations: hand-computed postings, the links both ways, and every
// refusal with the row and field it names (SPEC §13).
#include <gtest/gtest.h>

#include <map>

#include "../raw_edit.h"
#include "../test_support.h"
#include "xclear/declarations.h"

namespace xclear {
namespace {

using testing_support::At;
using testing_support::TempDir;

constexpr uint32_t kBeijing = 110000;
constexpr uint32_t kHebei = 130000;
constexpr uint32_t kShanghai = 310000;
constexpr const char* kHeader =
    "claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_amount,"
    "reversal_of\n";

class ReversalsTest : public testing::Test {
 protected:
  ReversalsTest()
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
  // A claim (reversal_of empty) or a reversal row; defaults: Beijing treats Hebei's insured,
  // inpatient, total 150.00, fund 100.00.
  static std::string Row(const std::string& id, const std::string& settled,
                         const std::string& reversal_of = "", const std::string& fund = "100.00",
                         uint32_t insured = kHebei, const std::string& category = "inpatient",
                         const std::string& total = "150.00", uint32_t treatment = kBeijing) {
    return id + "," + std::to_string(treatment) + "," + std::to_string(insured) + "," + settled +
           "," + category + "," + total + "," + fund + "," + reversal_of + "\n";
  }
  std::string Balance(const AccountId& account) {
    return ledger_->CurrentBalance(account)->ToString();
  }
  // The declaration is refused with one error at `row` on `field`, mentioning `text`, and
  // nothing new is written.
  void ExpectRefused(const std::string& rows, uint64_t row, const std::string& field,
                     const std::string& text, uint32_t treatment = kBeijing) {
    const uint64_t head = ledger_->Head().sequence;
    const DeclarationReport report = Declare(rows, treatment);
    EXPECT_FALSE(report.accepted);
    ASSERT_EQ(report.errors.size(), 1u) << (report.errors.empty() ? "" : report.errors[1].reason);
    EXPECT_EQ(report.errors[0].row, row);
    EXPECT_EQ(report.errors[0].field, field);
    EXPECT_NE(report.errors[0].reason.find(text), std::string::npos) << report.errors[0].reason;
    EXPECT_EQ(ledger_->Head().sequence, head) << "a refused declaration must write nothing";
  }
  void ExpectVerified() {
    auto problem = declarations_->Verify();
    ASSERT_TRUE(problem.ok()) << problem.status().ToString();
    EXPECT_EQ(*problem, "");
    EXPECT_TRUE(ledger_->Verify()->ok);
  }
  ClaimRecord Find(const std::string& id) {
    auto claim = declarations_->FindClaim(id);
    EXPECT_TRUE(claim.ok() && claim->has_value()) << id;
    return claim.ok() && claim->has_value() ? **claim : ClaimRecord{};
  }

  TempDir dir_;
  Config config_;
  ManualClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Declarations> declarations_;
};

TEST_F(ReversalsTest, AReversalInTheSameBatchPostsTheMirrorAndBothPointAtEachOther) {
  // Either order: the reversal before its original, too.
  const DeclarationReport report =
      Declare(Row("R1", "2026-09-05", "A1") + Row("A1", "2026-09-03") +
              Row("A2", "2026-09-04", "", "20.50", kShanghai, "pharmacy", "30.00"));
  ASSERT_TRUE(report.accepted) << report.errors[0].reason;
  EXPECT_EQ(report.recorded, 2u);
  EXPECT_EQ(report.fund_amount.ToString(), "120.50");
  EXPECT_EQ(report.reversals, 1u);
  EXPECT_EQ(report.reversed_fund.ToString(), "100.00");
  EXPECT_EQ(report.reversed_total.ToString(), "150.00");
  EXPECT_EQ(report.entry_sequence, 1u);
  EXPECT_EQ(report.reversal_entry_sequence, 2u);
  const JournalEntry reversal = *ledger_->Entry(2);
  EXPECT_EQ(reversal.kind, EntryKind::kClaimReversal);
  // T: Dr bank / Cr receivable:I; I: Dr payable:T / Cr expense — the claim's postings mirrored.
  ASSERT_EQ(reversal.postings.size(), 4u);
  std::map<std::string, Side> sides;
  for (const Posting& posting : reversal.postings) {
    EXPECT_EQ(posting.amount.ToString(), "100.00");
    sides[posting.account.ToString()] = posting.side;
  }
  EXPECT_EQ(sides[AccountId::Bank(kBeijing).ToString()], Side::kDebit);
  EXPECT_EQ(sides[AccountId::Receivable(kBeijing, kHebei).ToString()], Side::kCredit);
  EXPECT_EQ(sides[AccountId::Payable(kHebei, kBeijing).ToString()], Side::kDebit);
  EXPECT_EQ(sides[AccountId::Expense(kHebei).ToString()], Side::kCredit);
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)), "0.00");
  EXPECT_EQ(Balance(AccountId::Payable(kHebei, kBeijing)), "0.00");
  EXPECT_EQ(Balance(AccountId::Expense(kHebei)), "0.00");
  EXPECT_EQ(Balance(AccountId::Bank(kBeijing)), "-20.50");
  EXPECT_EQ(Find("A1").reversed_by, "R1");
  EXPECT_EQ(Find("R1").reversal_of, "A1");
  EXPECT_EQ(Find("R1").fund_amount.ToString(), "100.00");
  EXPECT_EQ(Find("A2").reversed_by, "");
  // Month listings carry the reversal with what it cancels.
  std::vector<std::string> listed;
  ASSERT_TRUE(declarations_
                  ->ForEachClaim(YearMonth::Parse("2026-09").value(), kBeijing, kHebei,
                                 [&](const ClaimRecord& claim) {
                                   listed.push_back(claim.claim_id + ":" + claim.reversal_of);
                                   return Status::Ok();
                                 })
                  .ok());
  EXPECT_EQ(listed, (std::vector<std::string>{"A1:", "R1:A1"}));
  // The month's aggregates keep the reversals apart: claims 1 × 100.00, reversals 1 × 100.00.
  auto groups = declarations_->MonthGroups(YearMonth::Parse("2026-09").value(), false);
  ASSERT_TRUE(groups.ok());
  int reversal_groups = 0;
  for (const auto& group : *groups) {
    if (!group.reversal) continue;
    ++reversal_groups;
    EXPECT_EQ(group.insured, kHebei);
    EXPECT_EQ(group.count, 1u);
    EXPECT_EQ(group.fund_fen, Fen(10000));
  }
  EXPECT_EQ(reversal_groups, 1);
  EXPECT_EQ(declarations_->MonthTotals(YearMonth::Parse("2026-09").value(), false)->second,
            Fen(2050));  // 120.50 − 100.00
  ExpectVerified();
}

TEST_F(ReversalsTest, AClaimRecordedEarlierIsReversedLaterAndTheSameReversalAgainIsANoOp) {
  ASSERT_TRUE(Declare(Row("A1", "2026-09-03")).accepted);
  const DeclarationReport later = Declare(Row("R1", "2026-10-02", "A1"));
  ASSERT_TRUE(later.accepted);
  EXPECT_EQ(later.recorded, 0u);
  EXPECT_EQ(later.reversals, 1u);
  EXPECT_EQ(later.entry_sequence, 0u);  // no claim: no claims_declared entry
  EXPECT_EQ(later.reversal_entry_sequence, 2u);
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)), "0.00");
  // The reversal's month is its own settled_on: October.
  EXPECT_EQ(declarations_->MonthTotals(YearMonth::Parse("2026-10").value(), false)->first, 1u);
  // Sent again: a duplicate, nothing written.
  const DeclarationReport again = Declare(Row("R1", "2026-10-02", "A1"));
  ASSERT_TRUE(again.accepted);
  EXPECT_EQ(again.reversals, 0u);
  EXPECT_EQ(again.duplicates, 1u);
  EXPECT_EQ(ledger_->Head().sequence, 2u);
  // The same id cancelling another claim, or sent as a claim, is a conflict.
  ASSERT_TRUE(Declare(Row("A2", "2026-09-03")).accepted);
  ExpectRefused(Row("R1", "2026-10-02", "A2"), 2, "reversal_of", "already recorded as cancelling");
  ExpectRefused(Row("R1", "2026-10-02"), 2, "claim_id", "already recorded with different fields");
  ExpectVerified();
}

TEST_F(ReversalsTest, APartialRefundIsAReversalAndANewClaimForWhatRemains) {
  ASSERT_TRUE(Declare(Row("A1", "2026-09-03")).accepted);
  // 30.00 of the fund's 100.00 refunded: reverse A1 whole, re-settle 70.00 of fund.
  const DeclarationReport refund =
      Declare(Row("R1", "2026-09-20", "A1") + Row("A1b", "2026-09-20", "", "70.00"));
  ASSERT_TRUE(refund.accepted);
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)), "70.00");
  EXPECT_EQ(Balance(AccountId::Payable(kHebei, kBeijing)), "-70.00");
  // A reversal of part of the amount is refused: it must equal the original.
  ASSERT_TRUE(Declare(Row("A3", "2026-09-03")).accepted);
  ExpectRefused(Row("R3", "2026-09-20", "A3", "30.00"), 2, "fund_amount", "partial refund");
  ExpectVerified();
}

TEST_F(ReversalsTest, EveryRefusalNamesTheRowAndTheField) {
  ASSERT_TRUE(
      Declare(Row("A1", "2026-09-03") + Row("A2", "2026-09-03") + Row("R2", "2026-09-04", "A2"))
          .accepted);
  // Hebei's own claim of a Beijing insured person.
  ASSERT_TRUE(
      Declare(Row("H1", "2026-09-03", "", "100.00", kBeijing, "inpatient", "150.00", kHebei),
              kHebei)
          .accepted);
  ExpectRefused(Row("R9", "2026-09-05", "NOPE"), 2, "reversal_of",
                "\"NOPE\" is not a recorded claim");
  ExpectRefused(Row("R9", "2026-09-05", "H1"), 2, "reversal_of",
                "is not a claim of province 110000");
  ExpectRefused(Row("R9", "2026-09-05", "A2"), 2, "reversal_of", "already reversed by \"R2\"");
  ExpectRefused(Row("R9", "2026-09-05", "R2"), 2, "reversal_of", "is itself a reversal");
  ExpectRefused(Row("R9", "2026-09-05", "A1") + Row("R8", "2026-09-05", "A1"), 3, "reversal_of",
                "reversed twice in this declaration (also row 2)");
  ExpectRefused(Row("R9", "2026-09-05", "R9"), 2, "reversal_of", "cannot reverse itself");
  ExpectRefused(Row("R9", "2026-09-05", "a b"), 2, "reversal_of", "only letters");
  ExpectRefused(Row("R9", "2026-09-05", "A1", "100.00", kShanghai), 2, "insured_province",
                "is not the insured province 130000");
  ExpectRefused(Row("R9", "2026-09-05", "A1", "100.00", kHebei, "outpatient"), 2, "category",
                "is not the category inpatient");
  ExpectRefused(Row("R9", "2026-09-05", "A1", "100.00", kHebei, "inpatient", "150.01"), 2,
                "total_amount", "is not the total_amount 150.00");
  ExpectRefused(Row("R9", "2026-09-02", "A1"), 2, "settled_on", "before the settlement it cancels");
  // A reversal of a reversal in the same batch, and a negative amount in the SPEC header.
  ExpectRefused(
      Row("A5", "2026-09-03") + Row("R5", "2026-09-04", "A5") + Row("R6", "2026-09-04", "R5"), 4,
      "reversal_of", "is itself a reversal");
  ExpectRefused(Row("R9", "2026-09-05", "A1", "-100.00"), 2, "fund_amount", "");
  // The reversal's month follows the deadline like a claim's: August is past its 20 September.
  ExpectRefused(Row("R9", "2026-08-30", "A1"), 2, "settled_on", "were due by");
  ExpectVerified();
}

TEST_F(ReversalsTest, AReversalAmongOtherBadRowsIsNotCalledUnknownWhenItsOriginalIsInTheBatch) {
  const DeclarationReport report =
      Declare(Row("A1", "2026-09-03") + Row("R1", "2026-09-05", "A1") + Row("B1", "2026-13-01"));
  EXPECT_FALSE(report.accepted);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].row, 4u);
  EXPECT_EQ(report.errors[0].field, "settled_on");
  EXPECT_EQ(ledger_->Head().sequence, 0u);
}

TEST_F(ReversalsTest, TheNationalExportNamesTheOriginalInItsOwnColumnWithNegativeAmounts) {
  const std::string csv =
      "setl_id,mdtrtarea_admvs,insuplc_admdvs,setl_time,med_type,medfee_sumamt,fund_pay_sumamt,"
      "init_setl_id\n"
      "N1,110105,130102,2026-09-03 10:00:00,21,150.00,100.00,\n"
      "N2,110105,130102,2026-09-05 11:00:00,21,-150.00,-100.00,N1\n"
      "N3,110105,130102,2026-09-03 10:00:00,41,20.00,10.00,\n"
      "N4,110105,130102,2026-09-06 11:00:00,41,20.00,10.00,N3\n";
  auto report = declarations_->DeclareCsvText(kBeijing, csv, "province:110000", "national.csv");
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->accepted) << report->errors[0].reason;
  EXPECT_EQ(report->reversals, 2u);
  EXPECT_EQ(Find("N2").fund_amount.ToString(), "100.00");  // recorded as the original's
  EXPECT_EQ(Find("N2").reversal_of, "N1");
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)), "0.00");
  // The column is configurable.
  config_.rules.national_reversal_column = "orig_setl_id";
  auto other = declarations_->DeclareCsvText(
      kBeijing,
      "setl_id,mdtrtarea_admvs,insuplc_admdvs,setl_time,med_type,medfee_sumamt,fund_pay_sumamt,"
      "orig_setl_id\n"
      "N5,110105,130102,2026-09-03 10:00:00,21,150.00,100.00,\n"
      "N6,110105,130102,2026-09-05 11:00:00,21,-150.00,-100.00,N5\n",
      "province:110000", "national.csv");
  ASSERT_TRUE(other->accepted);
  EXPECT_EQ(other->reversals, 1u);
  ExpectVerified();
}

TEST_F(ReversalsTest, JsonAndApiRowsCarryReversalOfToo) {
  auto json = declarations_->DeclareJson(
      kBeijing,
      R"([{"claim_id": "J1", "treatment_province": "110000", "insured_province": "130000",
           "settled_on": "2026-09-03", "category": "inpatient", "total_amount": "150.00",
           "fund_amount": "100.00"},
          {"claim_id": "J2", "treatment_province": "110000", "insured_province": "130000",
           "settled_on": "2026-09-04", "category": "inpatient", "total_amount": "150.00",
           "fund_amount": "100.00", "reversal_of": "J1"}])",
      "province:110000", "api");
  ASSERT_TRUE(json.ok());
  ASSERT_TRUE(json->accepted);
  EXPECT_EQ(json->reversals, 1u);
  EXPECT_EQ(Find("J1").reversed_by, "J2");
  const std::vector<std::vector<std::string>> rows = {
      {"V1", "110000", "130000", "2026-09-03", "inpatient", "150.00", "100.00"},
      {"V2", "110000", "130000", "2026-09-04", "inpatient", "150.00", "100.00", "V1"},
      {"V3", "110000", "130000", "2026-09-04", "inpatient", "150.00", "100.00", "V1", "x"}};
  auto refused = declarations_->DeclareRows(kBeijing, rows, "province:110000", "api");
  ASSERT_FALSE(refused->accepted);
  EXPECT_EQ(refused->errors[0].row, 4u);
  EXPECT_NE(refused->errors[0].reason.find("8 with reversal_of"), std::string::npos);
  auto accepted = declarations_->DeclareRows(kBeijing, {rows[0], rows[1]}, "p", "api");
  ASSERT_TRUE(accepted->accepted) << accepted->errors[0].reason;
  EXPECT_EQ(Find("V2").reversal_of, "V1");
  ExpectVerified();
}

TEST_F(ReversalsTest, LargeDeclarationsFindOriginalsInEarlierRunsFilesAndTheLedger) {
  DeclarationLimits limits;
  limits.run_claims_max = 1000;
  limits.write_batch_claims_max = 500;
  Open(limits);
  ASSERT_TRUE(Declare(Row("OLD", "2026-09-01")).accepted);
  std::string rows;
  for (int i = 0; i < 2500; ++i) rows += Row("C" + std::to_string(i), "2026-09-10");
  // Originals in the first run, the third run, the ledger; reversals in the last run.
  for (const char* original : {"C5", "C999", "C2400", "OLD"}) {
    rows += Row(std::string("X") + original, "2026-09-12", original);
  }
  const DeclarationReport report = Declare(rows);
  ASSERT_TRUE(report.accepted) << report.errors[0].reason;
  EXPECT_EQ(report.recorded, 2500u);
  EXPECT_EQ(report.reversals, 4u);
  // 2501 claims of 100.00, 4 of them reversed.
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)), "249700.00");
  EXPECT_EQ(Find("C999").reversed_by, "XC999");
  EXPECT_EQ(Find("OLD").reversed_by, "XOLD");
  ExpectVerified();
  // A reversal of an unknown claim in a run of files is found too.
  std::string bad;
  for (int i = 0; i < 1500; ++i) bad += Row("D" + std::to_string(i), "2026-09-10");
  bad += Row("XD", "2026-09-12", "D9999");
  const DeclarationReport refused = Declare(bad);
  EXPECT_FALSE(refused.accepted);
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].row, 1502u);
  EXPECT_EQ(refused.errors[0].field, "reversal_of");
}

TEST_F(ReversalsTest, VerifyFindsATamperedLink) {
  ASSERT_TRUE(
      Declare(Row("A1", "2026-09-03") + Row("A2", "2026-09-03") + Row("R1", "2026-09-05", "A1"))
          .accepted);
  ExpectVerified();
  declarations_.reset();
  ledger_.reset();
  testing_support::EditRaw(dir_.path() / "ledger", "claim_links", "OR1",
                           [](std::string& value) { value = "A2"; });
  Open();
  auto problem = declarations_->Verify();
  ASSERT_TRUE(problem.ok());
  EXPECT_NE(problem->find("do not name each other"), std::string::npos) << *problem;
}

}  // namespace
}  // namespace xclear
