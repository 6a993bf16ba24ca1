// Backup and restore: a backup taken while commits go on restores to a ledger that verifies and
// equals the source at the backup's sequence number; a damaged backup or an occupied target is
// refused and leaves nothing behind.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "../test_support.h"
#include "xclear/ledger.h"

namespace xclear {
namespace {

using testing_support::ClaimEntry;
using testing_support::PaymentEntry;
using testing_support::TempDir;

class BackupTest : public testing::Test {
 protected:
  BackupTest() : clock_(Instant::Parse("2026-10-15T09:00:00").value()) {
    ledger_ = Open(dir_.path() / "ledger", true).value();
  }
  Result<std::unique_ptr<Ledger>> Open(const std::filesystem::path& path, bool create = false) {
    return OpenLedger(Options(path, create), Participants::Default(), clock_);
  }
  static LedgerOptions Options(const std::filesystem::path& path, bool create = false) {
    LedgerOptions options;
    options.data_dir = path;
    options.create_if_missing = create;
    return options;
  }
  void AppendClaims(const std::string& prefix, int count) {
    for (int i = 0; i < count; ++i) {
      const uint32_t treatment = i % 2 == 0 ? 110000 : 310000;
      ASSERT_TRUE(
          ledger_
              ->AppendOne(ClaimEntry(treatment, 440000, 100 + i, prefix + "-" + std::to_string(i)))
              .ok());
    }
  }
  // The source and the restored ledger agree on every entry, balance and fact up to `sequence`.
  static void ExpectSameUpTo(const Ledger& source, const Ledger& restored, uint64_t sequence) {
    ASSERT_EQ(restored.Head().sequence, sequence);
    for (uint64_t s = 1; s <= sequence; ++s) {
      ASSERT_EQ(source.Entry(s).value().hash, restored.Entry(s).value().hash) << s;
    }
    const TrialBalance a = source.TrialBalanceAt(sequence).value();
    const TrialBalance b = restored.TrialBalanceAt(sequence).value();
    ASSERT_EQ(a.accounts.size(), b.accounts.size());
    for (size_t i = 0; i < a.accounts.size(); ++i) {
      EXPECT_EQ(a.accounts[i].account, b.accounts[i].account);
      EXPECT_EQ(a.accounts[i].balance, b.accounts[i].balance);
    }
    auto report = restored.Verify();
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << report->reason;
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(BackupTest, RestoresToTheSourceAtTheBackupsSequence) {
  AppendClaims("a", 20);
  CommitRequest fact;
  fact.facts = {
      {FactKind::kLateExplanation, "explanation:110000:2026-09", "province:110000", "outage"}};
  fact.writes = {{Table::kClaims, "claim-1", "record"}};
  ASSERT_TRUE(ledger_->Commit(fact).ok());
  auto backup = ledger_->Backup(dir_.path() / "backups");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  EXPECT_EQ(backup->head.sequence, 20u);
  EXPECT_EQ(backup->head.hash, ledger_->Head().hash);
  EXPECT_EQ(backup->facts, 1u);
  EXPECT_GT(backup->files, 0u);
  EXPECT_TRUE(std::filesystem::exists(backup->directory / "BACKUP-MANIFEST"));
  EXPECT_NE(backup->directory.filename().string().find("-seq20"), std::string::npos);

  AppendClaims("b", 5);  // the source moves on
  ASSERT_TRUE(ledger_->AppendOne(PaymentEntry(440000, 110000, 50, "pay")).ok());

  auto checked = CheckBackup(backup->directory);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(checked->head.sequence, 20u);
  const auto target = dir_.path() / "restored";
  auto restored_info =
      RestoreLedger(backup->directory, Options(target), Participants::Default(), clock_);
  ASSERT_TRUE(restored_info.ok()) << restored_info.status().ToString();
  EXPECT_EQ(restored_info->head.hash, backup->head.hash);
  auto restored = Open(target).value();
  ExpectSameUpTo(*ledger_, *restored, 20);
  EXPECT_TRUE(restored->FindFact("explanation:110000:2026-09").value().has_value());
  EXPECT_EQ(restored->Get(Table::kClaims, "claim-1").value().value_or(""), "record");
  // The restored ledger is a working ledger.
  ASSERT_TRUE(restored->AppendOne(ClaimEntry(110000, 440000, 7, "after-restore")).ok());
}

TEST_F(BackupTest, ABackupTakenDuringCommitsIsConsistent) {
  AppendClaims("warm", 10);
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      if (ledger_->AppendOne(ClaimEntry(320000, 110000, 10 + i, "live-" + std::to_string(i))).ok())
        ++appended;
    }
  });
  std::vector<BackupInfo> backups;
  for (int i = 0; i < 3; ++i) {
    auto backup = ledger_->Backup(dir_.path() / "backups");
    ASSERT_TRUE(backup.ok()) << backup.status().ToString();
    backups.push_back(*backup);
  }
  stop = true;
  writer.join();
  EXPECT_GT(appended.load(), 0);
  for (size_t i = 0; i < backups.size(); ++i) {
    const auto target = dir_.path() / ("restored-" + std::to_string(i));
    auto info =
        RestoreLedger(backups[i].directory, Options(target), Participants::Default(), clock_);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    auto restored = Open(target).value();
    EXPECT_EQ(restored->Head().hash, ledger_->Entry(backups[i].head.sequence).value().hash);
    ExpectSameUpTo(*ledger_, *restored, backups[i].head.sequence);
  }
}

TEST_F(BackupTest, ADamagedBackupOrAnOccupiedTargetIsRefusedAndLeavesNothing) {
  AppendClaims("a", 5);
  auto backup = ledger_->Backup(dir_.path() / "backups");
  ASSERT_TRUE(backup.ok());

  // Occupied target: refused before anything is copied.
  const auto occupied = dir_.path() / "occupied";
  std::filesystem::create_directories(occupied);
  std::ofstream(occupied / "keep") << "x";
  auto refused =
      RestoreLedger(backup->directory, Options(occupied), Participants::Default(), clock_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::exists(occupied / "keep"));

  // One flipped byte in one file: CheckBackup and RestoreLedger name the file.
  std::string victim;
  for (const auto& item : std::filesystem::directory_iterator(backup->directory)) {
    if (item.path().extension() == ".sst") victim = item.path().string();
  }
  ASSERT_FALSE(victim.empty());
  {
    std::fstream file(victim, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(10);
    file.put('\x5a');
  }
  const auto target = dir_.path() / "restored";
  auto damaged = RestoreLedger(backup->directory, Options(target), Participants::Default(), clock_);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(damaged.status().message().find(victim), std::string::npos)
      << damaged.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(target));
  for (const auto& item : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(item.path().filename().string().find(".restored.restoring"), std::string::npos);
  }

  // Not a backup at all.
  auto missing = CheckBackup(dir_.path() / "ledger");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace xclear
