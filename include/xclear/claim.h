// Claims: one direct settlement each. T's fund paid `fund_amount` for a person insured in I.
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "xclear/money.h"
#include "xclear/sha256.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

enum class Category : uint8_t { kInpatient = 1, kOutpatient = 2, kChronic = 3, kPharmacy = 4 };
inline constexpr Category kCategories[] = {Category::kInpatient, Category::kOutpatient,
                                           Category::kChronic, Category::kPharmacy};

std::string_view CategoryName(Category category);  // "inpatient", "outpatient", …
Result<Category> ParseCategory(std::string_view name);

inline constexpr size_t kClaimIdBytesMax = 64;
// Ok when `id` is 1–64 characters of [A-Za-z0-9_-].
Status ValidateClaimId(std::string_view id);

struct Claim {
  std::string claim_id;
  uint32_t treatment = 0;  // the declaring province T (its fund paid)
  uint32_t insured = 0;    // the province I whose insured person was treated; I ≠ T
  Date settled_on;         // its month is the service month
  Category category = Category::kOutpatient;
  Money total_amount;  // ≥ 0
  Money fund_amount;   // 0 ≤ fund ≤ total: what is cleared
  // A reversal (结算撤销 / 退费) cancels the claim this names: the same treatment and insured
  // province, category and amounts; its settled_on is the day of the cancellation. Empty for a
  // claim. A reversal's own claim_id shares the claims' uniqueness space.
  std::string reversal_of;

  bool is_reversal() const { return !reversal_of.empty(); }
  YearMonth service_month() const { return YearMonth::Of(settled_on); }
  bool SameFieldsAs(const Claim& other) const;
};

// A declaration id as it is shown and referred to: 16 lowercase hex digits.
std::string DeclarationIdToHex(uint64_t declaration_id);

// A claim as recorded: where it came from and how it was admitted.
struct ClaimRecord : Claim {
  bool late = false;            // accepted after the deadline through an explanation
  uint64_t declaration_id = 0;  // the declaration that recorded it (see Declarations)
  uint64_t row = 0;             // its row in that declaration (the header is row 1)
  std::string reversed_by;      // the reversal that cancels this claim; empty when none does
};

// SHA-256 of a claim's canonical bytes: claim_id ‖ 0x00 ‖ treatment:u32 ‖ insured:u32 ‖
// settled_on (days since 1970-01-01):u32 ‖ category:u8 ‖ total_fen:u64 ‖ fund_fen:u64, integers
// big-endian. Covers what was claimed, not how it was admitted. Used for control digests; a
// reversal's digest is the same function of its own fields (it is summed apart from the claims').
Digest ClaimDigest(const Claim& claim);

}  // namespace xclear
