// Turns the text fields of one claim row into an encoded claim, or says exactly what is wrong
// (internal to declarations/). Built for the hot path: no allocation per valid row.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xclear/claim.h"
#include "xclear/config.h"
#include "xclear/declarations.h"
#include "xclear/ledger.h"

namespace xclear::declarations_internal {

// Where the claim fields are in a row, and how to read them.
struct ColumnMap {
  static constexpr size_t kAbsent = SIZE_MAX;
  std::array<size_t, kClaimFieldsAll> index{};  // position of each kClaimFields field, or kAbsent
                                                // (only reversal_of may be absent)
  bool national =
      false;           // national platform names: codes below province level, setl_time, med_type
  size_t columns = 0;  // fields in the header
};

// Reads the header row. Fails with the missing or repeated column named. `reversal_column` is the
// national header's name for the reversal_of column (rules.national_reversal_column).
Result<ColumnMap> MapHeader(const std::vector<std::string_view>& header,
                            std::string_view reversal_column);

// A validated claim, ready to store.
struct ValidRow {
  std::string_view claim_id;
  std::string_view reversal_of;  // empty for a claim
  uint32_t insured = 0;
  Date settled_on;
  Category category = Category::kOutpatient;
  uint64_t total_fen = 0;
  uint64_t fund_fen = 0;
  bool late = false;
};

class RowValidator {
 public:
  // `explanations`: the province's explanations by month (filed_at), looked up once per month.
  RowValidator(uint32_t treatment, const Config& config, Instant now,
               std::map<int32_t, Instant> explanations);

  // Validates one row given in canonical field order (reversal_of empty for a claim) and either
  // fills `out` or appends the errors of the row to `errors` and returns false. What a reversal
  // must share with its original is checked later (reversals.cc), once the original is known.
  bool Validate(const ClaimFieldValues& fields, bool national, uint64_t row, ValidRow& out,
                std::vector<RowError>& errors);

 private:
  // The admission of claims of a service month: regular, late, or refused with a reason.
  struct Admission {
    bool accepted = false;
    bool late = false;
    std::string reason;
  };
  const Admission& AdmissionOf(const YearMonth& month);
  bool ParseProvince(std::string_view text, bool national, uint32_t& code) const;
  bool ParseAmount(std::string_view text, uint64_t& fen, std::string& reason) const;
  // A reversal's amount in a national export, written as the original's or as its negative.
  bool ParseReversalAmount(std::string_view text, uint64_t& fen, std::string& reason) const;

  uint32_t treatment_;
  const Config& config_;
  Instant now_;
  Date today_;
  std::map<int32_t, Instant> explanations_;
  std::map<int32_t, Admission> admissions_;
  std::array<bool, 100> configured_{};  // by the first two digits of the code
  std::map<std::string, Category, std::less<>> med_types_;
  uint64_t amount_max_fen_ = 0;
};

}  // namespace xclear::declarations_internal
