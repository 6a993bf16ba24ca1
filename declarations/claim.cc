#include "xclear/claim.h"

#include <cstdio>

#include "claim_codec.h"
#include "xclear/text.h"

namespace xclear {

std::string_view CategoryName(Category category) {
  switch (category) {
    case Category::kInpatient:
      return "inpatient";
    case Category::kOutpatient:
      return "outpatient";
    case Category::kChronic:
      return "chronic";
    case Category::kPharmacy:
      return "pharmacy";
  }
  return "unknown";
}

Result<Category> ParseCategory(std::string_view name) {
  for (const Category category : kCategories) {
    if (CategoryName(category) == name) return category;
  }
  return Status::InvalidArgument(QuoteText(name) +
                                 " is not a category (inpatient, outpatient, chronic, pharmacy)");
}

Status ValidateClaimId(std::string_view id) {
  if (id.empty()) return Status::InvalidArgument("is empty");
  if (id.size() > kClaimIdBytesMax) {
    return Status::InvalidArgument("is " + std::to_string(id.size()) +
                                   " characters long; at most 64 are allowed");
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("contains '" + CharacterAt(id, i) +
                                     "'; only letters, digits, '_' and '-' are allowed");
    }
  }
  return Status::Ok();
}

std::string DeclarationIdToHex(uint64_t declaration_id) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(declaration_id));
  return buffer;
}

bool Claim::SameFieldsAs(const Claim& other) const {
  return claim_id == other.claim_id && treatment == other.treatment && insured == other.insured &&
         settled_on == other.settled_on && category == other.category &&
         total_amount == other.total_amount && fund_amount == other.fund_amount &&
         reversal_of == other.reversal_of;
}

Digest ClaimDigest(const Claim& claim) {
  ClaimRecord record;
  static_cast<Claim&>(record) = claim;
  std::string value;
  declarations_internal::EncodeClaimValue(record, value);
  return declarations_internal::ClaimDigestOfEncoded(claim.claim_id, value);
}

}  // namespace xclear
