// Report rendering. Every report is deterministic (same ledger and parameters → same bytes) and
// states the ledger sequence number and hash it was produced at. Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "xclear/clearing.h"
#include "xclear/config.h"
#include "xclear/ledger.h"
#include "xclear/prepayments.h"
#include "xclear/settlement.h"
#include "xclear/status.h"

namespace xclear {

enum class ReportFormat { kText, kCsv, kJson, kXlsx };
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

// A clearing statement as CSV: one table, its kind in the first column `record` —
//   pair      one row per pair: insured (payer) and treatment province, claim count, fund amount,
//             and count and fund per category;
//   province  one row per participant: payable, receivable, net;
//   control   the control totals: claim count, Σ fund, Σ total_amount, per-category totals,
//             Σ payable = Σ receivable, Σ net (0), the claims digest and the statement's SHA-256;
//   gross     the gross settlement view: payments and money moved;
//   net       the net settlement view, the same way, and the saving against gross.
// Columns: record, month, round, settlement_mode, code, name, counterpart_code, counterpart_name,
// claim_count, fund_amount, total_amount, inpatient_count, inpatient_fund, outpatient_count,
// outpatient_fund, chronic_count, chronic_fund, pharmacy_count, pharmacy_fund, payable,
// receivable, net, payments, moved, digest, as_of_sequence, as_of_hash (`head`: the ledger entry
// and hash the report was produced at, on every row).
std::string RenderStatementCsv(const Statement& statement, const Participants& participants,
                               const LedgerHead& head);

// Several rounds of a month's statement as one report: csv = one header, then each round's rows
// (the round column tells them apart) and a last "month" row with the totals of all rounds;
// json = {"report": "clearing_statement", "month", "as_of_sequence", "as_of_hash",
// "rounds": [each statement's canonical JSON],
// "claim_count", "fund_amount"}; text = a summary per round.
std::string RenderStatements(const std::vector<Statement>& statements,
                             const Participants& participants, const LedgerHead& head,
                             ReportFormat format);

// The deadlines report as of `as_of`: every open obligation with its due date and days overdue.
//   csv:  columns kind, month, round, party, party_name, counterpart, counterpart_name, amount,
//         due_date, days_overdue, state (overdue / due), due_note, detail, as_of,
//         as_of_sequence, as_of_hash (the ledger entry `head` it was produced at); a last row of
//         kind "total" carries the item count (in `round`) and Σ of the amounts still to be
//         paid (statement payments and prepayment notices);
//   json: {"report": "deadlines", "as_of", "as_of_sequence", "as_of_hash", "items": [...],
//          "item_count", "overdue_count",
//          "open_payment_amount"};
//   text: one line per item.
std::string RenderDeadlines(const std::vector<DeadlineItem>& items, const Instant& as_of,
                            const LedgerHead& head, const Participants& participants,
                            ReportFormat format);

// Prepayment positions after ledger entry `as_of` (its hash `as_of_hash`), in the given order:
//   csv:  columns insured, insured_name, treatment, treatment_name, prepayment, outstanding,
//         usage_percent (empty when the prepayment is 0), warning (none / yellow / red),
//         as_of_sequence, as_of_hash; a last row "total" with Σ prepayment, Σ outstanding and
//         the count of yellow and red pairs in `warning`;
//   json: {"report": "positions", "as_of_sequence", "as_of_hash", "positions": [...],
//          "yellow_count", "red_count", "total_prepayment", "total_outstanding"};
//   text: one line per pair.
std::string RenderPositions(const std::vector<Position>& positions, uint64_t as_of,
                            const Digest& as_of_hash, const Participants& participants,
                            ReportFormat format);

// Entries first..last (0: from the first / to the head) as an hledger/ledger journal, streamed
// to `sink` in chunks of about 1 MiB: a header naming the range and the hash at `last`, the
// commodity (CNY, 2 decimals) and every account declared, then — when the range does not start
// at entry 1 — one "opening balances" transaction with every balance after entry first−1, then
// one transaction per entry: effective date, (sequence), kind and memo; a comment line with
// tags recorded, actor, key, source, reverses, hash; one posting per line, debit positive.
// `hledger -f FILE bal` then equals xclear's trial balance as of `last`, account by account.
// `progress` is called every 65 536 entries and at the end.
Status WriteHledgerJournal(const Ledger& ledger, uint64_t first, uint64_t last,
                           const std::function<Status(std::string_view)>& sink,
                           const std::function<void(uint64_t)>& progress = {});

// The provincial reconciliation statement (对账单) of province X for month M: X's books as the
// ledger recorded them during M (entries recorded from the first to the last instant of M, CST).
struct AccountMovement {
  EntryKind kind = EntryKind::kManual;
  uint64_t entries = 0;  // entries of this kind that moved the account
  Money debit;
  Money credit;
};
struct ProvincialAccount {
  AccountId account;
  Money opening;                           // signed, debit positive, after `opening_sequence`
  std::vector<AccountMovement> movements;  // by kind
  Money closing;                           // after `closing_sequence`
  bool adds_up = false;                    // opening + Σ (debit − credit) = closing
};
// X's account beside its counterpart's mirror account (T:receivable:I ↔ I:payable:T, …), as of
// the close; they agree when they are equal and opposite in signed terms.
struct MirrorCheck {
  AccountId own;
  AccountId mirror;
  Money own_balance;
  Money mirror_balance;
  bool agrees = false;
};
struct ProvincialStatement {
  uint32_t province = 0;
  YearMonth month;
  uint64_t opening_sequence = 0;  // the last entry recorded before M
  uint64_t closing_sequence = 0;  // the last entry recorded in M
  Digest closing_hash{};
  std::vector<ProvincialAccount> accounts;  // every account of X that exists at the close
  std::vector<MirrorCheck> mirrors;         // one per account of X with a counterpart
  bool books_balance = false;               // Σ closing of X's accounts = 0
  bool all_add_up = false;
  bool all_agree = false;
};
Result<ProvincialStatement> BuildProvincialStatement(const Ledger& ledger, uint32_t province,
                                                     const YearMonth& month);
// The mirror checks of `province` over a set of balances (accounts absent count as 0).
std::vector<MirrorCheck> CheckMirrors(uint32_t province,
                                      const std::map<AccountId, Money>& balances);
//   csv:  columns record (account / movement / mirror / total), account, kind, entries,
//         opening, debit, credit, closing, check (ok / MISMATCH), counterpart_account,
//         counterpart_balance, province, month, opening_sequence, closing_sequence, closing_hash;
//   json: the same structure; text: one block per account.
std::string RenderProvincialStatement(const ProvincialStatement& statement,
                                      const Participants& participants, ReportFormat format);

// Writes a report's CSV form (header row first) as an XLSX workbook of one sheet: amounts as
// numeric cells with the 2-decimal format "0.00" (a column is an amount column when every value
// in it has exactly two decimals), counts as numeric cells, everything else (codes, names,
// dates, hashes) as text; a bold header row, frozen; rows marked "total" or "control" in one of
// their first four columns in bold; column
// widths that fit the content (CJK characters count double, at most 60). Deterministic: fixed
// document properties (author xclear, created 2000-01-01T00:00:00Z), so the same CSV gives the
// same bytes. The file is written beside `out` and renamed into place.
Status WriteCsvAsXlsx(std::string_view csv, std::string_view sheet_name,
                      const std::filesystem::path& out);

// The prepayment report of year Y: per pair the adjustment's base (claims of Y−1), target,
// prepayment when it ran, adjustment and what its notice has been paid, beside the position now
// (prepayment, outstanding, usage, warning). `issued` false: the adjustment has not run and the
// figures are a preview.
//   csv:  columns insured, insured_name, treatment, treatment_name, base, target,
//         prepayment_at_adjustment, adjustment, notice_paid, prepayment, outstanding,
//         usage_percent, warning, year, status (issued / preview), as_of_sequence, as_of_hash;
//         a last "total" row;
//   json: {"report": "prepayment", "year", "status", "as_of_sequence", "as_of_hash",
//          "pairs": [...], totals}; text: one line per pair with a base or a prepayment.
std::string RenderPrepaymentReport(const Adjustment& adjustment, bool issued,
                                   const std::vector<Position>& positions,
                                   const std::map<std::string, Money>& notice_paid, uint64_t as_of,
                                   const Digest& as_of_hash, const Participants& participants,
                                   ReportFormat format);

// The participant's Chinese name; the national clearing account's for 100000; else empty.
std::string PartyDisplayName(const Participants& participants, uint32_t code);

// Quotes a CSV field when RFC 4180 requires it (comma, quote, CR or LF inside).
std::string CsvField(std::string_view value);

// What the reports are built from, shared by the CLI and the HTTP service.

// Every open obligation — the statements' and the prepayment notices' — in one order
// (FinishDeadlines) as of `today`; with a province, only the items it must act on or is owed.
Result<std::vector<DeadlineItem>> OpenObligations(const Settlement& settlement,
                                                  const Prepayments& prepayments,
                                                  std::optional<uint32_t> province,
                                                  const Date& today);

// The figures of the prepayment report of `year` at the ledger's head: the adjustment (a
// preview until it has run), the positions now and what each notice has been paid. With a
// province, only the pairs it is part of.
struct PrepaymentReportData {
  Adjustment adjustment;
  bool issued = false;
  std::vector<Position> positions;
  std::map<std::string, Money> notice_paid;
  uint64_t as_of = 0;
  Digest as_of_hash{};
};
Result<PrepaymentReportData> GatherPrepaymentReport(const Ledger& ledger,
                                                    const Prepayments& prepayments, int year,
                                                    std::optional<uint32_t> province = {});

// A province's view of a statement: its pairs (as insured or treatment province) and its own
// province row; the control totals, digest and hash stay those of the whole statement.
Statement StatementForProvince(const Statement& statement, uint32_t province);
// A province's own books in a trial balance: its accounts and its total.
TrialBalance TrialBalanceForProvince(const TrialBalance& trial, uint32_t province);

}  // namespace xclear
