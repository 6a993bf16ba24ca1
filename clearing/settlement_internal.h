// Helpers shared by the settlement's files (internal to clearing/): the fact keys, the postings
// of a payment, and the stored form of payments and their returns.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "xclear/ledger.h"
#include "xclear/settlement.h"

namespace xclear::settlement_internal {

std::string RoundName(const YearMonth& month, uint32_t round);  // "2026-09:0"
std::string PaymentPrefix(const YearMonth& month, uint32_t round);
std::string PaymentKey(const PaymentDraft& payment);
std::string PartyName(uint32_t code);
// payer Dr payable:payee / Cr bank; payee Dr bank / Cr receivable:payer (SPEC §5). Owed back
// (a negative pair): payer Dr receivable:payee / Cr bank; payee Dr bank / Cr payable:payer.
std::vector<Posting> PaymentPostings(const PaymentDraft& payment);
// Who pays whom, and in which of a pair's directions: the key of an obligation.
using PaymentDirection = std::tuple<uint32_t, uint32_t, bool>;  // payer, payee, owed back
Result<Payment> PaymentFromFact(const Fact& fact);

// Returns (payment_returns.cc): "payment-return:<YYYY-MM>:<round>:" and the returns of a round
// by (payer, payee), net amounts returned.
std::string ReturnPrefix(const YearMonth& month, uint32_t round);
Result<std::map<PaymentDirection, Money>> ReturnedByPair(const Ledger& ledger,
                                                         const std::string& prefix);
Result<PaymentReturn> ReturnFromFact(const Fact& fact);
// The postings of a return: the payment's, debit and credit swapped, for the returned amount.
std::vector<Posting> ReturnPostings(const PaymentReturn& payment_return);

}  // namespace xclear::settlement_internal
