// Positions, prepayment notices and their payments, top-ups, the annual adjustment.
#include <Poco/JSON/Array.h>

#include "routes.h"
#include "xclear/views_json.h"

namespace xclear::service {
namespace {

using Poco::JSON::Array;

Response Positions(const Request& request, Domain& domain, std::optional<uint32_t> province) {
  XCLEAR_HTTP_ASSIGN(const AsOfPoint as_of,
                     ResolveAsOfPoint(domain.ledger, request.Query("as_of")));
  XCLEAR_HTTP_ASSIGN(const std::vector<Position> positions,
                     domain.prepayments.Positions(as_of.sequence, province));
  Response response;
  response.body = RenderPositions(positions, as_of.sequence, as_of.hash, domain.config.participants,
                                  ReportFormat::kJson);
  return response;
}

Response ProvincePositions(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const uint32_t province, ProvinceParam(request, domain));
  if (!ReadsProvince(request, province)) return Forbidden("a province reads only its own pairs");
  return Positions(request, domain, province);
}

Response AllPositions(const Request& request, Domain& domain) {
  return Positions(request, domain, std::nullopt);
}

Response ListNotices(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const uint32_t province, ProvinceParam(request, domain));
  if (!ReadsProvince(request, province)) return Forbidden("a province reads only its own notices");
  const std::string open = request.Query("open", "false");
  if (open != "true" && open != "false")
    return ErrorResponse(400, "invalid_argument", "open: true or false expected");
  XCLEAR_HTTP_ASSIGN(const std::vector<Notice> notices,
                     domain.prepayments.Notices(province, open == "true"));
  Array::Ptr list = new Array();
  for (const Notice& notice : notices) list->add(NoticeToJson(notice));
  auto body = NewJsonObject();
  body->set("notices", list);
  return JsonResponse(200, body);
}

// The notice `id` as the caller may see it: another pair's notice answers exactly as a notice
// that does not exist, so that a province cannot probe other pairs.
Result<Notice> ReadableNotice(const Request& request, Domain& domain) {
  const std::string& id = request.params.at("id");
  auto notice = domain.prepayments.NoticeOf(id);
  if (notice.ok() && !ReadsPair(request, notice->payer, notice->payee)) {
    return Prepayments::NoticeNotFound(id);
  }
  return notice;
}

Response GetNotice(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const Notice notice, ReadableNotice(request, domain));
  return JsonResponse(200, NoticeToJson(notice));
}

Response PayNotice(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const Notice notice, ReadableNotice(request, domain));
  if (!ActsAs(request, notice.payer)) return Forbidden("a notice is paid by its payer");
  XCLEAR_HTTP_ASSIGN(const auto body, BodyObject(request));
  NoticePaymentDraft draft;
  draft.notice = notice.id;
  draft.payer = notice.payer;
  draft.payee = notice.payee;
  XCLEAR_HTTP_ASSIGN(PaymentRecordFields record, PaymentRecordOf(*body));
  draft.bank = std::move(record.bank);
  draft.serial = std::move(record.serial);
  draft.value_date = record.value_date;
  draft.amount = record.amount;
  XCLEAR_HTTP_ASSIGN(const NoticePayment payment,
                     domain.prepayments.RecordPayment(draft, request.principal.Actor()));
  return JsonResponse(200, NoticePaymentToJson(payment));
}

// The treatment province asks for its own pair; the operator for any pair.
Response RequestTopUp(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const auto body, BodyObject(request));
  XCLEAR_HTTP_ASSIGN(const std::string insured_text, StringField(*body, "insured"));
  auto insured = domain.config.participants.ParseCode(insured_text);
  if (!insured.ok()) return StatusResponse(insured.status().WithContext("insured"));
  uint32_t treatment = request.principal.province;
  if (body->has("treatment") || request.principal.role == Role::kOperator) {
    XCLEAR_HTTP_ASSIGN(const std::string treatment_text, StringField(*body, "treatment"));
    auto code = domain.config.participants.ParseCode(treatment_text);
    if (!code.ok()) return StatusResponse(code.status().WithContext("treatment"));
    treatment = *code;
  }
  if (request.principal.role == Role::kProvince && !ActsAs(request, treatment))
    return Forbidden("a top-up is requested by the pair's treatment province");
  XCLEAR_HTTP_ASSIGN(const Notice notice, domain.prepayments.RequestTopUp(
                                              *insured, treatment, request.principal.AsActor()));
  return JsonResponse(200, NoticeToJson(notice));
}

Response CheckTopUps(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const TopUpCheck check,
                     domain.prepayments.CheckTopUps(request.principal.AsActor()));
  return JsonResponse(200, TopUpCheckToJson(check));
}

Result<int> YearOf(const std::string& text) {
  if (text.size() != 4 || text.find_first_not_of("0123456789") != std::string::npos)
    return Status::InvalidArgument("year: YYYY expected, got \"" + text.substr(0, 20) + "\"");
  return std::stoi(text);
}

Response RunAdjustment(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const auto body, BodyObject(request));
  XCLEAR_HTTP_ASSIGN(const std::string year_text, StringField(*body, "year"));
  XCLEAR_HTTP_ASSIGN(const int year, YearOf(year_text));
  XCLEAR_HTTP_ASSIGN(const Adjustment adjustment,
                     domain.prepayments.RunAdjustment(year, request.principal.Actor()));
  Response response;
  response.body = AdjustmentToJson(adjustment, true) + "\n";
  return response;
}

Response GetAdjustment(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const int year, YearOf(request.params.at("year")));
  XCLEAR_HTTP_ASSIGN(auto adjustment, domain.prepayments.AdjustmentOf(year));
  if (!adjustment)
    return ErrorResponse(
        404, "not_found",
        "the annual prepayment adjustment for " + std::to_string(year) + " has not run");
  if (request.principal.role == Role::kProvince) {
    const uint32_t province = request.principal.province;
    std::erase_if(adjustment->lines, [&](const AdjustmentLine& line) {
      return line.insured != province && line.treatment != province;
    });
  }
  Response response;
  response.body = AdjustmentToJson(*adjustment, true) + "\n";
  return response;
}

}  // namespace

std::vector<Route> PrepaymentRoutes() {
  return {
      {"GET", "/v1/provinces/{province}/positions", Operation::kRead, ProvincePositions,
       ViewCaching::kLedger},
      {"GET", "/v1/positions", Operation::kReadNational, AllPositions, ViewCaching::kLedger},
      {"GET", "/v1/provinces/{province}/notices", Operation::kRead, ListNotices},
      {"GET", "/v1/notices/{id}", Operation::kRead, GetNotice},
      {"POST", "/v1/notices/{id}/payments", Operation::kPayNotice, PayNotice},
      {"POST", "/v1/topups", Operation::kRequestTopUp, RequestTopUp},
      {"GET", "/v1/adjustments/{year}", Operation::kRead, GetAdjustment},
      {"POST", "/v1/jobs/adjustment", Operation::kRunAdjustment, RunAdjustment},
      {"POST", "/v1/jobs/topup-check", Operation::kRunTopUpCheck, CheckTopUps},
  };
}

}  // namespace xclear::service
