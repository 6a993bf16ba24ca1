// Ledger subcommands: init, post, reverse, entry, journal, balance, trial-balance, verify.
#include <Poco/JSON/Array.h>

#include <chrono>
#include <cstdio>

#include "cli.h"
#include "xclear/clearing.h"
#include "xclear/control_accounts.h"
#include "xclear/declarations.h"
#include "xclear/journal_json.h"
#include "xclear/prepayments.h"
#include "xclear/reports.h"
#include "xclear/settlement.h"
#include "xclear/views_json.h"

namespace xclear::cli {
namespace {

Status Init(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger(true));
  const LedgerHead head = ledger->Head();
  auto out = NewJsonObject();
  out->set("data_dir", context.config.storage.data_dir.string());
  out->set("head_sequence", static_cast<Poco::UInt64>(head.sequence));
  context.Print("ledger ready in " + context.config.storage.data_dir.string() + " (" +
                    std::to_string(head.sequence) + " entries)",
                JsonToString(out));
  return Status::Ok();
}

Status Post(Context& context) {
  if (context.args->positional().size() != 1) {
    return Status::InvalidArgument("post needs one FILE (JSON), or - for standard input");
  }
  const std::string& file = context.args->positional()[0];
  std::string text;
  if (file == "-") {
    char buffer[65536];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) text.append(buffer, n);
  } else {
    XCLEAR_ASSIGN_OR_RETURN(text, ReadFile(file));
  }
  XCLEAR_ASSIGN_OR_RETURN(auto drafts,
                          DraftsFromJsonText(text, context.config.participants, context.actor));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const auto results, ledger->Append(drafts));
  Poco::JSON::Array::Ptr items = new Poco::JSON::Array();
  std::string text_out;
  for (const AppendResult& result : results) {
    auto item = NewJsonObject();
    item->set("sequence", static_cast<Poco::UInt64>(result.sequence));
    item->set("replayed", result.replayed);
    item->set("hash", DigestToHex(result.hash));
    items->add(item);
    text_out += (result.replayed ? "already recorded as entry " : "recorded entry ") +
                std::to_string(result.sequence) + " " + DigestToHex(result.hash) + "\n";
  }
  auto out = NewJsonObject();
  out->set("ok", true);
  out->set("entries", items);
  context.Print(text_out, JsonToString(out));
  return Status::Ok();
}

Status Reverse(Context& context) {
  const auto& positional = context.args->positional();
  if (positional.size() != 1 ||
      positional[0].find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument("reverse needs the SEQUENCE number of the entry to correct");
  }
  if (!context.args->Has("key") || !context.args->Has("memo")) {
    return Status::InvalidArgument("reverse needs --key (idempotency key) and --memo (why)");
  }
  const Date today = context.clock->Now().CstDate();
  Date effective = today;
  if (context.args->Has("effective")) {
    XCLEAR_ASSIGN_OR_RETURN(effective, Date::Parse(context.args->Get("effective")));
  }
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(
      const AppendResult result,
      ledger->Reverse(std::stoull(positional[0]), context.actor, context.args->Get("key"),
                      context.args->Get("memo"), effective));
  XCLEAR_ASSIGN_OR_RETURN(const JournalEntry entry, ledger->Entry(result.sequence));
  context.Print((result.replayed ? "already reversed by entry " : "reversed by entry ") +
                    std::to_string(result.sequence),
                JsonToString(EntryToJson(entry)));
  return Status::Ok();
}

std::string EntryText(const JournalEntry& entry) {
  std::string out = "#" + std::to_string(entry.sequence) + " " + entry.recorded_at.ToString() +
                    " effective " + entry.effective_date.ToString() + " " +
                    std::string(EntryKindName(entry.kind)) + " by " + entry.actor;
  if (entry.reverses_sequence != 0) out += " reverses #" + std::to_string(entry.reverses_sequence);
  if (!entry.source_reference.empty()) out += " ref " + entry.source_reference;
  if (!entry.memo.empty()) out += " \"" + entry.memo + "\"";
  out += "\n";
  for (const Posting& posting : entry.postings) {
    char line[128];
    std::snprintf(line, sizeof line, "    %-34s %6s %22s\n", posting.account.ToString().c_str(),
                  posting.side == Side::kDebit ? "debit" : "credit",
                  posting.amount.ToString().c_str());
    out += line;
  }
  out += "    hash " + DigestToHex(entry.hash) + "\n";
  return out;
}

// The journal as an hledger/ledger journal file (reports.h), streamed to --out or stdout.
Status ExportHledger(Context& context, const Ledger& ledger, uint64_t first, uint64_t last) {
  const bool progress = context.args->Has("progress");
  const Status status = StreamReport(context, [&](const ReportSink& sink) {
    return WriteHledgerJournal(ledger, first, last, sink, [progress](uint64_t entries) {
      if (progress)
        std::fprintf(stderr, "\r  %llu entries", static_cast<unsigned long long>(entries));
    });
  });
  if (progress) std::fputc('\n', stderr);
  return status;
}

Status Journal(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  const uint64_t head = ledger->Head().sequence;
  uint64_t first = 1;
  uint64_t last = head;
  if (context.args->Has("from")) {
    XCLEAR_ASSIGN_OR_RETURN(first, ResolveAsOf(*ledger, context.args->Get("from")));
  }
  if (context.args->Has("to")) {
    XCLEAR_ASSIGN_OR_RETURN(last, ResolveAsOf(*ledger, context.args->Get("to")));
  }
  if (!context.args->positional().empty()) {
    XCLEAR_ASSIGN_OR_RETURN(first, ResolveAsOf(*ledger, context.args->positional()[0]));
    if (first == 0 || first > head) {
      return Status::NotFound("entry " + context.args->positional()[0] + " does not exist");
    }
    last = first;
  }
  const std::string format = context.args->Get("format", context.json ? "json" : "text");
  if (format == "hledger") return ExportHledger(context, *ledger, first, last);
  if (format != "text" && format != "json") {
    return Status::InvalidArgument("--format must be text, json or hledger, got \"" +
                                   format.substr(0, 20) + "\"");
  }
  return ledger->ForEachEntry(first, last, [&](const JournalEntry& entry) {
    // One JSON object per line (JSON Lines), so a long journal streams.
    context.Print(EntryText(entry), JsonToString(EntryToJson(entry)));
    return Status::Ok();
  });
}

Status Balance(Context& context) {
  if (context.args->positional().size() != 1) {
    return Status::InvalidArgument("balance needs one ACCOUNT, e.g. 110000:receivable:130000");
  }
  XCLEAR_ASSIGN_OR_RETURN(const AccountId account, AccountId::Parse(context.args->positional()[0],
                                                                    context.config.participants));
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const uint64_t as_of, ResolveAsOf(*ledger, context.args->Get("as-of")));
  XCLEAR_ASSIGN_OR_RETURN(const Money balance, ledger->Balance(account, as_of));
  const uint64_t clipped = std::min(as_of, ledger->Head().sequence);
  auto out = NewJsonObject();
  out->set("account", account.ToString());
  out->set("as_of_sequence", static_cast<Poco::UInt64>(clipped));
  out->set("balance", balance.ToString());
  context.Print(account.ToString() + " " + balance.ToString() + " (as of entry " +
                    std::to_string(clipped) + ")",
                JsonToString(out));
  return Status::Ok();
}

Status TrialBalanceCommand(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const uint64_t as_of, ResolveAsOf(*ledger, context.args->Get("as-of")));
  XCLEAR_ASSIGN_OR_RETURN(const TrialBalance trial, ledger->TrialBalanceAt(as_of));
  XCLEAR_RETURN_IF_ERROR(EmitReport(context, "trial balance", [&](ReportFormat format) {
    return RenderTrialBalance(trial, context.config.participants, format);
  }));
  if (context.args->Has("out"))
    std::fprintf(stderr, "wrote %s\n", context.args->Get("out").c_str());
  return Status::Ok();
}

// The provincial reconciliation statement of one province for one month.
Status ProvincialStatementCommand(Context& context) {
  if (!context.args->Has("province") || !context.args->Has("month")) {
    return Status::InvalidArgument("--province and --month are required");
  }
  auto province = context.config.participants.ParseCode(context.args->Get("province"));
  if (!province.ok()) return province.status().WithContext("--province");
  auto month = YearMonth::Parse(context.args->Get("month"));
  if (!month.ok()) return month.status().WithContext("--month");
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const ProvincialStatement statement,
                          BuildProvincialStatement(*ledger, *province, *month));
  XCLEAR_RETURN_IF_ERROR(EmitReport(
      context, std::to_string(*province) + " " + month->ToString(), [&](ReportFormat format) {
        return RenderProvincialStatement(statement, context.config.participants, format);
      }));
  if (!statement.books_balance || !statement.all_add_up || !statement.all_agree) {
    return Status::Refused("the books of " + std::to_string(*province) + " for " +
                           month->ToString() + " do not reconcile (see the MISMATCH lines)");
  }
  return Status::Ok();
}

// Everything `xclear verify` checks: the journal, then each domain's records against it.
// Fills `json` and `text`; report.ok says whether all of it held.
Result<VerifyReport> VerifyEverything(const Context& context, const Ledger& ledger,
                                      Poco::JSON::Object::Ptr& json, std::string& text) {
  XCLEAR_ASSIGN_OR_RETURN(VerifyReport report, ledger.Verify());
  const auto check = [&report](const char* what, const Result<std::string>& problem) -> Status {
    if (!problem.ok()) return problem.status();
    if (report.ok && !problem.value().empty()) {
      report.ok = false;
      report.reason = std::string(what) + ": " + problem.value();
    }
    return Status::Ok();
  };
  uint64_t claims = 0;
  uint64_t statements = 0;
  uint64_t settlement_records = 0;
  uint64_t prepayment_records = 0;
  uint64_t control_accounts = 0;
  if (report.ok) {
    Declarations declarations(const_cast<Ledger&>(ledger), context.config, *context.clock);
    XCLEAR_RETURN_IF_ERROR(check("claims", declarations.Verify(&claims)));
  }
  if (report.ok) {
    Clearing clearing(const_cast<Ledger&>(ledger), context.config, *context.clock);
    XCLEAR_RETURN_IF_ERROR(check("statements", clearing.Verify(&statements)));
  }
  if (report.ok) {
    XCLEAR_ASSIGN_OR_RETURN(const WorkingCalendar calendar, context.LoadCalendar());
    Settlement settlement(const_cast<Ledger&>(ledger), context.config, calendar, *context.clock);
    XCLEAR_RETURN_IF_ERROR(check("settlement", settlement.Verify(&settlement_records)));
    Prepayments prepayments(const_cast<Ledger&>(ledger), context.config, calendar, *context.clock);
    if (report.ok) {
      XCLEAR_RETURN_IF_ERROR(check("prepayments", prepayments.Verify(&prepayment_records)));
    }
    if (report.ok) {
      Declarations declarations(const_cast<Ledger&>(ledger), context.config, *context.clock);
      XCLEAR_ASSIGN_OR_RETURN(
          const ControlAccountReport control,
          ReconcileControlAccounts(ledger, declarations, settlement, prepayments));
      control_accounts = control.accounts_checked;
      std::string differences;
      for (const std::string& line : control.differences)
        differences += (differences.empty() ? "" : "; ") + line;
      XCLEAR_RETURN_IF_ERROR(check("control accounts", differences));
    }
  }
  text = "verified " + std::to_string(report.entries_checked) + " entries, " +
         std::to_string(report.postings_checked) + " postings, " +
         std::to_string(report.accounts_checked) + " accounts, " +
         std::to_string(report.facts_checked) + " facts, " + std::to_string(claims) + " claims, " +
         std::to_string(statements) + " statements, " + std::to_string(settlement_records) +
         " confirmation/payment records, " + std::to_string(prepayment_records) +
         " prepayment records, " + std::to_string(control_accounts) +
         " control accounts against their records: ";
  text += report.ok ? "ok" : "FAILED";
  json = VerifyReportToJson(report);
  json->set("claims_checked", static_cast<Poco::UInt64>(claims));
  json->set("statements_checked", static_cast<Poco::UInt64>(statements));
  json->set("prepayment_records_checked", static_cast<Poco::UInt64>(prepayment_records));
  json->set("settlement_records_checked", static_cast<Poco::UInt64>(settlement_records));
  json->set("control_accounts_checked", static_cast<Poco::UInt64>(control_accounts));
  return report;
}

Status Compact(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  XCLEAR_ASSIGN_OR_RETURN(const uint64_t before, ledger->TableRuns(Table::kClaimIndex));
  const auto started = std::chrono::steady_clock::now();
  XCLEAR_RETURN_IF_ERROR(ledger->CompactTable(Table::kClaimIndex));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  XCLEAR_ASSIGN_OR_RETURN(const uint64_t after, ledger->TableRuns(Table::kClaimIndex));
  auto json = NewJsonObject();
  json->set("runs_before", static_cast<Poco::UInt64>(before));
  json->set("runs_after", static_cast<Poco::UInt64>(after));
  json->set("seconds", seconds);
  char text[160];
  std::snprintf(text, sizeof text, "claim index: %llu sorted run(s) merged into %llu in %.2f s",
                static_cast<unsigned long long>(before), static_cast<unsigned long long>(after),
                seconds);
  context.Print(text, JsonToString(json));
  return Status::Ok();
}

Status VerifyFailed(const VerifyReport& report) {
  return Status::Corruption("verify failed at entry " + std::to_string(report.first_bad_sequence) +
                            ": " + report.reason);
}

Status Verify(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  Poco::JSON::Object::Ptr json;
  std::string text;
  XCLEAR_ASSIGN_OR_RETURN(const VerifyReport report,
                          VerifyEverything(context, *ledger, json, text));
  context.Print(text, JsonToString(json));
  return report.ok ? Status::Ok() : VerifyFailed(report);
}

std::string BackupText(const BackupInfo& info) {
  return info.directory.string() + ": ledger at entry " + std::to_string(info.head.sequence) +
         " (" + DigestToHex(info.head.hash) + "), " + std::to_string(info.facts) + " facts, " +
         std::to_string(info.files) + " files, " + std::to_string(info.bytes) + " bytes";
}

Status Backup(Context& context) {
  auto ledger = context.OpenLedger();
  if (!ledger.ok()) {
    if (ledger.status().code() != ErrorCode::kFailedPrecondition) return ledger.status();
    return ledger.status().WithContext(
        "backup: while xcleard runs, ask the service: POST /v1/operator/backups (operator token)");
  }
  const std::filesystem::path to = context.args->Has("to")
                                       ? std::filesystem::path(context.args->Get("to"))
                                       : context.config.storage.backup_dir;
  XCLEAR_ASSIGN_OR_RETURN(const BackupInfo info, ledger.value()->Backup(to));
  context.Print("backup written: " + BackupText(info), JsonToString(BackupInfoToJson(info)));
  return Status::Ok();
}

Status BackupCheck(Context& context) {
  if (context.args->positional().size() != 1) {
    return Status::InvalidArgument("backup-check needs the BACKUP directory");
  }
  XCLEAR_ASSIGN_OR_RETURN(const BackupInfo info, CheckBackup(context.args->positional()[0]));
  context.Print("backup intact: " + BackupText(info), JsonToString(BackupInfoToJson(info)));
  return Status::Ok();
}

Status Restore(Context& context) {
  if (context.args->positional().size() != 1) {
    return Status::InvalidArgument("restore needs the BACKUP directory (and --data TARGET)");
  }
  LedgerOptions options;
  options.data_dir = context.config.storage.data_dir;
  options.storage = context.config.storage;
  options.limits = context.config.limits;
  XCLEAR_ASSIGN_OR_RETURN(const BackupInfo info,
                          RestoreLedger(context.args->positional()[0], options,
                                        context.config.participants, *context.clock));
  // The journal verified during the restore; the domain records are checked here as well.
  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger());
  Poco::JSON::Object::Ptr verify_json;
  std::string verify_text;
  XCLEAR_ASSIGN_OR_RETURN(const VerifyReport report,
                          VerifyEverything(context, *ledger, verify_json, verify_text));
  auto json = BackupInfoToJson(info);
  json->set("verify", verify_json);
  context.Print("restored " + BackupText(info) + "\n" + verify_text, JsonToString(json));
  return report.ok ? Status::Ok() : VerifyFailed(report);
}

}  // namespace

std::vector<Command> LedgerCommands() {
  return {
      {"compact",
       "merge the claim index into one sorted run (operator maintenance)",
       "xclear compact [--json]\n"
       "  Every declaration adds a sorted run to the claim index, and each lookup of a claim id\n"
       "  probes every run. xcleard merges them in the background; a CLI command, which exits in\n"
       "  seconds, does not, so the month-end job (and this command) merge them. A declaration\n"
       "  that finds more than 64 runs merges them first.",
       {},
       {},
       Compact},
      {"init",
       "create the ledger in the data directory (no-op if it exists)",
       "xclear init [--data DIR]\n  Creates an empty ledger (RocksDB) in the data directory.",
       {},
       {},
       Init},
      {"post",
       "record journal entries from a JSON file (operator)",
       "xclear post FILE|- [--actor NAME]\n"
       "  FILE holds one entry or {\"entries\": [...]}, recorded atomically:\n"
       "  {\"kind\": \"manual\", \"effective_date\": \"2026-10-15\", \"idempotency_key\": \"k1\",\n"
       "   \"source_reference\": \"...\", \"memo\": \"...\", \"postings\": [\n"
       "     {\"account\": \"110000:receivable:130000\", \"debit\": \"12.34\"}, ...]}\n"
       "  Replaying the same idempotency key with the same content is a no-op.",
       {},
       {},
       Post},
      {"reverse",
       "correct an entry with a reversing entry",
       "xclear reverse SEQUENCE --key KEY --memo WHY [--effective YYYY-MM-DD]\n"
       "  Records a new entry with the postings of SEQUENCE negated. Entries are never edited.",
       {"key", "memo", "effective"},
       {},
       Reverse},
      {"journal",
       "print entries (one, a range, or all)",
       "xclear journal [SEQUENCE] [--from SEQ|TIME] [--to SEQ|TIME] [--json]\n"
       "xclear journal --format hledger [--from SEQ|TIME] [--to SEQ|TIME] [--out FILE] "
       "[--progress]\n"
       "  With --json prints one JSON object per line. --format hledger writes an hledger/ledger\n"
       "  journal (declared accounts, CNY with 2 decimals, one transaction per entry; a range\n"
       "  not starting at 1 opens with the balances it starts from); check it with\n"
       "  `hledger -f FILE check` and compare `hledger -f FILE bal` with `xclear trial-balance`.\n"
       "  Also `xclear report journal --format hledger --out FILE`.",
       {"from", "to", "format", "out"},
       {"progress"},
       Journal},
      {"balance",
       "balance of one account, now or as of a sequence/time",
       "xclear balance ACCOUNT [--as-of SEQ|TIME]\n"
       "  ACCOUNT: OWNER:KIND[:COUNTERPART], e.g. 110000:receivable:130000. Debit positive.",
       {"as-of"},
       {},
       Balance},
      {"trial-balance",
       "every account's balance, with totals per province",
       "xclear trial-balance [--as-of SEQ|TIME] [--format text|csv|json|xlsx] [--out FILE]",
       {"as-of", "format", "out"},
       {},
       TrialBalanceCommand},
      {"provincial",
       "a province's reconciliation statement for a month: books and mirror checks",
       "xclear provincial --province CODE --month YYYY-MM [--format text|csv|json|xlsx]\n"
       "                  [--out FILE]\n"
       "  For every account of the province: opening balance, the month's movements by entry\n"
       "  kind (with counts), closing balance, and opening + movements = closing checked; for\n"
       "  each counterpart account its mirror in the counterpart's books. Exit 1 when anything\n"
       "  does not reconcile. Also `xclear report provincial …`.",
       {"province", "month", "format", "out"},
       {},
       ProvincialStatementCommand},
      {"verify",
       "recompute everything from the journal and check it",
       "xclear verify\n  Checks sequence numbers, the hash chain, that every entry balances\n"
       "  (overall and per province), the mirror invariants, and the stored balances.\n"
       "  Exit status 1 and the first bad entry when anything is wrong.",
       {},
       {},
       Verify},
      {"backup",
       "write a consistent, verified copy of the ledger (operator)",
       "xclear backup [--to DIR]\n"
       "  Writes a RocksDB checkpoint of the ledger into a new directory under DIR (default\n"
       "  storage.backup_dir), named <UTC time>-seq<N>, opens and verifies the copy, and writes\n"
       "  BACKUP-MANIFEST (head sequence and hash, size and SHA-256 of every file). On the same\n"
       "  file system as the ledger the copy is hard links (instant). While xcleard holds the\n"
       "  ledger, ask the service instead: POST /v1/operator/backups.",
       {"to"},
       {},
       Backup},
      {"backup-check",
       "check a backup's files against its manifest",
       "xclear backup-check BACKUP\n"
       "  Recomputes the size and SHA-256 of every file of BACKUP (e.g. after copying it off the\n"
       "  machine) and names the first one that is missing, extra or different.",
       {},
       {},
       BackupCheck},
      {"restore",
       "restore a backup as the ledger in --data (which must be new or empty)",
       "xclear restore BACKUP --data TARGET\n"
       "  Checks BACKUP against its manifest, copies it beside TARGET, opens and verifies it,\n"
       "  checks that its head is the manifest's, moves it into place, then runs the checks of\n"
       "  `xclear verify` on it. TARGET must not exist or be empty: move a damaged ledger aside,\n"
       "  never restore over it.",
       {},
       {},
       Restore},
  };
}

}  // namespace xclear::cli
