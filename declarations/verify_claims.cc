// Declarations::Verify: the claims, their month index, the aggregates, the declaration records
// and the ledger's claims_declared postings must all tell the same story.
#include <map>
#include <set>

#include "claim_codec.h"
#include "xclear/declarations.h"

namespace xclear {

using namespace declarations_internal;

namespace {

Digest RecordDigest(std::string_view id, std::string_view value) {
  Sha256 sha;
  sha.Update(id);
  sha.Update("\0", 1);
  sha.Update(value);
  return sha.Finish();
}

struct Recomputed {
  uint64_t claims = 0;
  Digest records{};  // Σ SHA-256(id ‖ 0 ‖ value): the claims table as a multiset
  std::map<AggregateKey, Aggregate> aggregates;
  std::map<std::pair<uint32_t, uint32_t>, Fen> fund_by_pair;  // (treatment, insured)
  Fen fund = 0;
};

Result<std::string> ScanClaims(const Ledger& ledger, Recomputed& out) {
  auto cursor = ledger.NewCursor(Table::kClaims, "", "");
  for (; cursor->Valid(); cursor->Next()) {
    const std::string_view id = cursor->key();
    if (cursor->value().size() != kClaimValueBytes) {
      return "claim " + std::string(id) + " is stored malformed";
    }
    const ClaimValueView claim(cursor->value());
    const AggregateKey key{YearMonth::Of(claim.settled_on()), claim.treatment(), claim.insured(),
                           claim.category(), claim.late()};
    out.aggregates[key].Add(claim.fund_fen(), claim.total_fen(),
                            ClaimDigestOfEncoded(id, cursor->value()));
    out.fund_by_pair[{claim.treatment(), claim.insured()}] += claim.fund_fen();
    out.fund += claim.fund_fen();
    AddDigest(out.records, RecordDigest(id, cursor->value()));
    ++out.claims;
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  return std::string();
}

Result<std::string> CheckMonthIndex(const Ledger& ledger, const Recomputed& expected) {
  auto cursor = ledger.NewCursor(Table::kClaimsByMonth, "", "");
  uint64_t count = 0;
  Digest records{};
  std::string key;
  for (; cursor->Valid(); cursor->Next(), ++count) {
    const std::string_view id = ClaimIdOfMonthKey(cursor->key());
    if (cursor->value().size() != kClaimValueBytes)
      return std::string("a claims_by_month record is malformed");
    const ClaimValueView claim(cursor->value());
    key.clear();
    EncodeMonthKey(YearMonth::Of(claim.settled_on()), claim.treatment(), claim.insured(), id, key);
    if (key != cursor->key())
      return "claims_by_month files claim " + std::string(id) + " under the wrong month or pair";
    AddDigest(records, RecordDigest(id, cursor->value()));
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  if (count != expected.claims || records != expected.records) {
    return "the month index (" + std::to_string(count) +
           " claims) differs from the claims table (" + std::to_string(expected.claims) +
           " claims)";
  }
  return std::string();
}

Result<std::string> CheckAggregates(const Ledger& ledger, const Recomputed& expected) {
  auto cursor = ledger.NewCursor(Table::kClaimAggregates, "", "");
  size_t count = 0;
  for (; cursor->Valid(); cursor->Next(), ++count) {
    AggregateKey key;
    Aggregate stored;
    if (!DecodeAggregateKey(cursor->key(), key) || !DecodeAggregate(cursor->value(), stored)) {
      return std::string("a claim aggregate record is malformed");
    }
    const auto it = expected.aggregates.find(key);
    if (it == expected.aggregates.end() || it->second.count != stored.count ||
        it->second.fund_fen != stored.fund_fen || it->second.total_fen != stored.total_fen ||
        it->second.digest_sum != stored.digest_sum) {
      return "the aggregate of " + key.month.ToString() + " " + std::to_string(key.treatment) +
             "→" + std::to_string(key.insured) + " " + std::string(CategoryName(key.category)) +
             (key.late ? " (late)" : "") + " differs from its claims";
    }
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  if (count != expected.aggregates.size())
    return std::string("an aggregate is missing for some claims");
  return std::string();
}

// declaration := treatment:fixed32 entry_sequence:fixed64 … (declarations.cc)
constexpr size_t kDeclarationEntryOffset = 4;

Result<std::string> CheckDeclarations(const Ledger& ledger, const Recomputed& expected) {
  auto cursor = ledger.NewCursor(Table::kDeclarations, "", "");
  uint64_t recorded = 0;
  Fen fund = 0;
  for (; cursor->Valid(); cursor->Next()) {
    const std::string_view value = cursor->value();
    // declaration := treatment:fixed32 then eight fixed64 (entry, time, rows, recorded,
    // duplicates, late, fund, total), digest, strings — see declarations.cc.
    if (value.size() < 4 + 8 * 8 + 32) return std::string("a declaration record is malformed");
    recorded += encoding::DecodeFixed64(value.data() + 4 + 8 * 3);
    fund += encoding::DecodeFixed64(value.data() + 4 + 8 * 6);
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  if (recorded != expected.claims || fund != expected.fund) {
    return "the declaration records account for " + std::to_string(recorded) + " claims and " +
           Money::FromFen(fund).ToString() + " CNY; the claims table holds " +
           std::to_string(expected.claims) + " and " + Money::FromFen(expected.fund).ToString();
  }
  return std::string();
}

// Per pair, the receivable postings of claims_declared entries (net of their reversals) must
// equal the claims' fund amounts.
Result<std::string> CheckPostings(const Ledger& ledger, const Recomputed& expected) {
  std::map<std::pair<uint32_t, uint32_t>, Fen> posted;
  std::set<uint64_t> declared;
  XCLEAR_RETURN_IF_ERROR(ledger.ForEachEntry(1, UINT64_MAX, [&](const JournalEntry& entry) {
    const bool declaration = entry.kind == EntryKind::kClaimsDeclared;
    const bool reversal =
        entry.kind == EntryKind::kReversal && declared.count(entry.reverses_sequence) > 0;
    if (!declaration && !reversal) return Status::Ok();
    if (declaration) declared.insert(entry.sequence);
    for (const Posting& posting : entry.postings) {
      if (posting.account.kind != AccountKind::kReceivable) continue;
      posted[{posting.account.owner, posting.account.counterpart}] += posting.Signed().fen();
    }
    return Status::Ok();
  }));
  std::set<std::pair<uint32_t, uint32_t>> pairs;
  for (const auto& [pair, fen] : posted) pairs.insert(pair);
  for (const auto& [pair, fen] : expected.fund_by_pair) pairs.insert(pair);
  for (const auto& pair : pairs) {
    const auto a = posted.find(pair);
    const auto b = expected.fund_by_pair.find(pair);
    const Fen in_ledger = a == posted.end() ? Fen(0) : a->second;
    const Fen in_claims = b == expected.fund_by_pair.end() ? Fen(0) : b->second;
    if (in_ledger != in_claims) {
      return "pair " + std::to_string(pair.first) + "→" + std::to_string(pair.second) +
             ": claims_declared postings " + Money::FromFen(in_ledger).ToString() +
             " but the claims hold " + Money::FromFen(in_claims).ToString();
    }
  }
  return std::string();
}

}  // namespace

Result<std::string> Declarations::Verify(uint64_t* claims_checked) const {
  Recomputed recomputed;
  XCLEAR_ASSIGN_OR_RETURN(std::string problem, ScanClaims(ledger_, recomputed));
  if (claims_checked != nullptr) *claims_checked = recomputed.claims;
  if (problem.empty()) {
    XCLEAR_ASSIGN_OR_RETURN(problem, CheckMonthIndex(ledger_, recomputed));
  }
  if (problem.empty()) {
    XCLEAR_ASSIGN_OR_RETURN(problem, CheckAggregates(ledger_, recomputed));
  }
  if (problem.empty()) {
    XCLEAR_ASSIGN_OR_RETURN(problem, CheckDeclarations(ledger_, recomputed));
  }
  if (problem.empty()) {
    XCLEAR_ASSIGN_OR_RETURN(problem, CheckPostings(ledger_, recomputed));
  }
  return problem;
}

Status Declarations::CollectRecordedEntries(std::set<uint64_t>& out) const {
  auto cursor = ledger_.NewCursor(Table::kDeclarations, "", "");
  for (; cursor->Valid(); cursor->Next()) {
    const std::string_view value = cursor->value();
    if (value.size() < kDeclarationEntryOffset + 8)
      return Status::Corruption("a declaration record is malformed");
    const uint64_t sequence = encoding::DecodeFixed64(value.data() + kDeclarationEntryOffset);
    if (sequence != 0) out.insert(sequence);  // 0: only zero-fund claims, no entry
  }
  return cursor->status();
}

}  // namespace xclear
