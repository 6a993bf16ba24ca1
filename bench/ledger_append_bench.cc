// Ledger append benchmark: entries of 4 postings (a claim between a random pair of the 992),
// each with an idempotency key, committed in batches of 1, 100 and 10 000 entries with the WAL
// synced per batch. Prints entries/s, postings/s, bytes written, peak RSS and the time of a
// full verify afterwards.
//
//   build/bench/ledger_append_bench [--dir DIR] [--scale S]
//
// --scale multiplies the entry counts (default 1: 2 000 / 200 000 / 2 000 000 entries).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "xclear/ledger.h"

namespace {

using namespace xclear;

uint64_t ProcessWriteBytes() {
  std::ifstream io("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "write_bytes:") return value;
  }
  return 0;
}

long PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

EntryDraft Claim(const Participants& units, uint64_t n) {
  const auto& list = units.units();
  const uint32_t treatment = list[n % list.size()].code;
  uint32_t insured = list[(n / list.size() + 1 + n % list.size()) % list.size()].code;
  if (insured == treatment) insured = list[(n + 1) % list.size()].code;
  const Money amount = Money::FromFen(Fen(100 + n % 1'000'000));
  EntryDraft draft;
  draft.kind = EntryKind::kClaimsDeclared;
  draft.effective_date = Date::Parse("2026-10-15").value();
  draft.actor = "bench";
  draft.idempotency_key = "bench-" + std::to_string(n);
  draft.postings = {{AccountId::Receivable(treatment, insured), Side::kDebit, amount},
                    {AccountId::Bank(treatment), Side::kCredit, amount},
                    {AccountId::Expense(insured), Side::kDebit, amount},
                    {AccountId::Payable(insured, treatment), Side::kCredit, amount}};
  return draft;
}

int RunBatchSize(const std::filesystem::path& root, size_t batch, uint64_t entries) {
  const std::filesystem::path dir = root / ("batch-" + std::to_string(batch));
  std::filesystem::remove_all(dir);
  SystemClock clock;
  LedgerOptions options;
  options.data_dir = dir;
  options.create_if_missing = true;
  options.storage.write_group_entries_max = static_cast<uint32_t>(batch);
  auto ledger = OpenLedger(options, Participants::Default(), clock);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  const Participants& units = Participants::Default();
  std::vector<EntryDraft> drafts;
  const uint64_t written_before = ProcessWriteBytes();
  double build_seconds = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t n = 0; n < entries;) {
    const auto build_start = std::chrono::steady_clock::now();
    drafts.clear();
    for (size_t i = 0; i < batch && n < entries; ++i, ++n) drafts.push_back(Claim(units, n));
    build_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();
    auto appended = (*ledger)->Append(drafts);
    if (!appended.ok()) {
      std::fprintf(stderr, "%s\n", appended.status().ToString().c_str());
      return 1;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() -
      build_seconds;
  const uint64_t written = ProcessWriteBytes() - written_before;
  std::printf(
      "batch %6zu: %9llu entries in %7.2f s  %10.0f entries/s  %10.0f postings/s  "
      "%8.1f MiB written  peak RSS %ld MiB\n",
      batch, static_cast<unsigned long long>(entries), seconds, entries / seconds,
      4.0 * entries / seconds, written / 1048576.0, PeakRssMiB());
  std::fflush(stdout);
  const auto verify_start = std::chrono::steady_clock::now();
  auto report = (*ledger)->Verify();
  if (!report.ok() || !report->ok) {
    std::fprintf(stderr, "verify failed after the benchmark\n");
    return 1;
  }
  const double verify_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - verify_start).count();
  std::printf("              verify of %llu entries: %.2f s (%.0f entries/s)\n",
              static_cast<unsigned long long>(report->entries_checked), verify_seconds,
              report->entries_checked / verify_seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "xclear-ledger-bench";
  uint64_t scale = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--dir") == 0)
      dir = argv[i + 1];
    else if (std::strcmp(argv[i], "--scale") == 0)
      scale = std::stoull(argv[i + 1]);
  }
  std::printf("ledger append benchmark: 4 postings per entry, WAL synced per batch, dir %s\n",
              dir.c_str());
  const std::pair<size_t, uint64_t> runs[] = {{1, 2'000}, {100, 200'000}, {10'000, 2'000'000}};
  for (const auto& [batch, entries] : runs) {
    if (RunBatchSize(dir, batch, entries * scale) != 0) return 1;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
