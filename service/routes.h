// The HTTP service's routes: what each endpoint does, independent of the HTTP library.
// Handlers parse the request, call the domain libraries, and serialize; they hold no business
// rule. Only http_server.cc speaks Poco::Net; everything here is plain values.
#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metrics.h"
#include "xclear/access.h"
#include "xclear/calendar.h"
#include "xclear/clearing.h"
#include "xclear/config.h"
#include "xclear/declarations.h"
#include "xclear/ledger.h"
#include "xclear/prepayments.h"
#include "xclear/reports.h"
#include "xclear/settlement.h"
#include "xclear/status.h"

namespace xclear::service {

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> params;  // from the route pattern's {names}
  std::map<std::string, std::string> query;   // decoded
  std::string body;
  std::string content_type;  // media type only, lower case ("application/json")
  std::string accept;
  std::string idempotency_key;
  Principal principal;  // set for every route but the public ones
  std::string request_id;

  std::string Query(const std::string& key, const std::string& fallback = "") const;
};

// Writes a streamed body piece by piece (chunked transfer encoding).
using BodySink = std::function<Status(std::string_view)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string error_code;       // for the log line; empty on success
  std::string internal_detail;  // a 5xx's cause: logged with the request id, never sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::function<Status(const BodySink&)> stream;  // when set, the body is streamed instead
};

// Everything a handler may use. Shared by all handler threads: every member is thread-safe.
struct Domain {
  Domain(Ledger& ledger, const Config& config, const WorkingCalendar& calendar, const Clock& clock,
         Metrics& metrics);
  Ledger& ledger;
  const Config& config;
  const WorkingCalendar& calendar;
  const Clock& clock;
  Metrics& metrics;
  Declarations declarations;
  Clearing clearing;
  Settlement settlement;
  Prepayments prepayments;
};

using Handler = std::function<Response(const Request&, Domain&)>;

// Whether a GET answer may be kept and served again (view_cache.h): only for answers computed
// from the ledger alone, or from the ledger and the CST date.
enum class ViewCaching {
  kNone,          // computed afresh every time (point lookups, streams, pages)
  kLedger,        // holds while the ledger's version is the same
  kLedgerAndDay,  // holds while the ledger's version and the CST date are the same
};

struct Route {
  std::string method;   // "GET" or "POST"
  std::string pattern;  // "/v1/provinces/{province}/claims": also the metrics label
  Operation operation = Operation::kRead;  // who may call it: Permits(role, operation)
  Handler handler;
  ViewCaching caching = ViewCaching::kNone;
};

// Every route of the service, in the order they are documented (docs/openapi.yaml).
std::vector<Route> AllRoutes();
std::vector<Route> DeclarationRoutes();
std::vector<Route> SettlementRoutes();
std::vector<Route> PrepaymentRoutes();
std::vector<Route> ReportRoutes();
std::vector<Route> OperationRoutes();

// Responses.
Response JsonResponse(int status, const Poco::JSON::Object::Ptr& body);
// {"error": {"code", "message", "request_id"}} plus `details` merged into the error object.
Response ErrorResponse(int status, std::string code, std::string message,
                       const Poco::JSON::Object::Ptr& details = nullptr);
// The HTTP status of a domain error: invalid_argument 400, not_found 404, already_exists and
// conflict 409, failed_precondition 409, refused and overflow 422, the rest 500.
int HttpStatusOf(ErrorCode code);
Response StatusResponse(const Status& status);
Response Forbidden(const std::string& message);

// Request parsing; errors name the field.
Result<Poco::JSON::Object::Ptr> BodyObject(const Request& request);
Result<std::string> StringField(const Poco::JSON::Object& object, const std::string& field,
                                bool required = true);
Result<uint32_t> ProvinceParam(const Request& request, const Domain& domain,
                               const std::string& name = "province");
Result<YearMonth> MonthParam(const Request& request, const std::string& name = "month");
// The payment record shared by statement and notice payments: "bank", "serial", "value_date"
// (YYYY-MM-DD) and "amount" (a string with at most two decimals).
struct PaymentRecordFields {
  std::string bank;
  std::string serial;
  Date value_date;
  Money amount;
};
Result<PaymentRecordFields> PaymentRecordOf(const Poco::JSON::Object& body);

// Everything decided from the request head before its body is read or any recorded answer is
// replayed: the bearer token (401), the route's roles (403), and for a province the province
// named in the path (403: a province addresses only its own /v1/provinces/{province}/…).
// Sets request.principal; nothing when the request may go on.
std::optional<Response> Authorize(const Route& route, std::string_view authorization,
                                  TokenStore& tokens, Request& request);

// Authorization beyond the role: a province reads and writes only as itself.
bool ActsAs(const Request& request, uint32_t province);
bool ReadsProvince(const Request& request, uint32_t province);
// A pair is readable by its two provinces, the operator and auditors.
bool ReadsPair(const Request& request, uint32_t insured, uint32_t treatment);

#define XCLEAR_HTTP_ASSIGN(lhs, expression) \
  XCLEAR_HTTP_ASSIGN_IMPL(XCLEAR_HTTP_CONCAT(_r_, __LINE__), lhs, expression)
#define XCLEAR_HTTP_CONCAT_INNER(a, b) a##b
#define XCLEAR_HTTP_CONCAT(a, b) XCLEAR_HTTP_CONCAT_INNER(a, b)
#define XCLEAR_HTTP_ASSIGN_IMPL(result, lhs, expression)                       \
  auto result = (expression);                                                  \
  if (!result.ok()) return ::xclear::service::StatusResponse(result.status()); \
  lhs = std::move(result).value()
#define XCLEAR_HTTP_CHECK(expression)                                     \
  do {                                                                    \
    const ::xclear::Status _status = (expression);                        \
    if (!_status.ok()) return ::xclear::service::StatusResponse(_status); \
  } while (false)

}  // namespace xclear::service
