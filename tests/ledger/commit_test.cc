// The general commit: entries, facts, table writes and table files made visible together.
#include <gtest/gtest.h>

#include "../test_support.h"
#include "xclear/ledger.h"

namespace xclear {
namespace {

using testing_support::ClaimEntry;
using testing_support::TempDir;

class CommitTest : public testing::Test {
 protected:
  CommitTest() : clock_(Instant::Parse("2026-10-15T09:00:00").value()) {}
  void SetUp() override { Open(); }
  void Open() {
    ledger_.reset();
    LedgerOptions options;
    options.data_dir = dir_.path();
    options.create_if_missing = true;
    ledger_ = OpenLedger(options, Participants::Default(), clock_).value();
  }
  static FactDraft Explanation(std::string reason) {
    return {FactKind::kLateExplanation, "explanation:110000:2026-09", "province:110000",
            std::move(reason)};
  }
  std::optional<std::string> Read(Table table, const std::string& key) {
    auto value = ledger_->Get(table, key);
    EXPECT_TRUE(value.ok());
    return value.ok() ? *value : std::nullopt;
  }
  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(CommitTest, FactsAreRecordedOnceReplayedAndRefusedWhenDifferent) {
  CommitRequest request;
  request.facts = {Explanation("system outage 3-5 October")};
  auto first = ledger_->Commit(request);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->facts[0].sequence, 1u);
  EXPECT_FALSE(first->facts[0].replayed);
  EXPECT_EQ(first->facts[0].recorded_at, clock_.Now());
  clock_.Advance(1000);
  auto again = ledger_->Commit(request);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->facts[0].replayed);
  EXPECT_EQ(again->facts[0].recorded_at, first->facts[0].recorded_at);
  request.facts = {Explanation("another reason")};
  auto conflict = ledger_->Commit(request);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), ErrorCode::kConflict);
  auto found = ledger_->FindFact("explanation:110000:2026-09");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->payload, "system outage 3-5 October");
  EXPECT_EQ((*found)->actor, "province:110000");
  int listed = 0;
  ASSERT_TRUE(ledger_
                  ->ForEachFact("explanation:110000:",
                                [&](const Fact&) {
                                  ++listed;
                                  return Status::Ok();
                                })
                  .ok());
  EXPECT_EQ(listed, 1);
  auto report = ledger_->Verify();
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->facts_checked, 1u);
}

TEST_F(CommitTest, TableWritesCommitWithTheEntryAndSeeItsSequence) {
  ASSERT_TRUE(ledger_->AppendOne(ClaimEntry(110000, 130000, 100, "a")).ok());
  CommitRequest request;
  request.entries = {ClaimEntry(110000, 130000, 200, "b")};
  request.writes = {{Table::kClaims, "claim-1", "one"}};
  request.complete = [](const std::vector<AppendResult>& entries, std::vector<TableWrite>& writes) {
    writes.push_back({Table::kDeclarations, "decl", std::to_string(entries[0].sequence)});
    return Status::Ok();
  };
  ASSERT_TRUE(ledger_->Commit(request).ok());
  EXPECT_EQ(Read(Table::kClaims, "claim-1"), "one");
  EXPECT_EQ(Read(Table::kDeclarations, "decl"), "2");
  // A replayed commit writes nothing, not even its table writes.
  request.writes = {{Table::kClaims, "claim-1", "changed"}};
  ASSERT_TRUE(ledger_->Commit(request).ok());
  EXPECT_EQ(Read(Table::kClaims, "claim-1"), "one");
}

TEST_F(CommitTest, AFailingCompletionWritesNothing) {
  CommitRequest request;
  request.entries = {ClaimEntry(110000, 130000, 200, "b")};
  request.writes = {{Table::kClaims, "claim-1", "one"}};
  request.complete = [](const std::vector<AppendResult>&, std::vector<TableWrite>&) {
    return Status::Refused("not today");
  };
  auto result = ledger_->Commit(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(ledger_->Head().sequence, 0u);
  EXPECT_FALSE(Read(Table::kClaims, "claim-1").has_value());
}

TEST_F(CommitTest, TableFilesAreIngestedAtomicallyWithTheEntriesAndFacts) {
  ASSERT_TRUE(ledger_->AppendOne(ClaimEntry(110000, 130000, 100, "a")).ok());
  // Two overlapping runs of the same table, as a large declaration produces them.
  std::vector<TableFile> files;
  for (int run = 0; run < 2; ++run) {
    auto writer = ledger_->NewTableFile(Table::kClaims);
    ASSERT_TRUE(writer.ok());
    for (int i = run; i < 1000; i += 2) {
      char key[16];
      std::snprintf(key, sizeof key, "c%05d", i);
      ASSERT_TRUE((*writer)->Put(key, "run" + std::to_string(run)).ok());
    }
    auto file = (*writer)->Finish();
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->records, 500u);
    files.push_back(*file);
  }
  auto cursor = ledger_->OpenTableFile(files[1]);
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ((*cursor)->key(), "c00001");
  CommitRequest request;
  request.entries = {ClaimEntry(110000, 130000, 200, "b")};
  request.facts = {Explanation("outage")};
  request.writes = {{Table::kDeclarations, "decl", "x"}};
  request.files = files;
  auto result = ledger_->Commit(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->entries[0].sequence, 2u);
  EXPECT_EQ(Read(Table::kClaims, "c00000"), "run0");
  EXPECT_EQ(Read(Table::kClaims, "c00999"), "run1");
  EXPECT_EQ(Read(Table::kDeclarations, "decl"), "x");
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::Receivable(110000, 130000))->fen(), 300);
  Open();  // everything survives a reopen, and the ledger verifies
  EXPECT_EQ(ledger_->Head().sequence, 2u);
  EXPECT_EQ(ledger_->CurrentBalance(AccountId::Receivable(110000, 130000))->fen(), 300);
  auto scan = ledger_->NewCursor(Table::kClaims, "c00100", "c00110");
  int scanned = 0;
  for (; scan->Valid(); scan->Next()) ++scanned;
  EXPECT_EQ(scanned, 10);
  std::vector<std::string> values;
  std::vector<bool> found;
  ASSERT_TRUE(ledger_->MultiGet(Table::kClaims, {"c00001", "nope", "c00998"}, values, found).ok());
  EXPECT_EQ(found, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(values[2], "run0");
  auto report = ledger_->Verify();
  EXPECT_TRUE(report->ok) << report->reason;
  ASSERT_TRUE(ledger_->AppendOne(ClaimEntry(110000, 130000, 1, "c")).ok());
  EXPECT_TRUE(ledger_->Verify()->ok);
}

TEST_F(CommitTest, AnEntryRefusedInAFileCommitLeavesTheFilesUningested) {
  auto writer = ledger_->NewTableFile(Table::kClaims);
  ASSERT_TRUE((*writer)->Put("c1", "x").ok());
  CommitRequest request;
  request.entries = {ClaimEntry(110000, 130000, 0, "zero")};  // invalid: zero amounts
  request.files = {(*writer)->Finish().value()};
  ASSERT_FALSE(ledger_->Commit(request).ok());
  EXPECT_FALSE(Read(Table::kClaims, "c1").has_value());
  EXPECT_EQ(ledger_->Head().sequence, 0u);
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

// A table whose ingested files overlap gains a sorted run per commit. Without background
// merging (the CLI), CompactTable merges them, and a commit merges them itself past 64.
TEST(TableRunsTest, OverlappingFilesAreMergedOnDemandAndPastTheBound) {
  TempDir dir;
  ManualClock clock(Instant::Parse("2026-10-15T09:00:00").value());
  LedgerOptions options;
  options.data_dir = dir.path();
  options.create_if_missing = true;
  options.background_compaction = false;
  auto ledger = OpenLedger(options, Participants::Default(), clock).value();
  const auto ingest = [&](int commit) {
    auto writer = ledger->NewTableFile(Table::kClaimIndex);
    ASSERT_TRUE(writer.ok());
    // Every file spans the same range, as every declaration's index file does.
    ASSERT_TRUE((*writer)->Put("a" + std::to_string(1000 + commit), "first").ok());
    ASSERT_TRUE((*writer)->Put("z" + std::to_string(1000 + commit), "last").ok());
    CommitRequest request;
    request.files = {(*writer)->Finish().value()};
    ASSERT_TRUE(ledger->Commit(request).ok());
  };
  for (int commit = 0; commit < 5; ++commit) ingest(commit);
  EXPECT_GE(ledger->TableRuns(Table::kClaimIndex).value(), 4u);
  ASSERT_TRUE(ledger->CompactTable(Table::kClaimIndex).ok());
  EXPECT_EQ(ledger->TableRuns(Table::kClaimIndex).value(), 1u);
  EXPECT_EQ(ledger->Get(Table::kClaimIndex, "a1002").value().value_or(""), "first");
  uint64_t most = 0;
  for (int commit = 5; commit < 80; ++commit) {
    ingest(commit);
    most = std::max(most, ledger->TableRuns(Table::kClaimIndex).value());
  }
  EXPECT_LE(most, 65u);  // 64 level-0 files and the merged run below them
  EXPECT_GE(most, 60u);  // and they did pile up: nothing merged them in the background
  EXPECT_EQ(ledger->Get(Table::kClaimIndex, "z1079").value().value_or(""), "last");
  EXPECT_EQ(ledger->Get(Table::kClaimIndex, "a1000").value().value_or(""), "first");
}

}  // namespace
}  // namespace xclear
