// XLSX workbooks from the reports' CSV form, with libxlsxwriter (see reports.h).
#include <xlsxwriter.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>
#include <vector>

#include "xclear/csv_reader.h"
#include "xclear/reports.h"

namespace xclear {
namespace {

// 2000-01-01T00:00:00Z: the fixed creation time that makes the workbook's bytes depend only on
// its content (libxlsxwriter stamps the current time when none is given).
constexpr time_t kFixedCreated = 946'684'800;
constexpr double kWidthMax = 60;

enum class ColumnType { kText, kMoney, kInteger };

bool IsMoney(std::string_view text) {
  size_t at = text.size() > 0 && text[0] == '-' ? 1 : 0;
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == at || text.size() - dot != 3) return false;
  for (size_t i = at; i < text.size(); ++i) {
    if (i != dot && (text[i] < '0' || text[i] > '9')) return false;
  }
  return dot - at <= 15;  // within a double's exact integer digits
}

bool IsInteger(std::string_view text) {
  size_t at = text.size() > 0 && text[0] == '-' ? 1 : 0;
  if (text.size() == at || text.size() - at > 15) return false;
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(at), text.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// Counts (not codes, which stay text): by the header's name.
bool IsCountHeader(std::string_view header) {
  static const std::set<std::string_view> kCounts = {
      "claim_count",      "entries",       "payments",        "round",
      "days_overdue",     "item_count",    "as_of_sequence",  "opening_sequence",
      "closing_sequence", "number",        "inpatient_count", "outpatient_count",
      "chronic_count",    "pharmacy_count"};
  return kCounts.count(header) > 0 || header.ends_with("_count");
}

// Display width: CJK characters (3-byte UTF-8 sequences here) take two columns.
double DisplayWidth(std::string_view text) {
  double width = 0;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    width += length >= 3 ? 2 : 1;
    i += length;
  }
  return width;
}

std::string SheetName(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (std::string_view("[]:*?/\\").find(c) == std::string_view::npos) out += c;
  }
  return out.substr(0, 31);
}

}  // namespace

Status WriteCsvAsXlsx(std::string_view csv, std::string_view sheet_name,
                      const std::filesystem::path& out) {
  std::vector<std::vector<std::string>> rows;
  {
    auto reader = CsvReader::FromString(csv);
    std::vector<std::string_view> fields;
    while (reader->Next(fields)) rows.emplace_back(fields.begin(), fields.end());
    XCLEAR_RETURN_IF_ERROR(reader->status());
  }
  if (rows.empty()) return Status::InvalidArgument("an XLSX report needs at least a header row");
  const size_t columns = rows[0].size();
  std::vector<ColumnType> types(columns, ColumnType::kText);
  std::vector<double> widths(columns, 8);
  for (size_t c = 0; c < columns; ++c) {
    bool money = true, integer = IsCountHeader(rows[0][c]), any = false;
    for (size_t r = 1; r < rows.size(); ++r) {
      if (c >= rows[r].size() || rows[r][c].empty()) continue;
      any = true;
      money = money && IsMoney(rows[r][c]);
      integer = integer && IsInteger(rows[r][c]);
    }
    types[c] = any && money     ? ColumnType::kMoney
               : any && integer ? ColumnType::kInteger
                                : ColumnType::kText;
    for (const auto& row : rows) {
      if (c < row.size()) widths[c] = std::max(widths[c], DisplayWidth(row[c]) + 2);
    }
    widths[c] = std::min(widths[c], kWidthMax);
  }

  // Written next to the target and renamed, so the file appears whole or not at all.
  const std::filesystem::path partial = out.string() + ".partial";
  lxw_workbook_options options{};
  lxw_workbook* workbook = workbook_new_opt(partial.c_str(), &options);
  if (workbook == nullptr) return Status::IoError("cannot create " + partial.string());
  std::string title(sheet_name);
  lxw_doc_properties properties{};
  properties.title = title.data();
  properties.author = const_cast<char*>("xclear");
  properties.created = kFixedCreated;
  workbook_set_properties(workbook, &properties);
  const std::string name = SheetName(sheet_name);
  lxw_worksheet* sheet = workbook_add_worksheet(workbook, name.empty() ? nullptr : name.c_str());
  lxw_format* header = workbook_add_format(workbook);
  format_set_bold(header);
  format_set_bottom(header, LXW_BORDER_THIN);
  lxw_format* money = workbook_add_format(workbook);
  format_set_num_format(money, "0.00");
  lxw_format* total_text = workbook_add_format(workbook);
  format_set_bold(total_text);
  lxw_format* total_money = workbook_add_format(workbook);
  format_set_bold(total_money);
  format_set_num_format(total_money, "0.00");

  lxw_error error = LXW_NO_ERROR;
  const auto check = [&error](lxw_error result) {
    if (error == LXW_NO_ERROR) error = result;
  };
  for (size_t c = 0; c < columns; ++c) {
    check(worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                               widths[c], nullptr));
  }
  worksheet_freeze_panes(sheet, 1, 0);
  for (size_t r = 0; r < rows.size(); ++r) {
    // Total and control rows (marked in one of the first columns) stand out.
    bool total = false;
    for (size_t c = 0; r > 0 && c < rows[r].size() && c < 4; ++c) {
      total = total || rows[r][c] == "total" || rows[r][c] == "control";
    }
    for (size_t c = 0; c < rows[r].size() && c < columns; ++c) {
      const std::string& value = rows[r][c];
      const auto row = static_cast<lxw_row_t>(r);
      const auto col = static_cast<lxw_col_t>(c);
      if (r == 0) {
        check(worksheet_write_string(sheet, row, col, value.c_str(), header));
      } else if (value.empty()) {
        continue;
      } else if (types[c] == ColumnType::kMoney && IsMoney(value)) {
        // A numeric cell is an IEEE double by the XLSX format: the nearest one to the exact
        // two-decimal amount, which Excel shows (and rewrites) as the same two decimals.
        check(worksheet_write_number(sheet, row, col, std::strtod(value.c_str(), nullptr),
                                     total ? total_money : money));
      } else if (types[c] == ColumnType::kInteger && IsInteger(value)) {
        check(worksheet_write_number(sheet, row, col, std::strtod(value.c_str(), nullptr),
                                     total ? total_text : nullptr));
      } else {
        check(worksheet_write_string(sheet, row, col, value.c_str(), total ? total_text : nullptr));
      }
    }
  }
  const lxw_error closed = workbook_close(workbook);
  if (error == LXW_NO_ERROR) error = closed;
  if (error != LXW_NO_ERROR) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    return Status::IoError("cannot write " + out.string() + ": " + lxw_strerror(error));
  }
  std::error_code renamed;
  std::filesystem::rename(partial, out, renamed);
  if (renamed)
    return Status::IoError("cannot rename " + partial.string() + ": " + renamed.message());
  return Status::Ok();
}

}  // namespace xclear
