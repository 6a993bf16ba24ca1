// Helpers shared by the tests: temporary directories and small ledger fixtures.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "xclear/journal.h"

namespace xclear::testing_support {

// Literals of the tests; a malformed one is a bug in the test (value() throws).
inline Instant At(const char* text) { return Instant::Parse(text).value(); }
inline Date On(const char* text) { return Date::Parse(text).value(); }
inline Money Cny(const char* text) {
  MoneyParseOptions options;
  options.allow_negative = true;
  return Money::Parse(text, options).value();
}

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("xclear-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline Posting Debit(const AccountId& account, int64_t fen) {
  return {account, Side::kDebit, Money::FromFen(fen)};
}
inline Posting Credit(const AccountId& account, int64_t fen) {
  return {account, Side::kCredit, Money::FromFen(fen)};
}

// Claims of `fen` paid by treatment province T for insured province I (SPEC §5).
inline EntryDraft ClaimEntry(uint32_t treatment, uint32_t insured, int64_t fen, std::string key) {
  EntryDraft draft;
  draft.kind = EntryKind::kClaimsDeclared;
  draft.effective_date = Date::Parse("2026-10-15").value();
  draft.actor = "province:" + std::to_string(treatment);
  draft.idempotency_key = std::move(key);
  draft.postings = {Debit(AccountId::Receivable(treatment, insured), fen),
                    Credit(AccountId::Bank(treatment), fen),
                    Debit(AccountId::Expense(insured), fen),
                    Credit(AccountId::Payable(insured, treatment), fen)};
  return draft;
}

// A manual entry of `fen` in Beijing's own books: expense against bank (no control account).
inline EntryDraft OwnBooksEntry(int64_t fen, std::string key) {
  EntryDraft draft;
  draft.kind = EntryKind::kManual;
  draft.effective_date = Date::Parse("2026-10-15").value();
  draft.actor = "operator:test";
  draft.idempotency_key = std::move(key);
  draft.postings = {Debit(AccountId::Expense(110000), fen), Credit(AccountId::Bank(110000), fen)};
  return draft;
}

// Payment of `fen` by insured province I to treatment province T for claims.
inline EntryDraft PaymentEntry(uint32_t insured, uint32_t treatment, int64_t fen, std::string key) {
  EntryDraft draft;
  draft.kind = EntryKind::kClaimPayment;
  draft.effective_date = Date::Parse("2026-11-20").value();
  draft.actor = "province:" + std::to_string(insured);
  draft.idempotency_key = std::move(key);
  draft.postings = {Debit(AccountId::Payable(insured, treatment), fen),
                    Credit(AccountId::Bank(insured), fen), Debit(AccountId::Bank(treatment), fen),
                    Credit(AccountId::Receivable(treatment, insured), fen)};
  return draft;
}

// What a child process printed, and whether it was killed before it ended on its own.
struct ChildRun {
  std::string output;
  bool killed = false;
  int exit_code = -1;  // when not killed
};

// Runs argv[0] with `argv`, collecting its standard output; sends SIGKILL after `kill_after_millis`
// unless it has ended by then.
inline ChildRun RunChild(const std::vector<std::string>& argv, int kill_after_millis) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[0]);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  ChildRun run;
  char buffer[4096];
  int status = 0;
  bool ended = false;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kill_after_millis);
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      run.output.append(buffer, static_cast<size_t>(n));
    } else if (::waitpid(pid, &status, WNOHANG) == pid) {
      ended = true;
      break;
    } else {
      ::usleep(500);
    }
  }
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  run.killed = WIFSIGNALED(status);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  ::fcntl(pipe_fds[0], F_SETFL, 0);
  ssize_t n = 0;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0)
    run.output.append(buffer, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  return run;
}

}  // namespace xclear::testing_support
