// xclear-stress: reliability drivers for the real service process (xcleard), over loopback.
//
//   xclear-stress crash-soak --xcleard PATH [--kills 200] [--seed N] [--workers 4]
//                            [--provinces 32] [--work DIR]
//   xclear-stress load --xcleard PATH [--seconds 180] [--requests-max N] [--work DIR]
//
// crash-soak: starts xcleard as a child and drives declarations (September and October claims of
//   all 32 provinces, or the first --provinces), September's clearing, the confirmations and two
//   partial payments per pair through its API, with reads in between; SIGKILLs the child after a
//   random 30–1500 ms, `kills` times. After every kill it opens the ledger itself and checks: the
//   ledger and every domain verify (hash chain, balances, claims against postings, statements,
//   settlement records); every operation the service acknowledged (HTTP 200) is present — every
//   claim of an acknowledged declaration with its amount, the statement, each confirmation and
//   payment; and nothing is there twice (claim and payment counts lie between the acknowledged ones
//   and those plus the requests that were in flight). Unacknowledged operations are retried after
//   the restart with the same Idempotency-Key. A last life runs without a kill until every
//   operation is acknowledged, stops the service with SIGTERM, and checks that the counts and sums
//   are now exactly those of the operations: each recorded once.
// load: starts xcleard, drives it from all 32 provinces at once (declarations, positions, claim
//   pages and claims, deadlines, provincial statements) plus the operator and an auditor, for
//   `seconds` or `requests-max` requests; then stops it and checks: no 5xx, no other error, every
//   acknowledged claim present, the claim count exactly the acknowledged one, verify passes.
//   Prints requests, statuses and p50/p99/max latency per kind.
// Exit status 0 when every check held, 1 otherwise.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "../loopback_http.h"
#include "xclear/access.h"
#include "xclear/calendar.h"
#include "xclear/clearing.h"
#include "xclear/config.h"
#include "xclear/declarations.h"
#include "xclear/ledger.h"
#include "xclear/prepayments.h"
#include "xclear/settlement.h"

namespace xclear::stress {
namespace {

using SteadyClock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Command line, workspace, the child process.

struct Flags {
  std::map<std::string, std::string> values;
  std::string Get(const std::string& name, const std::string& fallback) const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
  long Number(const std::string& name, long fallback) const {
    return std::stol(Get(name, std::to_string(fallback)));
  }
};

std::atomic<pid_t> running_child{-1};  // killed by Die, so that no xcleard outlives a failure

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "xclear-stress: %s\n", message.c_str());
  if (running_child > 0) ::kill(running_child, SIGKILL);
  std::exit(1);
}

// A directory with the configuration xcleard runs with (the project's, with the clock override
// allowed, the ledger, tokens and log inside the workspace) and one token per caller.
struct Workspace {
  std::filesystem::path dir;
  std::filesystem::path config_file;
  Config config;
  std::map<uint32_t, std::string> province_tokens;
  std::string operator_token;
  std::string auditor_token;

  Workspace(const std::filesystem::path& where, bool tls) : dir(where) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ifstream in(XCLEAR_SOURCE_DIR "/config/xclear.json");
    std::stringstream text;
    text << in.rdbuf();
    auto root = Poco::JSON::Parser().parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    root->set("allow_now_override", true);
    root->getObject("storage")->set("data_dir", "data");
    root->getObject("storage")->set("backup_dir", "backups");
    Poco::JSON::Object::Ptr service = root->getObject("service");
    if (service.isNull()) service = new Poco::JSON::Object();
    service->set("token_file", "tokens.json");
    service->set("log_file", "xcleard.log");
    service->set("threads_max", 40);
    if (tls) {
      // A self-signed certificate for localhost, made for this run (openssl(1)); the drivers
      // trust exactly it.
      const std::string command =
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
          "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
          (dir / "tls-key.pem").string() + "' -out '" + (dir / "tls-cert.pem").string() +
          "' 2>/dev/null";
      if (std::system(command.c_str()) != 0) Die("openssl could not make a test certificate");
      service->set("tls_certificate_file", "tls-cert.pem");
      service->set("tls_private_key_file", "tls-key.pem");
      loopback::TlsCaFile() = (dir / "tls-cert.pem").string();
    }
    root->set("service", service);
    config_file = dir / "xclear.json";
    std::ofstream out(config_file);
    root->stringify(out, 2);
    out.close();
    std::filesystem::create_directory_symlink(XCLEAR_SOURCE_DIR "/config/calendar",
                                              dir / "calendar");
    auto loaded = LoadConfig(config_file);
    if (!loaded.ok()) Die(loaded.status().ToString());
    config = *loaded;
    const Instant issued = Instant::Parse("2026-10-01T00:00:00").value();
    for (const Participant& unit : config.participants.units()) {
      province_tokens[unit.code] =
          Issue("p" + std::to_string(unit.code), Role::kProvince, unit.code, issued);
    }
    operator_token = Issue("month-end", Role::kOperator, 0, issued);
    auditor_token = Issue("auditor", Role::kAuditor, 0, issued);
  }
  std::string Issue(const std::string& name, Role role, uint32_t province, Instant issued) {
    auto token = IssueToken(config.service.token_file, config.participants,
                            Principal{name, role, province, {}}, issued);
    if (!token.ok()) Die(token.status().ToString());
    return *token;
  }
  LedgerOptions Options() const {
    LedgerOptions options;
    options.data_dir = config.storage.data_dir;
    options.storage = config.storage;
    options.limits = config.limits;
    return options;
  }
};

// xcleard as a child process; reads its port from the line it prints when listening.
class Child {
 public:
  Child(const std::string& binary, const Workspace& workspace, const std::string& now) {
    int fds[2];
    if (::pipe(fds) != 0) Die("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      const int err =
          ::open((workspace.dir / "xcleard.stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) ::dup2(err, STDERR_FILENO);
      ::close(fds[0]);
      const std::string config = "--config=" + workspace.config_file.string();
      const std::string clock = "--now=" + now;
      ::execl(binary.c_str(), binary.c_str(), config.c_str(), clock.c_str(), "--port=0",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    running_child = pid_;
    std::string line;
    char c = 0;
    const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
    while (SteadyClock::now() < deadline && ::read(fds[0], &c, 1) == 1) {
      if (c != '\n') {
        line += c;
        continue;
      }
      const size_t colon = line.rfind(':');
      if (line.find("listening on") != std::string::npos && colon != std::string::npos) {
        port_ = static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
        break;
      }
      line.clear();
    }
    ::close(fds[0]);
    if (port_ == 0) {
      Kill();
      Die("xcleard did not start; see " + (workspace.dir / "xcleard.stderr").string());
    }
  }
  ~Child() { Kill(); }
  uint16_t port() const { return port_; }
  void Kill() { End(SIGKILL); }
  // SIGTERM: the service finishes what is in flight and closes the ledger. True on exit 0.
  bool Stop() { return End(SIGTERM) == 0; }

 private:
  int End(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    running_child = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

using loopback::Http;
using loopback::Reply;

// ---------------------------------------------------------------------------------------------
// The claims the drivers declare: deterministic, so that what was sent can be checked.

struct ClaimLine {
  std::string id;
  uint32_t insured = 0;
  int64_t fund_fen = 0;
};

const char* const kCsvHeader =
    "claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_amount\n";

std::string FenText(int64_t fen) {
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%02lld", static_cast<long long>(fen / 100),
                static_cast<long long>(fen % 100));
  return text;
}

// A batch of `count` claims of province `treatment`, settled in `month` on days 1..max_day.
std::string BatchCsv(const std::vector<uint32_t>& codes, size_t treatment_index,
                     const std::string& prefix, int batch, int count, const std::string& month,
                     int max_day, std::vector<ClaimLine>& lines) {
  static const char* const kCategories[] = {"inpatient", "outpatient", "chronic", "pharmacy"};
  const uint32_t treatment = codes[treatment_index];
  std::string csv = kCsvHeader;
  for (int i = 0; i < count; ++i) {
    ClaimLine line;
    line.id = prefix + "-" + std::to_string(treatment) + "-" + std::to_string(batch) + "-" +
              std::to_string(i);
    const size_t n = codes.size();  // the provinces taking part: claims stay among them
    line.insured = codes[(treatment_index + 1 + static_cast<size_t>(i * 7 + batch) % (n - 1)) % n];
    line.fund_fen = 1000 + (batch * 131 + i * 977) % 500000;
    const int64_t total = line.fund_fen + (i % 3) * 1234;
    char day[8];
    std::snprintf(day, sizeof day, "%02d", 1 + (batch + i) % max_day);
    csv += line.id + "," + std::to_string(treatment) + "," + std::to_string(line.insured) + "," +
           month + "-" + day + "," + kCategories[i % 4] + "," + FenText(total) + "," +
           FenText(line.fund_fen) + "\n";
    lines.push_back(std::move(line));
  }
  return csv;
}

// ---------------------------------------------------------------------------------------------
// Checks against the ledger (the service stopped or dead).

struct LedgerChecks {
  uint64_t claims = 0;    // claims in the ledger (September + October)
  uint64_t payments = 0;  // payments of September
  Money paid;
  std::string problem;  // empty when everything verified
};

class Checker {
 public:
  explicit Checker(const Workspace& workspace) : workspace_(workspace) {
    auto calendar = WorkingCalendar::LoadDirectory(workspace.config.calendar_dir);
    if (!calendar.ok()) Die(calendar.status().ToString());
    calendar_ = *calendar;
  }

  // Opens the ledger, verifies everything, and calls `inspect` with the domains.
  LedgerChecks Run(
      const std::function<std::string(Ledger&, Declarations&, Clearing&, Settlement&)>& inspect) {
    LedgerChecks checks;
    ManualClock clock(Instant::Parse("2026-10-21T10:00:00").value());
    auto opened = OpenLedger(workspace_.Options(), workspace_.config.participants, clock);
    if (!opened.ok()) {
      checks.problem = "the ledger does not open: " + opened.status().ToString();
      return checks;
    }
    Ledger& ledger = **opened;
    Declarations declarations(ledger, workspace_.config, clock);
    Clearing clearing(ledger, workspace_.config, clock);
    Settlement settlement(ledger, workspace_.config, calendar_, clock);
    Prepayments prepayments(ledger, workspace_.config, calendar_, clock);
    auto report = ledger.Verify();
    if (!report.ok() || !report->ok) {
      checks.problem =
          "ledger verify: " + (report.ok() ? report->reason : report.status().ToString());
      return checks;
    }
    for (const auto& [name, result] :
         {std::pair<const char*, Result<std::string>>{"claims", declarations.Verify()},
          {"statements", clearing.Verify()},
          {"settlement", settlement.Verify()},
          {"prepayments", prepayments.Verify()}}) {
      if (!result.ok() || !result->empty()) {
        checks.problem =
            std::string(name) + " verify: " + (result.ok() ? *result : result.status().ToString());
        return checks;
      }
    }
    for (const char* month : {"2026-09", "2026-10"}) {
      const auto totals = declarations.MonthTotals(YearMonth::Parse(month).value(), false);
      if (!totals.ok()) {
        checks.problem = totals.status().ToString();
        return checks;
      }
      checks.claims += totals->first;
    }
    const auto payments = settlement.Payments(YearMonth::Parse("2026-09").value());
    if (!payments.ok()) {
      checks.problem = payments.status().ToString();
      return checks;
    }
    checks.payments = payments->size();
    for (const Payment& payment : *payments) checks.paid += payment.amount;
    checks.problem = inspect(ledger, declarations, clearing, settlement);
    return checks;
  }

 private:
  const Workspace& workspace_;
  WorkingCalendar calendar_;
};

std::string CheckClaims(Declarations& declarations, const std::vector<ClaimLine>& lines,
                        uint64_t& checked) {
  for (const ClaimLine& line : lines) {
    auto found = declarations.FindClaim(line.id);
    if (!found.ok()) return found.status().ToString();
    if (!found->has_value()) return "acknowledged claim " + line.id + " is missing";
    if ((*found)->fund_amount != Money::FromFen(line.fund_fen) ||
        (*found)->insured != line.insured) {
      return "claim " + line.id + " differs from what was declared";
    }
    ++checked;
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// crash-soak

struct Operation {
  enum Kind { kDeclare, kClear, kConfirm, kPay } kind = kDeclare;
  int stage = 0;  // operations of stage s start once every operation of earlier stages is done
  std::string path, token, body, content_type = "application/json", key;
  std::vector<ClaimLine> claims;  // kDeclare
  std::string fact_key;           // kConfirm, kPay: the ledger fact that records it
  int64_t amount_fen = 0;         // kPay
  bool filler = false;            // an October declaration added to keep the service busy; no stage
  bool acked = false;
  bool busy = false;
  bool checked = false;
  bool sent_unacked = false;  // sent at least once without an answer (may or may not be in)
};

class Soak {
 public:
  Soak(const Flags& flags, Workspace& workspace)
      : flags_(flags),
        workspace_(workspace),
        checker_(workspace),
        random_(static_cast<uint32_t>(flags.Number("seed", 1))) {
    const size_t provinces = static_cast<size_t>(flags.Number("provinces", 32));
    if (provinces < 2 || provinces > workspace.config.participants.size())
      Die("--provinces must be 2..32");
    for (const Participant& unit : workspace.config.participants.units()) {
      if (codes_.size() < provinces) codes_.push_back(unit.code);
    }
    // Stage 0 (life on 2026-10-15): September's and October's first declarations.
    for (size_t p = 0; p < codes_.size(); ++p) {
      for (int b = 0; b < 3; ++b) AddDeclaration(0, p, "SEP", b, "2026-09", 28);
    }
    // Stage 1 (from 2026-10-21): September's clearing; 2: confirmations; 3: payments.
    Operation clear;
    clear.kind = Operation::kClear;
    clear.stage = 1;
    clear.path = "/v1/jobs/clearing";
    clear.token = workspace.operator_token;
    clear.body = R"({"month":"2026-09"})";
    clear.key = "clear-2026-09";
    ops_.push_back(clear);
    for (uint32_t code : codes_) {
      Operation confirm;
      confirm.kind = Operation::kConfirm;
      confirm.stage = 2;
      confirm.path = "/v1/months/2026-09/statements/0/confirmations";
      confirm.token = workspace.province_tokens.at(code);
      confirm.key = "confirm-" + std::to_string(code);
      confirm.fact_key = "confirmation:2026-09:0:" + std::to_string(code);
      ops_.push_back(confirm);
    }
    std::map<std::pair<uint32_t, uint32_t>, int64_t> due;  // (insured, treatment) → fen
    for (const Operation& op : ops_) {
      if (op.kind != Operation::kDeclare || op.claims.empty() || op.key.rfind("SEP", 0) != 0)
        continue;
      const uint32_t treatment = static_cast<uint32_t>(std::stoul(op.claims[0].id.substr(4, 6)));
      for (const ClaimLine& line : op.claims) due[{line.insured, treatment}] += line.fund_fen;
    }
    for (const auto& [pair, fen] : due) {
      const auto [insured, treatment] = pair;
      for (int part = 0; part < 2; ++part) {
        Operation pay;
        pay.kind = Operation::kPay;
        pay.stage = 3;
        pay.amount_fen = part == 0 ? fen / 2 : fen - fen / 2;
        const std::string serial = "S" + std::to_string(insured) + "-" + std::to_string(treatment) +
                                   "-" + std::to_string(part);
        pay.path = "/v1/payments";
        pay.token = workspace.province_tokens.at(insured);
        pay.body = R"({"month":"2026-09","round":"0","payee":")" + std::to_string(treatment) +
                   R"(","bank":"PBOC","serial":")" + serial +
                   R"(","value_date":"2026-10-21","amount":")" + FenText(pay.amount_fen) + "\"}";
        pay.key = "pay-" + serial;
        pay.fact_key = "payment:2026-09:0:" + std::to_string(insured) + ":" +
                       std::to_string(treatment) + ":PBOC:" + serial;
        total_due_fen_ += pay.amount_fen;
        ops_.push_back(pay);
      }
    }
  }

  int Run() {
    const std::string xcleard = flags_.Get("xcleard", "");
    const long kills = flags_.Number("kills", 200);
    const int workers = static_cast<int>(flags_.Number("workers", 4));
    const auto started = SteadyClock::now();
    long survived = 0;
    while (survived < kills) {
      {
        Child child(xcleard, workspace_, Now());
        std::uniform_int_distribution<int> life(30, 1500);
        Drive(child.port(), workers, std::chrono::milliseconds(life(random_)));
        child.Kill();
      }
      ++survived;
      if (!CheckAfterLife(false)) return Fail(survived);
      if (survived % 10 == 0 || survived == kills) {
        std::printf(
            "kills survived %ld/%ld, operations acknowledged %llu, checked %llu (%llu "
            "claims), stage %d\n",
            survived, kills, Count([](const Operation& op) { return op.acked; }),
            operations_checked_, static_cast<unsigned long long>(claims_checked_), stage_.load());
        std::fflush(stdout);
      }
    }
    // The last life: no kill until every operation is acknowledged, then a clean stop.
    draining_ = true;
    {
      Child child(xcleard, workspace_, Now());
      for (int round = 0; round < 1000 && !AllDone(); ++round) {
        Drive(child.port(), workers, std::chrono::milliseconds(2000), /*until_done=*/true);
      }
      if (!child.Stop()) Die("xcleard did not stop cleanly on SIGTERM");
    }
    if (!AllDone()) Die("operations still unacknowledged after the last life");
    if (!CheckAfterLife(true)) return Fail(survived);
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
    std::printf(
        "crash soak passed: %ld kills survived, %llu operations acknowledged and checked "
        "(%llu declarations, %llu claims, 1 clearing, %llu confirmations, %llu payments "
        "summing %s), %llu read requests, %.0f s\n",
        survived, operations_checked_,
        Count([](const Operation& op) { return op.kind == Operation::kDeclare; }),
        static_cast<unsigned long long>(claims_checked_),
        Count([](const Operation& op) { return op.kind == Operation::kConfirm; }),
        Count([](const Operation& op) { return op.kind == Operation::kPay; }),
        FenText(total_due_fen_).c_str(), static_cast<unsigned long long>(reads_.load()), seconds);
    return 0;
  }

 private:
  void AddDeclaration(int stage, size_t province, const std::string& prefix, int batch,
                      const std::string& month, int max_day) {
    Operation op;
    op.kind = Operation::kDeclare;
    op.stage = stage;
    op.path = "/v1/provinces/" + std::to_string(codes_[province]) + "/declarations";
    op.token = workspace_.province_tokens.at(codes_[province]);
    op.content_type = "text/csv";
    op.body = BatchCsv(codes_, province, prefix, batch, 40, month, max_day, op.claims);
    op.key = prefix + "-" + std::to_string(codes_[province]) + "-" + std::to_string(batch);
    ops_.push_back(std::move(op));
  }

  std::string Now() const { return stage_ == 0 ? "2026-10-15T10:00:00" : "2026-10-21T10:00:00"; }

  template <typename Predicate>
  unsigned long long Count(Predicate predicate) {
    std::lock_guard lock(mutex_);
    return static_cast<unsigned long long>(std::count_if(ops_.begin(), ops_.end(), predicate));
  }

  bool AllDone() {
    std::lock_guard lock(mutex_);
    return std::all_of(ops_.begin(), ops_.end(), [](const Operation& op) { return op.acked; });
  }

  // The next operation to send, or null. Opens the next stage when the current one is done;
  // adds October declarations while the later stages wait or when everything is done, so the
  // service always has writes to do when it is killed.
  Operation* Next(int life_stage) {
    std::lock_guard lock(mutex_);
    // The stage moved on during this life (another worker finished it): nothing more here, the
    // next stage's operations need the service restarted on its date.
    if (stage_ != life_stage) return nullptr;
    bool stage_done = true;
    for (Operation& op : ops_) {
      if (!op.filler && op.stage <= stage_ && !op.acked) stage_done = false;
    }
    if (stage_done && stage_ < 3) {
      // Stage 0 ends a life: the service restarts on 2026-10-21 (Drive notices the change).
      ++stage_;
      return nullptr;
    }
    for (Operation& op : ops_) {
      if (op.stage <= stage_ && !op.acked && !op.busy) {
        op.busy = true;
        return &op;
      }
    }
    if (!draining_ && ops_.size() < 200'000) {
      const size_t province = october_batches_ % codes_.size();
      const int batch = static_cast<int>(october_batches_ / codes_.size());
      ++october_batches_;
      AddDeclaration(stage_, province, "OCT", batch, "2026-10", 15);
      ops_.back().filler = true;
      ops_.back().busy = true;
      return &ops_.back();
    }
    return nullptr;
  }

  void Drive(uint16_t port, int workers, std::chrono::milliseconds life, bool until_done = false) {
    const auto end = SteadyClock::now() + life;
    const int stage_at_start = stage_;
    std::atomic<bool> dead{false};
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        Http http(port);
        int sent = 0;
        while (!dead && SteadyClock::now() < end && stage_ == stage_at_start) {
          if ((++sent + w) % 5 == 0) {  // a read among the writes
            const uint32_t code = codes_[static_cast<size_t>(sent + w) % codes_.size()];
            const Reply read =
                http.Send("GET", "/v1/provinces/" + std::to_string(code) + "/positions",
                          workspace_.province_tokens.at(code));
            if (read.status == 0) break;
            if (read.status != 200) Unexpected("GET positions", read);
            ++reads_;
            continue;
          }
          Operation* op = Next(stage_at_start);
          if (op == nullptr) {
            if (until_done && AllDone()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
          }
          const Reply reply =
              http.Send("POST", op->path, op->token, op->body, op->content_type, op->key);
          std::lock_guard lock(mutex_);
          op->busy = false;
          if (reply.status == 200) {
            op->acked = true;
          } else if (reply.status == 0) {
            op->sent_unacked = true;  // the service died under it: retried in the next life
            dead = true;
          } else {
            Unexpected("POST " + op->path + " (" + op->key + ")", reply);
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    std::lock_guard lock(mutex_);
    for (Operation& op : ops_) op.busy = false;
  }

  [[noreturn]] void Unexpected(const std::string& what, const Reply& reply) {
    Die(what + " answered " + std::to_string(reply.status) + ": " + reply.body.substr(0, 400));
  }

  // After a life: verify, then check every newly acknowledged operation and the exactly-once
  // bounds. `final`: nothing is in flight, so the bounds are equalities.
  bool CheckAfterLife(bool final) {
    uint64_t acked_claims = 0, possible_claims = 0, acked_payments = 0, possible_payments = 0;
    int64_t acked_paid = 0, possible_paid = 0;
    {
      std::lock_guard lock(mutex_);
      for (const Operation& op : ops_) {
        if (op.kind == Operation::kDeclare) {
          if (op.acked) acked_claims += op.claims.size();
          if (op.acked || op.sent_unacked) possible_claims += op.claims.size();
        } else if (op.kind == Operation::kPay) {
          if (op.acked) ++acked_payments, acked_paid += op.amount_fen;
          if (op.acked || op.sent_unacked) ++possible_payments, possible_paid += op.amount_fen;
        }
      }
    }
    const LedgerChecks checks = checker_.Run(
        [&](Ledger& ledger, Declarations& declarations, Clearing& clearing, Settlement&) {
          std::lock_guard lock(mutex_);
          for (Operation& op : ops_) {
            if (!op.acked || op.checked) continue;
            std::string problem;
            if (op.kind == Operation::kDeclare) {
              problem = CheckClaims(declarations, op.claims, claims_checked_);
            } else if (op.kind == Operation::kClear) {
              auto statements = clearing.Statements(YearMonth::Parse("2026-09").value());
              if (!statements.ok() || statements->size() != 1)
                problem = "the acknowledged clearing of 2026-09 is not one statement";
            } else {
              auto fact = ledger.FindFact(op.fact_key);
              if (!fact.ok() || !fact->has_value())
                problem = "acknowledged " + op.fact_key + " is missing";
            }
            if (!problem.empty()) return problem;
            op.checked = true;
            ++operations_checked_;
          }
          return std::string();
        });
    if (!checks.problem.empty()) {
      std::fprintf(stderr, "check failed: %s\n", checks.problem.c_str());
      return false;
    }
    const auto outside = [](uint64_t value, uint64_t low, uint64_t high) {
      return value < low || value > high;
    };
    if (outside(checks.claims, acked_claims, final ? acked_claims : possible_claims) ||
        outside(checks.payments, acked_payments, final ? acked_payments : possible_payments) ||
        checks.paid < Money::FromFen(acked_paid) ||
        checks.paid > Money::FromFen(final ? acked_paid : possible_paid)) {
      std::fprintf(stderr,
                   "exactly-once check failed: %llu claims in the ledger (acknowledged %llu, "
                   "possible %llu), %llu payments (acknowledged %llu, possible %llu), paid %s\n",
                   static_cast<unsigned long long>(checks.claims),
                   static_cast<unsigned long long>(acked_claims),
                   static_cast<unsigned long long>(possible_claims),
                   static_cast<unsigned long long>(checks.payments),
                   static_cast<unsigned long long>(acked_payments),
                   static_cast<unsigned long long>(possible_payments),
                   checks.paid.ToString().c_str());
      return false;
    }
    if (final && checks.paid != Money::FromFen(total_due_fen_)) {
      std::fprintf(stderr, "September paid %s, due %s\n", checks.paid.ToString().c_str(),
                   FenText(total_due_fen_).c_str());
      return false;
    }
    return true;
  }

  int Fail(long survived) {
    std::fprintf(stderr, "crash soak FAILED after %ld kills; workspace kept: %s\n", survived,
                 workspace_.dir.c_str());
    return 1;
  }

  const Flags& flags_;
  Workspace& workspace_;
  Checker checker_;
  std::mt19937 random_;
  std::vector<uint32_t> codes_;
  std::mutex mutex_;
  std::deque<Operation> ops_;  // a deque: pointers stay valid as operations are added
  std::atomic<int> stage_{0};
  size_t october_batches_ = 0;
  std::atomic<bool> draining_{false};
  int64_t total_due_fen_ = 0;
  unsigned long long operations_checked_ = 0;
  uint64_t claims_checked_ = 0;
  std::atomic<uint64_t> reads_{0};
};

// ---------------------------------------------------------------------------------------------
// load

struct Latencies {
  std::mutex mutex;
  std::map<std::string, std::vector<double>> millis;  // by kind
  std::map<int, uint64_t> statuses;
  void Add(const std::string& kind, int status, double ms) {
    std::lock_guard lock(mutex);
    millis[kind].push_back(ms);
    ++statuses[status];
  }
};

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

int Load(const Flags& flags, Workspace& workspace) {
  const long seconds = flags.Number("seconds", 180);
  const long requests_max = flags.Number("requests-max", 2'000'000);
  std::vector<uint32_t> codes;
  for (const Participant& unit : workspace.config.participants.units()) codes.push_back(unit.code);
  Latencies latencies;
  std::mutex claims_mutex;
  std::vector<ClaimLine> acked_claims;
  std::atomic<long> requests{0};
  std::atomic<long> errors{0};
  std::atomic<bool> stop{false};
  const auto started = SteadyClock::now();
  const auto end = started + std::chrono::seconds(seconds);
  {
    Child child(flags.Get("xcleard", ""), workspace, "2026-10-15T10:00:00");
    const auto record_error = [&](const std::string& what, const Reply& reply) {
      if (errors++ < 10) {
        std::fprintf(stderr, "%s answered %d: %s\n", what.c_str(), reply.status,
                     reply.body.substr(0, 300).c_str());
      }
    };
    std::vector<std::thread> threads;
    for (size_t p = 0; p < codes.size(); ++p) {
      threads.emplace_back([&, p] {
        Http http(child.port());
        const uint32_t code = codes[p];
        const std::string token = workspace.province_tokens.at(code);
        const std::string self = "/v1/provinces/" + std::to_string(code);
        std::mt19937 random(static_cast<uint32_t>(p + 1));
        std::vector<std::string> own_ids;
        int batch = 0;
        while (!stop && SteadyClock::now() < end && requests++ < requests_max) {
          const int dice = static_cast<int>(random() % 100);
          const uint32_t other = codes[(p + 1 + random() % 31) % 32];
          std::string kind, method = "GET", path, body, key;
          std::vector<ClaimLine> lines;
          if (dice < 25) {
            kind = "declare";
            method = "POST";
            path = self + "/declarations";
            body = BatchCsv(codes, p, "LOAD", batch, 100, "2026-10", 15, lines);
            key = "load-" + std::to_string(batch++);
          } else if (dice < 50) {
            kind = "positions";
            path = self + "/positions";
          } else if (dice < 65) {
            kind = "claims-page";
            path =
                self + "/claims?month=2026-10&counterpart=" + std::to_string(other) + "&limit=100";
          } else if (dice < 80 && !own_ids.empty()) {
            kind = "claim";
            path = "/v1/claims/" + own_ids[random() % own_ids.size()];
          } else if (dice < 90) {
            kind = "deadlines";
            path = self + "/deadlines";
          } else {
            kind = "provincial";
            path = "/v1/reports/provincial?province=" + std::to_string(code) +
                   "&month=2026-10&format=json";
          }
          const auto sent = SteadyClock::now();
          const Reply reply = http.Send(method, path, token, body, "text/csv", key);
          const double ms =
              std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count();
          latencies.Add(kind, reply.status, ms);
          if (reply.status != 200) {
            record_error(method + " " + path, reply);
            continue;
          }
          if (kind == "declare") {
            for (const ClaimLine& line : lines) own_ids.push_back(line.id);
            std::lock_guard lock(claims_mutex);
            acked_claims.insert(acked_claims.end(), lines.begin(), lines.end());
          }
        }
      });
    }
    // The operator and an auditor read the national views meanwhile.
    for (const std::string* token : {&workspace.operator_token, &workspace.auditor_token}) {
      threads.emplace_back([&, token] {
        Http http(child.port());
        int i = 0;
        while (!stop && SteadyClock::now() < end && requests++ < requests_max) {
          const std::string path = i++ % 2 == 0 ? "/v1/positions" : "/v1/deadlines";
          const auto sent = SteadyClock::now();
          const Reply reply = http.Send("GET", path, *token);
          latencies.Add(
              "national", reply.status,
              std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count());
          if (reply.status != 200) record_error("GET " + path, reply);
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    if (!child.Stop()) Die("xcleard did not stop cleanly on SIGTERM");
  }
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - started).count();
  uint64_t total = 0, server_errors = 0;
  for (const auto& [status, count] : latencies.statuses) {
    total += count;
    if (status >= 500) server_errors += count;
  }
  std::printf(
      "load: %llu requests in %.1f s (%.0f req/s) from 32 provinces, the operator and "
      "an auditor\n",
      static_cast<unsigned long long>(total), elapsed, static_cast<double>(total) / elapsed);
  std::printf("statuses:");
  for (const auto& [status, count] : latencies.statuses)
    std::printf(" %d×%llu", status, static_cast<unsigned long long>(count));
  std::printf("\n%-12s %9s %9s %9s %9s\n", "kind", "requests", "p50 ms", "p99 ms", "max ms");
  for (auto& [kind, values] : latencies.millis) {
    const size_t count = values.size();
    const double p50 = Percentile(values, 0.50), p99 = Percentile(values, 0.99);
    std::printf("%-12s %9zu %9.2f %9.2f %9.2f\n", kind.c_str(), count, p50, p99, values.back());
  }
  Checker checker(workspace);
  uint64_t claims_checked = 0;
  const LedgerChecks checks =
      checker.Run([&](Ledger&, Declarations& declarations, Clearing&, Settlement&) {
        return CheckClaims(declarations, acked_claims, claims_checked);
      });
  bool ok = checks.problem.empty() && server_errors == 0 && errors == 0 &&
            checks.claims == acked_claims.size();
  std::printf(
      "claims acknowledged %zu, in the ledger %llu, checked one by one %llu; 5xx %llu; "
      "other errors %ld; verify %s\n",
      acked_claims.size(), static_cast<unsigned long long>(checks.claims),
      static_cast<unsigned long long>(claims_checked),
      static_cast<unsigned long long>(server_errors), errors.load(),
      checks.problem.empty() ? "ok" : checks.problem.c_str());
  std::printf("load test %s\n", ok ? "passed" : "FAILED");
  return ok ? 0 : 1;
}

int Main(int argc, char** argv) {
  if (argc < 2 || (std::string(argv[1]) != "crash-soak" && std::string(argv[1]) != "load")) {
    std::fprintf(stderr,
                 "usage: xclear-stress crash-soak --xcleard PATH [--kills 200] [--seed N] "
                 "[--workers 4] [--provinces 32] [--work DIR]\n"
                 "       xclear-stress load --xcleard PATH [--seconds 180] [--requests-max N] "
                 "[--work DIR]\n"
                 "  --tls yes: xcleard serves HTTPS with a certificate made for the run\n");
    return 2;
  }
  Flags flags;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0) Die("unexpected argument " + name);
    flags.values[name.substr(2)] = argv[i + 1];
  }
  if (flags.Get("xcleard", "").empty()) Die("--xcleard PATH is required");
  const std::string mode = argv[1];
  Workspace workspace(flags.Get("work", (std::filesystem::temp_directory_path() /
                                         ("xclear-" + mode + "-" + std::to_string(::getpid())))
                                            .string()),
                      flags.Get("tls", "no") == "yes");
  ::signal(SIGPIPE, SIG_IGN);
  int status = 0;
  if (mode == "crash-soak") {
    Soak soak(flags, workspace);
    status = soak.Run();
  } else {
    status = Load(flags, workspace);
  }
  if (status == 0 && flags.Get("keep", "no") != "yes") std::filesystem::remove_all(workspace.dir);
  return status;
}

}  // namespace
}  // namespace xclear::stress

int main(int argc, char** argv) { return xclear::stress::Main(argc, argv); }
