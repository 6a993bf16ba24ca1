// Reversals (结算撤销 / 退费) in a declaration (internal to declarations/): what a reversal row
// must share with the claim it cancels. The rules are SPEC §13; docs/declarations.md has them
// with examples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "declaration_runs.h"
#include "xclear/declarations.h"
#include "xclear/ledger.h"

namespace xclear::declarations_internal {

// A reversal row as read: validated as a claim row (row_validator.cc), not yet against its
// original.
struct PendingReversal {
  std::string id;
  std::string original;
  uint64_t row = 0;
  std::string value;  // its encoded claim value (claim_codec.h)
};

// Checks every reversal of a declaration of `treatment` against its original — recorded in the
// ledger, or a new claim of the same declaration (either order) — and adds the claim_links
// records of the new ones to `links`. Each failure is a row error naming reversal_of, or the
// field that differs from the original's. `refused`: the declaration is refused already and its
// new claims were not written, so an original that may be among them is not looked for (a
// reversal is not called unknown when its original could be in the refused rows).
Status CheckReversals(const Ledger& ledger, RunWriter& writer, uint32_t treatment, bool refused,
                      const std::vector<PendingReversal>& reversals, std::vector<RowError>& errors,
                      std::vector<TableWrite>& links);

}  // namespace xclear::declarations_internal
