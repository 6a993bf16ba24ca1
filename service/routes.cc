#include "routes.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "xclear/csv_reader.h"
#include "xclear/journal_json.h"
#include "xclear/json.h"
#include "xclear/views_json.h"

namespace xclear::service {

std::string Request::Query(const std::string& key, const std::string& fallback) const {
  const auto found = query.find(key);
  return found == query.end() ? fallback : found->second;
}

Domain::Domain(Ledger& ledger_in, const Config& config_in, const WorkingCalendar& calendar_in,
               const Clock& clock_in, Metrics& metrics_in)
    : ledger(ledger_in),
      config(config_in),
      calendar(calendar_in),
      clock(clock_in),
      metrics(metrics_in),
      declarations(ledger_in, config_in, clock_in),
      clearing(ledger_in, config_in, clock_in),
      settlement(ledger_in, config_in, calendar_in, clock_in),
      prepayments(ledger_in, config_in, calendar_in, clock_in) {}

std::vector<Route> AllRoutes() {
  std::vector<Route> routes;
  for (auto group :
       {DeclarationRoutes, SettlementRoutes, PrepaymentRoutes, ReportRoutes, OperationRoutes}) {
    for (Route& route : group()) routes.push_back(std::move(route));
  }
  return routes;
}

Response JsonResponse(int status, const Poco::JSON::Object::Ptr& body) {
  Response response;
  response.status = status;
  // Messages may quote the caller's bytes; JsonToString keeps the answer valid UTF-8.
  response.body = JsonToString(body) + "\n";
  return response;
}

Response ErrorResponse(int status, std::string code, std::string message,
                       const Poco::JSON::Object::Ptr& details) {
  auto error = NewJsonObject();
  error->set("code", code);
  error->set("status", status);
  error->set("message", message);
  if (details) {
    for (const auto& [key, value] : *details) error->set(key, value);
  }
  auto body = NewJsonObject();
  body->set("error", error);
  Response response = JsonResponse(status, body);
  response.error_code = std::move(code);
  return response;
}

int HttpStatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kRefused:
    case ErrorCode::kOverflow:
      return 422;
    case ErrorCode::kIoError:
      return 503;
    case ErrorCode::kCorruption:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

Response StatusResponse(const Status& status) {
  const int http = HttpStatusOf(status.code());
  // A server-side failure's details go to the log (with the request id), not to the caller.
  std::string message = status.message();
  if (http == 500) message = "internal error; quote the request id to the operator";
  // Storage failing (disk full, I/O error): the commit left nothing behind, so a retry with the
  // same Idempotency-Key is safe once the operator has fixed the cause.
  if (http == 503) {
    message =
        "the ledger's storage is failing; nothing was recorded; retry later with the same "
        "Idempotency-Key (quote the request id to the operator)";
  }
  Response response = ErrorResponse(http, std::string(ErrorCodeName(status.code())), message);
  if (http == 503) response.headers.emplace_back("Retry-After", "30");
  if (http >= 500) response.internal_detail = status.ToString();
  return response;
}

Response Forbidden(const std::string& message) { return ErrorResponse(403, "forbidden", message); }

Result<Poco::JSON::Object::Ptr> BodyObject(const Request& request) {
  if (request.body.empty()) return Poco::JSON::Object::Ptr(NewJsonObject());
  if (request.content_type != "application/json")
    return Status::InvalidArgument("body: Content-Type application/json expected, got \"" +
                                   request.content_type.substr(0, 60) + "\"");
  auto parsed = ParseJsonObject(request.body);
  if (!parsed.ok()) return parsed.status().WithContext("body");
  return parsed;
}

Result<std::string> StringField(const Poco::JSON::Object& object, const std::string& field,
                                bool required) {
  if (!object.has(field)) {
    if (required) return Status::InvalidArgument(field + ": is missing");
    return std::string();
  }
  const Poco::Dynamic::Var value = object.get(field);
  if (!value.isString())
    return Status::InvalidArgument(field + ": must be a JSON string (amounts as \"12.34\")");
  return value.extract<std::string>();
}

Result<uint32_t> ProvinceParam(const Request& request, const Domain& domain,
                               const std::string& name) {
  const auto found = request.params.find(name);
  const std::string text = found != request.params.end() ? found->second : request.Query(name);
  if (text.empty()) return Status::InvalidArgument(name + ": a province code is required");
  auto code = domain.config.participants.ParseCode(text);
  if (!code.ok()) return code.status().WithContext(name);
  return code;
}

Result<YearMonth> MonthParam(const Request& request, const std::string& name) {
  const auto found = request.params.find(name);
  const std::string text = found != request.params.end() ? found->second : request.Query(name);
  if (text.empty()) return Status::InvalidArgument(name + ": YYYY-MM is required");
  auto month = YearMonth::Parse(text);
  if (!month.ok()) return month.status().WithContext(name);
  return month;
}

Result<PaymentRecordFields> PaymentRecordOf(const Poco::JSON::Object& body) {
  PaymentRecordFields record;
  XCLEAR_ASSIGN_OR_RETURN(record.bank, StringField(body, "bank"));
  XCLEAR_ASSIGN_OR_RETURN(record.serial, StringField(body, "serial"));
  XCLEAR_ASSIGN_OR_RETURN(const std::string value_date, StringField(body, "value_date"));
  auto date = Date::Parse(value_date);
  if (!date.ok()) return date.status().WithContext("value_date");
  record.value_date = *date;
  XCLEAR_ASSIGN_OR_RETURN(const std::string amount, StringField(body, "amount"));
  auto money = Money::Parse(amount);
  if (!money.ok()) return money.status().WithContext("amount");
  record.amount = *money;
  return record;
}

std::optional<Response> Authorize(const Route& route, std::string_view authorization,
                                  TokenStore& tokens, Request& request) {
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  constexpr std::string_view kBearer = "bearer ";
  std::optional<Principal> principal;
  const bool bearer =
      authorization.size() > kBearer.size() &&
      std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
  if (bearer) principal = tokens.Authenticate(authorization.substr(kBearer.size()));
  if (!principal) {
    Response response =
        ErrorResponse(401, "unauthorized",
                      authorization.empty() ? "an Authorization: Bearer <token> header is required"
                                            : "the bearer token is not valid");
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"xclear\"");
    return response;
  }
  request.principal = std::move(*principal);
  const Role role = request.principal.role;
  const Status permitted = CheckPermitted(request.principal.AsActor(), route.operation);
  if (!permitted.ok()) {
    return Forbidden(permitted.message() + " (" + request.method + " " + route.pattern + ")");
  }
  const auto named = request.params.find("province");
  if (role == Role::kProvince && named != request.params.end() &&
      named->second != std::to_string(request.principal.province)) {
    return Forbidden("a province reads and writes only its own books (/v1/provinces/" +
                     std::to_string(request.principal.province) + "/…)");
  }
  return std::nullopt;
}

bool ActsAs(const Request& request, uint32_t province) {
  return request.principal.role == Role::kProvince && request.principal.province == province;
}

bool ReadsProvince(const Request& request, uint32_t province) {
  return request.principal.role != Role::kProvince || request.principal.province == province;
}

bool ReadsPair(const Request& request, uint32_t insured, uint32_t treatment) {
  return request.principal.role != Role::kProvince || request.principal.province == insured ||
         request.principal.province == treatment;
}

}  // namespace xclear::service
