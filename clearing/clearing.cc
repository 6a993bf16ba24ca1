// The clearing run. The regular round (0) is built from the per-(month, treatment, insured,
// category) aggregates kept at declaration time — about 4 000 records, whatever the number of
// claims — and so is its control digest, because the aggregates carry Σ claim digests
// mod 2^256. A supplementary round needs to know which late claims earlier rounds already
// covered, so it streams the month index once (only when the late aggregates show claims that
// no round covers yet) and accumulates the uncovered late claims in the same fixed tables
// (memory does not grow with the number of claims). New statements are committed with their
// facts in one atomic ledger commit.
//
// Control digest of a round: SHA-256 over the concatenation, for every (treatment, insured,
// category) group with claims or reversals in (treatment, insured, category) order, of its
// claims' record and then its reversals' record (each only when it has any):
//   treatment:u32 ‖ insured:u32 ‖ kind:u8 ‖ count:u64 ‖ total_fen:u64 ‖ fund_fen:u64 ‖
//   digest_sum:32 bytes
// (big-endian), where kind is the category's number (1–4) for claims and 0x80 + that number
// for reversals, and digest_sum = Σ ClaimDigest of the group's records mod 2^256. A month
// without reversals has the digest it had before reversals existed.
//
// statements table: key := month:fixed32 round:fixed32, value := the statement's canonical JSON.
#include "xclear/clearing.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "xclear/declarations.h"
#include "xclear/encoding.h"

namespace xclear {
namespace {

constexpr size_t kCodeSlots = 100;  // provincial codes by their first two digits
constexpr size_t kCategoryCount = 4;
constexpr size_t kKinds = 2;  // claims, reversals
constexpr uint8_t kReversalKind = 0x80;

std::string StatementKey(const YearMonth& month, uint32_t round) {
  std::string key;
  encoding::PutFixed32(key, static_cast<uint32_t>(month.Ordinal()));
  encoding::PutFixed32(key, round);
  return key;
}

std::string FactKey(const YearMonth& month, uint32_t round) {
  return "statement:" + month.ToString() + ":" + std::to_string(round);
}

// One round's claims, per (treatment, insured, category) group, in a fixed table.
class RoundAccumulator {
 public:
  RoundAccumulator() : groups_(kCodeSlots * kCodeSlots * kCategoryCount * kKinds) {}

  // A group as kept at declaration time (of claims, or of reversals).
  void AddGroup(const Declarations::ClaimGroup& claims) {
    Group& group = GroupOf(claims.treatment, claims.insured, claims.category, claims.reversal);
    group.count += claims.count;
    group.fund += claims.fund_fen;
    group.total += claims.total_fen;
    AddDigest(group.digest_sum, claims.digest_sum);
    count_ += claims.count;
  }

  // A group of one declaration's late claims, as kept at declaration time.
  void AddLateGroup(const Declarations::LateGroup& late) {
    AddGroup(late.claims);
    declarations_.insert(late.declaration_id);
  }

  uint64_t count() const { return count_; }  // claims and reversals

  Result<Statement> Build(const YearMonth& month, uint32_t round,
                          const Participants& participants) const {
    Statement statement;
    statement.month = month;
    statement.round = round;
    std::map<uint32_t, StatementProvince> provinces;
    for (const Participant& unit : participants.units()) provinces[unit.code].province = unit.code;
    std::map<std::pair<uint32_t, uint32_t>, StatementPair> pairs;  // by insured, then treatment
    Sha256 digest;
    std::string record;
    for (size_t index = 0; index < groups_.size(); ++index) {
      const Group& group = groups_[index];
      if (group.count == 0) continue;
      const bool reversal = index % kKinds == 1;
      const size_t cell = index / kKinds;
      const auto treatment = static_cast<uint32_t>(cell / (kCodeSlots * kCategoryCount) * 10000);
      const auto insured = static_cast<uint32_t>(cell / kCategoryCount % kCodeSlots * 10000);
      const size_t category = cell % kCategoryCount;
      if (group.fund > Fen(UINT64_MAX) || group.total > Fen(UINT64_MAX)) {
        return Status::Overflow("the claims of " + std::to_string(insured) + " treated in " +
                                std::to_string(treatment) + " sum beyond 64-bit fen");
      }
      record.clear();
      encoding::PutFixed32(record, treatment);
      encoding::PutFixed32(record, insured);
      record += static_cast<char>((reversal ? kReversalKind : 0) + category + 1);
      encoding::PutFixed64(record, group.count);
      encoding::PutFixed64(record, static_cast<uint64_t>(group.total));
      encoding::PutFixed64(record, static_cast<uint64_t>(group.fund));
      record.append(reinterpret_cast<const char*>(group.digest_sum.data()),
                    group.digest_sum.size());
      digest.Update(record);

      StatementPair& pair = pairs[{insured, treatment}];
      pair.insured = insured;
      pair.treatment = treatment;
      const Money fund = Money::FromFen(group.fund);
      if (reversal) {
        pair.reversal_count += group.count;
        pair.reversed_fund += fund;
        pair.reversals_by_category[category] = group.count;
        pair.reversed_by_category[category] = fund;
        statement.reversal_count += group.count;
        statement.reversed_total += Money::FromFen(group.total);
      } else {
        pair.claim_count += group.count;
        pair.fund_amount += fund;
        pair.count_by_category[category] = group.count;
        pair.fund_by_category[category] = fund;
        statement.claim_count += group.count;
        statement.total_amount += Money::FromFen(group.total);
      }
    }
    statement.claims_digest = digest.Finish();
    for (auto& [key, pair] : pairs) {
      pair.amount = pair.fund_amount - pair.reversed_fund;
      statement.fund_amount += pair.fund_amount;
      statement.reversed_fund += pair.reversed_fund;
      statement.amount += pair.amount;
      // A negative pair is owed by its treatment province to its insured province.
      const Money owed = pair.owed();
      provinces[pair.owed_back() ? pair.treatment : pair.insured].payable += owed;
      provinces[pair.owed_back() ? pair.insured : pair.treatment].receivable += owed;
      if (!owed.is_zero()) {
        ++statement.gross.payments;
        statement.gross.moved += owed;
      }
      statement.pairs.push_back(std::move(pair));
    }
    for (auto& [code, province] : provinces) {
      province.net = province.receivable - province.payable;
      if (!province.net.is_zero()) ++statement.net.payments;
      if (province.net.is_negative()) statement.net.moved -= province.net;
      statement.provinces.push_back(province);
    }
    statement.declarations.assign(declarations_.begin(), declarations_.end());
    return statement;
  }

 private:
  struct Group {
    uint64_t count = 0;
    Fen fund = 0;
    Fen total = 0;
    Digest digest_sum{};
  };
  Group& GroupOf(uint32_t treatment, uint32_t insured, Category category, bool reversal) {
    const size_t cell = (treatment / 10000 * kCodeSlots + insured / 10000) * kCategoryCount +
                        static_cast<size_t>(category) - 1;
    return groups_[cell * kKinds + (reversal ? 1 : 0)];
  }
  std::vector<Group> groups_;
  uint64_t count_ = 0;
  std::set<uint64_t> declarations_;
};

Status CheckBalanced(const Statement& statement) {
  Money sum;
  for (const StatementProvince& province : statement.provinces) sum += province.net;
  if (!sum.is_zero()) {
    return Status::Internal("the nets of the " + statement.month.ToString() + " statement sum to " +
                            sum.ToString() + ", not 0");
  }
  return Status::Ok();
}

// Net settlement's novation (kNetting): every pair obligation of the statement becomes a position
// against the national clearing account X. Insured I: Dr payable:T; treatment T: Cr receivable:I;
// then each province's difference goes to X: a payer (net < 0) Cr payable:X, a receiver (net > 0)
// Dr receivable:X, mirrored in X's books. Each province's books balance because
// net = receivable − payable; the mirror invariants hold pair by pair.
EntryDraft NettingEntry(const Statement& statement, const std::string& actor, const Date& today) {
  EntryDraft draft;
  draft.kind = EntryKind::kNetting;
  draft.effective_date = today;
  draft.actor = actor;
  const std::string name = statement.month.ToString() + ":" + std::to_string(statement.round);
  draft.idempotency_key = "netting:" + name;
  draft.source_reference = "statement:" + name;
  draft.memo = "net settlement of the " + statement.month.ToString() + " round " +
               std::to_string(statement.round) +
               " statement: pair obligations move to the national clearing account";
  for (const StatementPair& pair : statement.pairs) {
    if (pair.amount.is_zero()) continue;
    // A negative pair (T owes I) moves the other way: I: Cr payable:T, T: Dr receivable:I.
    draft.postings.push_back({AccountId::Payable(pair.insured, pair.treatment),
                              pair.owed_back() ? Side::kCredit : Side::kDebit, pair.owed()});
    draft.postings.push_back({AccountId::Receivable(pair.treatment, pair.insured),
                              pair.owed_back() ? Side::kDebit : Side::kCredit, pair.owed()});
  }
  for (const StatementProvince& province : statement.provinces) {
    if (province.net.is_positive()) {
      draft.postings.push_back({AccountId::Receivable(province.province, kNationalClearingCode),
                                Side::kDebit, province.net});
      draft.postings.push_back({AccountId::Payable(kNationalClearingCode, province.province),
                                Side::kCredit, province.net});
    } else if (province.net.is_negative()) {
      draft.postings.push_back({AccountId::Payable(province.province, kNationalClearingCode),
                                Side::kCredit, -province.net});
      draft.postings.push_back({AccountId::Receivable(kNationalClearingCode, province.province),
                                Side::kDebit, -province.net});
    }
  }
  return draft;
}

}  // namespace

bool MovesMoney(const Statement& statement) {
  return std::any_of(statement.pairs.begin(), statement.pairs.end(),
                     [](const StatementPair& pair) { return !pair.amount.is_zero(); });
}

Clearing::Clearing(Ledger& ledger, const Config& config, const Clock& clock)
    : ledger_(ledger), config_(config), clock_(clock) {}

Result<std::vector<Statement>> Clearing::Statements(const YearMonth& month) const {
  std::vector<Statement> out;
  const std::string prefix = StatementKey(month, 0).substr(0, 4);
  auto cursor = ledger_.NewCursor(Table::kStatements, prefix, StatementKey(month.AddMonths(1), 0));
  for (; cursor->Valid(); cursor->Next()) {
    XCLEAR_ASSIGN_OR_RETURN(Statement statement, StatementFromJson(cursor->value()));
    statement.statement_hash = Sha256Of(cursor->value());
    out.push_back(std::move(statement));
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  return out;
}

Result<std::vector<YearMonth>> Clearing::StatementMonths() const {
  std::vector<YearMonth> months;
  std::string lower;
  while (true) {
    auto cursor = ledger_.NewCursor(Table::kStatements, lower, "");
    if (!cursor->Valid()) {
      XCLEAR_RETURN_IF_ERROR(cursor->status());
      return months;
    }
    if (cursor->key().size() != 8) return Status::Corruption("a statement key is malformed");
    const YearMonth month =
        YearMonth::FromOrdinal(static_cast<int32_t>(encoding::DecodeFixed32(cursor->key().data())));
    months.push_back(month);
    lower = StatementKey(month.AddMonths(1), 0);
  }
}

Result<std::vector<Statement>> Clearing::Clear(const YearMonth& month, const std::string& actor) {
  std::lock_guard lock(clear_mutex_);
  const Instant now = clock_.Now();
  const Instant deadline = DeclarationDeadline(month, config_.rules);
  if (now <= deadline) {
    return Status::Refused("clearing of " + month.ToString() +
                           " may run only after its declaration deadline " + deadline.ToString());
  }
  XCLEAR_ASSIGN_OR_RETURN(std::vector<Statement> statements, Statements(month));
  const bool regular_done = !statements.empty();
  std::set<uint64_t> covered;
  for (const Statement& statement : statements) {
    if (statement.round > 0)
      covered.insert(statement.declarations.begin(), statement.declarations.end());
  }
  Declarations declarations(ledger_, config_, clock_);
  std::vector<Statement> issued;
  uint32_t next_round = regular_done ? statements.back().round + 1 : 0;
  if (!regular_done) {
    // On-time claims cannot arrive any more (the deadline has passed): the on-time aggregates
    // are final, and they are the regular round.
    RoundAccumulator regular;
    XCLEAR_ASSIGN_OR_RETURN(const auto groups, declarations.MonthGroups(month, false));
    for (const Declarations::ClaimGroup& group : groups) regular.AddGroup(group);
    XCLEAR_ASSIGN_OR_RETURN(Statement statement,
                            regular.Build(month, next_round++, config_.participants));
    issued.push_back(std::move(statement));
  }
  // Late claims no supplementary round covers yet?
  XCLEAR_ASSIGN_OR_RETURN(const auto late, declarations.MonthTotals(month, true));
  uint64_t late_covered = 0;
  for (const Statement& statement : statements) {
    if (statement.round > 0) late_covered += statement.record_count();
  }
  if (late.first > late_covered) {
    // The late claims of the declarations no round covers, from their groups: no claim is read.
    RoundAccumulator supplementary;
    XCLEAR_ASSIGN_OR_RETURN(const auto late_groups, declarations.LateGroups(month));
    for (const Declarations::LateGroup& group : late_groups) {
      if (covered.count(group.declaration_id) == 0) supplementary.AddLateGroup(group);
    }
    if (supplementary.count() > 0) {
      XCLEAR_ASSIGN_OR_RETURN(Statement statement,
                              supplementary.Build(month, next_round++, config_.participants));
      issued.push_back(std::move(statement));
    }
  }
  if (issued.empty()) return statements;  // nothing new: the same statements, nothing written
  CommitRequest request;
  for (Statement& statement : issued) {
    statement.issued_at = now;
    statement.issued_by = actor;
    statement.mode = config_.rules.settlement_mode;
    XCLEAR_RETURN_IF_ERROR(CheckBalanced(statement));
    std::string json = StatementToJson(statement, config_.participants);
    statement.statement_hash = Sha256Of(json);
    request.facts.push_back({FactKind::kStatementIssued, FactKey(month, statement.round), actor,
                             DigestToHex(statement.statement_hash)});
    request.writes.push_back(
        {Table::kStatements, StatementKey(month, statement.round), std::move(json)});
    if (statement.mode == SettlementMode::kNet && MovesMoney(statement)) {
      request.entries.push_back(NettingEntry(statement, actor, now.CstDate()));
    }
  }
  XCLEAR_RETURN_IF_ERROR(ledger_.Commit(request).status());
  for (Statement& statement : issued) statements.push_back(std::move(statement));
  return statements;
}

Result<std::string> Clearing::Verify(uint64_t* checked) const {
  uint64_t statements = 0;
  // Σ records, claims' fund and reversals' fund of a month's supplementary rounds
  std::tuple<YearMonth, uint64_t, Fen, Fen> month_late;
  auto cursor = ledger_.NewCursor(Table::kStatements, "", "");
  for (; cursor->Valid(); cursor->Next(), ++statements) {
    auto statement = StatementFromJson(cursor->value());
    if (!statement.ok()) return statement.status().message();
    const std::string key = FactKey(statement->month, statement->round);
    XCLEAR_ASSIGN_OR_RETURN(const auto fact, ledger_.FindFact(key));
    if (!fact || fact->payload != DigestToHex(Sha256Of(cursor->value()))) {
      return "the stored statement " + key.substr(10) + " does not match its fact: altered?";
    }
    if (cursor->key() != StatementKey(statement->month, statement->round)) {
      return "statement " + key.substr(10) + " is stored under the wrong key";
    }
    const Status balanced = CheckBalanced(*statement);
    if (!balanced.ok()) return balanced.message();
    // The regular round is what the (final) on-time aggregates say; they in turn are checked
    // against the claims by the declarations' verify. Supplementary rounds together cover no
    // more than the late aggregates hold.
    const Declarations declarations(ledger_, config_, clock_);
    if (statement->round == 0) {
      RoundAccumulator regular;
      XCLEAR_ASSIGN_OR_RETURN(const auto groups, declarations.MonthGroups(statement->month, false));
      for (const Declarations::ClaimGroup& group : groups) regular.AddGroup(group);
      XCLEAR_ASSIGN_OR_RETURN(const Statement expected,
                              regular.Build(statement->month, 0, config_.participants));
      if (expected.claims_digest != statement->claims_digest ||
          expected.claim_count != statement->claim_count ||
          expected.fund_amount != statement->fund_amount ||
          expected.total_amount != statement->total_amount ||
          expected.reversal_count != statement->reversal_count ||
          expected.reversed_fund != statement->reversed_fund) {
        return "statement " + key.substr(10) + " disagrees with the on-time claims of its month (" +
               std::to_string(expected.claim_count) + " claims, " +
               expected.fund_amount.ToString() + " fund now)";
      }
      month_late = {statement->month, 0, Fen(0), Fen(0)};
    } else if (std::get<0>(month_late) == statement->month) {
      std::get<1>(month_late) += statement->record_count();
      std::get<2>(month_late) += statement->fund_amount.fen();
      std::get<3>(month_late) += statement->reversed_fund.fen();
      XCLEAR_ASSIGN_OR_RETURN(const auto groups, declarations.MonthGroups(statement->month, true));
      uint64_t count = 0;
      Fen fund = 0, reversed = 0;
      for (const Declarations::ClaimGroup& group : groups) {
        count += group.count;
        (group.reversal ? reversed : fund) += group.fund_fen;
      }
      if (std::get<1>(month_late) > count || std::get<2>(month_late) > fund ||
          std::get<3>(month_late) > reversed) {
        return "the supplementary rounds of " + statement->month.ToString() +
               " cover more than the late claims of the month";
      }
    }
  }
  XCLEAR_RETURN_IF_ERROR(cursor->status());
  uint64_t facts = 0;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("statement:", [&facts](const Fact&) {
    ++facts;
    return Status::Ok();
  }));
  if (facts != statements) {
    return std::to_string(facts) + " statements were issued but " + std::to_string(statements) +
           " are stored";
  }
  if (checked != nullptr) *checked = statements;
  return std::string();
}

}  // namespace xclear
