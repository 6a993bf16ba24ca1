// Disk full on commit: the commit fails with a clear error, nothing of it is visible (now or after
// a restart), and the ledger takes commits again once space returns, without a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../test_support.h"
#include "failing_fs.h"
#include "xclear/ledger.h"

namespace xclear {
namespace {

using testing_support::ClaimEntry;
using testing_support::FillableEnv;
using testing_support::TempDir;

class StorageFailureTest : public testing::Test {
 protected:
  StorageFailureTest() : clock_(Instant::Parse("2026-10-15T09:00:00").value()) {}
  void SetUp() override { Open(); }
  void Open() {
    ledger_.reset();
    LedgerOptions options;
    options.data_dir = dir_.path();
    options.create_if_missing = true;
    options.env = disk_.env.get();
    auto opened = OpenLedger(options, Participants::Default(), clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ledger_ = std::move(opened.value());
  }
  void ExpectVerifies() {
    auto report = ledger_->Verify();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->ok) << report->reason;
  }
  Money Receivable() {
    return ledger_->CurrentBalance(AccountId::Receivable(110000, 120000)).value();
  }

  TempDir dir_;
  FillableEnv disk_;
  ManualClock clock_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(StorageFailureTest, AFullDiskFailsTheCommitCleanlyAndTheLedgerRecovers) {
  ASSERT_TRUE(ledger_->AppendOne(ClaimEntry(110000, 120000, 100, "before")).ok());
  const LedgerHead before = ledger_->Head();

  disk_.fs->SetFull(true);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto failed = ledger_->AppendOne(ClaimEntry(110000, 120000, 250, "during"));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.status().code(), ErrorCode::kIoError);
    EXPECT_NE(failed.status().message().find("nothing was recorded"), std::string::npos)
        << failed.status().ToString();
    EXPECT_NE(failed.status().message().find("space"), std::string::npos)
        << failed.status().ToString();
  }
  EXPECT_GT(disk_.fs->failures(), 0u);
  EXPECT_EQ(ledger_->Head().sequence, before.sequence);
  EXPECT_EQ(ledger_->Head().hash, before.hash);
  EXPECT_FALSE(ledger_->FindByIdempotencyKey("during").value().has_value());
  EXPECT_EQ(Receivable(), Money::FromFen(100));
  EXPECT_FALSE(ledger_->Entry(before.sequence + 1).ok());

  disk_.fs->SetFull(false);  // space returns: no restart needed
  Result<AppendResult> after = Status::Internal("not tried");
  for (int attempt = 0; attempt < 300; ++attempt) {  // the storage may be recovering: ≤ 15 s
    after = ledger_->AppendOne(ClaimEntry(110000, 120000, 250, "during"));
    if (after.ok()) break;
    EXPECT_EQ(after.status().code(), ErrorCode::kIoError);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_FALSE(after->replayed);
  EXPECT_EQ(after->sequence, before.sequence + 1);
  EXPECT_EQ(Receivable(), Money::FromFen(350));
  ExpectVerifies();

  Open();  // and after a restart exactly the acknowledged entries are there
  EXPECT_EQ(ledger_->Head().sequence, before.sequence + 1);
  EXPECT_EQ(Receivable(), Money::FromFen(350));
  ExpectVerifies();
}

TEST_F(StorageFailureTest, AFullDiskFailsALargeCommitWithFilesAndNothingOfItIsVisible) {
  ASSERT_TRUE(ledger_->AppendOne(ClaimEntry(110000, 120000, 100, "before")).ok());
  const auto commit_with_file = [&](const std::string& key) -> Result<CommitResult> {
    XCLEAR_ASSIGN_OR_RETURN(auto writer, ledger_->NewTableFile(Table::kDeclarations));
    for (int i = 0; i < 1000; ++i) {
      char record[32];
      std::snprintf(record, sizeof record, "%s-%06d", key.c_str(), i);
      XCLEAR_RETURN_IF_ERROR(writer->Put(record, "declared"));
    }
    XCLEAR_ASSIGN_OR_RETURN(TableFile file, writer->Finish());
    CommitRequest request;
    request.entries = {ClaimEntry(110000, 120000, 400, key)};
    request.files = {file};
    disk_.fs->SetFull(true);  // the disk fills between building the file and the commit
    auto result = ledger_->Commit(request);
    disk_.fs->SetFull(false);
    return result;
  };
  auto failed = commit_with_file("big");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::kIoError);
  EXPECT_NE(failed.status().message().find("nothing was recorded"), std::string::npos);
  EXPECT_EQ(ledger_->Head().sequence, 1u);
  EXPECT_FALSE(ledger_->Get(Table::kDeclarations, "big-000000").value().has_value());
  EXPECT_EQ(Receivable(), Money::FromFen(100));

  CommitRequest retry;
  retry.entries = {ClaimEntry(110000, 120000, 400, "big")};
  retry.writes = {{Table::kDeclarations, "big-000000", "declared"}};
  Result<CommitResult> after = Status::Internal("not tried");
  for (int attempt = 0; attempt < 300; ++attempt) {
    after = ledger_->Commit(retry);
    if (after.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(Receivable(), Money::FromFen(500));
  ExpectVerifies();
  Open();
  EXPECT_EQ(ledger_->Head().sequence, 2u);
  EXPECT_EQ(ledger_->Get(Table::kDeclarations, "big-000000").value().value_or(""), "declared");
  EXPECT_FALSE(ledger_->Get(Table::kDeclarations, "big-000001").value().has_value());
  ExpectVerifies();
}

}  // namespace
}  // namespace xclear
