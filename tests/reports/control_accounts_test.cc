// The control accounts against their sub-ledgers: a payment entry with no payment record behind
// it (what a generic reversal or a hand-made entry leaves) is named with its pair and amount.
#include "xclear/control_accounts.h"

#include <gtest/gtest.h>

#include "../test_support.h"

namespace xclear {
namespace {

using testing_support::At;
using testing_support::PaymentEntry;
using testing_support::TempDir;

class ControlAccountsTest : public testing::Test {
 protected:
  ControlAccountsTest()
      : config_(DefaultConfig(XCLEAR_SOURCE_DIR "/config")), clock_(At("2026-10-10T09:00:00")) {}
  void SetUp() override {
    calendar_ = WorkingCalendar::LoadDirectory(config_.calendar_dir).value();
    LedgerOptions options;
    options.data_dir = dir_.path() / "ledger";
    options.create_if_missing = true;
    ledger_ = OpenLedger(options, config_.participants, clock_).value();
    declarations_ = std::make_unique<Declarations>(*ledger_, config_, clock_);
    settlement_ = std::make_unique<Settlement>(*ledger_, config_, calendar_, clock_);
    prepayments_ = std::make_unique<Prepayments>(*ledger_, config_, calendar_, clock_);
    auto report = declarations_->DeclareRows(
        110000,
        {{"C1", "110000", "130000", "2026-09-03", "inpatient", "120.00", "100.00"},
         {"C2", "110000", "310000", "2026-09-04", "pharmacy", "20.00", "20.00"}},
        "province:110000", "test");
    ASSERT_TRUE(report.ok() && report->accepted);
  }
  ControlAccountReport Reconcile() {
    auto report = ReconcileControlAccounts(*ledger_, *declarations_, *settlement_, *prepayments_);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : ControlAccountReport{};
  }

  TempDir dir_;
  Config config_;
  ManualClock clock_;
  WorkingCalendar calendar_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Declarations> declarations_;
  std::unique_ptr<Settlement> settlement_;
  std::unique_ptr<Prepayments> prepayments_;
};

TEST_F(ControlAccountsTest, DeclaredClaimsReconcile) {
  const ControlAccountReport report = Reconcile();
  EXPECT_TRUE(report.ok()) << report.differences.front();
  EXPECT_EQ(report.entries_checked, 1u);
  EXPECT_EQ(report.accounts_checked, 4u);  // 2 receivables, 2 payables
}

TEST_F(ControlAccountsTest, APaymentEntryWithoutItsRecordIsNamedWithPairAndDifference) {
  // Balanced, mirrored, accepted by the ledger: but no payment fact stands behind it, so the
  // settlement still shows 100.00 owed while the books say 5.00 of it is paid.
  ASSERT_TRUE(ledger_->AppendOne(PaymentEntry(130000, 110000, 500, "no-record")).ok());
  ASSERT_TRUE(ledger_->Verify()->ok);
  const ControlAccountReport report = Reconcile();
  ASSERT_EQ(report.differences.size(), 2u);
  EXPECT_EQ(report.differences[0],
            "pair insured 130000 → treatment 110000: 110000:receivable:130000 is -5.00 away from "
            "its sub-ledger (claims, payments, netting, prepayment payments): moved by entry 2 "
            "(claim_payment), which no domain record stands behind");
  EXPECT_NE(report.differences[1].find("130000:payable:110000 is 5.00 away"), std::string::npos)
      << report.differences[1];
  EXPECT_EQ(report.entries_checked, 2u);
}

}  // namespace
}  // namespace xclear
