// The claim index (internal to declarations/): how a claim is found by its id and how the
// uniqueness of claim ids is checked, without storing anything in claim-id order. Grammar in
// claim_index.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xclear/ledger.h"

namespace xclear::declarations_internal {

// The claims_by_month key prefix of a claim: month ‖ treatment ‖ insured.
inline constexpr size_t kLocatorBytes = 12;

// XXH3-64 of the claim id's bytes.
uint64_t ClaimIdHash(std::string_view claim_id);
// Tests only: replaces the hash (nullptr restores XXH3), so that colliding ids can be made at
// will. Not thread-safe; set it before declaring.
void SetClaimIdHashForTesting(uint64_t (*hash)(std::string_view));

// True when the ledger stores its claims the way xclear did before the claim index (an id-keyed
// claims table and no index): declarations and lookups by id refuse to run on it.
Result<bool> HasUnindexedClaims(const Ledger& ledger);
// The usual index key of a claim: its hash, 8 bytes big-endian.
void EncodeIndexKey(uint64_t hash, std::string& out);
// The key of a claim whose hash another recorded claim already holds: hash ‖ claim_id.
void EncodeOverflowIndexKey(uint64_t hash, std::string_view claim_id, std::string& out);

// A claim as stored: its claims_by_month key (locator ‖ claim_id) and value.
struct StoredClaim {
  std::string key;
  std::string value;
};
// Finds the claim recorded under `claim_id` (two or three point lookups).
Result<std::optional<StoredClaim>> FindStoredClaim(const Ledger& ledger, std::string_view claim_id);
// The values of the claims recorded under `claim_ids` (empty where none is): the same lookups
// for many ids at once, as MultiGets in hash order.
Result<std::vector<std::optional<std::string>>> FindStoredClaimValues(
    const Ledger& ledger, const std::vector<std::string_view>& claim_ids);

}  // namespace xclear::declarations_internal
