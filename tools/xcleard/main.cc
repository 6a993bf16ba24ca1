// xcleard: the HTTP service for the provincial finance departments (a Poco ServerApplication).
//
//   xcleard [--config FILE] [--data DIR] [--port N] [--now INSTANT]
//
// Opens the ledger once (creating it when missing), loads the calendar and the token file, serves
// until SIGTERM or SIGINT, then stops accepting connections, lets in-flight requests finish and
// closes the ledger. Logs go to service.log_file (or standard output).
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cstdlib>
#include <iostream>

#include "xclear/access.h"
#include "xclear/calendar.h"
#include "xclear/config.h"
#include "xclear/ledger.h"
#include "xclear/service.h"

namespace {

class Daemon final : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(Poco::Util::OptionSet& options) override {
    ServerApplication::defineOptions(options);
    options.addOption(Poco::Util::Option("config", "", "configuration file")
                          .argument("FILE")
                          .binding("xcleard.config"));
    options.addOption(Poco::Util::Option("data", "", "ledger data directory")
                          .argument("DIR")
                          .binding("xcleard.data"));
    options.addOption(Poco::Util::Option("port", "", "listen port (0: any free port)")
                          .argument("N")
                          .binding("xcleard.port"));
    options.addOption(Poco::Util::Option("now", "",
                                         "dev/test only (config allow_now_override): the clock "
                                         "starts at INSTANT (CST) and runs on from there")
                          .argument("INSTANT")
                          .binding("xcleard.now"));
    options.addOption(Poco::Util::Option("help", "h", "this text")
                          .callback(Poco::Util::OptionCallback<Daemon>(this, &Daemon::Help)));
  }

  void Help(const std::string&, const std::string&) {
    Poco::Util::HelpFormatter help(options());
    help.setCommand(commandName());
    help.setHeader("The xclear HTTP service (docs/service.md, docs/openapi.yaml).");
    help.format(std::cout);
    stopOptionsProcessing();
    help_ = true;
  }

  int main(const std::vector<std::string>&) override {
    if (help_) return EXIT_OK;
    std::string path = config().getString("xcleard.config", "");
    if (path.empty() && std::getenv("XCLEAR_CONFIG") != nullptr)
      path = std::getenv("XCLEAR_CONFIG");
    if (path.empty()) path = "config/xclear.json";
    auto loaded = xclear::LoadConfig(path);
    if (!loaded.ok()) return Fail(loaded.status());
    xclear::Config configuration = *loaded;
    if (config().has("xcleard.data"))
      configuration.storage.data_dir = config().getString("xcleard.data");
    if (config().has("xcleard.port")) {
      const int port = config().getInt("xcleard.port");
      if (port < 0 || port > 65535) return Fail(xclear::Status::InvalidArgument("--port 0..65535"));
      configuration.service.port = static_cast<uint16_t>(port);
    }
    std::shared_ptr<spdlog::logger> logger;
    try {
      logger = configuration.service.log_file.empty()
                   ? spdlog::stdout_logger_mt("xcleard")
                   : spdlog::basic_logger_mt("xcleard", configuration.service.log_file.string());
    } catch (const spdlog::spdlog_ex& error) {
      return Fail(xclear::Status::IoError(std::string("cannot open the log: ") + error.what()));
    }
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
    logger->flush_on(spdlog::level::info);
    std::unique_ptr<xclear::Clock> clock_holder = std::make_unique<xclear::SystemClock>();
    if (config().has("xcleard.now")) {
      if (!configuration.allow_now_override) {
        return Fail(xclear::Status::InvalidArgument(
            "--now is refused: the configuration does not set allow_now_override (dev/test "
            "only)"));
      }
      auto start = xclear::Instant::Parse(config().getString("xcleard.now"));
      if (!start.ok()) return Fail(start.status().WithContext("--now"));
      clock_holder = std::make_unique<xclear::OffsetClock>(*start);
      logger->warn("clock override: the service's time starts at {}", start->ToString());
    }
    const xclear::Clock& clock = *clock_holder;
    xclear::LedgerOptions options;
    options.data_dir = configuration.storage.data_dir;
    options.create_if_missing = true;
    options.storage = configuration.storage;
    options.limits = configuration.limits;
    auto ledger = xclear::OpenLedger(options, configuration.participants, clock);
    if (!ledger.ok()) return Fail(ledger.status());
    auto calendar = xclear::WorkingCalendar::LoadDirectory(configuration.calendar_dir);
    if (!calendar.ok()) return Fail(calendar.status());
    xclear::TokenStore tokens(configuration.service.token_file, configuration.participants);
    const xclear::Status loaded_tokens = tokens.Load();
    if (!loaded_tokens.ok()) return Fail(loaded_tokens);
    if (tokens.size() == 0)
      logger->warn("no tokens in {}: issue some with `xclear token-issue`",
                   configuration.service.token_file.string());
    xclear::ServiceDependencies dependencies;
    dependencies.ledger = ledger->get();
    dependencies.config = &configuration;
    dependencies.calendar = &*calendar;
    dependencies.clock = &clock;
    dependencies.tokens = &tokens;
    dependencies.logger = logger;
    auto service = xclear::Service::Start(dependencies);
    if (!service.ok()) return Fail(service.status());
    std::cout << "xcleard listening on " << configuration.service.listen_address << ":"
              << (*service)->port() << std::endl;
    waitForTerminationRequest();
    logger->info("termination requested; finishing in-flight requests");
    (*service)->Stop();
    return EXIT_OK;
  }

 private:
  static int Fail(const xclear::Status& status) {
    std::cerr << "xcleard: " << status.ToString() << std::endl;
    return status.code() == xclear::ErrorCode::kIoError ? EXIT_IOERR : EXIT_CONFIG;
  }
  bool help_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  // Termination signals wait, blocked in every thread (threads inherit the mask), until
  // waitForTerminationRequest takes them with sigwait: a SIGTERM that arrives while the ledger
  // opens or the service starts then stops it gracefully instead of killing it by default action.
  sigset_t termination;
  sigemptyset(&termination);
  sigaddset(&termination, SIGINT);
  sigaddset(&termination, SIGQUIT);
  sigaddset(&termination, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &termination, nullptr);
  // Every open connection is a file descriptor: take the hard limit (service.connections_max
  // bounds the connections; the default soft limit of 1 024 would be reached first).
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  Daemon daemon;
  return daemon.run(argc, argv);
}
