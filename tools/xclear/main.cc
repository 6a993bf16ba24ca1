// xclear: the command line of the cross-provincial settlement ledger.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "cli.h"
#include "xclear/journal_json.h"

namespace xclear::cli {
namespace {

const std::set<std::string> kGlobalValueFlags = {"config", "data", "now", "actor"};
const std::set<std::string> kGlobalSwitches = {"json", "help", "verbose"};

std::vector<Command> AllCommands() {
  std::vector<Command> commands = LedgerCommands();
  for (Command& command : DeclarationCommands()) commands.push_back(std::move(command));
  for (Command& command : ClearingCommands()) commands.push_back(std::move(command));
  for (Command& command : SettlementCommands()) commands.push_back(std::move(command));
  for (Command& command : PrepaymentCommands()) commands.push_back(std::move(command));
  for (Command& command : TokenCommands()) commands.push_back(std::move(command));
  return commands;
}

void PrintUsage(const std::vector<Command>& commands) {
  std::printf(
      "usage: xclear COMMAND [ARGS] [--config FILE] [--data DIR] [--json] [--actor NAME] "
      "[--now TIME]\n\n");
  for (const Command& command : commands) {
    std::printf("  %-16s %s\n", command.name.c_str(), command.synopsis.c_str());
  }
  std::printf("  %-16s %s\n", "report NAME",
              "a report: journal, trial-balance, provincial, statement, deadlines, positions, "
              "prepayment, claims");
  std::printf(
      "\nGlobal options:\n"
      "  --config FILE  configuration (default: $XCLEAR_CONFIG, else ./config/xclear.json)\n"
      "  --data DIR     ledger data directory (default: storage.data_dir of the config)\n"
      "  --json         machine-readable output on stdout\n"
      "  --actor NAME   who is asking, recorded in every entry (default: operator:$USER)\n"
      "  --now TIME     pretend it is TIME (only when the config sets allow_now_override)\n"
      "  --verbose      log one structured line per command on stderr\n"
      "\nExit status: 0 ok; 1 refused (bad input, a rule, verify failed); 2 usage; "
      "3 I/O or internal failure.\n"
      "`xclear COMMAND --help` describes one command.\n");
}

Result<Config> LoadConfiguration(const Args& args) {
  std::string path = args.Get("config");
  if (path.empty() && std::getenv("XCLEAR_CONFIG") != nullptr) path = std::getenv("XCLEAR_CONFIG");
  if (path.empty()) path = "config/xclear.json";
  return LoadConfig(path);
}

Status BuildContext(const Args& args, Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(context.config, LoadConfiguration(args));
  if (args.Has("data")) context.config.storage.data_dir = args.Get("data");
  context.json = args.Has("json");
  if (args.Has("actor")) {
    XCLEAR_ASSIGN_OR_RETURN(context.who, Actor::Parse(args.Get("actor")));
  } else {
    // The person at the machine is the operator, named by the login (as a valid name).
    const char* user = std::getenv("USER");
    std::string name = user != nullptr && *user != '\0' ? user : "unknown";
    for (char& c : name) {
      const bool ok =
          std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
      if (!ok) c = '_';
    }
    context.who = Actor::Operator(name.substr(0, 64));
  }
  context.actor = context.who.ToString();
  context.args = &args;
  if (!args.Has("now")) {
    context.clock = std::make_unique<SystemClock>();
    return Status::Ok();
  }
  if (!context.config.allow_now_override) {
    return Status::Refused("--now is disabled; set allow_now_override in a test/dev config");
  }
  XCLEAR_ASSIGN_OR_RETURN(const Instant now, Instant::Parse(args.Get("now")));
  context.clock = std::make_unique<ManualClock>(now);
  return Status::Ok();
}

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kOk:
      return kExitOk;
    case ErrorCode::kIoError:
    case ErrorCode::kCorruption:
    case ErrorCode::kInternal:
      return kExitFailure;
    default:
      return kExitRefused;
  }
}

int Fail(const Status& status, bool json, int exit_code) {
  std::fprintf(stderr, "xclear: %s\n", status.ToString().c_str());
  if (json) std::printf("%s\n", JsonToString(StatusToJson(status)).c_str());
  return exit_code;
}

int Run(int argc, char** argv) {
  const std::vector<Command> commands = AllCommands();
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    PrintUsage(commands);
    return words.empty() ? kExitUsage : kExitOk;
  }
  // The command is the first word that is not a global option (or its value).
  size_t at = 0;
  while (at < words.size() && words[at].rfind("--", 0) == 0) {
    const std::string flag = words[at].substr(2);
    at += kGlobalValueFlags.count(flag) > 0 && flag.find('=') == std::string::npos ? 2 : 1;
  }
  if (at >= words.size()) {
    PrintUsage(commands);
    return kExitUsage;
  }
  // `xclear report NAME …` is the report exports' common entry: the command of that name
  // (journal, trial-balance, statement, deadlines, positions) with the same options.
  if (words[at] == "report") {
    static const std::set<std::string> kReports = {"journal",    "trial-balance", "statement",
                                                   "deadlines",  "positions",     "provincial",
                                                   "prepayment", "claims"};
    if (at + 1 >= words.size() || kReports.count(words[at + 1]) == 0) {
      return Fail(Status::InvalidArgument(
                      "report needs a name: journal, trial-balance, provincial, statement, "
                      "deadlines, positions, prepayment or claims"),
                  false, kExitUsage);
    }
    words.erase(words.begin() + static_cast<std::ptrdiff_t>(at));
  }
  const Command* command = nullptr;
  for (const Command& candidate : commands) {
    if (candidate.name == words[at]) command = &candidate;
  }
  if (command == nullptr) {
    return Fail(Status::InvalidArgument("unknown command \"" + words[at] + "\"; see xclear --help"),
                false, kExitUsage);
  }
  words.erase(words.begin() + static_cast<std::ptrdiff_t>(at));
  std::set<std::string> value_flags = command->value_flags;
  value_flags.insert(kGlobalValueFlags.begin(), kGlobalValueFlags.end());
  std::set<std::string> switches = command->switches;
  switches.insert(kGlobalSwitches.begin(), kGlobalSwitches.end());
  auto args = Args::Parse(words, value_flags, switches);
  if (!args.ok()) return Fail(args.status().WithContext(command->name), false, kExitUsage);
  if (args->Has("help")) {
    std::printf("%s\n", command->help.c_str());
    return kExitOk;
  }
  Context context;
  const Status built = BuildContext(*args, context);
  if (!built.ok()) return Fail(built, args->Has("json"), ExitCodeFor(built));
  auto logger = spdlog::stderr_logger_st("xclear");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  logger->set_level(args->Has("verbose") ? spdlog::level::info : spdlog::level::warn);
  const auto started = std::chrono::steady_clock::now();
  Status status = CheckPermitted(context.who, CommandOperation(command->name));
  try {
    if (status.ok()) status = command->run(context);
  } catch (const std::overflow_error& e) {
    status = Status::Overflow(e.what());
  } catch (const std::exception& e) {
    status = Status::Internal(e.what());
  }
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  logger->info("command={} actor=\"{}\" data_dir=\"{}\" status={} millis={}", command->name,
               context.actor, context.config.storage.data_dir.string(),
               ErrorCodeName(status.code()), millis);
  return status.ok() ? kExitOk : Fail(status, context.json, ExitCodeFor(status));
}

}  // namespace
}  // namespace xclear::cli

int main(int argc, char** argv) { return xclear::cli::Run(argc, argv); }
