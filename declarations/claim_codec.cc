// Encodings of the declaration tables (all integers big-endian):
//
//   claims            claim_id                          -> claim_value
//   claims_by_month   month:fixed32 treatment:fixed32 insured:fixed32 claim_id -> claim_value
//   claim_aggregates  month:fixed32 treatment:fixed32 insured:fixed32 category:u8 flags:u8
//                                                       -> aggregate
//   declarations      declaration_id:fixed64            -> declaration (declaration_record.cc)
//   late_aggregates   month:fixed32 declaration_id:fixed64 treatment:fixed32 insured:fixed32
//                     category:u8 [0x01: reversals]     -> aggregate (of the late claims only)
//   claim_index       see claim_index.cc
//   claim_links       see claim_links.cc
//
//   claim_value := treatment:fixed32 insured:fixed32 settled_days:fixed32 category:u8
//                  total_fen:fixed64 fund_fen:fixed64 flags:u8 declaration_id:fixed64 row:fixed64
//   flags       := bit 0 late (accepted through an explanation), bit 1 reversal (the record is a
//                  reversal of the claim its claim_links record names). A ledger written before
//                  reversals holds flags 0 and 1 only, which mean what they meant.
//   aggregate   := count:fixed64 fund:amount total:amount digest_sum:32
//   amount      := sign:u8 magnitude:fixed128 (as in the ledger)
//
//   claim digest := SHA-256(claim_id ‖ 0x00 ‖ treatment ‖ insured ‖ settled_days ‖ category ‖
//                   total_fen ‖ fund_fen), the fields encoded as in claim_value
//
// month is YearMonth::Ordinal() (year × 12 + month − 1). Claim amounts fit 64 bits (the
// configured maximum is checked at load); sums use the checked 128-bit amount.
#include "claim_codec.h"

#include <cstring>

#include "xclear/encoding.h"

namespace xclear::declarations_internal {
using encoding::DecodeAmount;
using encoding::PutAmount;
constexpr auto Put32 = encoding::PutFixed32;
constexpr auto Put64 = encoding::PutFixed64;
constexpr auto Get32 = encoding::DecodeFixed32;
constexpr auto Get64 = encoding::DecodeFixed64;

void EncodeClaimValue(const ClaimRecord& claim, std::string& out) {
  EncodeClaimValueRaw(claim.treatment, claim.insured, claim.settled_on, claim.category,
                      claim.total_amount.fen().convert_to<uint64_t>(),
                      claim.fund_amount.fen().convert_to<uint64_t>(),
                      static_cast<uint8_t>((claim.late ? kClaimLate : 0) |
                                           (claim.is_reversal() ? kClaimReversal : 0)),
                      claim.declaration_id, claim.row, out);
}

void EncodeClaimValueRaw(uint32_t treatment, uint32_t insured, const Date& settled_on,
                         Category category, uint64_t total_fen, uint64_t fund_fen, uint8_t flags,
                         uint64_t declaration_id, uint64_t row, std::string& out) {
  Put32(out, treatment);
  Put32(out, insured);
  Put32(out, static_cast<uint32_t>(settled_on.days_since_epoch()));
  out += static_cast<char>(category);
  Put64(out, total_fen);
  Put64(out, fund_fen);
  out += static_cast<char>(flags);
  Put64(out, declaration_id);
  Put64(out, row);
}

bool DecodeClaimValue(std::string_view claim_id, std::string_view value, ClaimRecord& out) {
  if (value.size() != kClaimValueBytes) return false;
  const char* p = value.data();
  out.claim_id.assign(claim_id);
  out.treatment = Get32(p);
  out.insured = Get32(p + 4);
  out.settled_on = Date::FromDaysSinceEpoch(static_cast<int32_t>(Get32(p + 8)));
  const uint8_t category = static_cast<uint8_t>(p[12]);
  if (category < 1 || category > 4) return false;
  out.category = static_cast<Category>(category);
  out.total_amount = Money::FromFen(Fen(Get64(p + 13)));
  out.fund_amount = Money::FromFen(Fen(Get64(p + 21)));
  const uint8_t flags = static_cast<uint8_t>(p[29]);
  if (flags > (kClaimLate | kClaimReversal)) return false;
  out.late = (flags & kClaimLate) != 0;
  // The original's id is in claim_links; a decoded reversal names it once that is read.
  if ((flags & kClaimReversal) == 0) out.reversal_of.clear();
  out.declaration_id = Get64(p + 30);
  out.row = Get64(p + 38);
  return true;
}

void EncodeMonthKey(const YearMonth& month, uint32_t treatment, uint32_t insured,
                    std::string_view claim_id, std::string& out) {
  Put32(out, static_cast<uint32_t>(month.Ordinal()));
  Put32(out, treatment);
  Put32(out, insured);
  out.append(claim_id);
}

std::string MonthKeyPrefix(const YearMonth& month) {
  std::string out;
  Put32(out, static_cast<uint32_t>(month.Ordinal()));
  return out;
}

std::string MonthKeyPrefix(const YearMonth& month, uint32_t treatment) {
  std::string out = MonthKeyPrefix(month);
  Put32(out, treatment);
  return out;
}

std::string MonthKeyPrefix(const YearMonth& month, uint32_t treatment, uint32_t insured) {
  std::string out = MonthKeyPrefix(month, treatment);
  Put32(out, insured);
  return out;
}

std::string_view ClaimIdOfMonthKey(std::string_view key) {
  return key.size() < 12 ? std::string_view() : key.substr(12);
}

void Aggregate::Add(uint64_t fund, uint64_t total, const Digest& digest) {
  ++count;
  fund_fen += fund;
  total_fen += total;
  AddDigest(digest_sum, digest);
}

void Aggregate::Add(const Aggregate& other) {
  count += other.count;
  fund_fen += other.fund_fen;
  total_fen += other.total_fen;
  AddDigest(digest_sum, other.digest_sum);
}

std::string EncodeAggregateKey(const AggregateKey& key) {
  std::string out;
  Put32(out, static_cast<uint32_t>(key.month.Ordinal()));
  Put32(out, key.treatment);
  Put32(out, key.insured);
  out += static_cast<char>(key.category);
  out += static_cast<char>((key.late ? kClaimLate : 0) | (key.reversal ? kClaimReversal : 0));
  return out;
}

bool DecodeAggregateKey(std::string_view bytes, AggregateKey& out) {
  if (bytes.size() != 14) return false;
  out.month = YearMonth::FromOrdinal(static_cast<int32_t>(Get32(bytes.data())));
  out.treatment = Get32(bytes.data() + 4);
  out.insured = Get32(bytes.data() + 8);
  const uint8_t category = static_cast<uint8_t>(bytes[12]);
  if (category < 1 || category > 4) return false;
  out.category = static_cast<Category>(category);
  const uint8_t flags = static_cast<uint8_t>(bytes[13]);
  if (flags > (kClaimLate | kClaimReversal)) return false;
  out.late = (flags & kClaimLate) != 0;
  out.reversal = (flags & kClaimReversal) != 0;
  return true;
}

std::string EncodeAggregate(const Aggregate& aggregate) {
  std::string out;
  Put64(out, aggregate.count);
  PutAmount(out, aggregate.fund_fen);
  PutAmount(out, aggregate.total_fen);
  out.append(reinterpret_cast<const char*>(aggregate.digest_sum.data()), 32);
  return out;
}

bool DecodeAggregate(std::string_view bytes, Aggregate& out) {
  if (bytes.size() != 8 + 17 + 17 + 32) return false;
  out.count = Get64(bytes.data());
  out.fund_fen = DecodeAmount(bytes.data() + 8);
  out.total_fen = DecodeAmount(bytes.data() + 25);
  std::memcpy(out.digest_sum.data(), bytes.data() + 42, 32);
  return true;
}

Digest ClaimDigestOfEncoded(std::string_view claim_id, std::string_view value) {
  char bytes[kClaimIdBytesMax + 1 + kClaimDigestFieldBytes];
  std::memcpy(bytes, claim_id.data(), claim_id.size());
  bytes[claim_id.size()] = '\0';
  std::memcpy(bytes + claim_id.size() + 1, value.data(), kClaimDigestFieldBytes);
  return Sha256Of(std::string_view(bytes, claim_id.size() + 1 + kClaimDigestFieldBytes));
}

std::string EncodeLateAggregateKey(const AggregateKey& key, uint64_t declaration_id) {
  std::string out;
  Put32(out, static_cast<uint32_t>(key.month.Ordinal()));
  Put64(out, declaration_id);
  Put32(out, key.treatment);
  Put32(out, key.insured);
  out += static_cast<char>(key.category);
  if (key.reversal) out += '\x01';
  return out;
}

bool DecodeLateAggregateKey(std::string_view bytes, AggregateKey& out, uint64_t& declaration_id) {
  if (bytes.size() != 21 && !(bytes.size() == 22 && bytes[21] == '\x01')) return false;
  out.month = YearMonth::FromOrdinal(static_cast<int32_t>(Get32(bytes.data())));
  declaration_id = Get64(bytes.data() + 4);
  out.treatment = Get32(bytes.data() + 12);
  out.insured = Get32(bytes.data() + 16);
  const uint8_t category = static_cast<uint8_t>(bytes[20]);
  if (category < 1 || category > 4) return false;
  out.category = static_cast<Category>(category);
  out.late = true;
  out.reversal = bytes.size() == 22;
  return true;
}

std::string DeclarationKey(uint64_t declaration_id) {
  std::string out;
  Put64(out, declaration_id);
  return out;
}

}  // namespace xclear::declarations_internal
