// Declarations (申报): batches of claims from one treatment province, validated whole, committed
// atomically with the ledger entry that records them, under the declaration deadline.
//
// Deadline: claims of service month M are accepted until the `declaration_deadline_day` of M+1,
// 23:59:59.999 CST. Later, they are refused — unless the province filed a late-declaration
// explanation for (T, M) by that deadline; then they are accepted, marked late (for a
// supplementary clearing round), until the year-end cut-off (31 March of the year after M).
//
// Thread safety: all methods may be called from any thread. Declarations are serialized (one at
// a time per Declarations object, which must be the only writer of claims for its ledger), so
// that the claim-id uniqueness check and the commit see the same state.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "xclear/claim.h"
#include "xclear/config.h"
#include "xclear/ledger.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

namespace declarations_internal {
struct RunResults;
}

struct RowError {
  uint64_t row = 0;   // the file's record number; the header is row 1 (as Excel numbers it)
  std::string field;  // "fund_amount", "claim_id", … or "" for the whole row
  std::string reason;
  bool rule = false;  // refused by the deadline or the year-end cut-off, not malformed
};

struct DeclarationLimits {
  uint64_t errors_listed_max = 10'000;       // errors beyond this are counted, not listed
  uint64_t duplicates_listed_max = 1'000;    // duplicate claim ids listed in the report
  uint64_t run_claims_max = 4'000'000;       // claims sorted in memory at once (bounds memory)
  uint64_t write_batch_claims_max = 50'000;  // above this, claims go in as ingested files
  uint64_t claims_max = 100'000'000;         // claims in one declaration
};

struct DeclarationReport {
  uint32_t treatment = 0;
  std::string source;       // file name or "api"
  uint64_t rows = 0;        // data rows read
  bool accepted = false;    // false: nothing was recorded (see errors)
  uint64_t recorded = 0;    // new claims recorded
  uint64_t duplicates = 0;  // already recorded with identical fields: no-ops
  uint64_t late = 0;        // of the recorded claims and reversals, accepted late (an explanation)
  Money fund_amount;        // Σ fund_amount of the recorded claims
  Money total_amount;       // Σ total_amount of the recorded claims
  uint64_t declaration_id = 0;  // 0 when nothing was recorded
  uint64_t entry_sequence = 0;  // the claims_declared entry; 0 when no claim fund money moved
  Digest digest{};              // Σ ClaimDigest of the recorded claims (mod 2^256)
  uint64_t reversals = 0;       // new reversals recorded (not counted in `recorded`)
  Money reversed_fund;          // Σ fund_amount of the recorded reversals
  Money reversed_total;         // Σ total_amount of the recorded reversals
  uint64_t reversal_entry_sequence = 0;    // the claim_reversal entry; 0 when none
  Digest reversals_digest{};               // Σ ClaimDigest of the recorded reversals
  std::vector<RowError> errors;            // every bad row (up to errors_listed_max)
  uint64_t error_count = 0;                // including those not listed
  std::vector<std::string> duplicate_ids;  // up to duplicates_listed_max
};

struct Explanation {
  uint32_t treatment = 0;
  YearMonth month;
  std::string reason;
  std::string actor;
  Instant filed_at;
  uint64_t fact_sequence = 0;
};

// Deadlines of service month M under `rules`.
Instant DeclarationDeadline(const YearMonth& month, const RuleConfig& rules);
Instant YearEndCutoff(const YearMonth& month, const RuleConfig& rules);

using ProgressCallback = std::function<void(uint64_t rows, uint64_t bytes, uint64_t bytes_total)>;

class Declarations {
 public:
  // `ledger`, `config` and `clock` must outlive this object.
  Declarations(Ledger& ledger, const Config& config, const Clock& clock,
               DeclarationLimits limits = {});

  // Declares a CSV file (header row; SPEC field names or the national platform's, see
  // docs/declarations.md) as treatment province `treatment`. A non-ok Status is a system failure
  // (I/O); a refused declaration is an ok Result whose report has accepted = false and errors.
  Result<DeclarationReport> DeclareCsvFile(uint32_t treatment, const std::filesystem::path& file,
                                           const std::string& actor,
                                           const ProgressCallback& progress = {});
  // The same for CSV text in memory (an HTTP body).
  Result<DeclarationReport> DeclareCsvText(uint32_t treatment, std::string_view text,
                                           const std::string& actor, const std::string& source);
  // Claims given as field values, in the order of kClaimFields (7 values, or 8 with reversal_of):
  // row numbers in errors are 1-based positions in `rows` plus 1 (as if row 1 were a header).
  Result<DeclarationReport> DeclareRows(uint32_t treatment,
                                        const std::vector<std::vector<std::string>>& rows,
                                        const std::string& actor, const std::string& source);

  // Claims as JSON: an array of objects with the SPEC field names, every value a string
  // (amounts as "1234.56", never JSON numbers: no floating point), e.g.
  //   [{"claim_id": "A1", "treatment_province": "110000", "insured_province": "130000",
  //     "settled_on": "2026-09-03", "category": "inpatient", "total_amount": "150.00",
  //     "fund_amount": "100.00"}]
  // A reversal also has "reversal_of": the claim it cancels.
  // Malformed JSON is a non-ok Status; an element with a missing, unknown or non-string field is
  // a row error (element i is row i + 2, as if row 1 were a header).
  Result<DeclarationReport> DeclareJson(uint32_t treatment, std::string_view json_text,
                                        const std::string& actor, const std::string& source);

  // Files the late-declaration explanation for (treatment, month). Refused after M's deadline or
  // for a month that has not begun. Filing the same reason again is a no-op; another is refused.
  Result<Explanation> FileExplanation(uint32_t treatment, const YearMonth& month,
                                      const std::string& reason, const std::string& actor);
  Result<std::optional<Explanation>> FindExplanation(uint32_t treatment,
                                                     const YearMonth& month) const;
  // Every explanation (of one province when treatment ≠ 0), by province and month.
  Result<std::vector<Explanation>> ListExplanations(uint32_t treatment = 0) const;

  // A claim or a reversal by its id; a reversal names the claim it cancels (reversal_of), a
  // reversed claim its reversal (reversed_by).
  Result<std::optional<ClaimRecord>> FindClaim(std::string_view claim_id) const;
  // Claims of `month` in (treatment, insured, claim_id) order; 0 means any. Stops at the first
  // non-ok Status from `visit`. With both provinces given, `after` starts strictly after that
  // claim id (a page cursor: one seek, not a rescan). Reversals come with their claims, naming
  // what they cancel; a claim's reversed_by is left empty (FindClaim fills it: one read more).
  Status ForEachClaim(const YearMonth& month, uint32_t treatment, uint32_t insured,
                      const std::function<Status(const ClaimRecord&)>& visit,
                      std::string_view after = {}) const;

  // The aggregates kept at declaration time: one group of a month's claims per (treatment,
  // insured, category), with its count, sums and Σ ClaimDigest mod 2^256 (AddDigest); the
  // month's reversals (by their settled_on) in groups of their own.
  struct ClaimGroup {
    uint32_t treatment = 0;
    uint32_t insured = 0;
    Category category = Category::kOutpatient;
    bool reversal = false;  // a group of reversals: its sums are taken off the claims'
    uint64_t count = 0;
    Fen fund_fen = 0;
    Fen total_fen = 0;
    Digest digest_sum{};
  };
  // The groups of `month`'s on-time claims and reversals (late = false) or of its late ones, in
  // (treatment, insured, category, reversal) order: one short range scan, whatever the number
  // of claims.
  Result<std::vector<ClaimGroup>> MonthGroups(const YearMonth& month, bool late) const;
  // The late claims of `month` per declaration and (treatment, insured, category): what a
  // supplementary round clears, read without a scan of the month's claims.
  struct LateGroup {
    uint64_t declaration_id = 0;
    ClaimGroup claims;
  };
  Result<std::vector<LateGroup>> LateGroups(const YearMonth& month) const;
  // Σ of MonthGroups: (claims and reversals counted, Σ fund of the claims − Σ of the reversals).
  Result<std::pair<uint64_t, Fen>> MonthTotals(const YearMonth& month, bool late) const;
  // The service months that have at least one claim, in order (one seek per month).
  Result<std::vector<YearMonth>> MonthsWithClaims() const;

  // Checks that claims, the month index, the aggregates, the declarations and the ledger's
  // claims_declared postings agree (per pair, Σ claim fund_amount = Σ postings). Returns a
  // non-empty reason when they do not.
  Result<std::string> Verify(uint64_t* claims_checked = nullptr) const;

  // Adds to `out` every journal entry a declaration record stands behind (its claims_declared
  // entry), for the reconciliation of the control accounts (ReconcileControlAccounts).
  Status CollectRecordedEntries(std::set<uint64_t>& out) const;

  // Where rows come from (a CSV reader or the API's rows); defined in declarations.cc.
  class RowSource;

 private:
  Result<DeclarationReport> Declare(uint32_t treatment, RowSource& source, const std::string& actor,
                                    const ProgressCallback& progress);
  Status CommitDeclaration(DeclarationReport& report, declarations_internal::RunResults& results,
                           const std::string& actor);
  // Refuses a ledger whose claims are stored without the claim index (an older format).
  Status CheckClaimFormat() const;

  Ledger& ledger_;
  const Config& config_;
  const Clock& clock_;
  DeclarationLimits limits_;
  std::mutex declare_mutex_;
  mutable std::atomic<bool> format_checked_{false};
};

// The field order of DeclareRows (and the SPEC column names of a CSV file): seven required
// fields, then the optional reversal_of (empty or absent for a claim; a reversal names the
// claim it cancels).
inline constexpr const char* kClaimFields[] = {
    "claim_id", "treatment_province", "insured_province", "settled_on",
    "category", "total_amount",       "fund_amount",      "reversal_of"};
inline constexpr size_t kClaimFieldsRequired = 7;
inline constexpr size_t kClaimFieldsAll = 8;
inline constexpr size_t kReversalOfField = 7;
// One row's fields in kClaimFields order, as views into the source.
using ClaimFieldValues = std::array<std::string_view, kClaimFieldsAll>;

}  // namespace xclear
