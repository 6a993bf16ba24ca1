// The claim index:
//
//   claim_index  hash:fixed64            -> locator   (a claim's usual entry)
//                hash:fixed64 claim_id   -> locator   (a claim whose hash another claim holds)
//   locator := month:fixed32 treatment:fixed32 insured:fixed32, the claim's claims_by_month key
//              prefix (claim_codec.cc)
//
// hash is XXH3_64bits over the claim id's bytes (libxxhash ≥ 0.8.0, whose XXH3 output is frozen:
// a stored index stays valid across library versions).
//
// A claim id X with hash h is recorded if and only if claims_by_month holds L ‖ X, where L is
// the locator under h, or else the locator under h ‖ X. A new claim takes the key h when no
// recorded claim holds h, and h ‖ X otherwise, so two ids with equal hashes (about one pair
// among 6 × 10^9 ids) are both exact.
//
// Why a hash and not the id: ids arrive in no order, so every declaration's index file spans
// the whole key range whatever the key; a fixed 8-byte key keeps those files, their merging
// and the uniqueness lookups (bloom filters over 8-byte keys) small and fast — the index holds
// ~20 bytes per claim where an id-keyed table of full records held ~57. The claims themselves
// are stored once, in claims_by_month, whose keys a declaration fills in one contiguous range.
#include "claim_index.h"

#include <xxhash.h>

#include <algorithm>

#include "xclear/encoding.h"

namespace xclear::declarations_internal {

namespace {
uint64_t (*test_hash)(std::string_view) = nullptr;
}

uint64_t ClaimIdHash(std::string_view claim_id) {
  if (test_hash != nullptr) [[unlikely]]
    return test_hash(claim_id);
  return XXH3_64bits(claim_id.data(), claim_id.size());
}

void SetClaimIdHashForTesting(uint64_t (*hash)(std::string_view)) { test_hash = hash; }

Result<bool> HasUnindexedClaims(const Ledger& ledger) {
  auto legacy = ledger.NewCursor(Table::kClaims, "", "");
  if (!legacy->Valid()) {
    XCLEAR_RETURN_IF_ERROR(legacy->status());
    return false;
  }
  auto index = ledger.NewCursor(Table::kClaimIndex, "", "");
  XCLEAR_RETURN_IF_ERROR(index->status());
  return !index->Valid();
}

void EncodeIndexKey(uint64_t hash, std::string& out) { encoding::PutFixed64(out, hash); }

void EncodeOverflowIndexKey(uint64_t hash, std::string_view claim_id, std::string& out) {
  encoding::PutFixed64(out, hash);
  out.append(claim_id);
}

Result<std::optional<StoredClaim>> FindStoredClaim(const Ledger& ledger,
                                                   std::string_view claim_id) {
  const uint64_t hash = ClaimIdHash(claim_id);
  std::string key;
  EncodeIndexKey(hash, key);
  XCLEAR_ASSIGN_OR_RETURN(auto locator, ledger.Get(Table::kClaimIndex, key));
  if (!locator) return std::optional<StoredClaim>();
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (locator->size() != kLocatorBytes)
      return Status::Corruption("a claim index record is malformed");
    StoredClaim claim{*locator + std::string(claim_id), {}};
    XCLEAR_ASSIGN_OR_RETURN(auto value, ledger.Get(Table::kClaimsByMonth, claim.key));
    if (value) {
      claim.value = std::move(*value);
      return std::optional<StoredClaim>(std::move(claim));
    }
    if (attempt == 1) break;
    // Another claim holds the hash: this one, if recorded, is under hash ‖ claim_id.
    key.clear();
    EncodeOverflowIndexKey(hash, claim_id, key);
    XCLEAR_ASSIGN_OR_RETURN(locator, ledger.Get(Table::kClaimIndex, key));
    if (!locator) break;
  }
  return std::optional<StoredClaim>();
}

Result<std::vector<std::optional<std::string>>> FindStoredClaimValues(
    const Ledger& ledger, const std::vector<std::string_view>& claim_ids) {
  std::vector<std::optional<std::string>> out(claim_ids.size());
  std::vector<std::pair<uint64_t, size_t>> order(claim_ids.size());
  for (size_t i = 0; i < claim_ids.size(); ++i) order[i] = {ClaimIdHash(claim_ids[i]), i};
  std::sort(order.begin(), order.end());
  std::string key_bytes;
  for (const auto& [hash, i] : order) EncodeIndexKey(hash, key_bytes);
  std::vector<std::string_view> keys;
  for (size_t k = 0; k < order.size(); ++k) keys.emplace_back(key_bytes.data() + 8 * k, 8);
  std::vector<std::string> values;
  std::vector<bool> found;
  XCLEAR_RETURN_IF_ERROR(ledger.MultiGet(Table::kClaimIndex, keys, values, found, true));
  std::vector<std::string> claim_keys;
  std::vector<size_t> of_key;  // the id of each claim key
  for (size_t k = 0; k < order.size(); ++k) {
    if (!found[k]) continue;
    if (values[k].size() != kLocatorBytes)
      return Status::Corruption("a claim index record is malformed");
    claim_keys.push_back(values[k] + std::string(claim_ids[order[k].second]));
    of_key.push_back(order[k].second);
  }
  keys.assign(claim_keys.begin(), claim_keys.end());
  XCLEAR_RETURN_IF_ERROR(ledger.MultiGet(Table::kClaimsByMonth, keys, values, found));
  for (size_t k = 0; k < keys.size(); ++k) {
    if (found[k]) {
      out[of_key[k]] = std::move(values[k]);
      continue;
    }
    // Another claim holds the hash: this one, if recorded, is under hash ‖ id.
    XCLEAR_ASSIGN_OR_RETURN(auto stored, FindStoredClaim(ledger, claim_ids[of_key[k]]));
    if (stored) out[of_key[k]] = std::move(stored->value);
  }
  return out;
}

}  // namespace xclear::declarations_internal
