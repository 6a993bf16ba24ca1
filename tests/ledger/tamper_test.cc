// Tamper evidence: a byte changed behind the ledger's back is found by verify, which names the
// entry. The test edits the stored records directly through RocksDB.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "../../ledger/codec.h"
#include "../raw_edit.h"
#include "../test_support.h"
#include "xclear/ledger.h"

namespace xclear {
namespace {

using testing_support::ClaimEntry;
using testing_support::PaymentEntry;
using testing_support::TempDir;

class TamperTest : public testing::Test {
 protected:
  TamperTest() : clock_(Instant::Parse("2026-10-15T09:00:00").value()) {}
  void SetUp() override {
    auto ledger = Open();
    for (int i = 1; i <= 10; ++i) {
      ASSERT_TRUE(
          ledger->AppendOne(ClaimEntry(110000, 130000, 100 * i, "k" + std::to_string(i))).ok());
    }
    ASSERT_TRUE(ledger->Verify()->ok);
  }
  std::unique_ptr<Ledger> Open() {
    LedgerOptions options;
    options.data_dir = dir_.path();
    options.create_if_missing = true;
    return OpenLedger(options, Participants::Default(), clock_).value();
  }
  void EditRaw(const std::string& family, const std::string& key,
               const std::function<void(std::string&)>& edit) {
    testing_support::EditRaw(dir_.path(), family, key, edit);
  }
  static std::string SequenceKey(uint64_t sequence) {
    std::string key(8, '\0');
    for (int i = 7; i >= 0; --i, sequence >>= 8) key[i] = static_cast<char>(sequence & 0xFF);
    return key;
  }
  VerifyReport VerifyNow() {
    auto report = Open()->Verify();
    EXPECT_TRUE(report.ok());
    return *report;
  }

  TempDir dir_;
  ManualClock clock_;
};

TEST_F(TamperTest, OneChangedByteInAnEntryIsNamedByVerify) {
  // The last byte of the body is the low byte of the last posting's amount.
  EditRaw("journal", SequenceKey(6), [](std::string& value) { value[value.size() - 33] ^= 0x01; });
  const VerifyReport report = VerifyNow();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_sequence, 6u);
  EXPECT_NE(report.reason.find("hash mismatch"), std::string::npos) << report.reason;
}

TEST_F(TamperTest, AChangedStoredHashIsNamedByVerify) {
  EditRaw("journal", SequenceKey(3), [](std::string& value) { value.back() ^= 0x80; });
  const VerifyReport report = VerifyNow();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_sequence, 3u);
}

TEST_F(TamperTest, AChangedBalanceHistoryRecordIsNamedByVerify) {
  // history key = account(owner 110000, receivable, 130000) ‖ sequence 4.
  std::string key;
  for (uint32_t value : {110000u}) {
    for (int shift = 24; shift >= 0; shift -= 8) key += static_cast<char>((value >> shift) & 0xFF);
  }
  key += static_cast<char>(2);
  for (int shift = 24; shift >= 0; shift -= 8) key += static_cast<char>((130000u >> shift) & 0xFF);
  key += SequenceKey(4);
  EditRaw("history", key, [](std::string& value) { value.back() ^= 0x01; });
  const VerifyReport report = VerifyNow();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_sequence, 4u);
  EXPECT_NE(report.reason.find("balance history"), std::string::npos) << report.reason;
}

TEST_F(TamperTest, ATruncatedEntryIsReportedAsMalformed) {
  EditRaw("journal", SequenceKey(2), [](std::string& value) { value.resize(40); });
  const VerifyReport report = VerifyNow();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_sequence, 2u);
}

TEST_F(TamperTest, AnIdempotencyRecordPointingElsewhereIsNamedByVerify) {
  EditRaw("idempotency", "k7", [](std::string& value) { value[7] = 8; });  // sequence 7 → 8
  const VerifyReport report = VerifyNow();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_sequence, 7u);
  EXPECT_NE(report.reason.find("idempotency"), std::string::npos) << report.reason;
}

TEST_F(TamperTest, AChangedCurrentBalanceIsFoundByVerify) {
  std::string key;
  for (int shift = 24; shift >= 0; shift -= 8) key += static_cast<char>((110000u >> shift) & 0xFF);
  key += static_cast<char>(1);  // bank
  key += std::string(4, '\0');
  EditRaw("balances", key, [](std::string& value) { value[16] ^= 0x01; });
  const VerifyReport report = VerifyNow();
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.reason.find("current balance of 110000:bank"), std::string::npos)
      << report.reason;
}

// Rewrites the last entry of the journal behind the ledger's back as `draft` (same sequence,
// same recorded time), with a hash that chains correctly: the hash chain cannot see it, only the
// ledger's own rules can.
void RewriteLastEntry(const std::filesystem::path& dir, uint64_t sequence,
                      const Digest& previous_hash, const EntryDraft& draft) {
  testing_support::EditRaw(
      dir, "journal", ledger_internal::SequenceKey(sequence), [&](std::string& value) {
        const JournalEntry stored = ledger_internal::DecodeEntry(value).value();
        Digest hash{};
        value = ledger_internal::ChainedValue(
            previous_hash, ledger_internal::EncodeEntryBody(draft, sequence, stored.recorded_at),
            hash);
      });
}

TEST_F(TamperTest, AGenericReversalOfAPaymentWrittenBehindTheLedgersBackIsNamedByVerify) {
  // Entry 11 is Hebei's payment to Beijing; entry 12 is rewritten into its generic reversal (the
  // state `xclear reverse` of a payment used to leave, with the payment record still standing).
  Digest payment_hash{};
  {
    auto ledger = Open();
    payment_hash = ledger->AppendOne(PaymentEntry(130000, 110000, 500, "payment")).value().hash;
    ASSERT_TRUE(ledger->AppendOne(testing_support::OwnBooksEntry(500, "placeholder")).ok());
  }
  EntryDraft reversal = PaymentEntry(130000, 110000, 500, "undo-payment");
  for (Posting& posting : reversal.postings)
    posting.side = posting.side == Side::kDebit ? Side::kCredit : Side::kDebit;
  reversal.kind = EntryKind::kReversal;
  reversal.reverses_sequence = 11;
  reversal.actor = "operator:test";
  RewriteLastEntry(dir_.path(), 12, payment_hash, reversal);
  const VerifyReport report = VerifyNow();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_sequence, 12u);
  EXPECT_NE(report.reason.find("entry 11 is a claim_payment entry: a domain record stands behind"),
            std::string::npos)
      << report.reason;
}

TEST_F(TamperTest, AManualEntryOnAControlAccountWrittenBehindTheLedgersBackIsNamedByVerify) {
  Digest last_hash{};
  {
    auto ledger = Open();
    last_hash = ledger->Head().hash;
    ASSERT_TRUE(ledger->AppendOne(testing_support::OwnBooksEntry(100000, "placeholder")).ok());
  }
  EntryDraft manual = ClaimEntry(120000, 110000, 100000, "manual-receivable");
  manual.kind = EntryKind::kManual;
  RewriteLastEntry(dir_.path(), 11, last_hash, manual);
  const VerifyReport report = VerifyNow();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_sequence, 11u);
  EXPECT_NE(report.reason.find("a manual entry may not post to a control account"),
            std::string::npos)
      << report.reason;
}

}  // namespace
}  // namespace xclear
