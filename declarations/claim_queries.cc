// Reading claims back: by id (with the reversal links), by month and pair, and the aggregates
// kept at declaration time (per month, pair, category, late and kind; late claims per
// declaration).
#include "claim_codec.h"
#include "claim_index.h"
#include "claim_links.h"
#include "xclear/declarations.h"

namespace xclear {

using namespace declarations_internal;

Status Declarations::CheckClaimFormat() const {
  if (format_checked_.load(std::memory_order_acquire)) return Status::Ok();
  XCLEAR_ASSIGN_OR_RETURN(const bool unindexed, HasUnindexedClaims(ledger_));
  if (unindexed) {
    return Status::FailedPrecondition(
        "this ledger keeps its claims in the format of xclear before the claim index (an "
        "id-keyed claims table); this version cannot check claim ids against it. Restore it "
        "into a ledger written by this version, or keep using the version that wrote it");
  }
  format_checked_.store(true, std::memory_order_release);
  return Status::Ok();
}

Result<std::optional<ClaimRecord>> Declarations::FindClaim(std::string_view claim_id) const {
  XCLEAR_RETURN_IF_ERROR(CheckClaimFormat());
  XCLEAR_ASSIGN_OR_RETURN(const auto stored, FindStoredClaim(ledger_, claim_id));
  if (!stored) return std::optional<ClaimRecord>();
  ClaimRecord record;
  if (!DecodeClaimValue(claim_id, stored->value, record)) {
    return Status::Corruption("claim " + std::string(claim_id) + " is stored malformed");
  }
  if (ClaimValueView(stored->value).reversal()) {
    XCLEAR_ASSIGN_OR_RETURN(const auto original, FindReversalOf(ledger_, claim_id));
    if (!original) {
      return Status::Corruption("reversal " + std::string(claim_id) + " names no claim");
    }
    record.reversal_of = *original;
  } else {
    XCLEAR_ASSIGN_OR_RETURN(const auto reversal, FindReversedBy(ledger_, claim_id));
    if (reversal) record.reversed_by = *reversal;
  }
  return std::optional<ClaimRecord>(std::move(record));
}

Status Declarations::ForEachClaim(const YearMonth& month, uint32_t treatment, uint32_t insured,
                                  const std::function<Status(const ClaimRecord&)>& visit,
                                  std::string_view after) const {
  std::string prefix = treatment == 0 ? MonthKeyPrefix(month)
                       : insured == 0 ? MonthKeyPrefix(month, treatment)
                                      : MonthKeyPrefix(month, treatment, insured);
  std::string lower = prefix;
  if (treatment != 0 && insured != 0 && !after.empty()) {
    lower.append(after);
    lower.push_back('\0');  // the smallest key after `after` (claim ids hold no NUL)
  }
  auto cursor = ledger_.NewCursor(Table::kClaimsByMonth, lower, MonthKeyPrefix(month.AddMonths(1)));
  ClaimRecord record;
  for (; cursor->Valid() && cursor->key().starts_with(prefix); cursor->Next()) {
    if (!DecodeClaimValue(ClaimIdOfMonthKey(cursor->key()), cursor->value(), record)) {
      return Status::Corruption("a claims_by_month record is malformed");
    }
    if (insured != 0 && record.insured != insured) continue;
    if (ClaimValueView(cursor->value()).reversal()) {
      XCLEAR_ASSIGN_OR_RETURN(const auto original, FindReversalOf(ledger_, record.claim_id));
      if (!original) return Status::Corruption("reversal " + record.claim_id + " names no claim");
      record.reversal_of = *original;
    }
    XCLEAR_RETURN_IF_ERROR(visit(record));
  }
  return cursor->status();
}

Result<std::vector<YearMonth>> Declarations::MonthsWithClaims() const {
  std::vector<YearMonth> months;
  std::string lower;
  while (true) {
    auto cursor = ledger_.NewCursor(Table::kClaimAggregates, lower, "");
    if (!cursor->Valid()) {
      XCLEAR_RETURN_IF_ERROR(cursor->status());
      return months;
    }
    AggregateKey key;
    if (!DecodeAggregateKey(cursor->key(), key)) {
      return Status::Corruption("a claim aggregate record is malformed");
    }
    months.push_back(key.month);
    lower = MonthKeyPrefix(key.month.AddMonths(1));
  }
}

Result<std::vector<Declarations::ClaimGroup>> Declarations::MonthGroups(const YearMonth& month,
                                                                        bool late) const {
  std::vector<ClaimGroup> groups;
  auto cursor = ledger_.NewCursor(Table::kClaimAggregates, MonthKeyPrefix(month),
                                  MonthKeyPrefix(month.AddMonths(1)));
  for (; cursor->Valid(); cursor->Next()) {
    AggregateKey key;
    Aggregate aggregate;
    if (!DecodeAggregateKey(cursor->key(), key) || !DecodeAggregate(cursor->value(), aggregate)) {
      return Status::Corruption("a claim aggregate record is malformed");
    }
    if (key.late != late) continue;
    groups.push_back({key.treatment, key.insured, key.category, key.reversal, aggregate.count,
                      aggregate.fund_fen, aggregate.total_fen, aggregate.digest_sum});
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  return groups;
}

Result<std::pair<uint64_t, Fen>> Declarations::MonthTotals(const YearMonth& month,
                                                           bool late) const {
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<ClaimGroup> groups, MonthGroups(month, late));
  std::pair<uint64_t, Fen> totals{0, 0};
  for (const ClaimGroup& group : groups) {
    totals.first += group.count;
    totals.second += group.reversal ? -group.fund_fen : group.fund_fen;
  }
  return totals;
}

Result<std::vector<Declarations::LateGroup>> Declarations::LateGroups(
    const YearMonth& month) const {
  std::vector<LateGroup> groups;
  auto cursor = ledger_.NewCursor(Table::kLateAggregates, MonthKeyPrefix(month),
                                  MonthKeyPrefix(month.AddMonths(1)));
  for (; cursor->Valid(); cursor->Next()) {
    AggregateKey key;
    uint64_t declaration_id = 0;
    Aggregate aggregate;
    if (!DecodeLateAggregateKey(cursor->key(), key, declaration_id) ||
        !DecodeAggregate(cursor->value(), aggregate)) {
      return Status::Corruption("a late claims aggregate record is malformed");
    }
    groups.push_back({declaration_id,
                      {key.treatment, key.insured, key.category, key.reversal, aggregate.count,
                       aggregate.fund_fen, aggregate.total_fen, aggregate.digest_sum}});
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  return groups;
}

}  // namespace xclear
