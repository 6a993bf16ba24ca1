// Prepayments on hand-computed cases: warning lines exactly at 70.00 % and 90.00 %, the annual
// adjustment (half-fen rounding, up, down, a pair without claims, the January window), its
// notices and payments, emergency top-ups (round-up, refusal below red, one open at a time)
// and the deadlines of unpaid notices.
#include "xclear/prepayments.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "../test_support.h"
#include "xclear/declarations.h"

namespace xclear {
namespace {

constexpr uint32_t kBeijing = 110000;
constexpr uint32_t kHebei = 130000;
constexpr uint32_t kShanghai = 310000;
constexpr uint32_t kGuangdong = 440000;

using testing_support::At;
using testing_support::Cny;
using testing_support::On;

class PrepaymentsTest : public testing::Test {
 protected:
  PrepaymentsTest()
      : config_(DefaultConfig(XCLEAR_SOURCE_DIR "/config")), clock_(At("2026-01-05T09:00:00")) {}
  void SetUp() override {
    calendar_ = WorkingCalendar::LoadDirectory(config_.calendar_dir).value();
    LedgerOptions options;
    options.data_dir = dir_.path() / "ledger";
    options.create_if_missing = true;
    ledger_ = OpenLedger(options, config_.participants, clock_).value();
    declarations_ = std::make_unique<Declarations>(*ledger_, config_, clock_);
    prepayments_ = std::make_unique<Prepayments>(*ledger_, config_, calendar_, clock_);
  }

  // Declares one claim (total = fund) as the treatment province, at the clock's now.
  void Claim(const std::string& id, uint32_t treatment, uint32_t insured, const char* fund,
             const char* settled_on) {
    auto report =
        declarations_->DeclareRows(treatment,
                                   {{id, std::to_string(treatment), std::to_string(insured),
                                     settled_on, "inpatient", fund, fund}},
                                   "province:" + std::to_string(treatment), "test");
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_TRUE(report->accepted) << (report->errors.empty() ? "" : report->errors[0].reason);
  }
  // An opening prepayment of `amount` advanced by `insured` to `treatment` (an operator's entry,
  // as when xclear takes over balances from an earlier system).
  void OpeningPrepayment(uint32_t insured, uint32_t treatment, const char* amount) {
    EntryDraft entry;
    entry.kind = EntryKind::kPrepaymentPaid;
    entry.effective_date = clock_.Now().CstDate();
    entry.actor = "operator:test";
    entry.memo = "opening prepayment";
    const Money money = Cny(amount);
    entry.postings = {{AccountId::PrepaymentAdvanced(insured, treatment), Side::kDebit, money},
                      {AccountId::Bank(insured), Side::kCredit, money},
                      {AccountId::Bank(treatment), Side::kDebit, money},
                      {AccountId::PrepaymentHeld(treatment, insured), Side::kCredit, money}};
    ASSERT_TRUE(ledger_->AppendOne(entry).ok());
  }
  Position PositionOf(uint32_t insured, uint32_t treatment) {
    auto position = prepayments_->PositionOf(insured, treatment, ledger_->Head().sequence);
    EXPECT_TRUE(position.ok()) << position.status().ToString();
    return position.ok() ? *position : Position();
  }
  Result<NoticePayment> Pay(const std::string& notice, uint32_t payer, uint32_t payee,
                            const char* amount, const char* serial, const char* value_date) {
    NoticePaymentDraft draft;
    draft.notice = notice;
    draft.payer = payer;
    draft.payee = payee;
    draft.bank = "ICBC";
    draft.serial = serial;
    draft.value_date = On(value_date);
    draft.amount = Cny(amount);
    return prepayments_->RecordPayment(draft, "province:" + std::to_string(payer));
  }
  void ExpectAllVerified() {
    auto report = ledger_->Verify();
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << report->reason;
    auto problem = prepayments_->Verify();
    ASSERT_TRUE(problem.ok()) << problem.status().ToString();
    EXPECT_EQ(*problem, "");
    Settlement settlement(*ledger_, config_, calendar_, clock_);
    auto settled = settlement.Verify();
    ASSERT_TRUE(settled.ok()) << settled.status().ToString();
    EXPECT_EQ(*settled, "");
  }

  testing_support::TempDir dir_;
  Config config_;
  ManualClock clock_;
  WorkingCalendar calendar_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Declarations> declarations_;
  std::unique_ptr<Prepayments> prepayments_;
};

TEST_F(PrepaymentsTest, WarningLinesAreExactAt70And90Percent) {
  OpeningPrepayment(kBeijing, kShanghai, "100.00");
  clock_.Set(At("2026-03-05T09:00:00"));
  Claim("S-1", kShanghai, kBeijing, "69.99", "2026-03-02");
  Position position = PositionOf(kBeijing, kShanghai);
  EXPECT_EQ(position.prepayment.ToString(), "100.00");
  EXPECT_EQ(position.outstanding.ToString(), "69.99");
  EXPECT_EQ(position.usage_percent, "69.99");
  EXPECT_EQ(position.warning, Warning::kNone);
  Claim("S-2", kShanghai, kBeijing, "0.01", "2026-03-02");
  EXPECT_EQ(PositionOf(kBeijing, kShanghai).warning, Warning::kYellow);  // exactly 70.00 %
  EXPECT_EQ(PositionOf(kBeijing, kShanghai).usage_percent, "70.00");
  Claim("S-3", kShanghai, kBeijing, "19.99", "2026-03-02");
  EXPECT_EQ(PositionOf(kBeijing, kShanghai).warning, Warning::kYellow);  // 89.99 %
  Claim("S-4", kShanghai, kBeijing, "0.01", "2026-03-02");
  EXPECT_EQ(PositionOf(kBeijing, kShanghai).warning, Warning::kRed);  // exactly 90.00 %
  EXPECT_EQ(PositionOf(kBeijing, kShanghai).usage_percent, "90.00");

  // No prepayment: red as soon as anything is outstanding; nothing at all is no warning.
  Claim("H-1", kHebei, kGuangdong, "0.01", "2026-03-02");
  EXPECT_EQ(PositionOf(kGuangdong, kHebei).warning, Warning::kRed);
  EXPECT_EQ(PositionOf(kGuangdong, kHebei).usage_percent, "");
  EXPECT_EQ(PositionOf(kGuangdong, kShanghai).warning, Warning::kNone);

  // A province sees its 62 pairs; the operator all 992, and they sort by exact usage.
  auto mine = prepayments_->Positions(ledger_->Head().sequence, kShanghai);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->size(), 62u);
  auto all = prepayments_->Positions(ledger_->Head().sequence);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 992u);
  std::sort(all->begin(), all->end(), HigherUsage);
  EXPECT_EQ((*all)[0].insured, kGuangdong);  // unbounded usage first
  EXPECT_EQ((*all)[1].insured, kBeijing);    // then 90.00 %
  EXPECT_EQ((*all)[1].treatment, kShanghai);

  // As of an earlier point in time the position is what the ledger knew then.
  auto then = prepayments_->PositionOf(kBeijing, kShanghai, 1);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(then->outstanding.ToString(), "0.00");
  EXPECT_EQ(then->prepayment.ToString(), "100.00");
}

TEST_F(PrepaymentsTest, AnnualAdjustmentFromAYearOfClaims) {
  // Prepayments in force: Shanghai → Beijing 150.00, Guangdong → Beijing 30.00, Beijing → Hebei
  // 10.00.
  OpeningPrepayment(kShanghai, kBeijing, "150.00");
  OpeningPrepayment(kGuangdong, kBeijing, "30.00");
  OpeningPrepayment(kBeijing, kHebei, "10.00");
  // 2025 claims do not count.
  Claim("OLD-1", kBeijing, kHebei, "999.00", "2025-12-30");
  clock_.Set(At("2026-04-10T09:00:00"));
  Claim("A-1", kBeijing, kHebei, "1000.00", "2026-03-15");    // Hebei → Beijing
  Claim("B-1", kBeijing, kShanghai, "600.00", "2026-03-16");  // Shanghai → Beijing
  Claim("C-1", kHebei, kBeijing, "60.00", "2026-03-17");      // Beijing → Hebei
  clock_.Set(At("2026-12-10T09:00:00"));
  ASSERT_TRUE(declarations_
                  ->FileExplanation(kBeijing, YearMonth::Parse("2026-12").value(), "HIS down",
                                    "province:110000")
                  .ok());
  clock_.Set(At("2027-01-10T09:00:00"));
  Claim("JAN-1", kBeijing, kHebei, "500.00", "2027-01-05");  // service month in Y: not counted
  clock_.Set(At("2027-01-22T09:00:00"));
  Claim("A-2", kBeijing, kHebei, "234.53", "2026-12-28");  // late (explained): counted

  // The window: 1 to 31 January of Y.
  clock_.Set(At("2026-12-31T23:59:59"));
  auto early = prepayments_->RunAdjustment(2027, "operator:alice");
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.status().message().find("may run from 2027-01-01 to 2027-01-31"),
            std::string::npos)
      << early.status().message();
  clock_.Set(At("2027-02-01T00:00:00"));
  EXPECT_EQ(prepayments_->RunAdjustment(2027, "operator:alice").status().code(),
            ErrorCode::kRefused);

  clock_.Set(At("2027-01-25T10:00:00"));
  auto run = prepayments_->RunAdjustment(2027, "operator:alice");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->lines.size(), 992u);
  EXPECT_EQ(run->due.ToString(), "2027-02-28");
  EXPECT_EQ(run->claim_count, 4u);
  const auto line = [&](uint32_t insured, uint32_t treatment) {
    for (const AdjustmentLine& l : run->lines) {
      if (l.insured == insured && l.treatment == treatment) return l;
    }
    return AdjustmentLine();
  };
  // Hebei → Beijing: base 1234.53; 2 × 123 453 / 12 = 20 575.5 fen → half-up 205.76; +205.76.
  EXPECT_EQ(line(kHebei, kBeijing).base.ToString(), "1234.53");
  EXPECT_EQ(line(kHebei, kBeijing).target.ToString(), "205.76");
  EXPECT_EQ(line(kHebei, kBeijing).adjustment.ToString(), "205.76");
  // Shanghai → Beijing: base 600.00, target 100.00, prepayment 150.00: refund 50.00.
  EXPECT_EQ(line(kShanghai, kBeijing).target.ToString(), "100.00");
  EXPECT_EQ(line(kShanghai, kBeijing).adjustment.ToString(), "-50.00");
  // Guangdong → Beijing: no claims in 2026: target 0, the whole 30.00 comes back.
  EXPECT_EQ(line(kGuangdong, kBeijing).base.ToString(), "0.00");
  EXPECT_EQ(line(kGuangdong, kBeijing).adjustment.ToString(), "-30.00");
  // Beijing → Hebei: base 60.00, target 10.00 = prepayment: listed, nothing to pay.
  EXPECT_EQ(line(kBeijing, kHebei).target.ToString(), "10.00");
  EXPECT_TRUE(line(kBeijing, kHebei).adjustment.is_zero());

  // A second run is refused and names the first.
  auto again = prepayments_->RunAdjustment(2027, "operator:bob");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("already ran on 2027-01-25T10:00:00.000+08:00 by "
                                          "operator:alice"),
            std::string::npos)
      << again.status().message();

  // Three notices: one payment, two refunds.
  auto notices = prepayments_->Notices();
  ASSERT_TRUE(notices.ok());
  ASSERT_EQ(notices->size(), 3u);
  const Notice& up = (*notices)[0];  // sorted by id
  EXPECT_EQ(up.id, "adjustment-2027-130000-110000");
  EXPECT_EQ(up.kind, NoticeKind::kAdjustmentPayment);
  EXPECT_EQ(up.payer, kHebei);
  EXPECT_EQ(up.payee, kBeijing);
  EXPECT_EQ(up.amount.ToString(), "205.76");
  EXPECT_EQ((*notices)[1].id, "adjustment-2027-310000-110000");
  EXPECT_EQ((*notices)[1].kind, NoticeKind::kAdjustmentRefund);
  EXPECT_EQ((*notices)[1].payer, kBeijing);
  EXPECT_EQ((*notices)[2].id, "adjustment-2027-440000-110000");

  // Payments: partial, then the rest; the prepayment in force moves only with them.
  clock_.Set(At("2027-02-03T10:00:00"));
  EXPECT_EQ(PositionOf(kHebei, kBeijing).prepayment.ToString(), "0.00");
  ASSERT_TRUE(Pay(up.id, kHebei, kBeijing, "100.00", "P1", "2027-02-03").ok());
  EXPECT_EQ(PositionOf(kHebei, kBeijing).prepayment.ToString(), "100.00");
  auto over = Pay(up.id, kHebei, kBeijing, "105.77", "P2", "2027-02-03");
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("overpayment: notice adjustment-2027-130000-110000 asks "
                                         "105.76 more"),
            std::string::npos)
      << over.status().message();
  auto wrong = Pay(up.id, kBeijing, kHebei, "1.00", "P3", "2027-02-03");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("wrong counterpart"), std::string::npos);
  auto reused = Pay(up.id, kHebei, kBeijing, "5.76", "P1", "2027-02-03");
  EXPECT_EQ(reused.status().code(), ErrorCode::kConflict);
  auto replay = Pay(up.id, kHebei, kBeijing, "100.00", "P1", "2027-02-03");
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  auto future = Pay(up.id, kHebei, kBeijing, "5.76", "P4", "2027-02-04");
  EXPECT_EQ(future.status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(Pay(up.id, kHebei, kBeijing, "105.76", "P5", "2027-02-03").ok());
  EXPECT_EQ(PositionOf(kHebei, kBeijing).prepayment.ToString(), "205.76");
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::PrepaymentAdvanced(kHebei, kBeijing))->ToString(),
            "205.76");
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::PrepaymentHeld(kBeijing, kHebei))->ToString(),
            "-205.76");
  // The refund of Shanghai's 50.00 brings its prepayment to the 100.00 target.
  ASSERT_TRUE(
      Pay("adjustment-2027-310000-110000", kBeijing, kShanghai, "50.00", "R1", "2027-02-03").ok());
  EXPECT_EQ(PositionOf(kShanghai, kBeijing).prepayment.ToString(), "100.00");
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::Bank(kShanghai))->ToString(), "-100.00");

  // Guangdong's refund is still open: due 28 February, 1 day overdue on 1 March.
  clock_.Set(At("2027-03-01T08:00:00"));
  auto items = prepayments_->Deadlines();
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].kind, DeadlineKind::kRefund);
  EXPECT_EQ((*items)[0].party, kBeijing);
  EXPECT_EQ((*items)[0].counterpart, kGuangdong);
  EXPECT_EQ((*items)[0].amount.ToString(), "30.00");
  EXPECT_EQ((*items)[0].due->ToString(), "2027-02-28");
  EXPECT_EQ((*items)[0].days_overdue, 1);
  EXPECT_EQ((*items)[0].reference, "adjustment-2027-440000-110000");
  auto guangdong = prepayments_->Deadlines(kGuangdong);
  ASSERT_TRUE(guangdong.ok());
  EXPECT_EQ(guangdong->size(), 1u);
  auto hebei = prepayments_->Deadlines(kHebei);
  ASSERT_TRUE(hebei.ok());
  EXPECT_TRUE(hebei->empty());
  ExpectAllVerified();
}

TEST_F(PrepaymentsTest, EmergencyTopUpRoundsUpAndRaisesThePrepayment) {
  config_.rules.topup_target_usage_hundredths = 3000;  // 30 %: makes the round-up visible
  OpeningPrepayment(kBeijing, kShanghai, "100.00");
  clock_.Set(At("2026-09-28T09:00:00"));  // Monday before the Mid-Autumn/National Day week
  Claim("S-1", kShanghai, kBeijing, "89.99", "2026-09-22");
  auto below = prepayments_->RequestTopUp(kBeijing, kShanghai, Actor::Province(310000, "unnamed"));
  ASSERT_FALSE(below.ok());
  EXPECT_EQ(below.status().code(), ErrorCode::kRefused);
  EXPECT_NE(below.status().message().find("below the red line (90.00%): usage 89.99%"),
            std::string::npos)
      << below.status().message();
  Claim("S-2", kShanghai, kBeijing, "0.02", "2026-09-22");
  // 90.01 / 0.30 = 300.0333… → round up 300.04; minus the prepayment 100.00: 200.04.
  auto notice = prepayments_->RequestTopUp(kBeijing, kShanghai, Actor::Province(310000, "unnamed"));
  ASSERT_TRUE(notice.ok()) << notice.status().ToString();
  EXPECT_EQ(notice->id, "topup-110000-310000-1");
  EXPECT_EQ(notice->amount.ToString(), "200.04");
  EXPECT_EQ(notice->payer, kBeijing);
  EXPECT_EQ(notice->payee, kShanghai);
  // 10 working days after Monday 28 September, across National Day and the adjusted Saturday
  // 10 October: Friday 16 October.
  EXPECT_EQ(notice->due->ToString(), "2026-10-16");
  // Only the treatment province (or the operator) asks; the check over all pairs is the
  // operator's.
  auto foreign =
      prepayments_->RequestTopUp(kBeijing, kShanghai, Actor::Province(110000, "unnamed"));
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("requested by the treatment province 310000 or the "
                                            "operator, not province:110000"),
            std::string::npos)
      << foreign.status().message();
  EXPECT_EQ(prepayments_->CheckTopUps(Actor::Province(310000, "unnamed")).status().code(),
            ErrorCode::kRefused);
  auto second = prepayments_->RequestTopUp(kBeijing, kShanghai, Actor::Operator("alice"));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("already has an unpaid top-up notice: "
                                           "topup-110000-310000-1 (200.04 unpaid)"),
            std::string::npos)
      << second.status().message();

  // The operator's check finds the same pair, and leaves it alone while its notice is open.
  auto check = prepayments_->CheckTopUps(Actor::Operator("alice"));
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->issued.empty());
  ASSERT_EQ(check->skipped.size(), 1u);
  EXPECT_EQ(check->skipped[0].first.treatment, kShanghai);

  clock_.Set(At("2026-10-19T09:00:00"));  // overdue by 3 days
  auto items = prepayments_->Deadlines(kBeijing);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].kind, DeadlineKind::kTopUp);
  EXPECT_EQ((*items)[0].days_overdue, 3);

  // Paying it raises the prepayment to 300.04 and clears the warning (30.00 %).
  ASSERT_TRUE(Pay(notice->id, kBeijing, kShanghai, "200.04", "T1", "2026-10-19").ok());
  const Position after = PositionOf(kBeijing, kShanghai);
  EXPECT_EQ(after.prepayment.ToString(), "300.04");
  EXPECT_EQ(after.warning, Warning::kNone);
  EXPECT_EQ(after.usage_percent, "30.00");
  EXPECT_TRUE(prepayments_->Deadlines()->empty());
  // Below red again: a new request is refused for that reason now.
  EXPECT_EQ(prepayments_->RequestTopUp(kBeijing, kShanghai, Actor::Province(310000, "unnamed"))
                .status()
                .code(),
            ErrorCode::kRefused);
  ExpectAllVerified();
}

TEST_F(PrepaymentsTest, TheOperatorsCheckIssuesATopUpForEveryRedPair) {
  clock_.Set(At("2026-03-05T09:00:00"));
  Claim("X-1", kHebei, kGuangdong, "10.00", "2026-03-02");  // no prepayment: red
  Claim("X-2", kShanghai, kBeijing, "1.00", "2026-03-02");  // no prepayment: red
  auto check = prepayments_->CheckTopUps(Actor::Operator("alice"));
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  ASSERT_EQ(check->issued.size(), 2u);
  EXPECT_EQ(check->issued[0].id, "topup-110000-310000-1");
  EXPECT_EQ(check->issued[0].amount.ToString(), "2.00");  // 1.00 / 0.50 − 0
  EXPECT_EQ(check->issued[1].id, "topup-440000-130000-1");
  EXPECT_EQ(check->issued[1].amount.ToString(), "20.00");
  ExpectAllVerified();
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

TEST_F(PrepaymentsTest, TheAnnualBaseNetsTheYearsReversalsAndIsNeverNegative) {
  const auto reverse = [&](const std::string& id, const std::string& original, uint32_t insured,
                           const char* fund, const char* settled_on) {
    auto report =
        declarations_->DeclareRows(kBeijing,
                                   {{id, std::to_string(kBeijing), std::to_string(insured),
                                     settled_on, "inpatient", fund, fund, original}},
                                   "province:110000", "test");
    ASSERT_TRUE(report.ok() && report->accepted)
        << (report.ok() && !report->errors.empty() ? report->errors[0].reason : "");
  };
  // Hebei → Beijing: claims 1000.00 + 300.00 in 2026, 300.00 reversed in 2026: base 1000.00.
  // Shanghai → Beijing: 600.00 in December 2025, reversed in March 2026: base −600.00 → 0.
  clock_.Set(At("2026-01-10T09:00:00"));
  Claim("S-1", kBeijing, kShanghai, "600.00", "2025-12-20");
  clock_.Set(At("2026-04-10T09:00:00"));
  Claim("A-1", kBeijing, kHebei, "1000.00", "2026-03-15");
  Claim("A-2", kBeijing, kHebei, "300.00", "2026-03-16");
  reverse("RA-2", "A-2", kHebei, "300.00", "2026-03-20");
  reverse("RS-1", "S-1", kShanghai, "600.00", "2026-03-21");
  clock_.Set(At("2027-01-25T10:00:00"));
  auto run = prepayments_->RunAdjustment(2027, "operator:alice");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->claim_count, 2u);  // claims of 2026; reversals are not claims
  for (const AdjustmentLine& line : run->lines) {
    if (line.insured == kHebei && line.treatment == kBeijing) {
      EXPECT_EQ(line.base.ToString(), "1000.00");
      EXPECT_EQ(line.target.ToString(), "166.67");  // 2 × 1000.00 / 12 = 166.666… → half-up
    }
    if (line.insured == kShanghai && line.treatment == kBeijing) {
      EXPECT_EQ(line.base.ToString(), "0.00");
      EXPECT_EQ(line.target.ToString(), "0.00");
    }
  }
}

}  // namespace
}  // namespace xclear
