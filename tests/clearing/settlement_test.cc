// Confirmations, payments and deadlines on a hand-computed month, in both settlement modes.
//
// The month (service month 2026-09, three provinces):
//   Beijing (110000) treats Hebei 100.00 + 50.00 and Shanghai 30.00;
//   Shanghai (310000) treats Beijing 70.00 and Hebei 20.00;  Hebei (130000) treats Beijing 10.00.
// Pairs (insured pays treatment): BJ→HB 10.00, BJ→SH 70.00, HB→BJ 150.00, HB→SH 20.00,
// SH→BJ 30.00 (gross: 5 payments, 280.00). Nets: BJ +100.00, HB −160.00, SH +60.00 (net: HB pays
// 160.00 into the national clearing account, which pays BJ 100.00 and SH 60.00).
#include "xclear/settlement.h"

#include <gtest/gtest.h>

#include "../test_support.h"
#include "xclear/declarations.h"

namespace xclear {
namespace {

constexpr uint32_t kBeijing = 110000;
constexpr uint32_t kHebei = 130000;
constexpr uint32_t kShanghai = 310000;
constexpr uint32_t kGuangdong = 440000;
constexpr uint32_t kNational = kNationalClearingCode;
const YearMonth kAugust = YearMonth::Parse("2026-08").value();
const YearMonth kSeptember = YearMonth::Parse("2026-09").value();
const YearMonth kNovember = YearMonth::Parse("2026-11").value();

using testing_support::At;
using testing_support::Cny;
using testing_support::On;

class SettlementTest : public testing::Test {
 protected:
  SettlementTest()
      : config_(DefaultConfig(XCLEAR_SOURCE_DIR "/config")), clock_(At("2026-10-10T09:00:00")) {}
  void SetUp() override {
    calendar_ = WorkingCalendar::LoadDirectory(config_.calendar_dir).value();
    LedgerOptions options;
    options.data_dir = dir_.path() / "ledger";
    options.create_if_missing = true;
    ledger_ = OpenLedger(options, config_.participants, clock_).value();
    declarations_ = std::make_unique<Declarations>(*ledger_, config_, clock_);
    clearing_ = std::make_unique<Clearing>(*ledger_, config_, clock_);
    settlement_ = std::make_unique<Settlement>(*ledger_, config_, calendar_, clock_);
  }
  void UseNetSettlement() { config_.rules.settlement_mode = SettlementMode::kNet; }

  void Declare(uint32_t treatment, const std::vector<std::vector<std::string>>& rows) {
    auto report = declarations_->DeclareRows(treatment, rows,
                                             "province:" + std::to_string(treatment), "test");
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_TRUE(report->accepted) << (report->errors.empty() ? "" : report->errors[0].reason);
  }
  static std::vector<std::string> Claim(const std::string& id, uint32_t treatment, uint32_t insured,
                                        const std::string& fund,
                                        const std::string& date = "2026-09-10") {
    return {id, std::to_string(treatment), std::to_string(insured), date, "inpatient", fund, fund};
  }
  void DeclareTheMonth(const std::string& date = "2026-09-10") {
    Declare(kBeijing, {Claim("B-1", kBeijing, kHebei, "100.00", date),
                       Claim("B-2", kBeijing, kHebei, "50.00", date),
                       Claim("B-3", kBeijing, kShanghai, "30.00", date)});
    Declare(kShanghai, {Claim("S-1", kShanghai, kBeijing, "70.00", date),
                        Claim("S-2", kShanghai, kHebei, "20.00", date)});
    Declare(kHebei, {Claim("H-1", kHebei, kBeijing, "10.00", date)});
  }
  void ClearSeptember() {
    clock_.Set(At("2026-10-21T09:00:00"));  // a Wednesday, after the 20 October deadline
    auto statements = clearing_->Clear(kSeptember, "operator:alice");
    ASSERT_TRUE(statements.ok()) << statements.status().ToString();
    ASSERT_EQ(statements->size(), 1u);
  }
  Result<Payment> Pay(uint32_t payer, uint32_t payee, const char* amount, const char* serial,
                      const char* value_date, uint32_t round = 0,
                      const YearMonth& month = kSeptember) {
    PaymentDraft draft;
    draft.month = month;
    draft.round = round;
    draft.payer = payer;
    draft.payee = payee;
    draft.bank = "ICBC";
    draft.serial = serial;
    draft.value_date = On(value_date);
    draft.amount = Cny(amount);
    return settlement_->RecordPayment(draft, "province:" + std::to_string(payer));
  }
  void Confirm(uint32_t province, uint32_t round = 0, const YearMonth& month = kSeptember) {
    auto confirmation =
        settlement_->Confirm(month, round, province, "province:" + std::to_string(province));
    ASSERT_TRUE(confirmation.ok()) << confirmation.status().ToString();
  }
  std::string Balance(const AccountId& account) {
    return ledger_->CurrentBalance(account).value().ToString();
  }
  void ExpectAllVerified() {
    auto report = ledger_->Verify();
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << report->reason;
    auto settlement = settlement_->Verify();
    ASSERT_TRUE(settlement.ok()) << settlement.status().ToString();
    EXPECT_EQ(*settlement, "");
    auto claims = declarations_->Verify();
    ASSERT_TRUE(claims.ok());
    EXPECT_EQ(*claims, "");
  }
  std::vector<DeadlineItem> Deadlines(std::optional<uint32_t> province = {}) {
    auto items = settlement_->Deadlines(province);
    EXPECT_TRUE(items.ok()) << items.status().ToString();
    return items.ok() ? *items : std::vector<DeadlineItem>();
  }
  static const DeadlineItem* Find(const std::vector<DeadlineItem>& items, DeadlineKind kind,
                                  uint32_t party = 0, uint32_t counterpart = 0) {
    for (const DeadlineItem& item : items) {
      if (item.kind == kind && item.party == party && item.counterpart == counterpart) return &item;
    }
    return nullptr;
  }

  testing_support::TempDir dir_;
  Config config_;
  ManualClock clock_;
  WorkingCalendar calendar_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Declarations> declarations_;
  std::unique_ptr<Clearing> clearing_;
  std::unique_ptr<Settlement> settlement_;
};

TEST_F(SettlementTest, GrossModeFromStatementToSettledMonth) {
  DeclareTheMonth();
  ClearSeptember();
  // Right after issue: 3 confirmations due 5 working days after Wed 21 Oct = Wed 28 Oct; the
  // payments count from that date until confirmed (10 working days: Wed 11 Nov); the month is
  // due by 30 November (last day of M+2).
  auto items = Deadlines();
  ASSERT_EQ(items.size(), 3u + 5u + 1u);
  const DeadlineItem* confirm = Find(items, DeadlineKind::kConfirmation, kHebei);
  ASSERT_NE(confirm, nullptr);
  EXPECT_EQ(confirm->due->ToString(), "2026-10-28");
  EXPECT_EQ(confirm->days_overdue, -7);
  EXPECT_EQ(confirm->amount.ToString(), "170.00");  // Hebei's payable
  const DeadlineItem* payment = Find(items, DeadlineKind::kPayment, kHebei, kBeijing);
  ASSERT_NE(payment, nullptr);
  EXPECT_EQ(payment->due->ToString(), "2026-11-11");
  EXPECT_EQ(payment->amount.ToString(), "150.00");
  const DeadlineItem* month = Find(items, DeadlineKind::kMonth);
  ASSERT_NE(month, nullptr);
  EXPECT_EQ(month->due->ToString(), "2026-11-30");
  EXPECT_EQ(month->amount.ToString(), "280.00");

  // A payment before the payer's confirmation is refused.
  clock_.Set(At("2026-10-27T10:00:00"));
  auto early = Pay(kHebei, kBeijing, "150.00", "HB-1", "2026-10-27");
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.status().message().find("has not confirmed"), std::string::npos);

  // Hebei confirms on Tue 27 Oct: its payments are due 10 working days later, across the month
  // end: Tue 10 Nov.
  Confirm(kHebei);
  items = Deadlines(kHebei);
  payment = Find(items, DeadlineKind::kPayment, kHebei, kBeijing);
  ASSERT_NE(payment, nullptr);
  EXPECT_EQ(payment->due->ToString(), "2026-11-10");
  EXPECT_EQ(Find(items, DeadlineKind::kConfirmation, kHebei), nullptr);
  EXPECT_EQ(Find(items, DeadlineKind::kConfirmation, kBeijing), nullptr);  // not Hebei's item
  // Confirming again shows the first confirmation.
  auto again = settlement_->Confirm(kSeptember, 0, kHebei, "province:130000:bob");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->actor, "province:130000");

  // Partial payments add up; one fen beyond what is owed is refused.
  auto first = Pay(kHebei, kBeijing, "100.00", "HB-1", "2026-10-27");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->replayed);
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)), "50.00");
  EXPECT_EQ(Balance(AccountId::Payable(kHebei, kBeijing)), "-50.00");
  auto over = Pay(kHebei, kBeijing, "50.01", "HB-2", "2026-10-27");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), ErrorCode::kRefused);
  EXPECT_NE(over.status().message().find("overpayment"), std::string::npos);
  EXPECT_NE(over.status().message().find("50.00"), std::string::npos);
  // The wrong counterpart: Hebei owes Guangdong nothing.
  auto wrong = Pay(kHebei, kGuangdong, "5.00", "HB-3", "2026-10-27");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("wrong counterpart"), std::string::npos);
  // A serial number already used: the identical payment is a replay, anything else refused.
  auto replay = Pay(kHebei, kBeijing, "100.00", "HB-1", "2026-10-27");
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->entry_sequence, first->entry_sequence);
  auto duplicate = Pay(kHebei, kBeijing, "50.00", "HB-1", "2026-10-27");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().code(), ErrorCode::kConflict);
  EXPECT_NE(duplicate.status().message().find("HB-1"), std::string::npos);
  // Value dates: not in the future, not before the statement.
  EXPECT_FALSE(Pay(kHebei, kBeijing, "1.00", "HB-4", "2026-10-28").ok());
  EXPECT_FALSE(Pay(kHebei, kBeijing, "1.00", "HB-5", "2026-10-20").ok());
  ASSERT_TRUE(Pay(kHebei, kBeijing, "50.00", "HB-6", "2026-10-27").ok());
  ASSERT_TRUE(Pay(kHebei, kShanghai, "20.00", "HB-7", "2026-10-27").ok());

  clock_.Set(At("2026-11-02T10:00:00"));
  Confirm(kBeijing);
  Confirm(kShanghai);
  ASSERT_TRUE(Pay(kBeijing, kHebei, "10.00", "BJ-1", "2026-11-02").ok());
  ASSERT_TRUE(Pay(kBeijing, kShanghai, "70.00", "BJ-2", "2026-11-02").ok());
  auto status = settlement_->StatusOf(kSeptember);
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->settled);
  ASSERT_TRUE(Pay(kShanghai, kBeijing, "30.00", "SH-1", "2026-11-02").ok());
  status = settlement_->StatusOf(kSeptember);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->settled);
  EXPECT_EQ(status->settled_on->ToString(), "2026-11-02");
  EXPECT_TRUE(Deadlines().empty());

  // The ledger afterwards: every receivable and payable is settled; each bank account carries
  // what the province's fund spent on its own insured elsewhere (−expense).
  for (const uint32_t a : {kBeijing, kHebei, kShanghai}) {
    for (const uint32_t b : {kBeijing, kHebei, kShanghai}) {
      if (a == b) continue;
      EXPECT_EQ(Balance(AccountId::Receivable(a, b)), "0.00") << a << " " << b;
      EXPECT_EQ(Balance(AccountId::Payable(a, b)), "0.00") << a << " " << b;
    }
  }
  EXPECT_EQ(Balance(AccountId::Bank(kBeijing)), "-80.00");
  EXPECT_EQ(Balance(AccountId::Bank(kHebei)), "-170.00");
  EXPECT_EQ(Balance(AccountId::Bank(kShanghai)), "-30.00");
  EXPECT_EQ(Balance(AccountId::Expense(kHebei)), "170.00");
  auto payments = settlement_->Payments(kSeptember);
  ASSERT_TRUE(payments.ok());
  EXPECT_EQ(payments->size(), 6u);
  ExpectAllVerified();
}

TEST_F(SettlementTest, NetModeThroughTheNationalClearingAccount) {
  UseNetSettlement();
  DeclareTheMonth();
  ClearSeptember();
  // The netting entry moved every pair obligation to the national clearing account.
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)), "0.00");
  EXPECT_EQ(Balance(AccountId::Payable(kHebei, kBeijing)), "0.00");
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kNational)), "100.00");
  EXPECT_EQ(Balance(AccountId::Payable(kHebei, kNational)), "-160.00");
  EXPECT_EQ(Balance(AccountId::Receivable(kShanghai, kNational)), "60.00");
  EXPECT_EQ(Balance(AccountId::Receivable(kNational, kHebei)), "160.00");
  EXPECT_EQ(Balance(AccountId::Payable(kNational, kBeijing)), "-100.00");
  EXPECT_EQ(Balance(AccountId::Payable(kNational, kShanghai)), "-60.00");
  auto items = Deadlines();
  ASSERT_EQ(items.size(), 3u + 3u + 1u);
  ASSERT_NE(Find(items, DeadlineKind::kPayment, kHebei, kNational), nullptr);
  EXPECT_EQ(Find(items, DeadlineKind::kPayment, kHebei, kNational)->amount.ToString(), "160.00");
  EXPECT_EQ(Find(items, DeadlineKind::kConfirmation, kHebei)->amount.ToString(), "160.00");

  clock_.Set(At("2026-10-22T10:00:00"));
  Confirm(kBeijing);
  Confirm(kHebei);
  // Nothing can be paid out before the payer pays in.
  auto early = Pay(kNational, kBeijing, "100.00", "X-1", "2026-10-22");
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.status().message().find("before the payers pay in"), std::string::npos);
  // Province to province is the wrong counterpart in net mode.
  auto direct = Pay(kHebei, kBeijing, "150.00", "HB-1", "2026-10-22");
  ASSERT_FALSE(direct.ok());
  EXPECT_NE(direct.status().message().find("national clearing account"), std::string::npos);
  ASSERT_TRUE(Pay(kHebei, kNational, "160.00", "HB-2", "2026-10-22").ok());
  EXPECT_FALSE(Pay(kHebei, kNational, "0.01", "HB-3", "2026-10-22").ok());  // overpayment
  ASSERT_TRUE(Pay(kNational, kBeijing, "100.00", "X-2", "2026-10-22").ok());
  // Shanghai has not confirmed: its disbursement waits.
  auto unconfirmed = Pay(kNational, kShanghai, "60.00", "X-3", "2026-10-22");
  ASSERT_FALSE(unconfirmed.ok());
  EXPECT_NE(unconfirmed.status().message().find("310000 has not confirmed"), std::string::npos);
  Confirm(kShanghai);
  ASSERT_TRUE(Pay(kNational, kShanghai, "60.00", "X-3", "2026-10-22").ok());

  auto status = settlement_->StatusOf(kSeptember);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->settled);
  for (const uint32_t a : {kBeijing, kHebei, kShanghai, kNational}) {
    for (const uint32_t b : {kBeijing, kHebei, kShanghai, kNational}) {
      if (a == b) continue;
      EXPECT_EQ(Balance(AccountId::Receivable(a, b)), "0.00") << a << " " << b;
      EXPECT_EQ(Balance(AccountId::Payable(a, b)), "0.00") << a << " " << b;
    }
  }
  // The same bank positions as gross settlement, with 3 transfers instead of 5; the national
  // clearing account ends empty.
  EXPECT_EQ(Balance(AccountId::Bank(kBeijing)), "-80.00");
  EXPECT_EQ(Balance(AccountId::Bank(kHebei)), "-170.00");
  EXPECT_EQ(Balance(AccountId::Bank(kShanghai)), "-30.00");
  EXPECT_EQ(Balance(AccountId::Bank(kNational)), "0.00");
  ExpectAllVerified();
}

TEST_F(SettlementTest, DeadlinesAcrossTheNationalDayHolidayWeek) {
  // August is cleared on Mon 28 Sep. Five working days: Tue 29, Wed 30 Sep, (1–7 Oct National
  // Day), Thu 8, Fri 9, and Sat 10 Oct, an adjusted working day (调休) → due Sat 10 Oct.
  clock_.Set(At("2026-08-20T09:00:00"));
  Declare(kBeijing, {Claim("A-1", kBeijing, kHebei, "40.00", "2026-08-12")});
  clock_.Set(At("2026-09-28T09:00:00"));
  ASSERT_TRUE(clearing_->Clear(kAugust, "operator:alice").ok());
  auto items = Deadlines();
  const DeadlineItem* confirm = Find(items, DeadlineKind::kConfirmation, kHebei);
  ASSERT_NE(confirm, nullptr);
  EXPECT_EQ(confirm->due->ToString(), "2026-10-10");
  // Hebei confirms on Fri 9 Oct: ten working days from Sat 10 Oct (working) → Thu 22 Oct.
  clock_.Set(At("2026-10-09T16:00:00"));
  Confirm(kHebei, 0, kAugust);
  items = Deadlines();
  const DeadlineItem* payment = Find(items, DeadlineKind::kPayment, kHebei, kBeijing);
  ASSERT_NE(payment, nullptr);
  EXPECT_EQ(payment->due->ToString(), "2026-10-22");
  // Beijing's confirmation was due on the 10th: on Mon 12 Oct it is 2 days overdue.
  clock_.Set(At("2026-10-12T09:00:00"));
  items = Deadlines();
  confirm = Find(items, DeadlineKind::kConfirmation, kBeijing);
  ASSERT_NE(confirm, nullptr);
  EXPECT_EQ(confirm->days_overdue, 2);
}

TEST_F(SettlementTest, AMonthIsOverdueTheDayAfterTheLastDayOfMPlusTwo) {
  DeclareTheMonth();
  ClearSeptember();
  clock_.Set(At("2026-11-30T23:59:59.999"));
  const auto before = Deadlines();  // Find points into it
  const DeadlineItem* month = Find(before, DeadlineKind::kMonth);
  ASSERT_NE(month, nullptr);
  EXPECT_EQ(month->due->ToString(), "2026-11-30");
  EXPECT_EQ(month->days_overdue, 0);
  clock_.Set(At("2026-12-01T00:00:00"));
  const auto items = Deadlines();
  month = Find(items, DeadlineKind::kMonth);
  ASSERT_NE(month, nullptr);
  EXPECT_EQ(month->days_overdue, 1);
  // Overdue items sort first: the confirmations (due 28 Oct) are 34 days overdue.
  EXPECT_EQ(items.front().kind, DeadlineKind::kConfirmation);
  EXPECT_EQ(items.front().days_overdue, 34);
}

TEST_F(SettlementTest, AnUnclearedMonthWithClaimsIsOpen) {
  DeclareTheMonth();
  clock_.Set(At("2026-10-15T09:00:00"));
  const auto items = Deadlines();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].kind, DeadlineKind::kMonth);
  EXPECT_EQ(items[0].due->ToString(), "2026-11-30");
  EXPECT_NE(items[0].detail.find("not cleared yet"), std::string::npos);
}

TEST_F(SettlementTest, SupplementaryRoundHasItsOwnObligationsAndTheYearEndDeadline) {
  DeclareTheMonth();
  clock_.Set(At("2026-10-19T09:00:00"));
  ASSERT_TRUE(
      declarations_->FileExplanation(kShanghai, kSeptember, "system outage", "province:310000")
          .ok());
  ClearSeptember();
  clock_.Set(At("2026-10-22T09:00:00"));
  for (const uint32_t province : {kBeijing, kHebei, kShanghai}) Confirm(province);
  ASSERT_TRUE(Pay(kBeijing, kHebei, "10.00", "R0-1", "2026-10-22").ok());
  ASSERT_TRUE(Pay(kBeijing, kShanghai, "70.00", "R0-2", "2026-10-22").ok());
  ASSERT_TRUE(Pay(kHebei, kBeijing, "150.00", "R0-3", "2026-10-22").ok());
  ASSERT_TRUE(Pay(kHebei, kShanghai, "20.00", "R0-4", "2026-10-22").ok());
  ASSERT_TRUE(Pay(kShanghai, kBeijing, "30.00", "R0-5", "2026-10-22").ok());
  ASSERT_TRUE(settlement_->StatusOf(kSeptember)->settled);
  // A late claim arrives: the month is open again until a supplementary round settles it.
  Declare(kShanghai, {Claim("S-late", kShanghai, kGuangdong, "12.34")});
  auto items = Deadlines();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_NE(items[0].detail.find("supplementary"), std::string::npos);
  EXPECT_EQ(items[0].due->ToString(), "2027-03-31");
  auto statements = clearing_->Clear(kSeptember, "operator:alice");
  ASSERT_TRUE(statements.ok());
  ASSERT_EQ(statements->size(), 2u);
  items = Deadlines();
  const DeadlineItem* payment = Find(items, DeadlineKind::kPayment, kGuangdong, kShanghai);
  ASSERT_NE(payment, nullptr);
  EXPECT_EQ(payment->round, 1u);
  EXPECT_EQ(payment->amount.ToString(), "12.34");
  // Round 0 is settled, so the month answers to the year-end deadline.
  EXPECT_EQ(Find(items, DeadlineKind::kMonth)->due->ToString(), "2027-03-31");
  // Round 0 payments cannot settle round 1.
  Confirm(kGuangdong, 1);
  EXPECT_FALSE(Pay(kGuangdong, kShanghai, "12.34", "R1-0", "2026-10-22", 0).ok());
  ASSERT_TRUE(Pay(kGuangdong, kShanghai, "12.34", "R1-1", "2026-10-22", 1).ok());
  EXPECT_TRUE(settlement_->StatusOf(kSeptember)->settled);
  ExpectAllVerified();
}

TEST_F(SettlementTest, DueDatesInAYearWithoutACalendarAreReportedNotGuessed) {
  // November 2026 cleared on Mon 28 Dec: the fifth working day falls in 2027, whose calendar is
  // not configured.
  clock_.Set(At("2026-11-20T09:00:00"));
  Declare(kBeijing, {Claim("N-1", kBeijing, kHebei, "40.00", "2026-11-12")});
  clock_.Set(At("2026-12-28T09:00:00"));
  ASSERT_TRUE(clearing_->Clear(kNovember, "operator:alice").ok());
  const auto items = Deadlines();
  const DeadlineItem* confirm = Find(items, DeadlineKind::kConfirmation, kHebei);
  ASSERT_NE(confirm, nullptr);
  EXPECT_FALSE(confirm->due.has_value());
  EXPECT_NE(confirm->due_note.find("2027"), std::string::npos) << confirm->due_note;
  // The month's own deadline needs no working days: 31 January 2027.
  EXPECT_EQ(Find(items, DeadlineKind::kMonth)->due->ToString(), "2027-01-31");
}

TEST_F(SettlementTest, RefusesWhatDoesNotExistOrIsMalformed) {
  DeclareTheMonth();
  ClearSeptember();
  EXPECT_EQ(settlement_->Confirm(kSeptember, 1, kHebei, "x").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(settlement_->Confirm(kSeptember, 0, kGuangdong, "x").status().code(),
            ErrorCode::kRefused);
  EXPECT_EQ(settlement_->Confirm(kAugust, 0, kHebei, "x").status().code(), ErrorCode::kNotFound);
  Confirm(kHebei);
  EXPECT_EQ(Pay(kHebei, kBeijing, "0.00", "Z-1", "2026-10-21").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Pay(kHebei, kBeijing, "1.00", "bad serial", "2026-10-21").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Pay(kHebei, kBeijing, "1.00", "Z-2", "2026-10-21", 3).status().code(),
            ErrorCode::kNotFound);
  PaymentDraft draft;
  draft.month = kSeptember;
  draft.payer = kHebei;
  draft.payee = kBeijing;
  draft.bank = "A:B";
  draft.serial = "Z-3";
  draft.value_date = On("2026-10-21");
  draft.amount = Cny("1.00");
  EXPECT_EQ(settlement_->RecordPayment(draft, "x").status().code(), ErrorCode::kInvalidArgument);
  ExpectAllVerified();
}

TEST(PaymentJson, RoundTrips) {
  PaymentDraft draft;
  draft.month = kSeptember;
  draft.round = 2;
  draft.payer = kNational;
  draft.payee = kBeijing;
  draft.bank = "中国工商银行";
  draft.serial = "2026-X_1";
  draft.value_date = On("2026-10-22");
  draft.amount = Cny("123456789.01");
  const std::string json = PaymentToJson(draft);
  auto back = PaymentFromJson(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(PaymentToJson(*back), json);
  EXPECT_EQ(back->amount, draft.amount);
  EXPECT_FALSE(PaymentFromJson("{\"month\": 1}").ok());
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

TEST_F(SettlementTest, APaymentReturnedByTheBankOpensTheObligationAgain) {
  DeclareTheMonth();
  ClearSeptember();
  clock_.Set(At("2026-10-27T10:00:00"));
  Confirm(kHebei);
  ASSERT_TRUE(Pay(kHebei, kBeijing, "150.00", "HB-1", "2026-10-27").ok());
  // Hebei → Beijing 150.00 is paid in full; ICBC returns 40.00 of it (a wrong account line).
  clock_.Set(At("2026-10-29T10:00:00"));
  PaymentReturnDraft draft{"ICBC", "HB-1", "RT-1", On("2026-10-29"), Cny("40.00")};
  auto foreign = settlement_->RecordReturn(draft, Actor::Province(kShanghai, "clerk"));
  EXPECT_EQ(foreign.status().code(), ErrorCode::kNotFound);  // not its payment: as unknown
  auto payee = settlement_->RecordReturn(draft, Actor::Province(kBeijing, "clerk"));
  EXPECT_EQ(payee.status().code(), ErrorCode::kRefused);  // the payer records it, not the payee
  auto returned = settlement_->RecordReturn(draft, Actor::Province(kHebei, "clerk"));
  ASSERT_TRUE(returned.ok()) << returned.status().ToString();
  EXPECT_EQ(returned->payer, kHebei);
  EXPECT_EQ(returned->payee, kBeijing);
  EXPECT_FALSE(returned->replayed);
  EXPECT_EQ(ledger_->Entry(returned->entry_sequence)->kind, EntryKind::kPaymentReturned);
  // The books and the record move together: 40.00 owed again.
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)), "40.00");
  EXPECT_EQ(Balance(AccountId::Payable(kHebei, kBeijing)), "-40.00");
  const MonthStatus status = settlement_->StatusOf(kSeptember).value();
  const PaymentObligation* obligation = nullptr;
  for (const PaymentObligation& o : status.rounds[0].obligations) {
    if (o.payer == kHebei && o.payee == kBeijing) obligation = &o;
  }
  ASSERT_NE(obligation, nullptr);
  EXPECT_EQ(obligation->paid.ToString(), "110.00");
  EXPECT_EQ(obligation->remaining().ToString(), "40.00");
  EXPECT_FALSE(obligation->completed_on.has_value());
  // The identical return is a replay; the same return serial for anything else a conflict;
  // more than is left of the payment is refused; the payment serial cannot be reused.
  EXPECT_TRUE(settlement_->RecordReturn(draft, Actor::Operator("alice"))->replayed);
  PaymentReturnDraft other = draft;
  other.amount = Cny("1.00");
  EXPECT_EQ(settlement_->RecordReturn(other, Actor::Operator("alice")).status().code(),
            ErrorCode::kConflict);
  PaymentReturnDraft too_much{"ICBC", "HB-1", "RT-2", On("2026-10-29"), Cny("110.01")};
  auto refused = settlement_->RecordReturn(too_much, Actor::Operator("alice"));
  ASSERT_EQ(refused.status().code(), ErrorCode::kRefused);
  EXPECT_NE(refused.status().message().find("of which 40.00 is returned already"),
            std::string::npos)
      << refused.status().message();
  PaymentReturnDraft unknown{"ICBC", "NOPE", "RT-3", On("2026-10-29"), Cny("1.00")};
  EXPECT_EQ(settlement_->RecordReturn(unknown, Actor::Operator("alice")).status().code(),
            ErrorCode::kNotFound);
  // Hebei pays the 40.00 again (a new serial), and one fen more is an overpayment again.
  EXPECT_EQ(Pay(kHebei, kBeijing, "40.01", "HB-2", "2026-10-29").status().code(),
            ErrorCode::kRefused);
  ASSERT_TRUE(Pay(kHebei, kBeijing, "40.00", "HB-3", "2026-10-29").ok());
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)), "0.00");
  ExpectAllVerified();
  std::set<uint64_t> backed;
  ASSERT_TRUE(settlement_->CollectRecordedEntries(backed).ok());
  EXPECT_EQ(backed.count(returned->entry_sequence), 1u);
}

}  // namespace
}  // namespace xclear
