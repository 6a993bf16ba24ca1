// The links between a claim and its reversal (internal to declarations/). Grammar in
// claim_links.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xclear/ledger.h"

namespace xclear::declarations_internal {

// The two records one reversal writes: the original's "reversed by" and the reversal's
// "reversal of". Both go in the declaration's commit, or neither.
void AddReversalLinks(std::string_view original_id, std::string_view reversal_id,
                      std::vector<TableWrite>& writes);
// The reversal that cancels `claim_id`, if one is recorded.
Result<std::optional<std::string>> FindReversedBy(const Ledger& ledger, std::string_view claim_id);
// The claim that the reversal `reversal_id` cancels, if `reversal_id` is a recorded reversal.
Result<std::optional<std::string>> FindReversalOf(const Ledger& ledger,
                                                  std::string_view reversal_id);

// A claim_links record as read back by a scan (verify).
struct ClaimLink {
  bool reversal_of = false;  // true: "O" record (from the reversal); false: "R" (from the original)
  std::string_view from;     // the id the record is filed under
  std::string_view to;       // the id it names
};
bool DecodeClaimLink(std::string_view key, std::string_view value, ClaimLink& out);

}  // namespace xclear::declarations_internal
