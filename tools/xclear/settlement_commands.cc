// Settlement subcommands: confirm, pay, payments, settlement, deadlines, month-end.
#include <Poco/JSON/Array.h>

#include <chrono>
#include <cstdio>

#include "cli.h"
#include "xclear/clearing.h"
#include "xclear/journal_json.h"
#include "xclear/prepayments.h"
#include "xclear/reports.h"
#include "xclear/settlement.h"
#include "xclear/views_json.h"

namespace xclear::cli {
namespace {

Result<std::string> Required(const Context& context, const std::string& flag) {
  if (!context.args->Has(flag)) return Status::InvalidArgument("--" + flag + " is required");
  return context.args->Get(flag);
}

Result<YearMonth> MonthArgument(const Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const std::string text, Required(context, "month"));
  return YearMonth::Parse(text);
}

Result<uint32_t> RoundArgument(const Context& context) {
  const std::string text = context.args->Get("round", "0");
  if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos)
    return Status::InvalidArgument(
        "--round must be a round number (0 regular, 1, 2 … supplementary)");
  return static_cast<uint32_t>(std::stoul(text));
}

// A province code, or "national" / 100000 for the national clearing account.
Result<uint32_t> PartyArgument(const Context& context, const std::string& flag) {
  XCLEAR_ASSIGN_OR_RETURN(const std::string text, Required(context, flag));
  if (text == "national" || text == std::to_string(kNationalClearingCode))
    return kNationalClearingCode;
  auto code = context.config.participants.ParseCode(text);
  if (!code.ok()) return code.status().WithContext("--" + flag);
  return code;
}

std::string DueText(const std::optional<Date>& due, const std::string& note) {
  return due ? due->ToString() : "unknown (" + note + ")";
}

std::string PaymentText(const Payment& payment) {
  return payment.month.ToString() + " round " + std::to_string(payment.round) + ": " +
         std::to_string(payment.payer) + " -> " + std::to_string(payment.payee) + " " +
         payment.amount.ToString() + " CNY" + (payment.owed_back ? " paid back" : "") + ", " +
         payment.bank + " " + payment.serial + ", value date " + payment.value_date.ToString() +
         ", entry " + std::to_string(payment.entry_sequence) +
         (payment.replayed ? " (already recorded)" : "");
}

Status Confirm(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const YearMonth month, MonthArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(const uint32_t round, RoundArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(const std::string province_text, Required(context, "province"));
  XCLEAR_ASSIGN_OR_RETURN(const uint32_t province,
                          context.config.participants.ParseCode(province_text));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Settlement settlement(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const Confirmation confirmation,
                          settlement.Confirm(month, round, province, context.actor));
  context.Print(std::to_string(province) +
                    (confirmation.replayed ? " had confirmed " : " confirmed ") + month.ToString() +
                    " round " + std::to_string(round) + " at " +
                    confirmation.confirmed_at.ToString() + " (" + confirmation.actor + ")",
                JsonToString(ConfirmationToJson(confirmation)));
  return Status::Ok();
}

// The bank record's options, the same for a payment of a statement or of a notice and for a
// returned payment: --bank, --serial, --value-date, --amount.
template <typename Draft>
Status ReadBankRecord(const Context& context, Draft& draft) {
  XCLEAR_ASSIGN_OR_RETURN(draft.bank, Required(context, "bank"));
  XCLEAR_ASSIGN_OR_RETURN(draft.serial, Required(context, "serial"));
  XCLEAR_ASSIGN_OR_RETURN(const std::string value_date, Required(context, "value-date"));
  auto date = Date::Parse(value_date);
  if (!date.ok()) return date.status().WithContext("--value-date");
  draft.value_date = *date;
  XCLEAR_ASSIGN_OR_RETURN(const std::string amount, Required(context, "amount"));
  auto money = Money::Parse(amount);
  if (!money.ok()) return money.status().WithContext("--amount");
  draft.amount = *money;
  return Status::Ok();
}

// A payment record: --from, --to and the bank record.
template <typename Draft>
Status ReadPaymentRecord(const Context& context, Draft& draft) {
  XCLEAR_ASSIGN_OR_RETURN(draft.payer, PartyArgument(context, "from"));
  XCLEAR_ASSIGN_OR_RETURN(draft.payee, PartyArgument(context, "to"));
  return ReadBankRecord(context, draft);
}

// Every open obligation: the statements' and the prepayment notices', in one order.
Result<std::vector<DeadlineItem>> AllDeadlines(Ledger& ledger, const Context& context,
                                               const WorkingCalendar& calendar,
                                               std::optional<uint32_t> province) {
  Settlement settlement(ledger, context.config, calendar, *context.clock);
  Prepayments prepayments(ledger, context.config, calendar, *context.clock);
  return OpenObligations(settlement, prepayments, province, context.clock->Now().CstDate());
}

// `pay --notice ID`: a payment of a prepayment notice (annual adjustment or top-up).
Status PayNotice(Context& context) {
  NoticePaymentDraft draft;
  draft.notice = context.args->Get("notice");
  XCLEAR_RETURN_IF_ERROR(ReadPaymentRecord(context, draft));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Prepayments prepayments(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const NoticePayment payment,
                          prepayments.RecordPayment(draft, context.actor));
  context.Print("notice " + payment.notice + ": " + std::to_string(payment.payer) + " -> " +
                    std::to_string(payment.payee) + " " + payment.amount.ToString() + " CNY, " +
                    payment.bank + " " + payment.serial + ", value date " +
                    payment.value_date.ToString() + ", entry " +
                    std::to_string(payment.entry_sequence) +
                    (payment.replayed ? " (already recorded)" : ""),
                JsonToString(NoticePaymentToJson(payment)));
  return Status::Ok();
}

Status Pay(Context& context) {
  if (context.args->Has("notice")) {
    if (context.args->Has("month") || context.args->Has("round")) {
      return Status::InvalidArgument("--notice and --month/--round exclude each other");
    }
    return PayNotice(context);
  }
  PaymentDraft draft;
  XCLEAR_ASSIGN_OR_RETURN(draft.month, MonthArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(draft.round, RoundArgument(context));
  XCLEAR_RETURN_IF_ERROR(ReadPaymentRecord(context, draft));
  draft.owed_back = context.args->Has("owed-back");
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Settlement settlement(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const Payment payment, settlement.RecordPayment(draft, context.actor));
  context.Print(PaymentText(payment), JsonToString(PaymentRecordToJson(payment)));
  return Status::Ok();
}

Status ReturnPayment(Context& context) {
  PaymentReturnDraft draft;
  XCLEAR_RETURN_IF_ERROR(ReadBankRecord(context, draft));
  XCLEAR_ASSIGN_OR_RETURN(draft.return_serial, Required(context, "return-serial"));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Settlement settlement(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const PaymentReturn returned,
                          settlement.RecordReturn(draft, context.who));
  context.Print(draft.bank + " returned " + returned.amount.ToString() + " of payment " +
                    returned.serial + " (" + std::to_string(returned.payer) + " -> " +
                    std::to_string(returned.payee) + ", statement " + returned.month.ToString() +
                    " round " + std::to_string(returned.round) + ") as " + returned.return_serial +
                    ", entry " + std::to_string(returned.entry_sequence) +
                    (returned.replayed ? " (already recorded)" : ""),
                JsonToString(PaymentReturnToJson(returned)));
  return Status::Ok();
}

Status ListPayments(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const YearMonth month, MonthArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Settlement settlement(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Payment> payments, settlement.Payments(month));
  std::string text;
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array();
  for (const Payment& payment : payments) {
    text += PaymentText(payment) + "\n";
    list->add(PaymentRecordToJson(payment));
  }
  auto json = NewJsonObject();
  json->set("month", month.ToString());
  json->set("payments", list);
  context.Print(text.empty() ? "no payment recorded for " + month.ToString() : text,
                JsonToString(json));
  return Status::Ok();
}

Status ShowSettlement(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const YearMonth month, MonthArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Settlement settlement(*ledger, context.config, calendar, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const MonthStatus status, settlement.StatusOf(month));
  std::string text = month.ToString() + ": " +
                     (status.settled          ? "settled on " + status.settled_on->ToString()
                      : status.rounds.empty() ? std::string("not cleared")
                                              : std::string("not settled")) +
                     "; due " + status.due.ToString() + " (supplementary rounds " +
                     status.year_due.ToString() + ")\n";
  for (const RoundStatus& round : status.rounds) {
    const Statement& statement = round.statement;
    text += "  round " + std::to_string(statement.round) + " (" +
            std::string(SettlementModeName(statement.mode)) + "), issued " +
            statement.issued_at.ToString() + "; confirmations " +
            std::to_string(round.confirmations.size()) + "/" +
            std::to_string(round.parties.size()) + " due " +
            DueText(round.confirmation_due, round.confirmation_due_note) + "\n";
    for (const PaymentObligation& obligation : round.obligations) {
      text += "    " + std::to_string(obligation.payer) + " -> " +
              std::to_string(obligation.payee) + ": owed " + obligation.owed.ToString() +
              ", paid " + obligation.paid.ToString() + ", due " +
              DueText(obligation.due, obligation.due_note) +
              (obligation.completed_on ? ", complete " + obligation.completed_on->ToString() : "") +
              "\n";
    }
  }
  context.Print(text, JsonToString(MonthStatusToJson(status)));
  return Status::Ok();
}

Status Deadlines(Context& context) {
  std::optional<uint32_t> province;
  if (context.args->Has("province")) {
    XCLEAR_ASSIGN_OR_RETURN(province,
                            context.config.participants.ParseCode(context.args->Get("province")));
  }
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<DeadlineItem> items,
                          AllDeadlines(*ledger, context, calendar, province));
  return EmitReport(context, "deadlines", [&](ReportFormat format) {
    return RenderDeadlines(items, context.clock->Now(), ledger->Head(), context.config.participants,
                           format);
  });
}

// The operator's month-end job: clear (when allowed and not done), then the statement and
// deadlines reports into one folder.
Status MonthEnd(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const YearMonth month, MonthArgument(context));
  XCLEAR_ASSIGN_OR_RETURN(const std::string out_text, Required(context, "out"));
  const std::filesystem::path out = out_text;
  const bool quiet = context.args->Has("quiet");
  const auto say = [quiet](const std::string& line) {
    if (!quiet) std::fprintf(stderr, "%s\n", line.c_str());
  };
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
  Clearing clearing(*ledger, context.config, *context.clock);
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Statement> before, clearing.Statements(month));
  say("month-end " + month.ToString() + ": clearing (" + std::to_string(before.size()) +
      " round(s) already issued)");
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Statement> statements,
                          clearing.Clear(month, context.actor));
  for (size_t i = before.size(); i < statements.size(); ++i) {
    say("  issued round " + std::to_string(statements[i].round) + ": " +
        std::to_string(statements[i].claim_count) + " claims, " +
        statements[i].fund_amount.ToString() + " CNY");
  }
  say("  " + std::to_string(statements.size() - before.size()) + " new round(s), " +
      std::to_string(statements.size()) + " in all");
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error) return Status::IoError("cannot create " + out.string() + ": " + error.message());
  auto json = NewJsonObject();
  json->set("month", month.ToString());
  json->set("new_rounds", static_cast<Poco::UInt64>(statements.size() - before.size()));
  Poco::JSON::Array::Ptr files = new Poco::JSON::Array();
  const auto write = [&](const std::string& name, const std::string& content) -> Status {
    XCLEAR_RETURN_IF_ERROR(WriteFile(out / name, content));
    files->add(name);
    say("  wrote " + (out / name).string());
    return Status::Ok();
  };
  for (const Statement& statement : statements) {
    const std::string stem =
        "statement-" + month.ToString() + "-round-" + std::to_string(statement.round);
    XCLEAR_RETURN_IF_ERROR(
        write(stem + ".json", StatementToJson(statement, context.config.participants) + "\n"));
    const std::string csv =
        RenderStatementCsv(statement, context.config.participants, ledger->Head());
    XCLEAR_RETURN_IF_ERROR(write(stem + ".csv", csv));
    XCLEAR_RETURN_IF_ERROR(WriteCsvAsXlsx(csv, stem.substr(10), out / (stem + ".xlsx")));
    files->add(stem + ".xlsx");
    say("  wrote " + (out / (stem + ".xlsx")).string());
  }
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<DeadlineItem> items,
                          AllDeadlines(*ledger, context, calendar, std::nullopt));
  const Instant now = context.clock->Now();
  XCLEAR_RETURN_IF_ERROR(
      write("deadlines.csv", RenderDeadlines(items, now, ledger->Head(),
                                             context.config.participants, ReportFormat::kCsv)));
  XCLEAR_RETURN_IF_ERROR(
      write("deadlines.json", RenderDeadlines(items, now, ledger->Head(),
                                              context.config.participants, ReportFormat::kJson)));
  XCLEAR_RETURN_IF_ERROR(WriteCsvAsXlsx(
      RenderDeadlines(items, now, ledger->Head(), context.config.participants, ReportFormat::kCsv),
      "deadlines", out / "deadlines.xlsx"));
  files->add("deadlines.xlsx");
  say("  wrote " + (out / "deadlines.xlsx").string());
  // The month's declarations each left a sorted run in the claim index; next month's lookups
  // probe one run instead of dozens.
  XCLEAR_ASSIGN_OR_RETURN(const uint64_t runs, ledger->TableRuns(Table::kClaimIndex));
  if (runs > 1) {
    say("  merging the claim index (" + std::to_string(runs) + " sorted runs)");
    const auto started = std::chrono::steady_clock::now();
    XCLEAR_RETURN_IF_ERROR(ledger->CompactTable(Table::kClaimIndex));
    say("  merged in " +
        std::to_string(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()) +
        " s");
  }
  json->set("files", files);
  json->set("open_obligations", static_cast<Poco::UInt64>(items.size()));
  std::string text = "month-end " + month.ToString() + ": " + std::to_string(statements.size()) +
                     " statement round(s), " + std::to_string(items.size()) +
                     " open obligation(s); reports in " + out.string();
  context.Print(text, JsonToString(json));
  return Status::Ok();
}

}  // namespace

std::vector<Command> SettlementCommands() {
  return {
      {"confirm",
       "record a province's confirmation of a clearing statement",
       "xclear confirm --month YYYY-MM [--round K] --province CODE [--json]\n"
       "  Due within the configured working days of the statement's issue. Confirming again\n"
       "  shows the first confirmation.",
       {"month", "round", "province"},
       {},
       Confirm},
      {"pay",
       "record a payment that settles a clearing statement",
       "xclear pay --month YYYY-MM [--round K] --from PAYER --to PAYEE --bank BANK\n"
       "           --serial SERIAL --value-date YYYY-MM-DD --amount 123.45 [--json]\n"
       "xclear pay --notice ID --from PAYER --to PAYEE --bank BANK --serial SERIAL\n"
       "           --value-date YYYY-MM-DD --amount 123.45 [--json]\n"
       "  Gross mode: the insured province pays the treatment province its pair amount.\n"
       "  Net mode: payers pay the national clearing account (--to national), which pays the\n"
       "  receivers (--from national). Partial payments add up; an overpayment, a wrong\n"
       "  counterpart or a bank serial number already used is refused. Posts the claim_payment\n"
       "  journal entry. A negative pair (more reversed than claimed) is paid back by its\n"
       "  treatment province: --from T --to I finds it; --owed-back says so when the statement\n"
       "  also expects T's own payment to I (pair I→T and pair T→I both owed by T).\n"
       "  With --notice: a payment of a prepayment notice (see `xclear notices`), which posts\n"
       "  prepayment_paid (or prepayment_refunded for a refund) and moves the prepayment.",
       {"month", "round", "notice", "from", "to", "bank", "serial", "value-date", "amount"},
       {"owed-back"},
       Pay},
      {"pay-return",
       "record that the bank returned (part of) a statement payment",
       "xclear pay-return --bank BANK --serial SERIAL --return-serial RSERIAL\n"
       "           --value-date YYYY-MM-DD --amount 123.45 [--json]\n"
       "  The payment (BANK, SERIAL) came back: its payer owes the amount again and the\n"
       "  obligation is open again. Posts a payment_returned entry (the payment's postings\n"
       "  swapped). RSERIAL is the bank's serial of the return: it can settle nothing else. At\n"
       "  most what is left of the payment can be returned. This, not `xclear reverse`, corrects\n"
       "  a recorded payment.",
       {"bank", "serial", "return-serial", "value-date", "amount"},
       {},
       ReturnPayment},
      {"payments",
       "list the payments recorded for a month's statements",
       "xclear payments --month YYYY-MM [--json]",
       {"month"},
       {},
       ListPayments},
      {"settlement",
       "show a month's settlement: confirmations, payments owed and paid, due dates",
       "xclear settlement --month YYYY-MM [--json]",
       {"month"},
       {},
       ShowSettlement},
      {"deadlines",
       "list every open obligation with its due date and days overdue",
       "xclear deadlines [--province CODE] [--format text|csv|json|xlsx] [--out FILE]\n"
       "  Unconfirmed statements, unpaid amounts, months not settled and unpaid prepayment\n"
       "  notices (annual adjustment, top-ups), as of now.",
       {"province", "format", "out"},
       {},
       Deadlines},
      {"month-end",
       "the operator's month-end job: clear, then write the statement and deadlines reports",
       "xclear month-end --month YYYY-MM --out DIR [--quiet] [--json]\n"
       "  Clears the month (when its declaration deadline has passed; a rerun issues only new\n"
       "  supplementary rounds), then writes statement-<M>-round-<k>.{csv,json,xlsx} and\n"
       "  deadlines.{csv,json,xlsx} into DIR, and merges the claim index the month's declarations\n"
       "  added to (see xclear compact). Progress goes to stderr unless --quiet.",
       {"month", "out"},
       {"quiet"},
       MonthEnd},
  };
}

}  // namespace xclear::cli
