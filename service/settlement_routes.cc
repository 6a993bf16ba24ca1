// Clearing statements, confirmations, payments, settlement state, deadlines, the clearing job.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <set>

#include "routes.h"
#include "xclear/views_json.h"

namespace xclear::service {
namespace {

using Poco::JSON::Array;

Result<uint32_t> ParseRound(const std::string& text) {
  if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos)
    return Status::InvalidArgument("round: 0 (regular) or 1, 2 … (supplementary) expected");
  return static_cast<uint32_t>(std::stoul(text));
}

Result<uint32_t> RoundParam(const Request& request) {
  return ParseRound(request.params.count("round") ? request.params.at("round")
                                                  : request.Query("round", "0"));
}

// A party of a payment: a province code, or "national" / 100000 for the clearing account.
Result<uint32_t> PartyField(const Poco::JSON::Object& body, const std::string& field,
                            const Domain& domain) {
  const Result<std::string> text = StringField(body, field);
  if (!text.ok()) return text.status();
  if (text->compare("national") == 0 || *text == std::to_string(kNationalClearingCode))
    return kNationalClearingCode;
  auto code = domain.config.participants.ParseCode(*text);
  if (!code.ok()) return code.status().WithContext(field);
  return code;
}

Response ListStatements(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const YearMonth month, MonthParam(request));
  XCLEAR_HTTP_ASSIGN(const std::vector<Statement> statements, domain.clearing.Statements(month));
  std::string body = "{\"month\":\"" + month.ToString() + "\",\"statements\":[";
  for (size_t i = 0; i < statements.size(); ++i) {
    const Statement view = request.principal.role == Role::kProvince
                               ? StatementForProvince(statements[i], request.principal.province)
                               : statements[i];
    body += (i ? "," : "") + StatementToJson(view, domain.config.participants);
  }
  body += "]}\n";
  Response response;
  response.body = std::move(body);
  return response;
}

Response Confirm(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const YearMonth month, MonthParam(request));
  XCLEAR_HTTP_ASSIGN(const uint32_t round, RoundParam(request));
  XCLEAR_HTTP_ASSIGN(const auto body, BodyObject(request));
  uint32_t province = request.principal.province;
  if (body->has("province")) {
    XCLEAR_HTTP_ASSIGN(province, PartyField(*body, "province", domain));
    if (!ActsAs(request, province)) return Forbidden("a province confirms only for itself");
  }
  XCLEAR_HTTP_ASSIGN(const Confirmation confirmation,
                     domain.settlement.Confirm(month, round, province, request.principal.Actor()));
  return JsonResponse(200, ConfirmationToJson(confirmation));
}

// A province pays as itself; the operator records the national clearing account's
// disbursements (net mode).
Response RecordPayment(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const auto body, BodyObject(request));
  PaymentDraft draft;
  XCLEAR_HTTP_ASSIGN(const std::string month, StringField(*body, "month"));
  XCLEAR_HTTP_ASSIGN(draft.month, YearMonth::Parse(month));
  std::string round = "0";
  if (body->has("round")) {
    XCLEAR_HTTP_ASSIGN(round, StringField(*body, "round"));
  }
  XCLEAR_HTTP_ASSIGN(draft.round, ParseRound(round));
  const bool is_operator = request.principal.role == Role::kOperator;
  draft.payer = is_operator ? kNationalClearingCode : request.principal.province;
  if (body->has("payer")) {
    XCLEAR_HTTP_ASSIGN(draft.payer, PartyField(*body, "payer", domain));
  }
  if (is_operator ? draft.payer != kNationalClearingCode : !ActsAs(request, draft.payer))
    return Forbidden(is_operator ? "the operator records only the national clearing account's "
                                   "payments"
                                 : "a province records only its own payments");
  XCLEAR_HTTP_ASSIGN(draft.payee, PartyField(*body, "payee", domain));
  XCLEAR_HTTP_ASSIGN(PaymentRecordFields record, PaymentRecordOf(*body));
  draft.bank = std::move(record.bank);
  draft.serial = std::move(record.serial);
  draft.value_date = record.value_date;
  draft.amount = record.amount;
  if (body->has("owed_back")) {  // a negative pair's payment back (settlement.h)
    if (!body->get("owed_back").isBoolean())
      return ErrorResponse(400, "invalid_argument", "owed_back: true or false expected");
    draft.owed_back = body->getValue<bool>("owed_back");
  }
  XCLEAR_HTTP_ASSIGN(const Payment payment,
                     domain.settlement.RecordPayment(draft, request.principal.Actor()));
  return JsonResponse(200, PaymentRecordToJson(payment));
}

// The payer (or the operator, for the national clearing account's payments) records what its
// bank returned; the domain checks who may.
Response ReturnPayment(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const auto body, BodyObject(request));
  for (const auto& [key, value] : *body) {
    if (key != "bank" && key != "serial" && key != "return_serial" && key != "value_date" &&
        key != "amount")
      return StatusResponse(Status::InvalidArgument(key + ": unknown field"));
  }
  XCLEAR_HTTP_ASSIGN(const PaymentRecordFields record, PaymentRecordOf(*body));
  PaymentReturnDraft draft{record.bank, record.serial, "", record.value_date, record.amount};
  XCLEAR_HTTP_ASSIGN(draft.return_serial, StringField(*body, "return_serial"));
  XCLEAR_HTTP_ASSIGN(const PaymentReturn returned,
                     domain.settlement.RecordReturn(draft, request.principal.AsActor()));
  return JsonResponse(200, PaymentReturnToJson(returned));
}

Response ListPayments(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const YearMonth month, MonthParam(request));
  XCLEAR_HTTP_ASSIGN(const std::vector<Payment> payments, domain.settlement.Payments(month));
  Array::Ptr list = new Array();
  for (const Payment& payment : payments) {
    if (ReadsPair(request, payment.payer, payment.payee)) list->add(PaymentRecordToJson(payment));
  }
  auto body = NewJsonObject();
  body->set("month", month.ToString());
  body->set("payments", list);
  return JsonResponse(200, body);
}

Response ShowSettlement(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const YearMonth month, MonthParam(request));
  XCLEAR_HTTP_ASSIGN(MonthStatus status, domain.settlement.StatusOf(month));
  // A province sees its own obligations, and the confirmations and parties of itself and of the
  // counterparts of those obligations only: who else confirmed is other provinces' business.
  if (request.principal.role == Role::kProvince) {
    const uint32_t caller = request.principal.province;
    for (RoundStatus& round : status.rounds) {
      std::erase_if(round.obligations, [&](const PaymentObligation& obligation) {
        return !ReadsPair(request, obligation.payer, obligation.payee);
      });
      std::set<uint32_t> visible = {caller};
      for (const PaymentObligation& obligation : round.obligations) {
        visible.insert(obligation.payer);
        visible.insert(obligation.payee);
      }
      std::erase_if(round.confirmations, [&](const Confirmation& confirmation) {
        return visible.count(confirmation.province) == 0;
      });
      std::erase_if(round.parties, [&](uint32_t party) { return visible.count(party) == 0; });
      round.statement = StatementForProvince(round.statement, caller);
    }
  }
  return JsonResponse(200, MonthStatusToJson(status));
}

Response Deadlines(Domain& domain, std::optional<uint32_t> province) {
  XCLEAR_HTTP_ASSIGN(const std::vector<DeadlineItem> items,
                     OpenObligations(domain.settlement, domain.prepayments, province,
                                     domain.clock.Now().CstDate()));
  Response response;
  response.body = RenderDeadlines(items, domain.clock.Now(), domain.ledger.Head(),
                                  domain.config.participants, ReportFormat::kJson);
  return response;
}

Response ProvinceDeadlines(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const uint32_t province, ProvinceParam(request, domain));
  if (!ReadsProvince(request, province))
    return Forbidden("a province reads only its own deadlines");
  return Deadlines(domain, province);
}

Response AllDeadlines(const Request&, Domain& domain) { return Deadlines(domain, std::nullopt); }

Response RunClearing(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const auto body, BodyObject(request));
  XCLEAR_HTTP_ASSIGN(const std::string month_text, StringField(*body, "month"));
  XCLEAR_HTTP_ASSIGN(const YearMonth month, YearMonth::Parse(month_text));
  XCLEAR_HTTP_ASSIGN(const std::vector<Statement> before, domain.clearing.Statements(month));
  XCLEAR_HTTP_ASSIGN(const std::vector<Statement> statements,
                     domain.clearing.Clear(month, request.principal.Actor()));
  std::string out = "{\"month\":\"" + month.ToString() +
                    "\",\"new_rounds\":" + std::to_string(statements.size() - before.size()) +
                    ",\"statements\":[";
  for (size_t i = 0; i < statements.size(); ++i) {
    out += (i ? "," : "") + StatementToJson(statements[i], domain.config.participants);
  }
  out += "]}\n";
  Response response;
  response.body = std::move(out);
  return response;
}

}  // namespace

std::vector<Route> SettlementRoutes() {
  return {
      {"GET", "/v1/months/{month}/statements", Operation::kRead, ListStatements,
       ViewCaching::kLedger},
      {"POST", "/v1/months/{month}/statements/{round}/confirmations", Operation::kConfirm, Confirm},
      {"GET", "/v1/months/{month}/settlement", Operation::kRead, ShowSettlement,
       ViewCaching::kLedger},
      {"GET", "/v1/months/{month}/payments", Operation::kRead, ListPayments, ViewCaching::kLedger},
      {"POST", "/v1/payments", Operation::kRecordPayment, RecordPayment},
      {"POST", "/v1/payments/returns", Operation::kRecordPayment, ReturnPayment},
      {"GET", "/v1/provinces/{province}/deadlines", Operation::kRead, ProvinceDeadlines,
       ViewCaching::kLedgerAndDay},
      {"GET", "/v1/deadlines", Operation::kReadNational, AllDeadlines, ViewCaching::kLedgerAndDay},
      {"POST", "/v1/jobs/clearing", Operation::kRunClearing, RunClearing},
  };
}

}  // namespace xclear::service
