// The clearing run. One streaming pass over the month index accumulates, per pair and
// category, the claims of the new round(s) in fixed-size tables (memory does not grow with the
// number of claims) and hashes each included claim into the round's control digest. The
// on-time totals are cross-checked against the aggregates kept at declaration time. New
// statements are committed with their facts in one atomic ledger commit.
//
// statements table: key := month:fixed32 round:fixed32, value := the statement's canonical JSON.
#include "xclear/clearing.h"

#include <algorithm>
#include <set>

#include "xclear/declarations.h"
#include "xclear/encoding.h"

namespace xclear {
namespace {

constexpr size_t kCodeSlots = 100;  // provincial codes by their first two digits

std::string StatementKey(const YearMonth& month, uint32_t round) {
  std::string key;
  encoding::PutFixed32(key, static_cast<uint32_t>(month.Ordinal()));
  encoding::PutFixed32(key, round);
  return key;
}

std::string FactKey(const YearMonth& month, uint32_t round) {
  return "statement:" + month.ToString() + ":" + std::to_string(round);
}

// Everything one round collects while the month is scanned.
class RoundAccumulator {
 public:
  RoundAccumulator() : pairs_(kCodeSlots * kCodeSlots), buffer_() { buffer_.reserve(kBufferBytes); }

  Status Add(const Declarations::ClaimView& claim) {
    PairTotals& pair = pairs_[claim.insured / 10000 * kCodeSlots + claim.treatment / 10000];
    const size_t category = static_cast<size_t>(claim.category) - 1;
    if (__builtin_add_overflow(pair.fund, claim.fund_fen, &pair.fund) ||
        __builtin_add_overflow(pair.fund_by_category[category], claim.fund_fen,
                               &pair.fund_by_category[category]) ||
        __builtin_add_overflow(total_fen_, claim.total_fen, &total_fen_)) {
      return Status::Overflow("a pair's monthly sum exceeds 64-bit fen");
    }
    ++pair.count;
    ++pair.count_by_category[category];
    ++count_;
    declarations_.insert(claim.declaration_id);
    buffer_.append(claim.claim_id);
    buffer_ += '\0';
    buffer_.append(claim.digest_fields);
    if (buffer_.size() >= kBufferBytes) Drain();
    return Status::Ok();
  }

  uint64_t count() const { return count_; }
  Fen fund() const {
    Fen sum = 0;
    for (const PairTotals& pair : pairs_) sum += pair.fund;
    return sum;
  }

  Statement Build(const YearMonth& month, uint32_t round, const Participants& participants) {
    Drain();
    Statement statement;
    statement.month = month;
    statement.round = round;
    statement.claim_count = count_;
    statement.total_amount = Money::FromFen(Fen(total_fen_));
    statement.claims_digest = digest_.Finish();
    std::map<uint32_t, StatementProvince> provinces;
    for (const Participant& unit : participants.units()) provinces[unit.code].province = unit.code;
    for (size_t index = 0; index < pairs_.size(); ++index) {
      const PairTotals& totals = pairs_[index];
      if (totals.count == 0) continue;
      StatementPair pair;
      pair.insured = static_cast<uint32_t>(index / kCodeSlots * 10000);
      pair.treatment = static_cast<uint32_t>(index % kCodeSlots * 10000);
      pair.claim_count = totals.count;
      pair.fund_amount = Money::FromFen(Fen(totals.fund));
      for (size_t c = 0; c < 4; ++c) {
        pair.count_by_category[c] = totals.count_by_category[c];
        pair.fund_by_category[c] = Money::FromFen(Fen(totals.fund_by_category[c]));
      }
      statement.fund_amount += pair.fund_amount;
      provinces[pair.insured].payable += pair.fund_amount;
      provinces[pair.treatment].receivable += pair.fund_amount;
      if (pair.fund_amount.is_positive()) {
        ++statement.gross.payments;
        statement.gross.moved += pair.fund_amount;
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
  static constexpr size_t kBufferBytes = 1 << 16;
  struct PairTotals {
    uint64_t count = 0;
    uint64_t fund = 0;
    std::array<uint64_t, 4> count_by_category{};
    std::array<uint64_t, 4> fund_by_category{};
  };
  // The digest covers the concatenation of the claims' canonical bytes; hashing it in blocks
  // gives the same digest as hashing claim by claim, with far fewer calls.
  void Drain() {
    digest_.Update(buffer_);
    buffer_.clear();
  }
  std::vector<PairTotals> pairs_;
  std::string buffer_;
  Sha256 digest_;
  uint64_t count_ = 0;
  uint64_t total_fen_ = 0;
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
    if (!pair.fund_amount.is_positive()) continue;
    draft.postings.push_back(
        {AccountId::Payable(pair.insured, pair.treatment), Side::kDebit, pair.fund_amount});
    draft.postings.push_back(
        {AccountId::Receivable(pair.treatment, pair.insured), Side::kCredit, pair.fund_amount});
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

Result<std::vector<Statement>> Clearing::Clear(const YearMonth& month, const std::string& actor,
                                               const std::function<void(uint64_t)>& progress) {
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
  RoundAccumulator regular, supplementary;
  uint64_t scanned = 0;
  XCLEAR_RETURN_IF_ERROR(declarations.ScanMonth(month, [&](const Declarations::ClaimView& claim) {
    if (progress && (++scanned & ((1u << 20) - 1)) == 0) progress(scanned);
    if (!claim.late) return regular_done ? Status::Ok() : regular.Add(claim);
    if (covered.count(claim.declaration_id) > 0) return Status::Ok();
    return supplementary.Add(claim);
  }));
  if (progress) progress(scanned);
  if (!regular_done) {
    XCLEAR_ASSIGN_OR_RETURN(const auto totals, declarations.MonthTotals(month, false));
    if (totals.first != regular.count() || totals.second != regular.fund()) {
      return Status::Corruption("the claims of " + month.ToString() +
                                " disagree with their aggregates; run xclear verify");
    }
  }
  std::vector<Statement> issued;
  uint32_t next_round = regular_done ? statements.back().round + 1 : 0;
  if (!regular_done) issued.push_back(regular.Build(month, next_round++, config_.participants));
  if (supplementary.count() > 0)
    issued.push_back(supplementary.Build(month, next_round++, config_.participants));
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
    if (statement.mode == SettlementMode::kNet && statement.fund_amount.is_positive()) {
      request.entries.push_back(NettingEntry(statement, actor, now.CstDate()));
    }
  }
  XCLEAR_RETURN_IF_ERROR(ledger_.Commit(request).status());
  for (Statement& statement : issued) statements.push_back(std::move(statement));
  return statements;
}

Result<std::string> Clearing::Verify(uint64_t* checked) const {
  uint64_t statements = 0;
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
