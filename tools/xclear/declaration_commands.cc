// Declaration subcommands: declare, explain, explanations, claim, claims.
#include <Poco/JSON/Array.h>

#include <cstdio>

#include "cli.h"
#include "xclear/declarations.h"
#include "xclear/journal_json.h"
#include "xclear/views_json.h"

namespace xclear::cli {
namespace {

Result<uint32_t> ProvinceArgument(const Context& context) {
  if (!context.args->Has("province")) return Status::InvalidArgument("--province CODE is required");
  return context.config.participants.ParseCode(context.args->Get("province"));
}

std::string ReportText(const DeclarationReport& report) {
  std::string out;
  if (!report.accepted) {
    out = report.source + ": refused, nothing was recorded; " + std::to_string(report.error_count) +
          " error(s) in " + std::to_string(report.rows) + " rows:\n";
    for (const RowError& error : report.errors) {
      out += "  row " + std::to_string(error.row) + (error.field.empty() ? "" : " " + error.field) +
             ": " + error.reason + "\n";
    }
    if (report.error_count > report.errors.size()) {
      out += "  … and " + std::to_string(report.error_count - report.errors.size()) + " more\n";
    }
    return out;
  }
  out = report.source + ": " + std::to_string(report.recorded) + " claims recorded (" +
        report.fund_amount.ToString() + " CNY fund, " + std::to_string(report.late) + " late), " +
        std::to_string(report.duplicates) + " duplicates ignored";
  if (report.reversals > 0) {
    out += ", " + std::to_string(report.reversals) + " reversals recorded (" +
           report.reversed_fund.ToString() + " CNY fund)";
  }
  if (report.entry_sequence != 0) out += "; ledger entry " + std::to_string(report.entry_sequence);
  if (report.reversal_entry_sequence != 0)
    out += "; reversals entry " + std::to_string(report.reversal_entry_sequence);
  return out;
}

Status Declare(Context& context) {
  const auto& files = context.args->positional();
  if (files.empty()) return Status::InvalidArgument("declare needs at least one CSV FILE");
  XCLEAR_ASSIGN_OR_RETURN(const uint32_t province, ProvinceArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  Declarations declarations(*ledger, context.config, *context.clock);
  const bool progress = context.args->Has("progress");
  bool all_accepted = true;
  for (const std::string& file : files) {
    const ProgressCallback report_progress = [&](uint64_t rows, uint64_t bytes, uint64_t total) {
      if (!progress) return;
      std::fprintf(stderr, "\r%s: %llu rows, %.1f of %.1f MB", file.c_str(),
                   static_cast<unsigned long long>(rows), bytes / 1e6, total / 1e6);
    };
    XCLEAR_ASSIGN_OR_RETURN(
        const DeclarationReport report,
        declarations.DeclareCsvFile(province, file, context.actor, report_progress));
    if (progress) std::fputc('\n', stderr);
    context.Print(ReportText(report), JsonToString(DeclarationReportToJson(report)));
    all_accepted = all_accepted && report.accepted;
  }
  if (!all_accepted)
    return Status::InvalidArgument("the declaration was refused; see the rows listed");
  return Status::Ok();
}

Status Explain(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const uint32_t province, ProvinceArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(const YearMonth month, YearMonth::Parse(context.args->Get("month")));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  Declarations declarations(*ledger, context.config, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(
      const Explanation explanation,
      declarations.FileExplanation(province, month, context.args->Get("reason"), context.actor));
  context.Print("explanation for " + std::to_string(province) + " " + month.ToString() +
                    " recorded at " + explanation.filed_at.ToString() + "; late claims of " +
                    month.ToString() + " will be accepted until the year-end cut-off",
                JsonToString(ExplanationToJson(explanation)));
  return Status::Ok();
}

Status Explanations(Context& context) {
  uint32_t province = 0;
  if (context.args->Has("province")) {
    XCLEAR_ASSIGN_OR_RETURN(province, ProvinceArgument(context));
  }
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  Declarations declarations(*ledger, context.config, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const auto list, declarations.ListExplanations(province));
  Poco::JSON::Array::Ptr items = new Poco::JSON::Array();
  std::string text;
  for (const Explanation& explanation : list) {
    items->add(ExplanationToJson(explanation));
    text += std::to_string(explanation.treatment) + " " + explanation.month.ToString() + " filed " +
            explanation.filed_at.ToString() + " by " + explanation.actor + ": " +
            explanation.reason + "\n";
  }
  auto out = NewJsonObject();
  out->set("explanations", items);
  context.Print(text.empty() ? "no explanations" : text, JsonToString(out));
  return Status::Ok();
}

std::string ClaimText(const ClaimRecord& claim) {
  return claim.claim_id + " " + std::to_string(claim.treatment) + "<-" +
         std::to_string(claim.insured) + " " + claim.settled_on.ToString() + " " +
         std::string(CategoryName(claim.category)) + " total " + claim.total_amount.ToString() +
         " fund " + claim.fund_amount.ToString() + (claim.late ? " late" : "") +
         (claim.reversal_of.empty() ? "" : " reversal of " + claim.reversal_of) +
         (claim.reversed_by.empty() ? "" : " reversed by " + claim.reversed_by);
}

Status ClaimCommand(Context& context) {
  if (context.args->positional().size() != 1)
    return Status::InvalidArgument("claim needs one CLAIM_ID");
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  Declarations declarations(*ledger, context.config, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const auto claim, declarations.FindClaim(context.args->positional()[0]));
  if (!claim)
    return Status::NotFound("claim " + context.args->positional()[0] + " is not recorded");
  context.Print(ClaimText(*claim), JsonToString(ClaimToJson(*claim)));
  return Status::Ok();
}

// The claims of a month as CSV, streamed to --out (written beside it and renamed into place) or
// stdout, with a last control row: count, Σ total, Σ fund, and the ledger entry and hash.
Status ClaimsCsv(Context& context, const Ledger& ledger, const Declarations& declarations,
                 const YearMonth& month, uint32_t treatment, uint32_t insured) {
  const LedgerHead head = ledger.Head();
  const bool progress = context.args->Has("progress");
  uint64_t count = 0;
  const Status status = StreamReport(context, [&](const ReportSink& sink) -> Status {
    std::string buffer =
        "claim_id,treatment_province,insured_province,settled_on,category,total_amount,"
        "fund_amount,late,declaration,row,reversal_of\r\n";
    Money total, fund;
    XCLEAR_RETURN_IF_ERROR(
        declarations.ForEachClaim(month, treatment, insured, [&](const ClaimRecord& claim) {
          buffer += CsvField(claim.claim_id) + ',' + std::to_string(claim.treatment) + ',' +
                    std::to_string(claim.insured) + ',' + claim.settled_on.ToString() + ',' +
                    std::string(CategoryName(claim.category)) + ',' +
                    claim.total_amount.ToString() + ',' + claim.fund_amount.ToString() + ',' +
                    (claim.late ? "late" : "") + ',' + DeclarationIdToHex(claim.declaration_id) +
                    ',' + std::to_string(claim.row) + ',' + CsvField(claim.reversal_of) + "\r\n";
          // The control row nets reversals off: what the month's claims still hold.
          total += claim.is_reversal() ? -claim.total_amount : claim.total_amount;
          fund += claim.is_reversal() ? -claim.fund_amount : claim.fund_amount;
          if ((++count & 0xFFFFF) == 0 && progress) {
            std::fprintf(stderr, "\r  %llu claims", static_cast<unsigned long long>(count));
          }
          if (buffer.size() < (1u << 20)) return Status::Ok();
          const Status written = sink(buffer);
          buffer.clear();
          return written;
        }));
    buffer += "total," + std::to_string(count) + " claims,,," + month.ToString() + "," +
              total.ToString() + "," + fund.ToString() + ",,entry " +
              std::to_string(head.sequence) + "," + DigestToHex(head.hash) + ",\r\n";
    return sink(buffer);
  });
  if (progress) std::fprintf(stderr, "\r  %llu claims\n", static_cast<unsigned long long>(count));
  return status;
}

Status Claims(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const YearMonth month, YearMonth::Parse(context.args->Get("month")));
  uint32_t treatment = 0, insured = 0;
  if (context.args->Has("province")) {
    XCLEAR_ASSIGN_OR_RETURN(treatment, ProvinceArgument(context));
  }
  if (context.args->Has("insured")) {
    XCLEAR_ASSIGN_OR_RETURN(insured,
                            context.config.participants.ParseCode(context.args->Get("insured")));
  }
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  Declarations declarations(*ledger, context.config, *context.clock);
  if (context.args->Get("format") == "csv")
    return ClaimsCsv(context, *ledger, declarations, month, treatment, insured);
  if (context.args->Has("format") && context.args->Get("format") != "text") {
    return Status::InvalidArgument("--format must be text or csv (JSON Lines with --json)");
  }
  return declarations.ForEachClaim(month, treatment, insured, [&](const ClaimRecord& claim) {
    context.Print(ClaimText(claim), JsonToString(ClaimToJson(claim)));
    return Status::Ok();
  });
}

}  // namespace

std::vector<Command> DeclarationCommands() {
  return {
      {"declare",
       "declare claims from CSV files as a treatment province",
       "xclear declare FILE... --province CODE [--progress]\n"
       "  Each FILE is one declaration (validated whole, then recorded atomically or not at all).\n"
       "  Columns: claim_id, treatment_province, insured_province, settled_on, category,\n"
       "  total_amount, fund_amount — or the national platform's setl_id, mdtrtarea_admvs,\n"
       "  insuplc_admdvs, setl_time, med_type, medfee_sumamt, fund_pay_sumamt. See "
       "docs/declarations.md.",
       {"province"},
       {"progress"},
       Declare},
      {"explain",
       "file a late-declaration explanation (情况说明) for a month",
       "xclear explain --province CODE --month YYYY-MM --reason TEXT\n"
       "  Must be filed by the month's declaration deadline; late claims of that month are then\n"
       "  accepted until the year-end cut-off and cleared in a supplementary round.",
       {"province", "month", "reason"},
       {},
       Explain},
      {"explanations",
       "list late-declaration explanations",
       "xclear explanations [--province CODE]",
       {"province"},
       {},
       Explanations},
      {"claim", "show one recorded claim", "xclear claim CLAIM_ID", {}, {}, ClaimCommand},
      {"claims",
       "list the claims of a service month",
       "xclear claims --month YYYY-MM [--province TREATMENT] [--insured CODE] [--json]\n"
       "xclear claims --month YYYY-MM [--province T] [--insured I] --format csv [--out FILE]\n"
       "              [--progress]\n"
       "  CSV is streamed, with a last row of control totals and the ledger entry and hash.\n"
       "  Also `xclear report claims …`.",
       {"month", "province", "insured", "format", "out"},
       {"progress"},
       Claims},
  };
}

}  // namespace xclear::cli
