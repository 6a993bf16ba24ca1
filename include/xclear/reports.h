// Report rendering. Every report is deterministic (same ledger and parameters → same bytes) and
// states the ledger sequence number and hash it was produced at. Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "xclear/config.h"
#include "xclear/ledger.h"
#include "xclear/status.h"

namespace xclear {

enum class ReportFormat { kText, kCsv, kJson };
Result<ReportFormat> ParseReportFormat(std::string_view name);

// The trial balance: one row per account (debit or credit column by the balance's sign), a total
// row per province and an overall total. Debits equal credits in every total row.
//   text: an aligned table for a terminal;
//   csv:  RFC 4180, UTF-8, header row; columns province_code, province_name, account, kind,
//         counterpart_code, debit, credit, as_of_sequence, as_of_hash; total rows have kind
//         "total" and an empty account;
//   json: {"report": "trial_balance", "as_of_sequence", "as_of_hash", "accounts": [...],
//          "provinces": [...], "total_debit", "total_credit"}.
std::string RenderTrialBalance(const TrialBalance& trial, const Participants& participants,
                               ReportFormat format);

// Quotes a CSV field when RFC 4180 requires it (comma, quote, CR or LF inside).
std::string CsvField(std::string_view value);

}  // namespace xclear
