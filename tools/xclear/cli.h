// The `xclear` command line: argument handling and the shared context of every subcommand.
// Subcommands parse, call the domain libraries, and print; they hold no business rules.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "xclear/actor.h"
#include "xclear/calendar.h"
#include "xclear/config.h"
#include "xclear/ledger.h"
#include "xclear/reports.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear::cli {

// Exit codes: documented in `xclear --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;  // bad input, a rule said no, verify found a problem
inline constexpr int kExitUsage = 2;    // the command line itself is wrong
inline constexpr int kExitFailure = 3;  // I/O error, corruption, internal error

// Positional arguments and --flags of one subcommand.
class Args {
 public:
  // `value_flags` take a value (--as-of 12); `switches` do not (--json).
  static Result<Args> Parse(const std::vector<std::string>& words,
                            const std::set<std::string>& value_flags,
                            const std::set<std::string>& switches);
  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::string Get(const std::string& flag, const std::string& fallback = "") const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
};

struct Context {
  Config config;
  std::unique_ptr<Clock> clock;
  bool json = false;
  Actor who;          // the typed actor (--actor, default operator/$USER)
  std::string actor;  // who.ToString(): what every entry and fact records
  const Args* args = nullptr;

  // Opens the ledger of the configured data directory.
  Result<std::unique_ptr<Ledger>> OpenLedger(bool create_if_missing = false) const;
  // Loads the working-day calendar of the configured calendar directory.
  Result<WorkingCalendar> LoadCalendar() const;
  // Prints a result object: JSON when --json, else `text`.
  void Print(const std::string& text, const std::string& json) const;
};

// Emits a report in the format of --format (default text, or json with --json) to --out or
// stdout. xlsx renders the CSV form and writes it as a workbook, which needs --out.
Status EmitReport(const Context& context, std::string_view sheet,
                  const std::function<std::string(ReportFormat)>& render);

// A large report streamed to --out (written beside it as FILE.partial and renamed into place
// when `produce` succeeds, removed when it fails, so the file appears whole or not at all) or to
// stdout. `produce` writes through the sink it is given.
using ReportSink = std::function<Status(std::string_view)>;
Status StreamReport(const Context& context,
                    const std::function<Status(const ReportSink&)>& produce);

struct Command {
  std::string name;
  std::string synopsis;  // one line for `xclear --help`
  std::string help;      // the whole text of `xclear NAME --help`
  std::set<std::string> value_flags;
  std::set<std::string> switches;
  std::function<Status(Context&)> run;
};

// The operation a command asks for (include/xclear/actor.h): checked against the one policy
// table before the command runs, as the HTTP service checks its routes.
Operation CommandOperation(const std::string& command);

std::vector<Command> LedgerCommands();
std::vector<Command> DeclarationCommands();
std::vector<Command> ClearingCommands();
std::vector<Command> SettlementCommands();
std::vector<Command> PrepaymentCommands();
std::vector<Command> TokenCommands();

// Reads a whole file; NotFound / IoError with the path in the message.
Result<std::string> ReadFile(const std::filesystem::path& path);
Status WriteFile(const std::filesystem::path& path, const std::string& content);

}  // namespace xclear::cli
