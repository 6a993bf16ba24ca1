// Month-end clearing (清算): the clearing statement of a service month.
//
// Clearing of month M may run only after M's declaration deadline. The first run issues the
// regular round (round 0: every claim of M declared on time). Late claims, accepted through a
// late-declaration explanation, form supplementary rounds 1, 2, …: each later run issues one
// round holding the late claims of M not yet in an earlier round. A run that finds nothing new
// returns the statements already issued and writes nothing. Each round is stored together with a
// fact in the ledger's hash-chained facts log (its SHA-256), atomically.
//
// Thread safety: Clear is serialized internally; reads may run concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "xclear/claim.h"
#include "xclear/config.h"
#include "xclear/ledger.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

struct StatementPair {
  uint32_t insured = 0;    // pays (as insured province) when `amount` is positive
  uint32_t treatment = 0;  // is owed (as treatment province) when `amount` is positive
  uint64_t claim_count = 0;
  Money fund_amount;                            // Σ fund of the claims
  std::array<uint64_t, 4> count_by_category{};  // indexed by Category − 1
  std::array<Money, 4> fund_by_category{};
  uint64_t reversal_count = 0;  // reversals (结算撤销) settled in the month
  Money reversed_fund;          // Σ fund of the reversals
  std::array<uint64_t, 4> reversals_by_category{};
  std::array<Money, 4> reversed_by_category{};
  // The pair's amount: claims − reversals. Negative: the treatment province owes the insured
  // province (in gross mode it pays it back).
  Money amount;

  bool owed_back() const { return amount.is_negative(); }        // the treatment province owes
  Money owed() const { return owed_back() ? -amount : amount; }  // by whoever owes it
};

struct StatementProvince {
  uint32_t province = 0;
  Money payable;     // Σ of its positive pairs as insured and of its negative pairs as treatment
  Money receivable;  // Σ of its positive pairs as treatment and of its negative pairs as insured
  Money net;         // receivable − payable: > 0 receives, < 0 pays
};

// How the money of a statement moves under one settlement mode.
struct SettlementView {
  uint64_t payments = 0;  // transfers
  Money moved;            // money transferred by the payers
};

struct Statement {
  YearMonth month;
  uint32_t round = 0;  // 0 regular, k ≥ 1 supplementary
  Instant issued_at;
  std::string issued_by;
  SettlementMode mode = SettlementMode::kGross;  // the configured mode: which payments are due
  uint64_t claim_count = 0;
  Money fund_amount;   // Σ fund of the claims
  Money total_amount;  // Σ total of the claims
  uint64_t reversal_count = 0;
  Money reversed_fund;
  Money reversed_total;
  Money amount;  // Σ of the pairs' amounts: fund_amount − reversed_fund
  uint64_t record_count() const { return claim_count + reversal_count; }
  // SHA-256 over the (treatment, insured, category) groups of the included claims and reversals
  // in that order, each with its count, sums and Σ ClaimDigest mod 2^256 (see clearing.cc).
  Digest claims_digest{};
  std::vector<StatementPair> pairs;  // by insured, then treatment; pairs with claims or reversals
  std::vector<StatementProvince> provinces;  // every participant, by code
  SettlementView gross;  // each pair's amount is paid by its insured province (by its treatment
                         // province when negative)
  SettlementView net;    // one payment per province through the national clearing account
  std::vector<uint64_t> declarations;  // supplementary rounds: the declarations they cover
  Digest statement_hash{};             // SHA-256 of the stored statement (also in the facts log)
};

class Clearing {
 public:
  // `ledger`, `config` and `clock` must outlive this object.
  Clearing(Ledger& ledger, const Config& config, const Clock& clock);

  // Clears service month `month`: returns every statement of the month (old and new). Refused
  // before the month's declaration deadline, with the deadline in the message.
  // The regular round comes from the declaration-time aggregates, a supplementary round from
  // the late claims' aggregates kept per declaration: neither reads the month's claims.
  Result<std::vector<Statement>> Clear(const YearMonth& month, const std::string& actor);
  // The statements already issued for `month`, by round.
  Result<std::vector<Statement>> Statements(const YearMonth& month) const;
  // The service months that have at least one statement, in order.
  Result<std::vector<YearMonth>> StatementMonths() const;

  // Checks every stored statement against its fact in the facts log (same SHA-256), that each
  // fact has its statement, and that each statement's nets sum to zero. Returns a non-empty
  // reason when they do not; `checked` receives the number of statements.
  Result<std::string> Verify(uint64_t* checked = nullptr) const;

 private:
  Ledger& ledger_;
  const Config& config_;
  const Clock& clock_;
  std::mutex clear_mutex_;
};

// Whether any pair of `statement` has money to move (an amount other than zero).
bool MovesMoney(const Statement& statement);

// The canonical JSON of a statement (amounts as strings with two decimals), which is also its
// stored form; byte-identical for identical statements.
std::string StatementToJson(const Statement& statement, const Participants& participants);
Result<Statement> StatementFromJson(std::string_view json);

}  // namespace xclear
