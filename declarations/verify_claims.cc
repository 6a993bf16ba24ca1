// Declarations::Verify: the claims, their index, the aggregates, the declaration records and the
// ledger's claims_declared postings must all tell the same story. The claims and the index are
// each scanned in two halves on two threads (the work of a national month is ~20 M records).
#include <xxhash.h>

#include <cstring>
#include <future>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "claim_codec.h"
#include "claim_index.h"
#include "claim_links.h"
#include "xclear/declarations.h"

namespace xclear {

using namespace declarations_internal;

namespace {

// A set of claim ids that a string_view can be looked up in without a copy.
struct IdHash {
  using is_transparent = void;
  size_t operator()(std::string_view id) const { return std::hash<std::string_view>()(id); }
};
using IdSet = std::unordered_set<std::string, IdHash, std::equal_to<>>;

// Σ XXH3-128(hash ‖ locator) mod 2^128: the (hash, locator) pairs as a multiset, the same
// whichever side (claims or index) and order it is computed from.
struct PairSum {
  uint64_t low = 0, high = 0;
  void Add(uint64_t hash, std::string_view locator) {
    char bytes[8 + kLocatorBytes];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(hash >> (56 - 8 * i));
    std::memcpy(bytes + 8, locator.data(), kLocatorBytes);
    const XXH128_hash_t h = XXH3_128bits(bytes, sizeof bytes);
    Add(PairSum{h.low64, h.high64});
  }
  void Add(const PairSum& other) {
    const uint64_t low_before = low;
    low += other.low;
    high += other.high + (low < low_before ? 1 : 0);
  }
  bool operator==(const PairSum&) const = default;
};

struct Recomputed {
  uint64_t claims = 0;  // records: claims and reversals
  PairSum pairs;        // of every record's (hash of its id, locator)
  std::map<AggregateKey, Aggregate> aggregates;
  std::map<std::pair<AggregateKey, uint64_t>, Aggregate> late;  // by declaration too
  std::map<std::pair<uint32_t, uint32_t>, Fen> fund_by_pair;    // (treatment, insured): net
  Fen fund = 0;                                                 // of the claims
  uint64_t reversals = 0;
  Fen reversed_fund = 0;
  // The values of every reversal and of every claim a link names, by id, for the links' check.
  std::unordered_map<std::string, std::string> linked;
  std::string problem;

  void Add(Recomputed& other) {
    claims += other.claims;
    pairs.Add(other.pairs);
    for (const auto& [key, aggregate] : other.aggregates) aggregates[key].Add(aggregate);
    for (const auto& [key, aggregate] : other.late) late[key].Add(aggregate);
    for (const auto& [pair, fen] : other.fund_by_pair) fund_by_pair[pair] += fen;
    fund += other.fund;
    reversals += other.reversals;
    reversed_fund += other.reversed_fund;
    linked.merge(other.linked);
    if (problem.empty()) problem = std::move(other.problem);
  }
};

// The claims of the key range [lower, upper) of claims_by_month.
Status ScanClaims(const Ledger& ledger, const std::string& lower, const std::string& upper,
                  const IdSet& originals, Recomputed& out) {
  auto cursor = ledger.NewCursor(Table::kClaimsByMonth, lower, upper);
  std::string key;
  for (; cursor->Valid(); cursor->Next()) {
    const std::string_view id = ClaimIdOfMonthKey(cursor->key());
    if (cursor->value().size() != kClaimValueBytes) {
      out.problem = "claim " + std::string(id) + " is stored malformed";
      return Status::Ok();
    }
    const ClaimValueView claim(cursor->value());
    const YearMonth month = YearMonth::Of(claim.settled_on());
    key.clear();
    EncodeMonthKey(month, claim.treatment(), claim.insured(), id, key);
    if (key != cursor->key()) {
      out.problem =
          "claims_by_month files claim " + std::string(id) + " under the wrong month or pair";
      return Status::Ok();
    }
    if (claim.flags() > (kClaimLate | kClaimReversal)) {
      out.problem = "claim " + std::string(id) + " is stored with unknown flags";
      return Status::Ok();
    }
    const AggregateKey group{month,        claim.treatment(), claim.insured(), claim.category(),
                             claim.late(), claim.reversal()};
    const Digest digest = ClaimDigestOfEncoded(id, cursor->value());
    out.aggregates[group].Add(claim.fund_fen(), claim.total_fen(), digest);
    if (claim.late())
      out.late[{group, claim.declaration_id()}].Add(claim.fund_fen(), claim.total_fen(), digest);
    Fen& pair = out.fund_by_pair[{claim.treatment(), claim.insured()}];
    if (claim.reversal()) {
      pair -= claim.fund_fen();
      out.reversed_fund += claim.fund_fen();
      ++out.reversals;
      out.linked.emplace(id, cursor->value());
    } else {
      pair += claim.fund_fen();
      out.fund += claim.fund_fen();
      if (!originals.empty() && originals.find(id) != originals.end()) {
        out.linked.emplace(id, cursor->value());
      }
    }
    out.pairs.Add(ClaimIdHash(id), cursor->key().substr(0, kLocatorBytes));
    ++out.claims;
  }
  return cursor->status();
}

// Two halves of the claims, split between two (month, treatment) ranges so that each holds
// about half of the claims (by the aggregates' counts), scanned on two threads.
Result<Recomputed> RecomputeFromClaims(const Ledger& ledger, const IdSet& originals) {
  std::map<std::string, uint64_t> by_range;  // month ‖ treatment → claims (from the aggregates)
  uint64_t total = 0;
  auto cursor = ledger.NewCursor(Table::kClaimAggregates, "", "");
  for (; cursor->Valid(); cursor->Next()) {
    AggregateKey key;
    Aggregate aggregate;
    if (!DecodeAggregateKey(cursor->key(), key) || !DecodeAggregate(cursor->value(), aggregate))
      return Status::Corruption("a claim aggregate record is malformed");
    by_range[MonthKeyPrefix(key.month, key.treatment)] += aggregate.count;
    total += aggregate.count;
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  std::string middle;  // the first range of the second half
  uint64_t running = 0;
  for (const auto& [prefix, count] : by_range) {
    if (running >= total / 2) {
      middle = prefix;
      break;
    }
    running += count;
  }
  Recomputed first, second;
  // Claims outside every aggregate's range are scanned too: the halves cover all keys.
  auto other = std::async(std::launch::async, [&] {
    return middle.empty() ? Status::Ok() : ScanClaims(ledger, middle, "", originals, second);
  });
  const Status scanned = ScanClaims(ledger, "", middle, originals, first);
  const Status scanned_other = other.get();
  XCLEAR_RETURN_IF_ERROR(scanned);
  XCLEAR_RETURN_IF_ERROR(scanned_other);
  first.Add(second);
  return first;
}

struct IndexScan {
  uint64_t entries = 0;
  PairSum pairs;
  std::string problem;
};

// The claim index's keys [lower, upper): each entry's (hash, locator), and for an entry under
// hash ‖ id, that the id has that hash and is recorded where the entry says.
Status ScanIndex(const Ledger& ledger, const std::string& lower, const std::string& upper,
                 IndexScan& out) {
  auto cursor = ledger.NewCursor(Table::kClaimIndex, lower, upper);
  for (; cursor->Valid(); cursor->Next(), ++out.entries) {
    const std::string_view key = cursor->key();
    const std::string_view locator = cursor->value();
    if (key.size() < 8 || locator.size() != kLocatorBytes) {
      out.problem = "a claim index record is malformed";
      return Status::Ok();
    }
    const uint64_t hash = encoding::DecodeFixed64(key.data());
    out.pairs.Add(hash, locator);
    if (key.size() == 8) continue;
    const std::string_view id = key.substr(8);
    XCLEAR_ASSIGN_OR_RETURN(const auto claim, ledger.Get(Table::kClaimsByMonth,
                                                         std::string(locator) + std::string(id)));
    if (ClaimIdHash(id) != hash || !claim) {
      out.problem = "the claim index names claim " + std::string(id) + " where it is not";
      return Status::Ok();
    }
  }
  return cursor->status();
}

Result<std::string> CheckIndex(const Ledger& ledger, const Recomputed& expected) {
  std::string middle;
  encoding::PutFixed64(middle, uint64_t{1} << 63);  // hashes are uniform: half the keys each
  IndexScan first, second;
  auto other =
      std::async(std::launch::async, [&] { return ScanIndex(ledger, middle, "", second); });
  const Status scanned = ScanIndex(ledger, "", middle, first);
  const Status scanned_other = other.get();
  XCLEAR_RETURN_IF_ERROR(scanned);
  XCLEAR_RETURN_IF_ERROR(scanned_other);
  if (!first.problem.empty()) return first.problem;
  if (!second.problem.empty()) return second.problem;
  first.pairs.Add(second.pairs);
  const uint64_t entries = first.entries + second.entries;
  if (entries != expected.claims || !(first.pairs == expected.pairs)) {
    return "the claim index (" + std::to_string(entries) + " entries) does not match the claims (" +
           std::to_string(expected.claims) + ")";
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
    if (it == expected.aggregates.end() || it->second != stored) {
      return "the aggregate of " + key.month.ToString() + " " + std::to_string(key.treatment) +
             "→" + std::to_string(key.insured) + " " + std::string(CategoryName(key.category)) +
             (key.late ? " (late)" : "") + (key.reversal ? " reversals" : "") +
             " differs from its claims";
    }
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  if (count != expected.aggregates.size())
    return std::string("an aggregate is missing for some claims");
  cursor = ledger.NewCursor(Table::kLateAggregates, "", "");
  count = 0;
  for (; cursor->Valid(); cursor->Next(), ++count) {
    AggregateKey key;
    uint64_t declaration = 0;
    Aggregate stored;
    if (!DecodeLateAggregateKey(cursor->key(), key, declaration) ||
        !DecodeAggregate(cursor->value(), stored)) {
      return std::string("a late claims aggregate record is malformed");
    }
    const auto it = expected.late.find({key, declaration});
    if (it == expected.late.end() || it->second != stored) {
      return "the late claims of declaration " + DeclarationIdToHex(declaration) + " (" +
             key.month.ToString() + " " + std::to_string(key.treatment) + "→" +
             std::to_string(key.insured) + " " + std::string(CategoryName(key.category)) +
             ") differ from their aggregate";
    }
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  if (count != expected.late.size())
    return std::string("a late claims aggregate is missing for some claims");
  return std::string();
}

// What CheckDeclarations and CollectRecordedEntries read of a declaration record.
struct DeclarationTotals {
  uint64_t entry = 0, recorded = 0, fund = 0;
  uint64_t reversals = 0, reversed_fund = 0, reversal_entry = 0;
};

// declaration := treatment:fixed32 then eight fixed64 (entry, time, rows, recorded, duplicates,
// late, fund, total), digest, actor and source strings, then the reversals' block (count, fund,
// total, entry, digest) when the record has one — see declarations.cc.
bool DecodeDeclarationTotals(std::string_view value, DeclarationTotals& out) {
  constexpr size_t kFixed = 4 + 8 * 8 + 32;
  if (value.size() < kFixed) return false;
  const auto get64 = [&value](size_t at) { return encoding::DecodeFixed64(value.data() + at); };
  out.entry = get64(4);
  out.recorded = get64(4 + 8 * 3);
  out.fund = get64(4 + 8 * 6);
  size_t at = kFixed;
  for (int string = 0; string < 2; ++string) {
    if (value.size() < at + 4) return false;
    at += 4 + encoding::DecodeFixed32(value.data() + at);
  }
  if (value.size() == at) return true;  // written before reversals existed
  if (value.size() != at + 8 * 4 + 32) return false;
  out.reversals = get64(at);
  out.reversed_fund = get64(at + 8);
  out.reversal_entry = get64(at + 24);
  return true;
}

Result<std::string> CheckDeclarations(const Ledger& ledger, const Recomputed& expected) {
  auto cursor = ledger.NewCursor(Table::kDeclarations, "", "");
  uint64_t recorded = 0, reversals = 0;
  Fen fund = 0, reversed = 0;
  for (; cursor->Valid(); cursor->Next()) {
    DeclarationTotals totals;
    if (!DecodeDeclarationTotals(cursor->value(), totals))
      return std::string("a declaration record is malformed");
    recorded += totals.recorded;
    fund += totals.fund;
    reversals += totals.reversals;
    reversed += totals.reversed_fund;
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  const uint64_t claims = expected.claims - expected.reversals;
  if (recorded != claims || fund != expected.fund) {
    return "the declaration records account for " + std::to_string(recorded) + " claims and " +
           Money::FromFen(fund).ToString() + " CNY; the claims table holds " +
           std::to_string(claims) + " and " + Money::FromFen(expected.fund).ToString();
  }
  if (reversals != expected.reversals || reversed != expected.reversed_fund) {
    return "the declaration records account for " + std::to_string(reversals) + " reversals and " +
           Money::FromFen(reversed).ToString() + " CNY; the claims table holds " +
           std::to_string(expected.reversals) + " and " +
           Money::FromFen(expected.reversed_fund).ToString();
  }
  return std::string();
}

// The claim_links table in memory (2 records a reversal): both directions.
struct LinkScan {
  std::unordered_map<std::string, std::string> reversal_of;  // reversal → claim ("O" records)
  std::unordered_map<std::string, std::string> reversed_by;  // claim → reversal ("R" records)
  IdSet originals;
};

Result<LinkScan> ScanLinks(const Ledger& ledger) {
  LinkScan out;
  auto cursor = ledger.NewCursor(Table::kClaimLinks, "", "");
  for (; cursor->Valid(); cursor->Next()) {
    ClaimLink link;
    if (!DecodeClaimLink(cursor->key(), cursor->value(), link))
      return Status::Corruption("a claim link record is malformed");
    (link.reversal_of ? out.reversal_of : out.reversed_by)
        .emplace(std::string(link.from), std::string(link.to));
    if (link.reversal_of) out.originals.emplace(link.to);
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  return out;
}

// Every reversal names a recorded claim of its treatment province with its insured province,
// category and amounts, not settled after it, which names it back; every link belongs to one.
std::string CheckLinks(const LinkScan& links, const Recomputed& expected) {
  const auto value_of = [&expected](const std::string& id) -> const std::string* {
    const auto found = expected.linked.find(id);
    return found == expected.linked.end() ? nullptr : &found->second;
  };
  for (const auto& [original, reversal] : links.reversed_by) {
    const auto back = links.reversal_of.find(reversal);
    if (back == links.reversal_of.end() || back->second != original) {
      return "the claim links of " + original + " and its reversal " + reversal +
             " do not name each other";
    }
  }
  for (const auto& [reversal, original] : links.reversal_of) {
    const auto back = links.reversed_by.find(original);
    if (back == links.reversed_by.end() || back->second != reversal) {
      return "the claim links of " + original + " and its reversal " + reversal +
             " do not name each other";
    }
    const std::string* ours = value_of(reversal);
    const std::string* theirs = value_of(original);
    if (ours == nullptr || !ClaimValueView(*ours).reversal()) {
      return "the claim links name " + reversal + " as a reversal, which is not recorded as one";
    }
    if (theirs == nullptr) {
      return "reversal " + reversal + " cancels " + original + ", which is not recorded";
    }
    const ClaimValueView r(*ours), o(*theirs);
    if (o.reversal() || r.treatment() != o.treatment() || r.insured() != o.insured() ||
        r.category() != o.category() || r.total_fen() != o.total_fen() ||
        r.fund_fen() != o.fund_fen() || r.settled_on() < o.settled_on()) {
      return "reversal " + reversal + " does not match the claim " + original + " it cancels";
    }
  }
  if (links.reversal_of.size() != expected.reversals) {
    return std::to_string(expected.reversals) + " reversals are recorded but " +
           std::to_string(links.reversal_of.size()) + " name the claim they cancel";
  }
  return std::string();
}

// Per pair, the receivable postings of claims_declared and claim_reversal entries (net of their
// generic reversals) must equal the claims' fund amounts less the reversals'.
Result<std::string> CheckPostings(const Ledger& ledger, const Recomputed& expected) {
  std::map<std::pair<uint32_t, uint32_t>, Fen> posted;
  std::set<uint64_t> declared;
  XCLEAR_RETURN_IF_ERROR(ledger.ForEachEntry(1, UINT64_MAX, [&](const JournalEntry& entry) {
    const bool declaration =
        entry.kind == EntryKind::kClaimsDeclared || entry.kind == EntryKind::kClaimReversal;
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
  XCLEAR_ASSIGN_OR_RETURN(const LinkScan links, ScanLinks(ledger_));
  XCLEAR_ASSIGN_OR_RETURN(const Recomputed recomputed,
                          RecomputeFromClaims(ledger_, links.originals));
  if (claims_checked != nullptr) *claims_checked = recomputed.claims;
  std::string problem = recomputed.problem;
  if (problem.empty()) {
    XCLEAR_ASSIGN_OR_RETURN(problem, CheckIndex(ledger_, recomputed));
  }
  if (problem.empty()) {
    XCLEAR_ASSIGN_OR_RETURN(problem, CheckAggregates(ledger_, recomputed));
  }
  if (problem.empty()) {
    XCLEAR_ASSIGN_OR_RETURN(problem, CheckDeclarations(ledger_, recomputed));
  }
  if (problem.empty()) {
    problem = CheckLinks(links, recomputed);
  }
  if (problem.empty()) {
    XCLEAR_ASSIGN_OR_RETURN(problem, CheckPostings(ledger_, recomputed));
  }
  return problem;
}

Status Declarations::CollectRecordedEntries(std::set<uint64_t>& out) const {
  auto cursor = ledger_.NewCursor(Table::kDeclarations, "", "");
  for (; cursor->Valid(); cursor->Next()) {
    DeclarationTotals totals;
    if (!DecodeDeclarationTotals(cursor->value(), totals))
      return Status::Corruption("a declaration record is malformed");
    // 0: only zero-fund claims (or reversals), no entry
    if (totals.entry != 0) out.insert(totals.entry);
    if (totals.reversal_entry != 0) out.insert(totals.reversal_entry);
  }
  return cursor->status();
}

}  // namespace xclear
