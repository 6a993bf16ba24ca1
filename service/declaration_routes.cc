// Declarations, claims and late-declaration explanations.
#include <Poco/JSON/Array.h>

#include "routes.h"
#include "xclear/journal_json.h"
#include "xclear/text.h"
#include "xclear/views_json.h"

namespace xclear::service {
namespace {

using Poco::JSON::Array;

constexpr size_t kSourceKeyBytesMax = 128;

// A refused declaration: 422 when only the deadline rules refused rows, 400 when rows are
// malformed; either way the body lists every row, field and reason, as the CLI does.
Response DeclarationRefused(const DeclarationReport& report) {
  bool only_rules = !report.errors.empty();
  for (const RowError& error : report.errors) only_rules = only_rules && error.rule;
  auto details = NewJsonObject();
  details->set("declaration", DeclarationReportToJson(report));
  const std::string summary = std::to_string(report.error_count) + " error(s) in " +
                              std::to_string(report.rows) + " rows; nothing was recorded";
  if (only_rules) return ErrorResponse(422, "declaration_refused", summary, details);
  return ErrorResponse(400, "invalid_claims", summary, details);
}

Response Declare(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const uint32_t province, ProvinceParam(request, domain));
  if (!ActsAs(request, province))
    return Forbidden("a province declares only as itself (" +
                     std::to_string(request.principal.province) + ")");
  const std::string source = "api:" + request.idempotency_key.substr(0, kSourceKeyBytesMax);
  const std::string actor = request.principal.Actor();
  Result<DeclarationReport> report = Status::Internal("unset");
  if (request.content_type == "text/csv") {
    report = domain.declarations.DeclareCsvText(province, request.body, actor, source);
  } else if (request.content_type == "application/json") {
    report = domain.declarations.DeclareJson(province, request.body, actor, source);
  } else {
    return ErrorResponse(415, "unsupported_media_type",
                         "declare claims as application/json (an array of claim objects) or "
                         "text/csv (a header row and one claim per row)");
  }
  if (!report.ok()) return StatusResponse(report.status());
  if (!report->accepted) return DeclarationRefused(*report);
  domain.metrics.CountClaimsDeclared(report->recorded);
  return JsonResponse(200, DeclarationReportToJson(*report));
}

// One claim as a CSV line (the columns of ClaimsCsvHeader).
std::string ClaimCsvLine(const ClaimRecord& claim) {
  return CsvField(claim.claim_id) + ',' + std::to_string(claim.treatment) + ',' +
         std::to_string(claim.insured) + ',' + claim.settled_on.ToString() + ',' +
         std::string(CategoryName(claim.category)) + ',' + claim.total_amount.ToString() + ',' +
         claim.fund_amount.ToString() + ',' + (claim.late ? "true" : "false") + ',' +
         DeclarationIdToHex(claim.declaration_id) + ',' + CsvField(claim.reversal_of) + "\r\n";
}

// GET claims: JSON pages of one pair (counterpart required, `after` cursor), or the whole side
// as streamed CSV with a control row.
Response ListClaims(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const uint32_t province, ProvinceParam(request, domain));
  if (!ReadsProvince(request, province)) return Forbidden("a province reads only its own claims");
  XCLEAR_HTTP_ASSIGN(const YearMonth month, MonthParam(request));
  const std::string side = request.Query("side", "treatment");
  if (side != "treatment" && side != "insured")
    return ErrorResponse(400, "invalid_argument", "side: treatment or insured expected");
  uint32_t counterpart = 0;
  if (!request.Query("counterpart").empty()) {
    XCLEAR_HTTP_ASSIGN(counterpart, ProvinceParam(request, domain, "counterpart"));
  }
  const bool as_treatment = side == "treatment";
  const std::string format = request.Query("format", "json");
  if (format == "csv") {
    Response response;
    response.content_type = "text/csv; charset=utf-8";
    const LedgerHead head = domain.ledger.Head();
    response.stream = [&domain, month, province, counterpart, as_treatment,
                       head](const BodySink& sink) -> Status {
      XCLEAR_RETURN_IF_ERROR(
          sink("claim_id,treatment_province,insured_province,settled_on,category,total_amount,"
               "fund_amount,late,declaration,reversal_of\r\n"));
      uint64_t count = 0;
      Money total, fund;
      std::string buffer;
      const auto visit = [&](const ClaimRecord& claim) -> Status {
        ++count;
        // The control row nets reversals off: what the claims still hold.
        total += claim.is_reversal() ? -claim.total_amount : claim.total_amount;
        fund += claim.is_reversal() ? -claim.fund_amount : claim.fund_amount;
        buffer += ClaimCsvLine(claim);
        if (buffer.size() < (1u << 16)) return Status::Ok();
        Status status = sink(buffer);
        buffer.clear();
        return status;
      };
      for (const Participant& other : domain.config.participants.units()) {
        if (other.code == province || (counterpart != 0 && other.code != counterpart)) continue;
        XCLEAR_RETURN_IF_ERROR(
            as_treatment ? domain.declarations.ForEachClaim(month, province, other.code, visit)
                         : domain.declarations.ForEachClaim(month, other.code, province, visit));
      }
      buffer += "TOTAL " + std::to_string(count) + " claims,,,,," + total.ToString() + ',' +
                fund.ToString() + ",,ledger entry " + std::to_string(head.sequence) + " " +
                DigestToHex(head.hash) + ",\r\n";
      return sink(buffer);
    };
    return response;
  }
  if (format != "json") return ErrorResponse(400, "invalid_argument", "format: json or csv");
  if (counterpart == 0)
    return ErrorResponse(400, "invalid_argument",
                         "counterpart: JSON pages list one pair; give the other province (or "
                         "format=csv for every claim of the month)");
  uint64_t limit = domain.config.service.claims_page_max;
  if (!request.Query("limit").empty()) {
    const std::string text = request.Query("limit");
    if (text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoull(text) == 0)
      return ErrorResponse(400, "invalid_argument", "limit: a positive whole number expected");
    limit = std::min<uint64_t>(limit, std::stoull(text));
  }
  const std::string after = request.Query("after");
  Array::Ptr claims = new Array();
  std::string next;
  const uint32_t treatment = as_treatment ? province : counterpart;
  const uint32_t insured = as_treatment ? counterpart : province;
  const Status scanned = domain.declarations.ForEachClaim(
      month, treatment, insured,
      [&](const ClaimRecord& claim) -> Status {
        if (claims->size() == limit) {
          next = claims->getObject(static_cast<unsigned>(limit - 1))
                     ->getValue<std::string>("claim_id");
          return Status(ErrorCode::kAlreadyExists, "page full");
        }
        claims->add(ClaimToJson(claim));
        return Status::Ok();
      },
      after);
  if (!scanned.ok() && scanned.code() != ErrorCode::kAlreadyExists) return StatusResponse(scanned);
  auto body = NewJsonObject();
  body->set("month", month.ToString());
  body->set("treatment_province", std::to_string(treatment));
  body->set("insured_province", std::to_string(insured));
  body->set("claims", claims);
  body->set("next_after", next);
  return JsonResponse(200, body);
}

Response GetClaim(const Request& request, Domain& domain) {
  const std::string& claim_id = request.params.at("claim_id");
  XCLEAR_HTTP_ASSIGN(const auto claim, domain.declarations.FindClaim(claim_id));
  // "Not yours" and "not there" answer alike, so that a province cannot probe other pairs.
  if (!claim || !ReadsPair(request, claim->insured, claim->treatment))
    return ErrorResponse(404, "not_found", "claim " + QuoteText(claim_id, 64) + " is not recorded");
  return JsonResponse(200, ClaimToJson(*claim));
}

Response FileExplanation(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const uint32_t province, ProvinceParam(request, domain));
  if (!ActsAs(request, province)) return Forbidden("a province files explanations only for itself");
  XCLEAR_HTTP_ASSIGN(const auto body, BodyObject(request));
  XCLEAR_HTTP_ASSIGN(const std::string month_text, StringField(*body, "month"));
  XCLEAR_HTTP_ASSIGN(const std::string reason, StringField(*body, "reason"));
  XCLEAR_HTTP_ASSIGN(const YearMonth month, YearMonth::Parse(month_text));
  XCLEAR_HTTP_ASSIGN(
      const Explanation explanation,
      domain.declarations.FileExplanation(province, month, reason, request.principal.Actor()));
  return JsonResponse(200, ExplanationToJson(explanation));
}

Response ListExplanations(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const uint32_t province, ProvinceParam(request, domain));
  if (!ReadsProvince(request, province))
    return Forbidden("a province reads only its own explanations");
  XCLEAR_HTTP_ASSIGN(const auto list, domain.declarations.ListExplanations(province));
  Array::Ptr items = new Array();
  for (const Explanation& explanation : list) items->add(ExplanationToJson(explanation));
  auto body = NewJsonObject();
  body->set("explanations", items);
  return JsonResponse(200, body);
}

}  // namespace

std::vector<Route> DeclarationRoutes() {
  return {
      {"POST", "/v1/provinces/{province}/declarations", Operation::kDeclare, Declare},
      {"GET", "/v1/provinces/{province}/claims", Operation::kRead, ListClaims},
      {"GET", "/v1/claims/{claim_id}", Operation::kRead, GetClaim},
      {"POST", "/v1/provinces/{province}/explanations", Operation::kFileExplanation,
       FileExplanation},
      {"GET", "/v1/provinces/{province}/explanations", Operation::kRead, ListExplanations},
  };
}

}  // namespace xclear::service
