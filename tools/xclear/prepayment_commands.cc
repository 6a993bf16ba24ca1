// Prepayment subcommands: positions, adjust, adjustment, topup, topup-check, notices.
// (Payments of notices go through `pay --notice`, see settlement_commands.cc.)
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "cli.h"
#include "xclear/journal_json.h"
#include "xclear/prepayments.h"
#include "xclear/reports.h"
#include "xclear/views_json.h"

namespace xclear::cli {
namespace {

Result<uint32_t> ProvinceArgument(const Context& context, const std::string& flag) {
  if (!context.args->Has(flag)) return Status::InvalidArgument("--" + flag + " is required");
  auto code = context.config.participants.ParseCode(context.args->Get(flag));
  if (!code.ok()) return code.status().WithContext("--" + flag);
  return code;
}

Result<int> YearArgument(const Context& context) {
  const std::string text = context.args->Get("year");
  if (text.size() != 4 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument("--year must be a year YYYY, got \"" + text.substr(0, 20) +
                                   "\"");
  }
  return std::stoi(text);
}

std::string NoticeText(const Notice& notice) {
  return notice.id + ": " + std::to_string(notice.payer) + " pays " + std::to_string(notice.payee) +
         " " + notice.amount.ToString() + " (paid " + notice.paid.ToString() + "), due " +
         (notice.due ? notice.due->ToString() : "unknown: " + notice.due_note) +
         (notice.completed_on ? ", complete " + notice.completed_on->ToString() : "") + " — " +
         notice.detail;
}

Status ShowPositions(Context& context) {
  std::optional<uint32_t> province;
  if (context.args->Has("province")) {
    XCLEAR_ASSIGN_OR_RETURN(province, ProvinceArgument(context, "province"));
  }
  const std::string sort = context.args->Get("sort", "pair");
  if (sort != "pair" && sort != "usage") {
    return Status::InvalidArgument("--sort must be pair or usage, got \"" + sort.substr(0, 20) +
                                   "\"");
  }
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  XCLEAR_ASSIGN_OR_RETURN(const AsOfPoint as_of,
                          ResolveAsOfPoint(*ledger, context.args->Get("as-of")));
  Prepayments prepayments(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(std::vector<Position> positions,
                          prepayments.Positions(as_of.sequence, province));
  if (sort == "usage") std::stable_sort(positions.begin(), positions.end(), HigherUsage);
  return EmitReport(context, "positions", [&](ReportFormat format) {
    return RenderPositions(positions, as_of.sequence, as_of.hash, context.config.participants,
                           format);
  });
}

std::string AdjustmentText(const Adjustment& adjustment) {
  uint64_t payments = 0, refunds = 0;
  Money paid, refunded;
  std::string lines;
  for (const AdjustmentLine& line : adjustment.lines) {
    if (line.adjustment.is_positive()) {
      ++payments;
      paid += line.adjustment;
    } else if (line.adjustment.is_negative()) {
      ++refunds;
      refunded -= line.adjustment;
    }
    if (line.base.is_zero() && line.current.is_zero()) continue;
    lines += "  " + std::to_string(line.insured) + " -> " + std::to_string(line.treatment) +
             ": base " + line.base.ToString() + ", target " + line.target.ToString() +
             ", prepayment " + line.current.ToString() + ", adjustment " +
             line.adjustment.ToString() + "\n";
  }
  return "annual prepayment adjustment " + std::to_string(adjustment.year) + " (issued " +
         adjustment.issued_at.ToString() + " by " + adjustment.issued_by +
         "): " + std::to_string(adjustment.lines.size()) + " pairs, " +
         std::to_string(adjustment.claim_count) + " claims of " +
         std::to_string(adjustment.year - 1) + "; " + std::to_string(payments) +
         " payment notices (" + paid.ToString() + "), " + std::to_string(refunds) +
         " refund notices (" + refunded.ToString() + "), due " + adjustment.due.ToString() + "\n" +
         lines;
}

Status Adjust(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const int year, YearArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Prepayments prepayments(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const Adjustment adjustment,
                          prepayments.RunAdjustment(year, context.actor));
  context.Print(AdjustmentText(adjustment), AdjustmentToJson(adjustment, true));
  return Status::Ok();
}

Status ShowAdjustment(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const int year, YearArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Prepayments prepayments(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const auto adjustment, prepayments.AdjustmentOf(year));
  if (!adjustment) {
    return Status::NotFound("the annual prepayment adjustment for " + std::to_string(year) +
                            " has not run");
  }
  context.Print(AdjustmentText(*adjustment), AdjustmentToJson(*adjustment, true));
  return Status::Ok();
}

Status TopUp(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const uint32_t insured, ProvinceArgument(context, "insured"));
  XCLEAR_ASSIGN_OR_RETURN(const uint32_t treatment, ProvinceArgument(context, "treatment"));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Prepayments prepayments(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const Notice notice,
                          prepayments.RequestTopUp(insured, treatment, context.who));
  context.Print("issued " + NoticeText(notice), JsonToString(NoticeToJson(notice)));
  return Status::Ok();
}

Status CheckTopUps(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Prepayments prepayments(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const TopUpCheck check, prepayments.CheckTopUps(context.who));
  std::string text = "top-up check: " + std::to_string(check.issued.size()) + " issued, " +
                     std::to_string(check.skipped.size()) + " red pair(s) left alone\n";
  for (const Notice& notice : check.issued) text += "  issued " + NoticeText(notice) + "\n";
  for (const auto& [position, reason] : check.skipped) {
    text += "  skipped " + std::to_string(position.insured) + " -> " +
            std::to_string(position.treatment) + ": " + reason + "\n";
  }
  context.Print(text, JsonToString(TopUpCheckToJson(check)));
  return Status::Ok();
}

Status PrepaymentReport(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const int year, YearArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Prepayments prepayments(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const PrepaymentReportData data,
                          GatherPrepaymentReport(*ledger, prepayments, year));
  return EmitReport(context, "prepayments " + std::to_string(year), [&](ReportFormat format) {
    return RenderPrepaymentReport(data.adjustment, data.issued, data.positions, data.notice_paid,
                                  data.as_of, data.as_of_hash, context.config.participants, format);
  });
}

Status ListNotices(Context& context) {
  std::optional<uint32_t> province;
  if (context.args->Has("province")) {
    XCLEAR_ASSIGN_OR_RETURN(province, ProvinceArgument(context, "province"));
  }
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Prepayments prepayments(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Notice> notices,
                          prepayments.Notices(province, context.args->Has("open")));
  std::string text;
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array();
  for (const Notice& notice : notices) {
    text += NoticeText(notice) + "\n";
    list->add(NoticeToJson(notice));
  }
  auto json = NewJsonObject();
  json->set("notices", list);
  context.Print(text.empty() ? "no prepayment notices" : text, JsonToString(json));
  return Status::Ok();
}

}  // namespace

std::vector<Command> PrepaymentCommands() {
  return {
      {"positions",
       "prepayment, outstanding, usage and warning colour of every pair",
       "xclear positions [--province CODE] [--as-of SEQ|TIME] [--sort pair|usage]\n"
       "                 [--format text|csv|json|xlsx] [--out FILE]\n"
       "  With --province, that province's pairs on both sides (62); else all 992. --sort usage\n"
       "  puts the highest usage first (exact comparison).",
       {"province", "as-of", "sort", "format", "out"},
       {},
       ShowPositions},
      {"adjust",
       "run the annual prepayment adjustment for a year (January only, once)",
       "xclear adjust --year YYYY [--json]\n"
       "  Per pair: base = Σ fund of the claims of YYYY−1, target = half-up(months × base / 12),\n"
       "  adjustment = target − prepayment. Issues payment and refund notices due by the last\n"
       "  day of February. Refused outside 1–31 January of YYYY and when it already ran.",
       {"year"},
       {},
       Adjust},
      {"adjustment",
       "show the annual prepayment adjustment of a year",
       "xclear adjustment --year YYYY [--json]",
       {"year"},
       {},
       ShowAdjustment},
      {"topup",
       "request an emergency top-up of a pair at the red line",
       "xclear topup --insured CODE --treatment CODE [--json]\n"
       "  Amount: round up to the fen of outstanding / target usage − prepayment. Refused below\n"
       "  the red line and while an earlier top-up of the pair is unpaid.",
       {"insured", "treatment"},
       {},
       TopUp},
      {"topup-check",
       "the operator's check: a top-up notice for every pair at the red line",
       "xclear topup-check [--json]",
       {},
       {},
       CheckTopUps},
      {"prepayment",
       "the prepayment report of a year: base, target, adjustment, usage, warning per pair",
       "xclear prepayment --year YYYY [--format text|csv|json|xlsx] [--out FILE]\n"
       "  The annual adjustment of YYYY (a preview until it has run) beside each pair's position\n"
       "  now. Also `xclear report prepayment …`.",
       {"year", "format", "out"},
       {},
       PrepaymentReport},
      {"notices",
       "list prepayment notices (annual adjustment, top-ups) with what is paid",
       "xclear notices [--province CODE] [--open] [--json]",
       {"province"},
       {"open"},
       ListNotices},
  };
}

}  // namespace xclear::cli
