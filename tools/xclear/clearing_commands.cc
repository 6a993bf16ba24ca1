// Clearing subcommands: clear, statement.
#include "cli.h"
#include "xclear/clearing.h"
#include "xclear/reports.h"

namespace xclear::cli {
namespace {

std::string StatementText(const Statement& statement) {
  return statement.month.ToString() + " round " + std::to_string(statement.round) + " issued " +
         statement.issued_at.ToString() + " by " + statement.issued_by + " (" +
         std::string(SettlementModeName(statement.mode)) + " settlement)\n  " +
         std::to_string(statement.claim_count) + " claims, fund " +
         statement.fund_amount.ToString() + " CNY, total " + statement.total_amount.ToString() +
         " CNY; " + std::to_string(statement.reversal_count) + " reversals, fund " +
         statement.reversed_fund.ToString() + " CNY; amount " + statement.amount.ToString() +
         " CNY, digest " + DigestToHex(statement.claims_digest) +
         "\n  gross: " + std::to_string(statement.gross.payments) + " payments moving " +
         statement.gross.moved.ToString() + "; net: " + std::to_string(statement.net.payments) +
         " payments moving " + statement.net.moved.ToString() + "\n";
}

Status PrintStatements(Context& context, const std::vector<Statement>& statements) {
  const std::filesystem::path out = context.args->Get("out");
  for (const Statement& statement : statements) {
    const std::string json = StatementToJson(statement, context.config.participants);
    if (!out.empty()) {
      std::error_code error;
      std::filesystem::create_directories(out, error);
      const auto file = out / ("statement-" + statement.month.ToString() + "-round-" +
                               std::to_string(statement.round) + ".json");
      XCLEAR_RETURN_IF_ERROR(WriteFile(file, json + "\n"));
    }
    context.Print(StatementText(statement), json);
  }
  return Status::Ok();
}

Status Clear(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const YearMonth month, YearMonth::Parse(context.args->Get("month")));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  Clearing clearing(*ledger, context.config, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const auto statements, clearing.Clear(month, context.actor));
  return PrintStatements(context, statements);
}

Status ShowStatements(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const YearMonth month, YearMonth::Parse(context.args->Get("month")));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  Clearing clearing(*ledger, context.config, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const auto statements, clearing.Statements(month));
  if (statements.empty())
    return Status::NotFound("no statement has been issued for " + month.ToString());
  if (!context.args->Has("format") && !context.args->Has("round")) {
    return PrintStatements(context, statements);
  }
  // As one report: every round, or the one asked for.
  std::vector<Statement> chosen;
  for (const Statement& statement : statements) {
    if (!context.args->Has("round") ||
        context.args->Get("round") == std::to_string(statement.round)) {
      chosen.push_back(statement);
    }
  }
  if (chosen.empty()) {
    return Status::NotFound("no round " + context.args->Get("round") + " of " + month.ToString());
  }
  return EmitReport(context, "statement " + month.ToString(), [&](ReportFormat format) {
    return RenderStatements(chosen, context.config.participants, ledger->Head(), format);
  });
}

}  // namespace

std::vector<Command> ClearingCommands() {
  return {
      {"clear",
       "run the month-end clearing of a service month",
       "xclear clear --month YYYY-MM [--out DIR] [--json]\n"
       "  Allowed after the month's declaration deadline. Issues the regular round, and a\n"
       "  supplementary round for late claims not yet cleared; a rerun with nothing new returns\n"
       "  the statements already issued. --out writes each statement as JSON into DIR.",
       {"month", "out"},
       {},
       Clear},
      {"statement",
       "show the clearing statements of a month",
       "xclear statement --month YYYY-MM [--out DIR] [--json]\n"
       "xclear statement --month YYYY-MM [--round K] --format text|csv|json|xlsx [--out FILE]\n"
       "  The first form writes each round as JSON into DIR; the second writes all rounds (or\n"
       "  round K) as one report. Also `xclear report statement …`.",
       {"month", "out", "round", "format"},
       {},
       ShowStatements},
  };
}

}  // namespace xclear::cli
