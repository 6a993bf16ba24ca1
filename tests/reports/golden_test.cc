// Golden files: every report of a small hand-computed ledger, in every format, compared byte for
// byte with tests/golden/. The ledger (clock fixed, so hashes and times are fixed too):
//   September 2026: Beijing treats Hebei's insured 100.00 + 50.00 and Shanghai's 30.00; Shanghai
//   treats Beijing's 70.00. Cleared on 21 October; Hebei confirms and pays Beijing 150.00 on
//   22 October; Beijing requests a top-up of Shanghai → Beijing (30.00 outstanding, no
//   prepayment: 60.00) on 23 October.
// Regenerate after a deliberate format change with XCLEAR_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "../test_support.h"
#include "xclear/declarations.h"
#include "xclear/prepayments.h"
#include "xclear/reports.h"

namespace xclear {
namespace {

const std::filesystem::path kGoldenDir = XCLEAR_SOURCE_DIR "/tests/golden";

using testing_support::At;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// One member of a zip archive, as `unzip -p` prints it.
std::string Unzip(const std::filesystem::path& archive, const std::string& member) {
  const std::string command = "unzip -p '" + archive.string() + "' '" + member + "'";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char chunk[4096];
  size_t read = 0;
  while ((read = std::fread(chunk, 1, sizeof(chunk), pipe)) > 0) out.append(chunk, read);
  ::pclose(pipe);
  return out;
}

class GoldenTest : public testing::Test {
 protected:
  GoldenTest()
      : config_(DefaultConfig(XCLEAR_SOURCE_DIR "/config")), clock_(At("2026-10-10T09:00:00")) {}
  void SetUp() override {
    calendar_ = WorkingCalendar::LoadDirectory(config_.calendar_dir).value();
    LedgerOptions options;
    options.data_dir = dir_.path() / "ledger";
    options.create_if_missing = true;
    ledger_ = OpenLedger(options, config_.participants, clock_).value();
    Declarations declarations(*ledger_, config_, clock_);
    const auto claim = [](const char* id, const char* treatment, const char* insured,
                          const char* category, const char* fund) {
      return std::vector<std::string>{id, treatment, insured, "2026-09-10", category, fund, fund};
    };
    ASSERT_TRUE(declarations
                    .DeclareRows(110000,
                                 {claim("B-1", "110000", "130000", "inpatient", "100.00"),
                                  claim("B-2", "110000", "130000", "outpatient", "50.00"),
                                  claim("B-3", "110000", "310000", "pharmacy", "30.00")},
                                 "province:110000", "golden.csv")
                    .ok());
    ASSERT_TRUE(declarations
                    .DeclareRows(310000, {claim("S-1", "310000", "110000", "chronic", "70.00")},
                                 "province:310000", "golden.csv")
                    .ok());
    clock_.Set(At("2026-10-21T09:00:00"));
    Clearing clearing(*ledger_, config_, clock_);
    ASSERT_TRUE(clearing.Clear(month_, "operator:alice").ok());
    clock_.Set(At("2026-10-22T09:00:00"));
    Settlement settlement(*ledger_, config_, calendar_, clock_);
    ASSERT_TRUE(settlement.Confirm(month_, 0, 130000, "province:130000").ok());
    PaymentDraft payment;
    payment.month = month_;
    payment.payer = 130000;
    payment.payee = 110000;
    payment.bank = "ICBC";
    payment.serial = "G1";
    payment.value_date = Date::Parse("2026-10-22").value();
    payment.amount = Money::Parse("150.00").value();
    ASSERT_TRUE(settlement.RecordPayment(payment, "province:130000").ok());
    clock_.Set(At("2026-10-23T09:00:00"));
    Prepayments prepayments(*ledger_, config_, calendar_, clock_);
    ASSERT_TRUE(prepayments.RequestTopUp(310000, 110000, Actor::Province(110000, "unnamed")).ok());
    clock_.Set(At("2026-10-26T09:00:00"));  // the reports' "now"
  }

  // Compares `actual` with tests/golden/`name`, or rewrites it when asked to.
  void ExpectGolden(const std::string& name, const std::string& actual) {
    const std::filesystem::path path = kGoldenDir / name;
    if (std::getenv("XCLEAR_UPDATE_GOLDEN") != nullptr) {
      std::filesystem::create_directories(kGoldenDir);
      std::ofstream(path, std::ios::binary) << actual;
      return;
    }
    ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing";
    EXPECT_EQ(actual, ReadFile(path)) << "report " << name << " differs from its golden file";
  }

  testing_support::TempDir dir_;
  Config config_;
  ManualClock clock_;
  WorkingCalendar calendar_;
  std::unique_ptr<Ledger> ledger_;
  const YearMonth month_ = YearMonth::Parse("2026-09").value();
};

TEST_F(GoldenTest, EveryReportInEveryFormat) {
  const Participants& participants = config_.participants;
  const std::vector<std::pair<ReportFormat, std::string>> formats = {
      {ReportFormat::kCsv, "csv"}, {ReportFormat::kJson, "json"}, {ReportFormat::kText, "txt"}};
  const LedgerHead head = ledger_->Head();

  Clearing clearing(*ledger_, config_, clock_);
  const auto statements = clearing.Statements(month_);
  ASSERT_TRUE(statements.ok());
  const auto trial = ledger_->TrialBalanceAt(head.sequence);
  ASSERT_TRUE(trial.ok());
  const auto provincial =
      BuildProvincialStatement(*ledger_, 110000, YearMonth::Parse("2026-10").value());
  ASSERT_TRUE(provincial.ok());
  Settlement settlement(*ledger_, config_, calendar_, clock_);
  Prepayments prepayments(*ledger_, config_, calendar_, clock_);
  auto deadlines = settlement.Deadlines();
  ASSERT_TRUE(deadlines.ok());
  auto notices = prepayments.Deadlines();
  ASSERT_TRUE(notices.ok());
  for (DeadlineItem& item : *notices) deadlines->push_back(std::move(item));
  FinishDeadlines(*deadlines, clock_.Now().CstDate());
  auto positions = prepayments.Positions(head.sequence, 110000);
  ASSERT_TRUE(positions.ok());
  auto preview = prepayments.PreviewAdjustment(2027);
  ASSERT_TRUE(preview.ok());
  // Only Beijing's pairs, to keep the golden file short.
  std::vector<AdjustmentLine> lines;
  for (const AdjustmentLine& line : preview->lines) {
    if (line.insured == 110000 || line.treatment == 110000) lines.push_back(line);
  }
  preview->lines = lines;

  for (const auto& [format, extension] : formats) {
    ExpectGolden("statement." + extension,
                 RenderStatements(*statements, participants, head, format));
    ExpectGolden("trial_balance." + extension, RenderTrialBalance(*trial, participants, format));
    ExpectGolden("provincial-110000." + extension,
                 RenderProvincialStatement(*provincial, participants, format));
    ExpectGolden("deadlines." + extension,
                 RenderDeadlines(*deadlines, clock_.Now(), head, participants, format));
    ExpectGolden("positions-110000." + extension,
                 RenderPositions(*positions, head.sequence, head.hash, participants, format));
    ExpectGolden("prepayment-2027." + extension,
                 RenderPrepaymentReport(*preview, false, *positions, {}, head.sequence, head.hash,
                                        participants, format));
  }
  std::string journal;
  ASSERT_TRUE(WriteHledgerJournal(*ledger_, 0, 0, [&journal](std::string_view chunk) {
                journal.append(chunk);
                return Status::Ok();
              }).ok());
  ExpectGolden("journal.hledger", journal);

  // XLSX: the sheet, its strings and styles as read back from the workbook.
  const std::filesystem::path workbook = dir_.path() / "statement.xlsx";
  ASSERT_TRUE(WriteCsvAsXlsx(RenderStatements(*statements, participants, head, ReportFormat::kCsv),
                             "statement 2026-09", workbook)
                  .ok());
  ExpectGolden("statement.xlsx.sheet1.xml", Unzip(workbook, "xl/worksheets/sheet1.xml"));
  ExpectGolden("statement.xlsx.sharedStrings.xml", Unzip(workbook, "xl/sharedStrings.xml"));
  ExpectGolden("statement.xlsx.styles.xml", Unzip(workbook, "xl/styles.xml"));
  ExpectGolden("statement.xlsx.core.xml", Unzip(workbook, "docProps/core.xml"));
}

}  // namespace
}  // namespace xclear
