// claim_links, both directions in one table:
//
//   'R' claim_id     -> reversal_id   the claim is reversed by that reversal
//   'O' reversal_id  -> claim_id      the reversal cancels that claim
//
// A reversal writes both records in the commit of its declaration; nothing ever removes them.
// The "R" record is what makes "not reversed already" one point lookup, and the "O" record is
// how a reversal is shown with what it cancels (the claim value itself is fixed-width).
#include "claim_links.h"

namespace xclear::declarations_internal {
namespace {

std::string LinkKey(char kind, std::string_view id) {
  std::string key(1, kind);
  key.append(id);
  return key;
}

}  // namespace

void AddReversalLinks(std::string_view original_id, std::string_view reversal_id,
                      std::vector<TableWrite>& writes) {
  writes.push_back({Table::kClaimLinks, LinkKey('R', original_id), std::string(reversal_id)});
  writes.push_back({Table::kClaimLinks, LinkKey('O', reversal_id), std::string(original_id)});
}

Result<std::optional<std::string>> FindReversedBy(const Ledger& ledger, std::string_view claim_id) {
  return ledger.Get(Table::kClaimLinks, LinkKey('R', claim_id));
}

Result<std::optional<std::string>> FindReversalOf(const Ledger& ledger,
                                                  std::string_view reversal_id) {
  return ledger.Get(Table::kClaimLinks, LinkKey('O', reversal_id));
}

bool DecodeClaimLink(std::string_view key, std::string_view value, ClaimLink& out) {
  if (key.size() < 2 || (key[0] != 'R' && key[0] != 'O') || value.empty()) return false;
  out.reversal_of = key[0] == 'O';
  out.from = key.substr(1);
  out.to = value;
  return true;
}

}  // namespace xclear::declarations_internal
