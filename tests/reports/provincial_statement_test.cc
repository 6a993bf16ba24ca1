// The provincial reconciliation statement on a hand-computed ledger, and its mirror checks on a
// deliberately inconsistent fixture.
#include <gtest/gtest.h>

#include "../test_support.h"
#include "xclear/reports.h"

namespace xclear {
namespace {

constexpr uint32_t kBeijing = 110000;
constexpr uint32_t kHebei = 130000;
constexpr uint32_t kShanghai = 310000;

using testing_support::Cny;

class ProvincialStatementTest : public testing::Test {
 protected:
  ProvincialStatementTest() : clock_(Instant::Parse("2026-09-10T09:00:00").value()) {}
  void SetUp() override {
    LedgerOptions options;
    options.data_dir = dir_.path() / "ledger";
    options.create_if_missing = true;
    ledger_ = OpenLedger(options, Participants::Default(), clock_).value();
  }
  // I's insured treated in T for `amount` (T pays; I owes T), or I paying T `amount`.
  void Claims(uint32_t treatment, uint32_t insured, const char* amount) {
    Post(EntryKind::kClaimsDeclared,
         {{AccountId::Receivable(treatment, insured), Side::kDebit},
          {AccountId::Bank(treatment), Side::kCredit},
          {AccountId::Expense(insured), Side::kDebit},
          {AccountId::Payable(insured, treatment), Side::kCredit}},
         amount);
  }
  void Payment(uint32_t insured, uint32_t treatment, const char* amount) {
    Post(EntryKind::kClaimPayment,
         {{AccountId::Payable(insured, treatment), Side::kDebit},
          {AccountId::Bank(insured), Side::kCredit},
          {AccountId::Bank(treatment), Side::kDebit},
          {AccountId::Receivable(treatment, insured), Side::kCredit}},
         amount);
  }
  void Post(EntryKind kind, const std::vector<std::pair<AccountId, Side>>& legs,
            const char* amount) {
    EntryDraft entry;
    entry.kind = kind;
    entry.effective_date = clock_.Now().CstDate();
    entry.actor = "test";
    for (const auto& [account, side] : legs) entry.postings.push_back({account, side, Cny(amount)});
    ASSERT_TRUE(ledger_->AppendOne(entry).ok());
  }

  testing_support::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(ProvincialStatementTest, OpeningPlusMovementsIsClosingAndTheMirrorsAgree) {
  Claims(kBeijing, kHebei, "150.00");  // September: Beijing treats Hebei's insured
  clock_.Set(Instant::Parse("2026-10-05T09:00:00").value());
  Payment(kHebei, kBeijing, "100.00");  // October: Hebei pays 100.00 and then 20.00
  Claims(kShanghai, kBeijing, "7.50");  // October: Shanghai treats Beijing's insured
  clock_.Set(Instant::Parse("2026-10-31T23:59:59.999").value());
  Payment(kHebei, kBeijing, "20.00");
  clock_.Set(Instant::Parse("2026-11-01T00:00:00").value());
  Payment(kHebei, kBeijing, "30.00");  // November: not in October's statement

  auto statement =
      BuildProvincialStatement(*ledger_, kBeijing, YearMonth::Parse("2026-10").value());
  ASSERT_TRUE(statement.ok()) << statement.status().ToString();
  EXPECT_EQ(statement->opening_sequence, 1u);
  EXPECT_EQ(statement->closing_sequence, 4u);
  EXPECT_TRUE(statement->books_balance);
  EXPECT_TRUE(statement->all_add_up);
  EXPECT_TRUE(statement->all_agree);
  const auto find = [&](const AccountId& id) -> const ProvincialAccount* {
    for (const ProvincialAccount& account : statement->accounts) {
      if (account.account == id) return &account;
    }
    return nullptr;
  };
  const ProvincialAccount* receivable = find(AccountId::Receivable(kBeijing, kHebei));
  ASSERT_NE(receivable, nullptr);
  EXPECT_EQ(receivable->opening.ToString(), "150.00");
  ASSERT_EQ(receivable->movements.size(), 1u);
  EXPECT_EQ(receivable->movements[0].kind, EntryKind::kClaimPayment);
  EXPECT_EQ(receivable->movements[0].entries, 2u);
  EXPECT_EQ(receivable->movements[0].credit.ToString(), "120.00");
  EXPECT_EQ(receivable->closing.ToString(), "30.00");
  const ProvincialAccount* bank = find(AccountId::Bank(kBeijing));
  ASSERT_NE(bank, nullptr);
  EXPECT_EQ(bank->opening.ToString(), "-150.00");
  EXPECT_EQ(bank->closing.ToString(), "-30.00");
  const ProvincialAccount* expense = find(AccountId::Expense(kBeijing));
  ASSERT_NE(expense, nullptr);
  EXPECT_EQ(expense->opening.ToString(), "0.00");
  EXPECT_EQ(expense->closing.ToString(), "7.50");

  const std::string csv =
      RenderProvincialStatement(*statement, Participants::Default(), ReportFormat::kCsv);
  const std::string hash = DigestToHex(statement->closing_hash);
  EXPECT_NE(csv.find("movement,110000:receivable:130000,claim_payment,2,,0.00,120.00,,,,,110000,"
                     "2026-10,1,4," +
                     hash + "\r\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("account,110000:receivable:130000,,2,150.00,0.00,120.00,30.00,ok,,,110000,"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("mirror,110000:receivable:130000,,,,,,30.00,ok,130000:payable:110000,-30.00,"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("total,北京市,,,,,,,ok,,,110000,"), std::string::npos) << csv;
  // Deterministic: the same ledger gives the same bytes.
  auto again = BuildProvincialStatement(*ledger_, kBeijing, YearMonth::Parse("2026-10").value());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(RenderProvincialStatement(*again, Participants::Default(), ReportFormat::kCsv), csv);
}

// The ledger cannot hold books that disagree (every entry moves both mirrors), so the mirror
// check is shown on balances as another system might report them.
TEST(MirrorCheck, AnInconsistentFixtureIsReported) {
  const std::map<AccountId, Money> balances = {
      {AccountId::Receivable(kBeijing, kHebei), Cny("100.00")},
      {AccountId::Payable(kHebei, kBeijing), Cny("-90.00")},  // Hebei books 10.00 less
      {AccountId::Payable(kBeijing, kShanghai), Cny("-5.00")},
      {AccountId::Receivable(kShanghai, kBeijing), Cny("5.00")},
      {AccountId::PrepaymentHeld(kBeijing, kHebei), Cny("-40.00")},  // Hebei's side is missing
      {AccountId::Bank(kBeijing), Cny("-55.00")},
  };
  const std::vector<MirrorCheck> checks = CheckMirrors(kBeijing, balances);
  ASSERT_EQ(checks.size(), 3u);
  for (const MirrorCheck& check : checks) {
    if (check.own == AccountId::Receivable(kBeijing, kHebei)) {
      EXPECT_FALSE(check.agrees);
      EXPECT_EQ(check.mirror, AccountId::Payable(kHebei, kBeijing));
      EXPECT_EQ(check.mirror_balance.ToString(), "-90.00");
    } else if (check.own == AccountId::Payable(kBeijing, kShanghai)) {
      EXPECT_TRUE(check.agrees);
    } else {
      EXPECT_EQ(check.own, AccountId::PrepaymentHeld(kBeijing, kHebei));
      EXPECT_EQ(check.mirror, AccountId::PrepaymentAdvanced(kHebei, kBeijing));
      EXPECT_TRUE(check.mirror_balance.is_zero());
      EXPECT_FALSE(check.agrees);
    }
  }
  ProvincialStatement statement;
  statement.province = kBeijing;
  statement.month = YearMonth::Parse("2026-10").value();
  statement.mirrors = checks;
  statement.books_balance = true;
  statement.all_add_up = true;
  statement.all_agree = false;
  const std::string csv =
      RenderProvincialStatement(statement, Participants::Default(), ReportFormat::kCsv);
  EXPECT_NE(csv.find("mirror,110000:receivable:130000,,,,,,100.00,MISMATCH,130000:payable:110000,"
                     "-90.00,"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("total,北京市,,,,,,,MISMATCH,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace xclear
