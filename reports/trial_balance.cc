#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdio>
#include <map>
#include <sstream>

#include "xclear/journal_json.h"
#include "xclear/reports.h"

namespace xclear {
namespace {

struct Row {
  uint32_t province = 0;
  std::string account;  // empty for total rows
  std::string kind;
  uint32_t counterpart = 0;
  Money debit;
  Money credit;
};

std::string ProvinceName(const Participants& participants, uint32_t code) {
  const Participant* unit = participants.Find(code);
  return unit == nullptr ? std::string() : unit->name;
}

// Account rows grouped by province, each group closed by its total row, then the grand total.
std::vector<Row> BuildRows(const TrialBalance& trial) {
  std::vector<Row> rows;
  Row province_total;
  Row grand_total{0, "", "total", 0, Money(), Money()};
  const auto close_province = [&] {
    if (province_total.province != 0) rows.push_back(province_total);
  };
  for (const AccountBalance& line : trial.accounts) {
    if (line.account.owner != province_total.province) {
      close_province();
      province_total = Row{line.account.owner, "", "total", 0, Money(), Money()};
    }
    Row row{line.account.owner,
            line.account.ToString(),
            std::string(AccountKindName(line.account.kind)),
            line.account.counterpart,
            Money(),
            Money()};
    if (line.balance.is_negative()) {
      row.credit = -line.balance;
    } else {
      row.debit = line.balance;
    }
    province_total.debit += row.debit;
    province_total.credit += row.credit;
    grand_total.debit += row.debit;
    grand_total.credit += row.credit;
    rows.push_back(row);
  }
  close_province();
  rows.push_back(grand_total);
  return rows;
}

std::string RenderCsv(const TrialBalance& trial, const Participants& participants,
                      const std::vector<Row>& rows) {
  std::string out =
      "province_code,province_name,account,kind,counterpart_code,debit,credit,as_of_sequence,"
      "as_of_hash\r\n";
  const std::string as_of =
      std::to_string(trial.as_of_sequence) + "," + DigestToHex(trial.as_of_hash) + "\r\n";
  for (const Row& row : rows) {
    out += row.province == 0 ? "" : std::to_string(row.province);
    out += ',' + CsvField(ProvinceName(participants, row.province)) + ',' + CsvField(row.account);
    out += ',' + row.kind + ',' + (row.counterpart == 0 ? "" : std::to_string(row.counterpart));
    out += ',' + row.debit.ToString() + ',' + row.credit.ToString() + ',' + as_of;
  }
  return out;
}

std::string RenderText(const TrialBalance& trial, const std::vector<Row>& rows) {
  std::string out = "Trial balance as of entry " + std::to_string(trial.as_of_sequence) +
                    " (hash " + DigestToHex(trial.as_of_hash) + ")\n";
  char line[160];
  std::snprintf(line, sizeof line, "%-34s %22s %22s\n", "account", "debit", "credit");
  out += line;
  for (const Row& row : rows) {
    std::string label = row.account;
    if (label.empty())
      label = row.province == 0 ? "TOTAL" : "total " + std::to_string(row.province);
    std::snprintf(line, sizeof line, "%-34s %22s %22s\n", label.c_str(),
                  row.debit.ToString().c_str(), row.credit.ToString().c_str());
    out += line;
  }
  return out;
}

std::string RenderJson(const TrialBalance& trial, const Participants& participants,
                       const std::vector<Row>& rows) {
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  root->set("report", "trial_balance");
  root->set("as_of_sequence", static_cast<Poco::UInt64>(trial.as_of_sequence));
  root->set("as_of_hash", DigestToHex(trial.as_of_hash));
  Poco::JSON::Array::Ptr accounts = new Poco::JSON::Array();
  Poco::JSON::Array::Ptr provinces = new Poco::JSON::Array();
  for (const Row& row : rows) {
    if (row.province == 0) continue;
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("province_code", std::to_string(row.province));
    if (row.account.empty()) {
      item->set("province_name", ProvinceName(participants, row.province));
    } else {
      item->set("account", row.account);
    }
    item->set("debit", row.debit.ToString());
    item->set("credit", row.credit.ToString());
    (row.account.empty() ? provinces : accounts)->add(item);
  }
  root->set("accounts", accounts);
  root->set("provinces", provinces);
  root->set("total_debit", rows.back().debit.ToString());
  root->set("total_credit", rows.back().credit.ToString());
  return JsonToString(root, 2) + "\n";
}

}  // namespace

Result<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "text") return ReportFormat::kText;
  if (name == "csv") return ReportFormat::kCsv;
  if (name == "json") return ReportFormat::kJson;
  if (name == "xlsx") return ReportFormat::kXlsx;
  return Status::InvalidArgument("unknown report format \"" + std::string(name.substr(0, 20)) +
                                 "\" (text, csv, json or xlsx)");
}

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string RenderTrialBalance(const TrialBalance& trial, const Participants& participants,
                               ReportFormat format) {
  const std::vector<Row> rows = BuildRows(trial);
  switch (format) {
    case ReportFormat::kCsv:
    case ReportFormat::kXlsx:  // the workbook is made from the CSV form (WriteCsvAsXlsx)
      return RenderCsv(trial, participants, rows);
    case ReportFormat::kJson:
      return RenderJson(trial, participants, rows);
    case ReportFormat::kText:
      break;
  }
  return RenderText(trial, rows);
}

}  // namespace xclear
