// The reconciliation of the control accounts with their sub-ledgers (issue 15, docs/ledger.md).
//
// Receivable, payable, prepayment held/advanced and every account of the national clearing
// account are control accounts (IsControlAccount): their balances must be exactly the sum of the
// entries that domain records stand behind — declarations (claims_declared), payment facts
// (claim_payment), net statements (netting), notice payments (prepayment_paid/refunded). An
// entry that moves a control account with no such record behind it (a generic reversal of a
// payment, a manual or hand-made entry, a payment entry whose record is missing) makes the books
// disagree with the records, and this names it: the pair, the account, the difference.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xclear/declarations.h"
#include "xclear/ledger.h"
#include "xclear/prepayments.h"
#include "xclear/settlement.h"

namespace xclear {

struct ControlAccountReport {
  uint64_t entries_checked = 0;   // entries that post to a control account
  uint64_t accounts_checked = 0;  // control accounts with a balance or a movement
  // One line per control account whose balance differs from its sub-ledger, naming the pair and
  // the difference and the entries that make it; empty when everything reconciles.
  std::vector<std::string> differences;
  bool ok() const { return differences.empty(); }
};

// Walks the journal once (entries 1..head) and the domains' records. Thread safety: reads only.
Result<ControlAccountReport> ReconcileControlAccounts(const Ledger& ledger,
                                                      const Declarations& declarations,
                                                      const Settlement& settlement,
                                                      const Prepayments& prepayments);

}  // namespace xclear
