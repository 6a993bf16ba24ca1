#include "xclear/ledger.h"

#include <gtest/gtest.h>

#include <fstream>

#include "../test_support.h"

namespace xclear {
namespace {

using testing_support::ClaimEntry;
using testing_support::Credit;
using testing_support::Debit;
using testing_support::PaymentEntry;
using testing_support::TempDir;

constexpr uint32_t kBeijing = 110000;
constexpr uint32_t kHebei = 130000;
constexpr uint32_t kShanghai = 310000;
constexpr uint32_t kHainan = 460000;

class LedgerTest : public testing::Test {
 protected:
  LedgerTest() : clock_(Instant::Parse("2026-10-15T09:00:00").value()) {}
  void SetUp() override { Open(true); }
  void Open(bool create) {
    ledger_.reset();
    LedgerOptions options;
    options.data_dir = dir_.path() / "ledger";
    options.create_if_missing = create;
    auto opened = OpenLedger(options, Participants::Default(), clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ledger_ = std::move(opened).value();
  }
  Money Balance(const AccountId& account, uint64_t sequence = UINT64_MAX) {
    auto balance = ledger_->Balance(account, sequence);
    EXPECT_TRUE(balance.ok()) << balance.status().ToString();
    return balance.ok() ? *balance : Money();
  }
  AppendResult Append(const EntryDraft& draft) {
    auto result = ledger_->AppendOne(draft);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : AppendResult{};
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(LedgerTest, RecordsABalancedClaimEntryInBothProvincesBooks) {
  const AppendResult result = Append(ClaimEntry(kBeijing, kHebei, 1'234'56, "claims-1"));
  EXPECT_EQ(result.sequence, 1u);
  EXPECT_FALSE(result.replayed);
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)).ToString(), "1234.56");
  EXPECT_EQ(Balance(AccountId::Bank(kBeijing)).ToString(), "-1234.56");
  EXPECT_EQ(Balance(AccountId::Expense(kHebei)).ToString(), "1234.56");
  EXPECT_EQ(Balance(AccountId::Payable(kHebei, kBeijing)).ToString(), "-1234.56");
  auto entry = ledger_->Entry(1);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->kind, EntryKind::kClaimsDeclared);
  EXPECT_EQ(entry->actor, "province:110000");
  EXPECT_EQ(entry->recorded_at, clock_.Now());
  EXPECT_EQ(entry->hash, ledger_->Head().hash);
}

TEST_F(LedgerTest, RefusesUnbalancedEntries) {
  EntryDraft draft = ClaimEntry(kBeijing, kHebei, 100, "");
  draft.postings[1].amount = Money::FromFen(99);
  auto result = ledger_->AppendOne(draft);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("does not balance"), std::string::npos);
  EXPECT_EQ(ledger_->Head().sequence, 0u);
}

TEST_F(LedgerTest, RefusesEntriesThatBalanceOverallButNotInEachProvincesBooks) {
  EntryDraft draft;
  draft.actor = "operator:test";
  draft.effective_date = Date::Parse("2026-10-15").value();
  draft.postings = {Debit(AccountId::Bank(kBeijing), 100), Credit(AccountId::Bank(kHebei), 100)};
  auto result = ledger_->AppendOne(draft);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("in the books of 110000"), std::string::npos);
}

TEST_F(LedgerTest, RefusesEntriesThatBreakTheMirrorInvariant) {
  EntryDraft draft;
  draft.kind = EntryKind::kClaimsDeclared;
  draft.actor = "operator:test";
  draft.effective_date = Date::Parse("2026-10-15").value();
  // Beijing books a receivable from Hebei, but Hebei books its payable towards Shanghai.
  draft.postings = {Debit(AccountId::Receivable(kBeijing, kHebei), 100),
                    Credit(AccountId::Bank(kBeijing), 100), Debit(AccountId::Expense(kHebei), 100),
                    Credit(AccountId::Payable(kHebei, kShanghai), 100)};
  auto result = ledger_->AppendOne(draft);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("mirror invariant"), std::string::npos);
}

TEST_F(LedgerTest, RefusesUnknownAccountsAndNonPositiveAmounts) {
  EntryDraft unknown = ClaimEntry(kBeijing, kHebei, 100, "");
  unknown.postings[0].account.counterpart = 710000;
  auto result = ledger_->AppendOne(unknown);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("710000 is not a configured participant"),
            std::string::npos);

  EntryDraft self = ClaimEntry(kBeijing, kHebei, 100, "");
  self.postings[0].account.counterpart = kBeijing;
  EXPECT_FALSE(ledger_->AppendOne(self).ok());

  EntryDraft zero = ClaimEntry(kBeijing, kHebei, 0, "");
  result = ledger_->AppendOne(zero);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("must be greater than 0"), std::string::npos);

  EntryDraft negative = ClaimEntry(kBeijing, kHebei, -100, "");
  EXPECT_FALSE(ledger_->AppendOne(negative).ok());

  EntryDraft single = ClaimEntry(kBeijing, kHebei, 100, "");
  single.postings.resize(1);
  result = ledger_->AppendOne(single);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("at least 2 postings"), std::string::npos);

  EntryDraft anonymous = ClaimEntry(kBeijing, kHebei, 100, "");
  anonymous.actor.clear();
  EXPECT_FALSE(ledger_->AppendOne(anonymous).ok());
  EXPECT_EQ(ledger_->Head().sequence, 0u);
}

TEST(AccountTest, TheNationalClearingAccountHoldsOnlyBankReceivableAndPayable) {
  const Participants& units = Participants::Default();
  EXPECT_TRUE(ValidateAccount(AccountId::Bank(kNationalClearingCode), units).ok());
  EXPECT_TRUE(ValidateAccount(AccountId::Receivable(kNationalClearingCode, 110000), units).ok());
  EXPECT_TRUE(ValidateAccount(AccountId::Payable(110000, kNationalClearingCode), units).ok());
  EXPECT_FALSE(ValidateAccount(AccountId::Expense(kNationalClearingCode), units).ok());
  EXPECT_FALSE(
      ValidateAccount(AccountId::PrepaymentHeld(kNationalClearingCode, 110000), units).ok());
  EXPECT_FALSE(
      ValidateAccount(AccountId::PrepaymentAdvanced(110000, kNationalClearingCode), units).ok());
  auto parsed = AccountId::Parse("100000:receivable:130000", units);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, AccountId::Receivable(kNationalClearingCode, 130000));
  EXPECT_FALSE(AccountId::Parse("100000:expense", units).ok());
  EXPECT_FALSE(AccountId::Parse("100001:bank", units).ok());
}

TEST_F(LedgerTest, ReplaysTheSameIdempotencyKeyAndContent) {
  const AppendResult first = Append(ClaimEntry(kBeijing, kHebei, 500, "batch-7"));
  clock_.Advance(60'000);
  const AppendResult again = Append(ClaimEntry(kBeijing, kHebei, 500, "batch-7"));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.sequence, first.sequence);
  EXPECT_EQ(again.hash, first.hash);
  EXPECT_EQ(ledger_->Head().sequence, 1u);
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)).ToString(), "5.00");
}

TEST_F(LedgerTest, RefusesTheSameIdempotencyKeyWithDifferentContent) {
  Append(ClaimEntry(kBeijing, kHebei, 500, "batch-7"));
  auto result = ledger_->AppendOne(ClaimEntry(kBeijing, kHebei, 501, "batch-7"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kConflict);
  EXPECT_NE(result.status().message().find("batch-7"), std::string::npos);
  // Inside one commit too, and then nothing of that commit is written.
  auto batch = ledger_->Append(
      {ClaimEntry(kBeijing, kHainan, 1, "k1"), ClaimEntry(kBeijing, kHainan, 2, "k1")});
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(ledger_->Head().sequence, 1u);
}

TEST_F(LedgerTest, ABatchIsAllOrNothing) {
  EntryDraft bad = ClaimEntry(kBeijing, kHainan, 100, "b3");
  bad.postings[3].amount = Money::FromFen(1);
  auto result = ledger_->Append(
      {ClaimEntry(kBeijing, kHebei, 100, "b1"), ClaimEntry(kShanghai, kHebei, 100, "b2"), bad});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("entry 3"), std::string::npos);
  EXPECT_EQ(ledger_->Head().sequence, 0u);
  EXPECT_TRUE(Balance(AccountId::Bank(kBeijing)).is_zero());
  auto ok = ledger_->Append(
      {ClaimEntry(kBeijing, kHebei, 100, "b1"), ClaimEntry(kShanghai, kHebei, 100, "b2")});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 2u);
  EXPECT_EQ(ledger_->Head().sequence, 2u);
}

TEST_F(LedgerTest, RefusesMoreEntriesThanTheWriteGroupAllows) {
  std::vector<EntryDraft> drafts(10'001, ClaimEntry(kBeijing, kHebei, 1, ""));
  auto result = ledger_->Append(drafts);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("write_group_entries_max"), std::string::npos);
}

TEST_F(LedgerTest, AnswersBalancesAsOfSequenceAndInstant) {
  Append(ClaimEntry(kBeijing, kHebei, 1000, "a"));  // seq 1 at 09:00
  clock_.Advance(3'600'000);
  Append(ClaimEntry(kBeijing, kHebei, 2000, "b"));  // seq 2 at 10:00
  clock_.Advance(3'600'000);
  Append(PaymentEntry(kHebei, kBeijing, 2500, "c"));  // seq 3 at 11:00
  const AccountId receivable = AccountId::Receivable(kBeijing, kHebei);
  EXPECT_EQ(Balance(receivable, 0).ToString(), "0.00");
  EXPECT_EQ(Balance(receivable, 1).ToString(), "10.00");
  EXPECT_EQ(Balance(receivable, 2).ToString(), "30.00");
  EXPECT_EQ(Balance(receivable, 3).ToString(), "5.00");
  EXPECT_EQ(Balance(AccountId::Bank(kHebei), 2).ToString(), "0.00");
  EXPECT_EQ(Balance(AccountId::Bank(kHebei), 3).ToString(), "-25.00");
  EXPECT_EQ(*ledger_->SequenceAt(Instant::Parse("2026-10-15T08:59:59.999").value()), 0u);
  EXPECT_EQ(*ledger_->SequenceAt(Instant::Parse("2026-10-15T09:00:00").value()), 1u);
  EXPECT_EQ(*ledger_->SequenceAt(Instant::Parse("2026-10-15T10:30:00").value()), 2u);
  EXPECT_EQ(*ledger_->SequenceAt(Instant::Parse("2026-10-16").value()), 3u);
}

TEST_F(LedgerTest, RecordedTimeNeverGoesBackwards) {
  Append(ClaimEntry(kBeijing, kHebei, 1000, "a"));
  const Instant first = ledger_->Head().recorded_at;
  clock_.Advance(-3'600'000);  // the system clock steps back an hour
  Append(ClaimEntry(kBeijing, kHebei, 1000, "b"));
  EXPECT_EQ(ledger_->Entry(2)->recorded_at, first);
}

TEST_F(LedgerTest, TrialBalanceSumsToZeroPerProvinceAndOverall) {
  Append(ClaimEntry(kBeijing, kHebei, 1000, "a"));
  Append(ClaimEntry(kShanghai, kHebei, 700, "b"));
  Append(ClaimEntry(kHainan, kBeijing, 333, "c"));
  Append(PaymentEntry(kHebei, kBeijing, 400, "d"));
  for (uint64_t sequence = 0; sequence <= 4; ++sequence) {
    auto trial = ledger_->TrialBalanceAt(sequence);
    ASSERT_TRUE(trial.ok());
    EXPECT_EQ(trial->as_of_sequence, sequence);
    EXPECT_TRUE(trial->total.is_zero());
    for (const auto& [province, total] : trial->province_totals) {
      EXPECT_TRUE(total.is_zero()) << province;
    }
  }
  auto at_two = ledger_->TrialBalanceAt(2);
  ASSERT_TRUE(at_two.ok());
  EXPECT_EQ(at_two->accounts.size(), 7u);  // Hainan's accounts did not exist yet
  EXPECT_EQ(at_two->as_of_hash, ledger_->Entry(2)->hash);
  auto now = ledger_->TrialBalanceAt(UINT64_MAX);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->as_of_sequence, 4u);
  EXPECT_EQ(now->accounts.size(), 12u);
}

// Balances after an entry below the head come three ways: walked back from the current
// balances (a few entries below the head), read from the history (further below) and kept once
// read (they never change). All three must say what a fresh process reads from the history,
// for accounts posted before and after, and for accounts opened after the sequence asked for.
TEST_F(LedgerTest, HistoricalBalancesAreTheSameWalkedBackReadOrKept) {
  for (int i = 0; i < 20; ++i) {
    Append(ClaimEntry(kBeijing, i % 2 ? kHebei : kShanghai, 100 + i, "k" + std::to_string(i)));
  }
  Append(ClaimEntry(kHainan, kBeijing, 333, "opens-hainan"));  // 21: new accounts
  Append(PaymentEntry(kHebei, kBeijing, 50, "pays"));          // 22
  const auto same = [](const TrialBalance& a, const TrialBalance& b) {
    if (a.as_of_sequence != b.as_of_sequence || a.accounts.size() != b.accounts.size())
      return false;
    for (size_t i = 0; i < a.accounts.size(); ++i) {
      if (a.accounts[i].account != b.accounts[i].account ||
          a.accounts[i].balance != b.accounts[i].balance)
        return false;
    }
    return true;
  };
  std::vector<TrialBalance> walked;  // every sequence is within 64 entries of the head
  for (uint64_t sequence = 0; sequence <= 22; ++sequence)
    walked.push_back(ledger_->TrialBalanceAt(sequence).value());
  EXPECT_EQ(walked[21].accounts.size(), walked[20].accounts.size() + 4);  // Hainan's books
  for (int i = 0; i < 70; ++i) Append(ClaimEntry(kShanghai, kHebei, 7, "far" + std::to_string(i)));
  for (int pass = 0; pass < 2; ++pass) {  // read from the history, then kept
    for (uint64_t sequence = 0; sequence <= 22; ++sequence) {
      EXPECT_TRUE(same(ledger_->TrialBalanceAt(sequence).value(), walked[sequence]))
          << "pass " << pass << " sequence " << sequence;
    }
  }
  Open(false);
  for (uint64_t sequence = 0; sequence <= 22; ++sequence) {
    EXPECT_TRUE(same(ledger_->TrialBalanceAt(sequence).value(), walked[sequence])) << sequence;
  }
}

TEST_F(LedgerTest, ReopeningGivesTheSameState) {
  Append(ClaimEntry(kBeijing, kHebei, 1000, "a"));
  Append(PaymentEntry(kHebei, kBeijing, 400, "b"));
  const LedgerHead head = ledger_->Head();
  auto before = ledger_->TrialBalanceAt(UINT64_MAX);
  Open(false);
  EXPECT_EQ(ledger_->Head().sequence, head.sequence);
  EXPECT_EQ(ledger_->Head().hash, head.hash);
  EXPECT_EQ(ledger_->Head().recorded_at, head.recorded_at);
  auto after = ledger_->TrialBalanceAt(UINT64_MAX);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->accounts.size(), before->accounts.size());
  for (size_t i = 0; i < after->accounts.size(); ++i) {
    EXPECT_EQ(after->accounts[i].account, before->accounts[i].account);
    EXPECT_EQ(after->accounts[i].balance, before->accounts[i].balance);
  }
  // The chain continues across the reopen, and idempotency survives it.
  EXPECT_TRUE(ledger_->AppendOne(ClaimEntry(kBeijing, kHebei, 1000, "a"))->replayed);
  Append(ClaimEntry(kBeijing, kHebei, 5, "c"));
  EXPECT_TRUE(ledger_->Verify()->ok);
}

TEST_F(LedgerTest, OpeningAMissingLedgerWithoutCreateFails) {
  LedgerOptions options;
  options.data_dir = dir_.path() / "nothing-here";
  auto opened = OpenLedger(options, Participants::Default(), clock_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kNotFound);
}

TEST_F(LedgerTest, CreatingALedgerInANonEmptyForeignDirectoryIsRefused) {
  std::filesystem::create_directories(dir_.path() / "foreign");
  std::ofstream(dir_.path() / "foreign" / "notes.txt") << "not a ledger";
  LedgerOptions options;
  options.data_dir = dir_.path() / "foreign";
  options.create_if_missing = true;
  auto opened = OpenLedger(options, Participants::Default(), clock_);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("not an xclear ledger"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "foreign" / "notes.txt"));
}

TEST_F(LedgerTest, ASecondOpenOfTheSameDirectoryIsRefused) {
  LedgerOptions options;
  options.data_dir = dir_.path() / "ledger";
  auto second = OpenLedger(options, Participants::Default(), clock_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(LedgerTest, CorrectionsAreReversingEntriesThatNameTheOriginal) {
  Append(testing_support::OwnBooksEntry(1000, "a"));
  auto reversal = ledger_->Reverse(1, "operator:alice", "fix-1", "posted twice",
                                   Date::Parse("2026-10-16").value());
  ASSERT_TRUE(reversal.ok()) << reversal.status().ToString();
  EXPECT_EQ(reversal->sequence, 2u);
  auto entry = ledger_->Entry(2);
  EXPECT_EQ(entry->kind, EntryKind::kReversal);
  EXPECT_EQ(entry->reverses_sequence, 1u);
  EXPECT_TRUE(Balance(AccountId::Expense(kBeijing)).is_zero());
  EXPECT_EQ(Balance(AccountId::Expense(kBeijing), 1).ToString(), "10.00");
  // Replaying the same reversal request is a no-op; a second, different one is refused.
  EXPECT_TRUE(
      ledger_
          ->Reverse(1, "operator:alice", "fix-1", "posted twice", Date::Parse("2026-10-16").value())
          ->replayed);
  auto twice =
      ledger_->Reverse(1, "operator:alice", "fix-2", "again", Date::Parse("2026-10-16").value());
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), ErrorCode::kRefused);
  EXPECT_FALSE(ledger_->Reverse(2, "operator:alice", "fix-3", "", Date()).ok());
  EXPECT_FALSE(ledger_->Reverse(9, "operator:alice", "fix-4", "", Date()).ok());
  // A hand-made "reversal" that does not negate the original is refused.
  EntryDraft fake = testing_support::OwnBooksEntry(1000, "fake");
  Append(testing_support::OwnBooksEntry(1000, "d"));
  fake.kind = EntryKind::kReversal;
  fake.reverses_sequence = 3;
  EXPECT_FALSE(ledger_->AppendOne(fake).ok());
  EXPECT_TRUE(ledger_->Verify()->ok);
}

TEST_F(LedgerTest, EntriesWithADomainRecordBehindThemAreNotReversedGenerically) {
  Append(ClaimEntry(kBeijing, kHebei, 1000, "claims"));
  Append(PaymentEntry(kHebei, kBeijing, 1000, "payment"));
  for (const uint64_t sequence : {1u, 2u}) {
    auto refused = ledger_->Reverse(sequence, "operator:alice", "undo-" + std::to_string(sequence),
                                    "", Date::Parse("2026-10-16").value());
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), ErrorCode::kRefused);
    EXPECT_NE(refused.status().message().find("a domain record stands behind it"),
              std::string::npos)
        << refused.status().message();
  }
  // The same through a hand-made reversal draft.
  EntryDraft undo = PaymentEntry(kHebei, kBeijing, 1000, "undo-payment");
  for (Posting& posting : undo.postings)
    posting.side = posting.side == Side::kDebit ? Side::kCredit : Side::kDebit;
  undo.kind = EntryKind::kReversal;
  undo.reverses_sequence = 2;
  EXPECT_EQ(ledger_->AppendOne(undo).status().code(), ErrorCode::kRefused);
  EXPECT_EQ(ledger_->Head().sequence, 2u);
  EXPECT_TRUE(ledger_->Verify()->ok);
}

TEST_F(LedgerTest, AManualEntryMayNotPostToAControlAccount) {
  // Issue 15: a balanced, mirrored manual entry that would move Tianjin's outstanding on Beijing.
  EntryDraft draft = ClaimEntry(120000, kBeijing, 100000, "manual-receivable");
  draft.kind = EntryKind::kManual;
  auto refused = ledger_->AppendOne(draft);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("120000:receivable:110000"), std::string::npos);
  EXPECT_NE(refused.status().message().find("control account"), std::string::npos);
  EntryDraft national = testing_support::OwnBooksEntry(100, "manual-national");
  national.postings = {Debit(AccountId::Bank(kNationalClearingCode), 100),
                       Credit(AccountId::Receivable(kNationalClearingCode, kBeijing), 100)};
  auto national_refused = ledger_->AppendOne(national);
  ASSERT_FALSE(national_refused.ok());
  EXPECT_NE(national_refused.status().message().find("of the national clearing account"),
            std::string::npos)
      << national_refused.status().message();
  EXPECT_TRUE(ledger_->AppendOne(testing_support::OwnBooksEntry(100, "manual-own-books")).ok());
  EXPECT_EQ(ledger_->Head().sequence, 1u);
}

TEST_F(LedgerTest, VerifyPassesOnAHealthyLedgerAndCountsWhatItChecked) {
  for (int i = 0; i < 50; ++i) {
    Append(ClaimEntry(kBeijing, i % 2 ? kHebei : kHainan, 100 + i, "k" + std::to_string(i)));
  }
  Append(PaymentEntry(kHebei, kBeijing, 500, "p"));
  auto report = ledger_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->entries_checked, 51u);
  EXPECT_EQ(report->postings_checked, 204u);
  EXPECT_EQ(report->accounts_checked, 8u);  // Beijing 3, Hebei 3, Hainan 2
}

TEST_F(LedgerTest, BalancesAtThe128BitEdgeOverflowIntoAnErrorNotAWrap) {
  const Fen max = std::numeric_limits<Fen>::max();
  EntryDraft huge = ClaimEntry(kBeijing, kHebei, 0, "");
  for (Posting& posting : huge.postings) posting.amount = Money::FromFen(max);
  Append(huge);
  auto overflow = ledger_->AppendOne(ClaimEntry(kBeijing, kHebei, 1, ""));
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.status().code(), ErrorCode::kOverflow);
  EXPECT_EQ(ledger_->Head().sequence, 1u);
  EXPECT_EQ(Balance(AccountId::Receivable(kBeijing, kHebei)).fen(), max);
}

}  // namespace
}  // namespace xclear
