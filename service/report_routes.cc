// Reports as downloads: GET /v1/reports/{name}?format=csv|xlsx|json (or by Accept).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "routes.h"

namespace xclear::service {
namespace {

constexpr const char* kXlsxType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// ?format= wins; else the first of csv / xlsx / json named by Accept; else csv.
Result<ReportFormat> FormatOf(const Request& request) {
  const std::string format = request.Query("format");
  if (!format.empty()) {
    if (format == "csv") return ReportFormat::kCsv;
    if (format == "xlsx") return ReportFormat::kXlsx;
    if (format == "json") return ReportFormat::kJson;
    return Status::InvalidArgument("format: csv, xlsx or json expected");
  }
  const std::string& accept = request.accept;
  const size_t csv = accept.find("text/csv");
  const size_t xlsx = accept.find(kXlsxType);
  const size_t json = accept.find("application/json");
  const size_t first = std::min({csv, xlsx, json});
  if (first == std::string::npos || first == csv) return ReportFormat::kCsv;
  return first == xlsx ? ReportFormat::kXlsx : ReportFormat::kJson;
}

// A new directory only this process can enter, for one download's temporary files:
// <data_dir>/tmp (mode 0700, refused if it is a symlink or someone else's) / xlsx-XXXXXX
// (mkdtemp). Nothing in it can have been planted by another local user.
Result<std::filesystem::path> PrivateTempDirectory(const std::filesystem::path& data_dir) {
  const std::filesystem::path parent = data_dir / "tmp";
  if (::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::IoError("cannot create " + parent.string() + ": " + std::strerror(errno));
  struct stat info {};
  if (::lstat(parent.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::geteuid() ||
      (info.st_mode & 0077) != 0)
    return Status::IoError(parent.string() +
                           " is not a private directory of the service (mode 0700, its owner)");
  std::string pattern = (parent / "xlsx-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return Status::IoError("cannot create a temporary directory in " + parent.string());
  return std::filesystem::path(pattern);
}

// Renders the report in the asked format as an attachment named `stem`.{csv,xlsx,json}.
Response Download(const Request& request, const Domain& domain, const std::string& stem,
                  const std::string& sheet,
                  const std::function<std::string(ReportFormat)>& render) {
  XCLEAR_HTTP_ASSIGN(const ReportFormat format, FormatOf(request));
  Response response;
  std::string extension;
  if (format == ReportFormat::kXlsx) {
    XCLEAR_HTTP_ASSIGN(const std::filesystem::path directory,
                       PrivateTempDirectory(domain.config.storage.data_dir));
    const std::filesystem::path file = directory / (stem + ".xlsx");
    const Status written = WriteCsvAsXlsx(render(ReportFormat::kCsv), sheet, file);
    if (written.ok()) {
      std::ifstream in(file, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      response.body = bytes.str();
    }
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
    XCLEAR_HTTP_CHECK(written);
    response.content_type = kXlsxType;
    extension = "xlsx";
  } else {
    response.body = render(format);
    response.content_type =
        format == ReportFormat::kCsv ? "text/csv; charset=utf-8" : "application/json";
    extension = format == ReportFormat::kCsv ? "csv" : "json";
  }
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + stem + "." + extension + "\"");
  return response;
}

std::optional<uint32_t> OwnProvince(const Request& request) {
  if (request.principal.role == Role::kProvince) return request.principal.province;
  return std::nullopt;
}

Response StatementReport(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const YearMonth month, MonthParam(request));
  XCLEAR_HTTP_ASSIGN(std::vector<Statement> statements, domain.clearing.Statements(month));
  if (statements.empty())
    return ErrorResponse(404, "not_found", month.ToString() + " has not been cleared");
  if (const auto own = OwnProvince(request)) {
    for (Statement& statement : statements) statement = StatementForProvince(statement, *own);
  }
  const LedgerHead head = domain.ledger.Head();
  return Download(request, domain, "statement-" + month.ToString(), "statement " + month.ToString(),
                  [&](ReportFormat format) {
                    return RenderStatements(statements, domain.config.participants, head, format);
                  });
}

Response ProvincialReport(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const uint32_t province, ProvinceParam(request, domain));
  if (!ReadsProvince(request, province)) return Forbidden("a province reads only its own books");
  XCLEAR_HTTP_ASSIGN(const YearMonth month, MonthParam(request));
  XCLEAR_HTTP_ASSIGN(const ProvincialStatement statement,
                     BuildProvincialStatement(domain.ledger, province, month));
  return Download(request, domain,
                  "provincial-" + std::to_string(province) + "-" + month.ToString(),
                  std::to_string(province) + " " + month.ToString(), [&](ReportFormat format) {
                    return RenderProvincialStatement(statement, domain.config.participants, format);
                  });
}

Response TrialBalanceReport(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const uint64_t as_of, ResolveAsOf(domain.ledger, request.Query("as_of")));
  XCLEAR_HTTP_ASSIGN(TrialBalance trial, domain.ledger.TrialBalanceAt(as_of));
  if (const auto own = OwnProvince(request)) trial = TrialBalanceForProvince(trial, *own);
  return Download(request, domain, "trial-balance-" + std::to_string(trial.as_of_sequence),
                  "trial balance", [&](ReportFormat format) {
                    return RenderTrialBalance(trial, domain.config.participants, format);
                  });
}

Response DeadlinesReport(const Request& request, Domain& domain) {
  std::optional<uint32_t> province = OwnProvince(request);
  if (!province && !request.Query("province").empty()) {
    XCLEAR_HTTP_ASSIGN(province, ProvinceParam(request, domain));
  }
  XCLEAR_HTTP_ASSIGN(const std::vector<DeadlineItem> items,
                     OpenObligations(domain.settlement, domain.prepayments, province,
                                     domain.clock.Now().CstDate()));
  const Instant now = domain.clock.Now();
  const LedgerHead head = domain.ledger.Head();
  return Download(request, domain, "deadlines", "deadlines", [&](ReportFormat format) {
    return RenderDeadlines(items, now, head, domain.config.participants, format);
  });
}

Response PositionsReport(const Request& request, Domain& domain) {
  std::optional<uint32_t> province = OwnProvince(request);
  if (!province && !request.Query("province").empty()) {
    XCLEAR_HTTP_ASSIGN(province, ProvinceParam(request, domain));
  }
  XCLEAR_HTTP_ASSIGN(const AsOfPoint as_of,
                     ResolveAsOfPoint(domain.ledger, request.Query("as_of")));
  XCLEAR_HTTP_ASSIGN(const std::vector<Position> positions,
                     domain.prepayments.Positions(as_of.sequence, province));
  return Download(request, domain, "positions-" + std::to_string(as_of.sequence), "positions",
                  [&](ReportFormat format) {
                    return RenderPositions(positions, as_of.sequence, as_of.hash,
                                           domain.config.participants, format);
                  });
}

Response PrepaymentReport(const Request& request, Domain& domain) {
  const std::string year_text = request.Query("year");
  if (year_text.size() != 4 || year_text.find_first_not_of("0123456789") != std::string::npos)
    return ErrorResponse(400, "invalid_argument", "year: YYYY is required");
  const int year = std::stoi(year_text);
  XCLEAR_HTTP_ASSIGN(
      const PrepaymentReportData data,
      GatherPrepaymentReport(domain.ledger, domain.prepayments, year, OwnProvince(request)));
  return Download(request, domain, "prepayment-" + year_text, "prepayments " + year_text,
                  [&](ReportFormat format) {
                    return RenderPrepaymentReport(data.adjustment, data.issued, data.positions,
                                                  data.notice_paid, data.as_of, data.as_of_hash,
                                                  domain.config.participants, format);
                  });
}

// The whole journal (or a range) in hledger format, streamed: auditors and the operator only,
// since it holds every province's books.
Response JournalReport(const Request& request, Domain& domain) {
  if (request.principal.role == Role::kProvince)
    return Forbidden("the journal holds every province's books; ask for the provincial report");
  const std::string format = request.Query("format", "hledger");
  if (format != "hledger")
    return ErrorResponse(400, "invalid_argument", "format: the journal comes as hledger");
  uint64_t first = 0, last = 0;
  if (!request.Query("from").empty()) {
    XCLEAR_HTTP_ASSIGN(first, ResolveAsOf(domain.ledger, request.Query("from")));
  }
  if (!request.Query("to").empty()) {
    XCLEAR_HTTP_ASSIGN(last, ResolveAsOf(domain.ledger, request.Query("to")));
  }
  Response response;
  response.content_type = "text/plain; charset=utf-8";
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"xclear.journal\"");
  response.stream = [&domain, first, last](const BodySink& sink) {
    return WriteHledgerJournal(domain.ledger, first, last, sink);
  };
  return response;
}

Response Report(const Request& request, Domain& domain) {
  static const std::map<std::string, Handler> kReports = {
      {"statement", StatementReport},
      {"provincial", ProvincialReport},
      {"trial-balance", TrialBalanceReport},
      {"deadlines", DeadlinesReport},
      {"positions", PositionsReport},
      {"prepayment", PrepaymentReport},
      {"journal", JournalReport},
  };
  const auto found = kReports.find(request.params.at("name"));
  if (found == kReports.end())
    return ErrorResponse(404, "not_found",
                         "no report \"" + request.params.at("name").substr(0, 40) +
                             "\"; reports: statement, provincial, trial-balance, deadlines, "
                             "positions, prepayment, journal");
  return found->second(request, domain);
}

}  // namespace

std::vector<Route> ReportRoutes() {
  return {
      // The deadlines report counts days overdue; the journal streams (never kept).
      {"GET", "/v1/reports/{name}", Operation::kRead, Report, ViewCaching::kLedgerAndDay},
  };
}

}  // namespace xclear::service
