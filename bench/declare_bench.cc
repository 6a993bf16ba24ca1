// Declaration benchmark: declares every claims-*.csv file of a directory (one declaration per
// file, as the 32 treatment provinces would) into a fresh ledger, durable, and prints claims/s,
// MB/s, wall time and peak RSS; then verifies the claims against the ledger.
//
//   build/bench/declare_bench --claims-dir DIR [--ledger DIR] [--config FILE] [--run-claims N]
//                             [--no-verify]
//
// Generate the input with: build/tools/xclear-generate --claims 20000000 --month 2026-10 --out DIR
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "xclear/declarations.h"

namespace {

using namespace xclear;

long PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path claims_dir, ledger_dir = "/tmp/xclear-declare-bench",
                                    config_path = "config/xclear.json";
  bool verify = true;
  DeclarationLimits limits;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-verify") {
      verify = false;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", flag.c_str());
      return 2;
    }
    const char* value = argv[++i];
    if (flag == "--claims-dir")
      claims_dir = value;
    else if (flag == "--ledger")
      ledger_dir = value;
    else if (flag == "--config")
      config_path = value;
    else if (flag == "--run-claims")
      limits.run_claims_max = std::stoull(value);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  auto config = LoadConfig(config_path);
  if (!config.ok() || claims_dir.empty()) {
    std::fprintf(stderr,
                 "usage: declare_bench --claims-dir DIR [--ledger DIR] [--config FILE]\n%s\n",
                 config.ok() ? "" : config.status().ToString().c_str());
    return 2;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(claims_dir)) {
    if (entry.path().filename().string().rfind("claims-", 0) == 0) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::filesystem::remove_all(ledger_dir);
  // "Now" is the 10th of the month after the generated one, inside the declaration window.
  SystemClock system;
  ManualClock clock(system.Now());
  LedgerOptions options;
  options.data_dir = ledger_dir;
  options.create_if_missing = true;
  options.storage = config->storage;
  options.limits = config->limits;
  auto ledger = OpenLedger(options, config->participants, clock);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  Declarations declarations(**ledger, *config, clock, limits);
  uint64_t claims = 0, bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& file : files) {
    // Set "now" from the first row's month on the first file: the 10th of the next month.
    if (claims == 0) {
      FILE* in = std::fopen(file.c_str(), "r");
      char line[512];
      if (in != nullptr && std::fgets(line, sizeof line, in) && std::fgets(line, sizeof line, in)) {
        const char* date = std::strstr(line, ",20");
        auto month = date ? YearMonth::Parse(std::string(date + 1, 7))
                          : Result<YearMonth>(Status::NotFound(""));
        if (month.ok())
          clock.Set(Instant::FromCst(month->AddMonths(1).FirstDay().AddDays(9), 10, 0, 0, 0));
      }
      if (in != nullptr) std::fclose(in);
    }
    const auto file_start = std::chrono::steady_clock::now();
    auto province = config->participants.ParseCode(file.stem().string().substr(7));
    if (!province.ok()) {
      std::fprintf(stderr, "%s: the file name does not name a province\n", file.c_str());
      return 1;
    }
    auto report = declarations.DeclareCsvFile(*province, file, "operator:bench");
    if (!report.ok() || !report->accepted) {
      std::fprintf(stderr, "%s: %s\n", file.c_str(),
                   report.ok()
                       ? (report->errors.empty() ? "refused" : report->errors[0].reason.c_str())
                       : report.status().ToString().c_str());
      return 1;
    }
    claims += report->recorded;
    bytes += std::filesystem::file_size(file);
    std::printf("  %-20s %9llu claims %7.2f s\n", file.filename().c_str(),
                static_cast<unsigned long long>(report->recorded), Seconds(file_start));
  }
  const double seconds = Seconds(start);
  std::printf(
      "declared %llu claims (%.2f GB CSV, %zu files) in %.2f s: %.0f claims/s, %.1f MB/s, "
      "peak RSS %ld MiB\n",
      static_cast<unsigned long long>(claims), bytes / 1e9, files.size(), seconds, claims / seconds,
      bytes / 1e6 / seconds, PeakRssMiB());
  if (verify) {
    const auto verify_start = std::chrono::steady_clock::now();
    uint64_t checked = 0;
    auto problem = declarations.Verify(&checked);
    auto report = (*ledger)->Verify();
    const bool ok = problem.ok() && problem->empty() && report.ok() && report->ok;
    std::printf("verify: %s (%llu claims, %llu entries) in %.2f s\n", ok ? "ok" : "FAILED",
                static_cast<unsigned long long>(checked),
                static_cast<unsigned long long>(report.ok() ? report->entries_checked : 0),
                Seconds(verify_start));
    if (!ok) return 1;
  }
  return 0;
}
