// Storage encodings of the declaration tables (internal to declarations/). Grammar in
// claim_codec.cc. All integers big-endian.
#pragma once

#include <string>
#include <string_view>

#include "xclear/claim.h"
#include "xclear/encoding.h"
#include "xclear/money.h"
#include "xclear/sha256.h"

namespace xclear::declarations_internal {

inline constexpr size_t kClaimValueBytes = 46;
// The flags byte of a claim value and of an aggregate key.
inline constexpr uint8_t kClaimLate = 1;      // accepted late through an explanation
inline constexpr uint8_t kClaimReversal = 2;  // a reversal of another claim (claim_links.h)

// claims table value, and the value of claims_by_month.
void EncodeClaimValue(const ClaimRecord& claim, std::string& out);
void EncodeClaimValueRaw(uint32_t treatment, uint32_t insured, const Date& settled_on,
                         Category category, uint64_t total_fen, uint64_t fund_fen, uint8_t flags,
                         uint64_t declaration_id, uint64_t row, std::string& out);

// Reads the fields of an encoded claim value in place (the value must be kClaimValueBytes).
class ClaimValueView {
 public:
  explicit ClaimValueView(std::string_view value) : bytes_(value.data()) {}
  uint32_t treatment() const { return Get32(0); }
  uint32_t insured() const { return Get32(4); }
  Date settled_on() const { return Date::FromDaysSinceEpoch(static_cast<int32_t>(Get32(8))); }
  Category category() const { return static_cast<Category>(static_cast<uint8_t>(bytes_[12])); }
  uint64_t total_fen() const { return Get64(13); }
  uint64_t fund_fen() const { return Get64(21); }
  uint8_t flags() const { return static_cast<uint8_t>(bytes_[29]); }
  bool late() const { return (flags() & kClaimLate) != 0; }
  bool reversal() const { return (flags() & kClaimReversal) != 0; }
  uint64_t declaration_id() const { return Get64(30); }
  uint64_t row() const { return Get64(38); }

 private:
  uint32_t Get32(size_t at) const { return encoding::DecodeFixed32(bytes_ + at); }
  uint64_t Get64(size_t at) const { return encoding::DecodeFixed64(bytes_ + at); }
  const char* bytes_;
};
// Decodes a value; `claim_id` is taken from the key. False when malformed.
bool DecodeClaimValue(std::string_view claim_id, std::string_view value, ClaimRecord& out);

// claims_by_month key: month ‖ treatment ‖ insured ‖ claim_id.
void EncodeMonthKey(const YearMonth& month, uint32_t treatment, uint32_t insured,
                    std::string_view claim_id, std::string& out);
std::string MonthKeyPrefix(const YearMonth& month);
std::string MonthKeyPrefix(const YearMonth& month, uint32_t treatment);
std::string MonthKeyPrefix(const YearMonth& month, uint32_t treatment, uint32_t insured);
std::string_view ClaimIdOfMonthKey(std::string_view key);

// claim_aggregates: per (month, treatment, insured, category, late, reversal).
struct AggregateKey {
  YearMonth month;
  uint32_t treatment = 0;
  uint32_t insured = 0;
  Category category = Category::kOutpatient;
  bool late = false;
  bool reversal = false;  // the group of the month's reversals, kept apart from its claims
  auto operator<=>(const AggregateKey&) const = default;
};
struct Aggregate {
  uint64_t count = 0;
  Fen fund_fen = 0;
  Fen total_fen = 0;
  Digest digest_sum{};  // Σ ClaimDigest mod 2^256: order-independent, so it can be kept up to date
  void Add(uint64_t fund, uint64_t total, const Digest& digest);
  void Add(const Aggregate& other);
  bool operator==(const Aggregate&) const = default;
};
std::string EncodeAggregateKey(const AggregateKey& key);
bool DecodeAggregateKey(std::string_view bytes, AggregateKey& out);
std::string EncodeAggregate(const Aggregate& aggregate);
bool DecodeAggregate(std::string_view bytes, Aggregate& out);

std::string DeclarationKey(uint64_t declaration_id);

// late_aggregates: per (month, declaration, treatment, insured, category[, reversal]) of late
// claims and late reversals.
std::string EncodeLateAggregateKey(const AggregateKey& key, uint64_t declaration_id);
bool DecodeLateAggregateKey(std::string_view bytes, AggregateKey& out, uint64_t& declaration_id);

// ClaimDigest over an encoded claim value: SHA-256(claim_id ‖ 0x00 ‖ the first 29 bytes of the
// value: treatment, insured, settled_days, category, total_fen, fund_fen).
inline constexpr size_t kClaimDigestFieldBytes = 29;
Digest ClaimDigestOfEncoded(std::string_view claim_id, std::string_view value);

}  // namespace xclear::declarations_internal
