// The clearing statement as CSV and the deadlines report (see reports.h).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <array>

#include "xclear/journal_json.h"
#include "xclear/reports.h"

namespace xclear {
namespace {

constexpr size_t kStatementColumns = 30;
using StatementRow = std::array<std::string, kStatementColumns>;
enum Column : size_t {
  kRecord,
  kMonth,
  kRound,
  kMode,
  kCode,
  kName,
  kCounterpartCode,
  kCounterpartName,
  kClaimCount,
  kFund,
  kTotal,
  kReversalCount,  // reversals (结算撤销) of the month: count, fund, and the pair's amount
  kReversedFund,   // (claims − reversals)
  kAmount,
  kFirstCategory,  // count, fund per category: 4 × 2 columns
  kPayable = kFirstCategory + 8,
  kReceivable,
  kNet,
  kPayments,
  kMoved,
  kDigest,
  kAsOfSequence,  // the ledger entry and hash the report was produced at
  kAsOfHash,
};
static_assert(kAsOfHash + 1 == kStatementColumns);

constexpr const char* kStatementHeader =
    "record,month,round,settlement_mode,code,name,counterpart_code,counterpart_name,claim_count,"
    "fund_amount,total_amount,reversal_count,reversed_fund,amount,inpatient_count,inpatient_fund,"
    "outpatient_count,outpatient_fund,"
    "chronic_count,chronic_fund,pharmacy_count,pharmacy_fund,payable,receivable,net,payments,"
    "moved,digest,as_of_sequence,as_of_hash\r\n";

void AppendRow(std::string& out, const StatementRow& row) {
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(row[i]);
  }
  out += "\r\n";
}

}  // namespace

std::string RenderStatements(const std::vector<Statement>& statements,
                             const Participants& participants, const LedgerHead& head,
                             ReportFormat format) {
  uint64_t claims = 0, reversals = 0;
  Money fund, total, reversed, amount;
  for (const Statement& statement : statements) {
    claims += statement.claim_count;
    fund += statement.fund_amount;
    total += statement.total_amount;
    reversals += statement.reversal_count;
    reversed += statement.reversed_fund;
    amount += statement.amount;
  }
  const std::string month = statements.empty() ? std::string() : statements[0].month.ToString();
  if (format == ReportFormat::kCsv || format == ReportFormat::kXlsx) {  // XLSX: from the CSV
    std::string out = kStatementHeader;
    for (const Statement& statement : statements) {
      const std::string csv = RenderStatementCsv(statement, participants, head);
      out += csv.substr(std::string_view(kStatementHeader).size());
    }
    StatementRow row;
    row[kRecord] = "month";
    row[kMonth] = month;
    row[kRound] = std::to_string(statements.size()) + " rounds";
    row[kClaimCount] = std::to_string(claims);
    row[kFund] = fund.ToString();
    row[kTotal] = total.ToString();
    row[kReversalCount] = std::to_string(reversals);
    row[kReversedFund] = reversed.ToString();
    row[kAmount] = amount.ToString();
    row[kAsOfSequence] = std::to_string(head.sequence);
    row[kAsOfHash] = DigestToHex(head.hash);
    AppendRow(out, row);
    return out;
  }
  if (format == ReportFormat::kJson) {
    std::string out = "{\"report\":\"clearing_statement\",\"month\":\"" + month +
                      "\",\"as_of_sequence\":" + std::to_string(head.sequence) +
                      ",\"as_of_hash\":\"" + DigestToHex(head.hash) + "\",\"rounds\":[";
    for (size_t i = 0; i < statements.size(); ++i) {
      out += (i > 0 ? "," : "") + StatementToJson(statements[i], participants);
    }
    out += "],\"claim_count\":" + std::to_string(claims) + ",\"fund_amount\":\"" + fund.ToString() +
           "\",\"reversal_count\":" + std::to_string(reversals) + ",\"reversed_fund\":\"" +
           reversed.ToString() + "\",\"amount\":\"" + amount.ToString() + "\"}\n";
    return out;
  }
  std::string out = "Clearing statement of " + month + ": " + std::to_string(statements.size()) +
                    " round(s), " + std::to_string(claims) + " claims, fund " + fund.ToString() +
                    " CNY (as of entry " + std::to_string(head.sequence) + ", hash " +
                    DigestToHex(head.hash) + ")\n";
  for (const Statement& statement : statements) {
    out += "  round " + std::to_string(statement.round) + " issued " +
           statement.issued_at.ToString() + " (" + std::string(SettlementModeName(statement.mode)) +
           "): " + std::to_string(statement.claim_count) + " claims, fund " +
           statement.fund_amount.ToString() + ", " + std::to_string(statement.reversal_count) +
           " reversals, fund " + statement.reversed_fund.ToString() + ", amount " +
           statement.amount.ToString() + ", digest " + DigestToHex(statement.claims_digest) +
           "; gross " + std::to_string(statement.gross.payments) + " payments moving " +
           statement.gross.moved.ToString() + ", net " + std::to_string(statement.net.payments) +
           " moving " + statement.net.moved.ToString() + "\n";
  }
  return out;
}

std::string PartyDisplayName(const Participants& participants, uint32_t code) {
  if (code == kNationalClearingCode) return "全国清算账户";
  const Participant* unit = participants.Find(code);
  return unit == nullptr ? std::string() : unit->name;
}

std::string RenderStatementCsv(const Statement& statement, const Participants& participants,
                               const LedgerHead& head) {
  std::string out = kStatementHeader;
  const auto row_of = [&](const char* record) {
    StatementRow row;
    row[kRecord] = record;
    row[kMonth] = statement.month.ToString();
    row[kRound] = std::to_string(statement.round);
    row[kMode] = SettlementModeName(statement.mode);
    row[kAsOfSequence] = std::to_string(head.sequence);
    row[kAsOfHash] = DigestToHex(head.hash);
    return row;
  };
  std::array<uint64_t, 4> category_count{};
  std::array<Money, 4> category_fund{};
  for (const StatementPair& pair : statement.pairs) {
    StatementRow row = row_of("pair");
    row[kCode] = std::to_string(pair.insured);
    row[kName] = PartyDisplayName(participants, pair.insured);
    row[kCounterpartCode] = std::to_string(pair.treatment);
    row[kCounterpartName] = PartyDisplayName(participants, pair.treatment);
    row[kClaimCount] = std::to_string(pair.claim_count);
    row[kFund] = pair.fund_amount.ToString();
    row[kReversalCount] = std::to_string(pair.reversal_count);
    row[kReversedFund] = pair.reversed_fund.ToString();
    row[kAmount] = pair.amount.ToString();
    for (size_t c = 0; c < 4; ++c) {
      row[kFirstCategory + 2 * c] = std::to_string(pair.count_by_category[c]);
      row[kFirstCategory + 2 * c + 1] = pair.fund_by_category[c].ToString();
      category_count[c] += pair.count_by_category[c];
      category_fund[c] += pair.fund_by_category[c];
    }
    AppendRow(out, row);
  }
  Money payable, receivable, net;
  for (const StatementProvince& province : statement.provinces) {
    StatementRow row = row_of("province");
    row[kCode] = std::to_string(province.province);
    row[kName] = PartyDisplayName(participants, province.province);
    row[kPayable] = province.payable.ToString();
    row[kReceivable] = province.receivable.ToString();
    row[kNet] = province.net.ToString();
    payable += province.payable;
    receivable += province.receivable;
    net += province.net;
    AppendRow(out, row);
  }
  StatementRow control = row_of("control");
  control[kClaimCount] = std::to_string(statement.claim_count);
  control[kFund] = statement.fund_amount.ToString();
  control[kTotal] = statement.total_amount.ToString();
  control[kReversalCount] = std::to_string(statement.reversal_count);
  control[kReversedFund] = statement.reversed_fund.ToString();
  control[kAmount] = statement.amount.ToString();
  for (size_t c = 0; c < 4; ++c) {
    control[kFirstCategory + 2 * c] = std::to_string(category_count[c]);
    control[kFirstCategory + 2 * c + 1] = category_fund[c].ToString();
  }
  control[kPayable] = payable.ToString();
  control[kReceivable] = receivable.ToString();
  control[kNet] = net.ToString();
  control[kDigest] = DigestToHex(statement.claims_digest);
  AppendRow(out, control);
  StatementRow gross = row_of("gross");
  gross[kPayments] = std::to_string(statement.gross.payments);
  gross[kMoved] = statement.gross.moved.ToString();
  gross[kDigest] = DigestToHex(statement.statement_hash);
  AppendRow(out, gross);
  StatementRow netting = row_of("net");
  netting[kPayments] = std::to_string(statement.net.payments);
  netting[kMoved] = statement.net.moved.ToString();
  netting[kDigest] = DigestToHex(statement.statement_hash);
  AppendRow(out, netting);
  return out;
}

std::string RenderDeadlines(const std::vector<DeadlineItem>& items, const Instant& as_of,
                            const LedgerHead& head, const Participants& participants,
                            ReportFormat format) {
  Money open_payments;
  uint64_t overdue = 0;
  for (const DeadlineItem& item : items) {
    // Money still to be paid: statement payments and prepayment notices.
    if (item.kind != DeadlineKind::kConfirmation && item.kind != DeadlineKind::kMonth)
      open_payments += item.amount;
    if (item.due && item.days_overdue > 0) ++overdue;
  }
  const auto party = [](uint32_t code) { return code == 0 ? std::string() : std::to_string(code); };
  const auto state = [](const DeadlineItem& item) -> std::string {
    if (!item.due) return "unknown";
    return item.days_overdue > 0 ? "overdue" : "due";
  };
  if (format == ReportFormat::kCsv || format == ReportFormat::kXlsx) {  // XLSX: from the CSV
    std::string out =
        "kind,month,round,party,party_name,counterpart,counterpart_name,amount,due_date,"
        "days_overdue,state,due_note,detail,as_of,as_of_sequence,as_of_hash\r\n";
    const std::string ledger_at =
        "," + std::to_string(head.sequence) + "," + DigestToHex(head.hash) + "\r\n";
    for (const DeadlineItem& item : items) {
      out += std::string(DeadlineKindName(item.kind)) + ',' + item.month.ToString() + ',' +
             std::to_string(item.round) + ',' + party(item.party) + ',' +
             CsvField(PartyDisplayName(participants, item.party)) + ',' + party(item.counterpart) +
             ',' + CsvField(PartyDisplayName(participants, item.counterpart)) + ',' +
             item.amount.ToString() + ',' + (item.due ? item.due->ToString() : "") + ',' +
             (item.due ? std::to_string(item.days_overdue) : "") + ',' + state(item) + ',' +
             CsvField(item.due_note) + ',' + CsvField(item.detail) + ',' + as_of.ToString() +
             ledger_at;
    }
    out += "total,," + std::to_string(items.size()) + ",,,,," + open_payments.ToString() + ",,," +
           std::to_string(overdue) + " overdue,,," + as_of.ToString() + ledger_at;
    return out;
  }
  if (format == ReportFormat::kJson) {
    Poco::JSON::Object::Ptr root = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    root->set("report", "deadlines");
    root->set("as_of", as_of.ToString());
    root->set("as_of_sequence", static_cast<Poco::UInt64>(head.sequence));
    root->set("as_of_hash", DigestToHex(head.hash));
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array();
    for (const DeadlineItem& item : items) {
      Poco::JSON::Object::Ptr line = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      line->set("kind", std::string(DeadlineKindName(item.kind)));
      line->set("month", item.month.ToString());
      line->set("round", static_cast<Poco::UInt64>(item.round));
      line->set("party", party(item.party));
      line->set("counterpart", party(item.counterpart));
      line->set("reference", item.reference);
      line->set("amount", item.amount.ToString());
      line->set("due_date", item.due ? item.due->ToString() : std::string());
      if (item.due) line->set("days_overdue", static_cast<Poco::Int64>(item.days_overdue));
      line->set("state", state(item));
      line->set("due_note", item.due_note);
      line->set("detail", item.detail);
      list->add(line);
    }
    root->set("items", list);
    root->set("item_count", static_cast<Poco::UInt64>(items.size()));
    root->set("overdue_count", static_cast<Poco::UInt64>(overdue));
    root->set("open_payment_amount", open_payments.ToString());
    return JsonToString(root, 2) + "\n";
  }
  std::string out = "Open obligations as of " + as_of.ToString() + " (ledger entry " +
                    std::to_string(head.sequence) + ", hash " + DigestToHex(head.hash) +
                    "): " + std::to_string(items.size()) + " (" + std::to_string(overdue) +
                    " overdue), open payments " + open_payments.ToString() + " CNY\n";
  for (const DeadlineItem& item : items) {
    std::string when = "due date unknown: " + item.due_note;
    if (item.due) {
      when = "due " + item.due->ToString() +
             (item.days_overdue > 0 ? ", " + std::to_string(item.days_overdue) + " days OVERDUE"
                                    : ", " + std::to_string(-item.days_overdue) + " days left");
    }
    out += "  " + std::string(DeadlineKindName(item.kind)) + " " +
           (item.reference.empty() ? item.month.ToString() + " round " + std::to_string(item.round)
                                   : item.reference);
    if (item.party != 0) out += " " + std::to_string(item.party);
    if (item.counterpart != 0) out += " -> " + std::to_string(item.counterpart);
    out += " " + item.amount.ToString() + " (" + when + "): " + item.detail + "\n";
  }
  return out;
}

}  // namespace xclear
