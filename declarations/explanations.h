// Late-declaration explanations as the declaration pipeline reads them (internal to
// declarations/). Filing and listing them are Declarations methods (explanations.cc).
#pragma once

#include <cstdint>
#include <map>

#include "xclear/ledger.h"
#include "xclear/time.h"

namespace xclear::declarations_internal {

// When `treatment` filed its explanation of each month (by YearMonth::Ordinal()).
Result<std::map<int32_t, Instant>> ExplanationsFiled(const Ledger& ledger, uint32_t treatment);

}  // namespace xclear::declarations_internal
