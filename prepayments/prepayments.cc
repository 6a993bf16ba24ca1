// Prepayments: positions, the annual adjustment, top-ups, their notices and payments (see
// prepayments.h for the storage and the definitions).
#include "xclear/prepayments.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <map>

#include "xclear/declarations.h"
#include "xclear/journal_json.h"

namespace xclear {
namespace {

const Fen kPercentScale = 10'000;  // usage lines are hundredths of a percent

std::string AdjustmentKey(int year) { return "adjustment:" + std::to_string(year); }
std::string AdjustmentNoticeId(int year, uint32_t insured, uint32_t treatment) {
  return "adjustment-" + std::to_string(year) + "-" + std::to_string(insured) + "-" +
         std::to_string(treatment);
}
std::string TopUpPrefix(uint32_t insured, uint32_t treatment) {
  return "topup:" + std::to_string(insured) + ":" + std::to_string(treatment) + ":";
}
std::string TopUpNoticeId(uint32_t insured, uint32_t treatment, uint32_t number) {
  return "topup-" + std::to_string(insured) + "-" + std::to_string(treatment) + "-" +
         std::to_string(number);
}
std::string NoticePaymentPrefix(const std::string& notice) {
  return "notice-payment:" + notice + ":";
}

uint32_t ParseCode(const std::string& text) { return static_cast<uint32_t>(std::stoul(text)); }

Poco::JSON::Object::Ptr NewObject() {
  return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

Poco::JSON::Object::Ptr ParseObject(std::string_view json) {
  Poco::JSON::Parser parser;
  return parser.parse(std::string(json)).extract<Poco::JSON::Object::Ptr>();
}

Result<Money> MoneyField(const Poco::JSON::Object::Ptr& object, const std::string& name) {
  MoneyParseOptions options;
  options.allow_negative = true;
  return Money::Parse(object->getValue<std::string>(name), options);
}

// The stored adjustment `json`, whose fact (issue time, actor, SHA-256) is `fact`.
Result<Adjustment> AdjustmentFromStored(std::string_view json, const Fact& fact) {
  if (DigestToHex(Sha256Of(json)) != fact.payload) {
    return Status::Corruption("the stored adjustment \"" + fact.key +
                              "\" does not match its fact: altered?");
  }
  try {
    const auto root = ParseObject(json);
    Adjustment adjustment;
    adjustment.year = root->getValue<int>("year");
    adjustment.prepayment_months = root->getValue<int>("prepayment_months");
    adjustment.claim_count = root->getValue<uint64_t>("claim_count");
    XCLEAR_ASSIGN_OR_RETURN(adjustment.due, Date::Parse(root->getValue<std::string>("due")));
    adjustment.issued_at = fact.recorded_at;
    adjustment.issued_by = fact.actor;
    const auto lines = root->getArray("lines");
    for (size_t i = 0; lines && i < lines->size(); ++i) {
      const auto item = lines->getObject(static_cast<unsigned>(i));
      AdjustmentLine line;
      line.insured = ParseCode(item->getValue<std::string>("insured"));
      line.treatment = ParseCode(item->getValue<std::string>("treatment"));
      XCLEAR_ASSIGN_OR_RETURN(line.base, MoneyField(item, "base"));
      XCLEAR_ASSIGN_OR_RETURN(line.target, MoneyField(item, "target"));
      XCLEAR_ASSIGN_OR_RETURN(line.current, MoneyField(item, "current"));
      XCLEAR_ASSIGN_OR_RETURN(line.adjustment, MoneyField(item, "adjustment"));
      adjustment.lines.push_back(line);
    }
    return adjustment;
  } catch (const std::exception& error) {
    return Status::Corruption("adjustment fact \"" + fact.key + "\" is malformed: " + error.what());
  }
}

// A top-up notice's stored figures.
struct TopUpRecord {
  uint32_t insured = 0;
  uint32_t treatment = 0;
  uint32_t number = 0;
  Money amount;
  Money outstanding;
  Money prepayment;
  int64_t target_usage_hundredths = 0;
};

std::string TopUpToJson(const TopUpRecord& record) {
  auto root = NewObject();
  root->set("insured", std::to_string(record.insured));
  root->set("treatment", std::to_string(record.treatment));
  root->set("number", static_cast<Poco::UInt64>(record.number));
  root->set("amount", record.amount.ToString());
  root->set("outstanding", record.outstanding.ToString());
  root->set("prepayment", record.prepayment.ToString());
  root->set("target_usage_hundredths", static_cast<Poco::Int64>(record.target_usage_hundredths));
  return JsonToString(root);
}

Result<TopUpRecord> TopUpFromFact(const Fact& fact) {
  try {
    const auto root = ParseObject(fact.payload);
    TopUpRecord record;
    record.insured = ParseCode(root->getValue<std::string>("insured"));
    record.treatment = ParseCode(root->getValue<std::string>("treatment"));
    record.number = root->getValue<uint32_t>("number");
    XCLEAR_ASSIGN_OR_RETURN(record.amount, MoneyField(root, "amount"));
    XCLEAR_ASSIGN_OR_RETURN(record.outstanding, MoneyField(root, "outstanding"));
    XCLEAR_ASSIGN_OR_RETURN(record.prepayment, MoneyField(root, "prepayment"));
    record.target_usage_hundredths = root->getValue<int64_t>("target_usage_hundredths");
    return record;
  } catch (const std::exception& error) {
    return Status::Corruption("top-up fact \"" + fact.key + "\" is malformed: " + error.what());
  }
}

std::string NoticePaymentToJson(const NoticePaymentDraft& payment) {
  auto root = NewObject();
  root->set("notice", payment.notice);
  root->set("payer", std::to_string(payment.payer));
  root->set("payee", std::to_string(payment.payee));
  root->set("bank", payment.bank);
  root->set("serial", payment.serial);
  root->set("value_date", payment.value_date.ToString());
  root->set("amount", payment.amount.ToString());
  return JsonToString(root);
}

Result<NoticePayment> NoticePaymentFromFact(const Fact& fact) {
  try {
    const auto root = ParseObject(fact.payload);
    NoticePayment payment;
    payment.notice = root->getValue<std::string>("notice");
    payment.payer = ParseCode(root->getValue<std::string>("payer"));
    payment.payee = ParseCode(root->getValue<std::string>("payee"));
    payment.bank = root->getValue<std::string>("bank");
    payment.serial = root->getValue<std::string>("serial");
    XCLEAR_ASSIGN_OR_RETURN(payment.value_date,
                            Date::Parse(root->getValue<std::string>("value_date")));
    XCLEAR_ASSIGN_OR_RETURN(payment.amount, Money::Parse(root->getValue<std::string>("amount")));
    payment.actor = fact.actor;
    payment.recorded_at = fact.recorded_at;
    return payment;
  } catch (const std::exception& error) {
    return Status::Corruption("notice payment fact \"" + fact.key +
                              "\" is malformed: " + error.what());
  }
}

std::string NoticePaymentKey(const NoticePaymentDraft& payment) {
  return NoticePaymentPrefix(payment.notice) + payment.bank + ":" + payment.serial;
}

// The postings of a notice payment (SPEC §5): I advances prepayment to T, or T refunds it.
EntryDraft NoticePaymentEntry(const Notice& notice, const NoticePaymentDraft& payment,
                              const std::string& actor) {
  EntryDraft entry;
  entry.effective_date = payment.value_date;
  entry.actor = actor;
  entry.idempotency_key = PaymentIdempotencyKey(payment.bank, payment.serial);
  entry.source_reference = payment.bank + " " + payment.serial;
  const AccountId advanced = AccountId::PrepaymentAdvanced(notice.insured, notice.treatment);
  const AccountId held = AccountId::PrepaymentHeld(notice.treatment, notice.insured);
  const Money& amount = payment.amount;
  if (notice.kind == NoticeKind::kAdjustmentRefund) {
    entry.kind = EntryKind::kPrepaymentRefunded;
    entry.memo = "notice " + notice.id + ": " + std::to_string(notice.treatment) +
                 " refunds prepayment to " + std::to_string(notice.insured);
    entry.postings = {{held, Side::kDebit, amount},
                      {AccountId::Bank(notice.treatment), Side::kCredit, amount},
                      {AccountId::Bank(notice.insured), Side::kDebit, amount},
                      {advanced, Side::kCredit, amount}};
  } else {
    entry.kind = EntryKind::kPrepaymentPaid;
    entry.memo = "notice " + notice.id + ": " + std::to_string(notice.insured) +
                 " advances prepayment to " + std::to_string(notice.treatment);
    entry.postings = {{advanced, Side::kDebit, amount},
                      {AccountId::Bank(notice.insured), Side::kCredit, amount},
                      {AccountId::Bank(notice.treatment), Side::kDebit, amount},
                      {held, Side::kCredit, amount}};
  }
  return entry;
}

// Every (insured, treatment) pair of the configured participants, by insured then treatment.
std::vector<std::pair<uint32_t, uint32_t>> AllPairs(const Participants& participants) {
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  for (const Participant& insured : participants.units()) {
    for (const Participant& treatment : participants.units()) {
      if (insured.code != treatment.code) pairs.emplace_back(insured.code, treatment.code);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

}  // namespace

std::string AdjustmentToJson(const Adjustment& adjustment, bool with_issue) {
  auto root = NewObject();
  root->set("year", adjustment.year);
  if (with_issue) {
    root->set("issued_at", adjustment.issued_at.ToString());
    root->set("issued_by", adjustment.issued_by);
  }
  root->set("prepayment_months", adjustment.prepayment_months);
  root->set("claim_count", static_cast<Poco::UInt64>(adjustment.claim_count));
  root->set("due", adjustment.due.ToString());
  Poco::JSON::Array::Ptr lines = new Poco::JSON::Array();
  for (const AdjustmentLine& line : adjustment.lines) {
    auto item = NewObject();
    item->set("insured", std::to_string(line.insured));
    item->set("treatment", std::to_string(line.treatment));
    item->set("base", line.base.ToString());
    item->set("target", line.target.ToString());
    item->set("current", line.current.ToString());
    item->set("adjustment", line.adjustment.ToString());
    lines->add(item);
  }
  root->set("lines", lines);
  return JsonToString(root);
}

std::string_view WarningName(Warning warning) {
  switch (warning) {
    case Warning::kNone:
      return "none";
    case Warning::kYellow:
      return "yellow";
    case Warning::kRed:
      return "red";
  }
  return "unknown";
}

std::string_view NoticeKindName(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::kAdjustmentPayment:
      return "adjustment_payment";
    case NoticeKind::kAdjustmentRefund:
      return "adjustment_refund";
    case NoticeKind::kTopUp:
      return "topup";
  }
  return "unknown";
}

Warning WarningOf(const Money& outstanding, const Money& prepayment, const RuleConfig& rules) {
  if (!outstanding.is_positive()) return Warning::kNone;
  if (!prepayment.is_positive()) return Warning::kRed;
  const Fen used = outstanding.fen() * kPercentScale;
  if (used >= prepayment.fen() * rules.usage_red_hundredths) return Warning::kRed;
  if (used >= prepayment.fen() * rules.usage_yellow_hundredths) return Warning::kYellow;
  return Warning::kNone;
}

std::string UsagePercent(const Money& outstanding, const Money& prepayment) {
  if (!prepayment.is_positive()) return outstanding.is_positive() ? "" : "0.00";
  // Hundredths of a percent, shown as a money-like figure with two decimals.
  const auto hundredths = DivideRoundHalfUp(outstanding.fen() * kPercentScale, prepayment.fen());
  return hundredths.ok() ? Money::FromFen(*hundredths).ToString() : "";
}

bool HigherUsage(const Position& a, const Position& b) {
  const auto unbounded = [](const Position& p) {
    return !p.prepayment.is_positive() && p.outstanding.is_positive();
  };
  if (unbounded(a) != unbounded(b)) return unbounded(a);
  if (unbounded(a)) {
    if (a.outstanding != b.outstanding) return a.outstanding > b.outstanding;
  } else if (a.prepayment.is_positive() && b.prepayment.is_positive()) {
    const Fen left = a.outstanding.fen() * b.prepayment.fen();
    const Fen right = b.outstanding.fen() * a.prepayment.fen();
    if (left != right) return left > right;
  } else if (a.prepayment.is_positive() != b.prepayment.is_positive()) {
    return a.prepayment.is_positive();  // 0 / 0 sorts last
  }
  return std::tie(a.insured, a.treatment) < std::tie(b.insured, b.treatment);
}

Prepayments::Prepayments(Ledger& ledger, const Config& config, const WorkingCalendar& calendar,
                         const Clock& clock)
    : ledger_(ledger), config_(config), calendar_(calendar), clock_(clock) {}

Result<Position> Prepayments::PositionOf(uint32_t insured, uint32_t treatment,
                                         uint64_t as_of_sequence) const {
  if (config_.participants.Find(insured) == nullptr ||
      config_.participants.Find(treatment) == nullptr || insured == treatment) {
    return Status::InvalidArgument("no pair " + std::to_string(insured) + " -> " +
                                   std::to_string(treatment) +
                                   ": both must be configured provinces, and different");
  }
  XCLEAR_ASSIGN_OR_RETURN(
      const Money held,
      ledger_.Balance(AccountId::PrepaymentHeld(treatment, insured), as_of_sequence));
  XCLEAR_ASSIGN_OR_RETURN(
      const Money receivable,
      ledger_.Balance(AccountId::Receivable(treatment, insured), as_of_sequence));
  return PositionFrom(insured, treatment, held, receivable);
}

// The pair's position from T's two balances: prepayment_held:I (a credit balance) and
// receivable:I.
Position Prepayments::PositionFrom(uint32_t insured, uint32_t treatment, const Money& held,
                                   const Money& receivable) const {
  Position position;
  position.insured = insured;
  position.treatment = treatment;
  position.prepayment = -held;  // a credit balance
  position.outstanding = receivable;
  position.warning = WarningOf(position.outstanding, position.prepayment, config_.rules);
  position.usage_percent = UsagePercent(position.outstanding, position.prepayment);
  return position;
}

Result<std::vector<Position>> Prepayments::Positions(uint64_t as_of_sequence,
                                                     std::optional<uint32_t> province) const {
  if (province && config_.participants.Find(*province) == nullptr) {
    return Status::InvalidArgument("province " + std::to_string(*province) +
                                   " is not a configured participant");
  }
  // One snapshot of every balance at the sequence, rather than two balance reads per pair: all
  // pairs are then of the same instant, and 992 pairs do not wait 1 984 times for commits.
  XCLEAR_ASSIGN_OR_RETURN(const TrialBalance trial, ledger_.TrialBalanceAt(as_of_sequence));
  std::map<AccountId, Money> balances;
  for (const AccountBalance& balance : trial.accounts)
    balances.emplace(balance.account, balance.balance);
  const auto balance_of = [&balances](const AccountId& account) {
    const auto found = balances.find(account);
    return found == balances.end() ? Money::Zero() : found->second;
  };
  std::vector<Position> out;
  for (const auto& [insured, treatment] : AllPairs(config_.participants)) {
    if (province && *province != insured && *province != treatment) continue;
    out.push_back(PositionFrom(insured, treatment,
                               balance_of(AccountId::PrepaymentHeld(treatment, insured)),
                               balance_of(AccountId::Receivable(treatment, insured))));
  }
  return out;
}

Result<Adjustment> Prepayments::LoadAdjustment(const Fact& fact) const {
  XCLEAR_ASSIGN_OR_RETURN(const auto stored, ledger_.Get(Table::kNotices, fact.key));
  if (!stored) return Status::Corruption("adjustment \"" + fact.key + "\" is not stored");
  return AdjustmentFromStored(*stored, fact);
}

Result<std::optional<Adjustment>> Prepayments::AdjustmentOf(int year) const {
  XCLEAR_ASSIGN_OR_RETURN(const auto fact, ledger_.FindFact(AdjustmentKey(year)));
  if (!fact) return std::optional<Adjustment>();
  XCLEAR_ASSIGN_OR_RETURN(Adjustment adjustment, LoadAdjustment(*fact));
  return std::optional<Adjustment>(std::move(adjustment));
}

Result<Adjustment> Prepayments::PreviewAdjustment(int year) const {
  XCLEAR_ASSIGN_OR_RETURN(const YearMonth january, YearMonth::FromYm(year, 1));
  Adjustment adjustment;
  adjustment.year = year;
  adjustment.prepayment_months = config_.rules.prepayment_months;
  adjustment.due = january.AddMonths(1).LastDay();
  // Bases from the per-month aggregates of Y−1, on-time and late claims alike (all rounds).
  std::map<std::pair<uint32_t, uint32_t>, Money> bases;
  const Declarations declarations(ledger_, config_, clock_);
  for (int month = 1; month <= 12; ++month) {
    XCLEAR_ASSIGN_OR_RETURN(const YearMonth service, YearMonth::FromYm(year - 1, month));
    for (const bool late : {false, true}) {
      XCLEAR_ASSIGN_OR_RETURN(const auto groups, declarations.MonthGroups(service, late));
      for (const Declarations::ClaimGroup& group : groups) {
        // Reversals settled in Y−1 (their settled_on) come off the base (SPEC §13).
        Money& base = bases[{group.insured, group.treatment}];
        if (group.reversal) {
          base -= Money::FromFen(group.fund_fen);
        } else {
          base += Money::FromFen(group.fund_fen);
          adjustment.claim_count += group.count;
        }
      }
    }
  }
  for (auto& [pair, base] : bases) {
    if (base.is_negative()) base = Money();  // more reversed than claimed: no base
  }
  const uint64_t head = ledger_.Head().sequence;
  for (const auto& [insured, treatment] : AllPairs(config_.participants)) {
    AdjustmentLine line;
    line.insured = insured;
    line.treatment = treatment;
    const auto base = bases.find({insured, treatment});
    if (base != bases.end()) line.base = base->second;
    XCLEAR_ASSIGN_OR_RETURN(
        line.target, ScaleRoundHalfUp(line.base, Fen(config_.rules.prepayment_months), Fen(12)));
    XCLEAR_ASSIGN_OR_RETURN(const Position position, PositionOf(insured, treatment, head));
    line.current = position.prepayment;
    line.adjustment = line.target - line.current;
    adjustment.lines.push_back(line);
  }
  return adjustment;
}

Result<Adjustment> Prepayments::RunAdjustment(int year, const std::string& actor) {
  const Date today = clock_.Now().CstDate();
  XCLEAR_ASSIGN_OR_RETURN(const YearMonth january, YearMonth::FromYm(year, 1));
  if (today < january.FirstDay() || today > january.LastDay()) {
    return Status::Refused("the annual prepayment adjustment for " + std::to_string(year) +
                           " may run from " + january.FirstDay().ToString() + " to " +
                           january.LastDay().ToString() + " (CST); today is " + today.ToString());
  }
  XCLEAR_ASSIGN_OR_RETURN(const auto earlier, AdjustmentOf(year));
  if (earlier) {
    return Status::Refused("the annual prepayment adjustment for " + std::to_string(year) +
                           " already ran on " + earlier->issued_at.ToString() + " by " +
                           earlier->issued_by + "; it runs once a year (see its notices)");
  }
  XCLEAR_ASSIGN_OR_RETURN(const uint64_t payments_before, CountNoticePayments());
  XCLEAR_ASSIGN_OR_RETURN(Adjustment adjustment, PreviewAdjustment(year));
  CommitRequest request;
  std::string json = AdjustmentToJson(adjustment, false);
  request.facts.push_back(
      {FactKind::kAdjustment, AdjustmentKey(year), actor, DigestToHex(Sha256Of(json))});
  request.writes.push_back({Table::kNotices, AdjustmentKey(year), std::move(json)});
  // The prepayments read above must still be the ones in force when the run is recorded: no
  // notice payment (the only way xclear moves a prepayment) may have been committed meanwhile.
  request.complete = [this, payments_before](const std::vector<AppendResult>&,
                                             std::vector<TableWrite>&) -> Status {
    XCLEAR_ASSIGN_OR_RETURN(const uint64_t payments_now, CountNoticePayments());
    if (payments_now != payments_before) {
      return Status::Conflict(
          "a prepayment was paid while the adjustment was computed; run it again");
    }
    return Status::Ok();
  };
  XCLEAR_ASSIGN_OR_RETURN(const CommitResult committed, ledger_.Commit(request));
  if (committed.facts.front().replayed) {
    return Status::Refused("the annual prepayment adjustment for " + std::to_string(year) +
                           " already ran");
  }
  adjustment.issued_at = committed.facts.front().recorded_at;
  adjustment.issued_by = committed.facts.front().actor;
  return adjustment;
}

Result<uint64_t> Prepayments::CountNoticePayments() const {
  uint64_t count = 0;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("notice-payment:", [&count](const Fact&) {
    ++count;
    return Status::Ok();
  }));
  return count;
}

Result<Money> Prepayments::PaidOn(const std::string& notice, std::optional<Date>* completed_on,
                                  const Money& amount) const {
  Money paid;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact(NoticePaymentPrefix(notice), [&](const Fact& fact) {
    XCLEAR_ASSIGN_OR_RETURN(const NoticePayment payment, NoticePaymentFromFact(fact));
    paid += payment.amount;
    if (completed_on != nullptr && paid >= amount && !*completed_on) {
      *completed_on = payment.value_date;
    }
    return Status::Ok();
  }));
  return paid;
}

Result<std::vector<Notice>> Prepayments::AllNotices() const {
  std::vector<Notice> notices;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("adjustment:", [&](const Fact& fact) {
    XCLEAR_ASSIGN_OR_RETURN(const Adjustment adjustment, LoadAdjustment(fact));
    for (const AdjustmentLine& line : adjustment.lines) {
      if (line.adjustment.is_zero()) continue;
      Notice notice;
      notice.id = AdjustmentNoticeId(adjustment.year, line.insured, line.treatment);
      notice.insured = line.insured;
      notice.treatment = line.treatment;
      const bool pays = line.adjustment.is_positive();
      notice.kind = pays ? NoticeKind::kAdjustmentPayment : NoticeKind::kAdjustmentRefund;
      notice.payer = pays ? line.insured : line.treatment;
      notice.payee = pays ? line.treatment : line.insured;
      notice.amount = pays ? line.adjustment : -line.adjustment;
      notice.issued_at = adjustment.issued_at;
      notice.issued_by = adjustment.issued_by;
      notice.due = adjustment.due;
      notice.due_note = "last day of February " + std::to_string(adjustment.year);
      notice.detail = "annual adjustment " + std::to_string(adjustment.year) + ": base " +
                      line.base.ToString() + ", target " + line.target.ToString() +
                      ", prepayment then " + line.current.ToString();
      notices.push_back(std::move(notice));
    }
    return Status::Ok();
  }));
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("topup:", [&](const Fact& fact) {
    XCLEAR_ASSIGN_OR_RETURN(Notice notice, TopUpNotice(fact));
    notices.push_back(std::move(notice));
    return Status::Ok();
  }));
  for (Notice& notice : notices) {
    XCLEAR_ASSIGN_OR_RETURN(notice.paid, PaidOn(notice.id, &notice.completed_on, notice.amount));
  }
  std::sort(notices.begin(), notices.end(),
            [](const Notice& a, const Notice& b) { return a.id < b.id; });
  return notices;
}

Result<std::vector<Notice>> Prepayments::Notices(std::optional<uint32_t> province,
                                                 bool open_only) const {
  XCLEAR_ASSIGN_OR_RETURN(std::vector<Notice> all, AllNotices());
  std::vector<Notice> out;
  for (Notice& notice : all) {
    if (province && *province != notice.payer && *province != notice.payee) continue;
    if (open_only && !notice.remaining().is_positive()) continue;
    out.push_back(std::move(notice));
  }
  return out;
}

Result<Notice> Prepayments::NoticeOf(const std::string& id) const {
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Notice> all, AllNotices());
  for (const Notice& notice : all) {
    if (notice.id == id) return notice;
  }
  return NoticeNotFound(id);
}

Result<Notice> Prepayments::TopUpNotice(const Fact& fact) const {
  XCLEAR_ASSIGN_OR_RETURN(const TopUpRecord record, TopUpFromFact(fact));
  Notice notice;
  notice.id = TopUpNoticeId(record.insured, record.treatment, record.number);
  notice.kind = NoticeKind::kTopUp;
  notice.insured = record.insured;
  notice.treatment = record.treatment;
  notice.payer = record.insured;
  notice.payee = record.treatment;
  notice.amount = record.amount;
  notice.issued_at = fact.recorded_at;
  notice.issued_by = fact.actor;
  XCLEAR_ASSIGN_OR_RETURN(
      notice.due, DueAfterWorkingDays(calendar_, fact.recorded_at.CstDate(),
                                      config_.rules.topup_payment_working_days, notice.due_note));
  notice.detail = "emergency top-up: outstanding " + record.outstanding.ToString() +
                  ", prepayment " + record.prepayment.ToString() + ", target usage " +
                  Money::FromFen(Fen(record.target_usage_hundredths)).ToString() + "%";
  return notice;
}

Result<FactDraft> Prepayments::TopUpFact(const Position& position, const Actor& actor) const {
  const uint32_t insured = position.insured;
  const uint32_t treatment = position.treatment;
  // The treatment province asks for its own money; a province cannot ask for another's pair.
  XCLEAR_RETURN_IF_ERROR(CheckPermitted(actor, Operation::kRequestTopUp));
  if (actor.role == Role::kProvince && !actor.IsProvince(treatment)) {
    return Status::Refused("a top-up of pair " + std::to_string(insured) + " -> " +
                           std::to_string(treatment) + " is requested by the treatment province " +
                           std::to_string(treatment) + " or the operator, not " + actor.ToString());
  }
  const std::string pair = std::to_string(insured) + " -> " + std::to_string(treatment);
  if (position.warning != Warning::kRed) {
    return Status::Refused("pair " + pair + " is below the red line (" +
                           Money::FromFen(Fen(config_.rules.usage_red_hundredths)).ToString() +
                           "%): usage " + position.usage_percent + "% (outstanding " +
                           position.outstanding.ToString() + ", prepayment " +
                           position.prepayment.ToString() + "); no top-up is due");
  }
  uint32_t number = 0;
  std::string open;
  XCLEAR_RETURN_IF_ERROR(
      ledger_.ForEachFact(TopUpPrefix(insured, treatment), [&](const Fact& fact) -> Status {
        XCLEAR_ASSIGN_OR_RETURN(const TopUpRecord record, TopUpFromFact(fact));
        number = std::max(number, record.number);
        const std::string id = TopUpNoticeId(insured, treatment, record.number);
        XCLEAR_ASSIGN_OR_RETURN(const Money paid, PaidOn(id, nullptr, record.amount));
        if (paid < record.amount) open = id + " (" + (record.amount - paid).ToString() + " unpaid)";
        return Status::Ok();
      }));
  if (!open.empty()) {
    return Status::Refused("pair " + pair + " already has an unpaid top-up notice: " + open);
  }
  TopUpRecord record;
  record.insured = insured;
  record.treatment = treatment;
  record.number = number + 1;
  record.outstanding = position.outstanding;
  record.prepayment = position.prepayment;
  record.target_usage_hundredths = config_.rules.topup_target_usage_hundredths;
  XCLEAR_ASSIGN_OR_RETURN(const Fen needed,
                          DivideRoundUp(position.outstanding.fen() * kPercentScale,
                                        Fen(config_.rules.topup_target_usage_hundredths)));
  record.amount = Money::FromFen(needed) - position.prepayment;
  if (!record.amount.is_positive()) {
    return Status::Refused("pair " + pair + ": the prepayment " + position.prepayment.ToString() +
                           " already covers the target usage; no top-up is due");
  }
  return FactDraft{FactKind::kTopUp,
                   TopUpPrefix(insured, treatment) + std::to_string(record.number),
                   actor.ToString(), TopUpToJson(record)};
}

Result<Notice> Prepayments::RequestTopUp(uint32_t insured, uint32_t treatment, const Actor& actor) {
  XCLEAR_ASSIGN_OR_RETURN(const Position position,
                          PositionOf(insured, treatment, ledger_.Head().sequence));
  CommitRequest request;
  XCLEAR_ASSIGN_OR_RETURN(FactDraft fact, TopUpFact(position, actor));
  request.facts.push_back(std::move(fact));
  XCLEAR_ASSIGN_OR_RETURN(const CommitResult committed, ledger_.Commit(request));
  return TopUpNotice(committed.facts.front());
}

Result<TopUpCheck> Prepayments::CheckTopUps(const Actor& actor) {
  if (!Permits(actor.role, Operation::kRunTopUpCheck)) {
    return Status::Refused("the top-up check over all pairs is the operator's job, not " +
                           actor.ToString() + "'s (a province requests a top-up for its own pair)");
  }
  TopUpCheck check;
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Position> positions,
                          Positions(ledger_.Head().sequence));
  // Every notice of the check in one atomic commit: all of them, or none after a crash.
  CommitRequest request;
  for (const Position& position : positions) {
    if (position.warning != Warning::kRed) continue;
    auto fact = TopUpFact(position, actor);
    if (fact.ok()) {
      request.facts.push_back(std::move(*fact));
    } else if (fact.status().code() == ErrorCode::kRefused) {
      check.skipped.emplace_back(position, fact.status().message());
    } else {
      return fact.status();
    }
  }
  if (request.facts.empty()) return check;
  XCLEAR_ASSIGN_OR_RETURN(const CommitResult committed, ledger_.Commit(request));
  for (const Fact& fact : committed.facts) {
    XCLEAR_ASSIGN_OR_RETURN(Notice notice, TopUpNotice(fact));
    check.issued.push_back(std::move(notice));
  }
  return check;
}

Result<NoticePayment> Prepayments::RecordPayment(const NoticePaymentDraft& draft,
                                                 const std::string& actor) {
  XCLEAR_RETURN_IF_ERROR(CheckPaymentFields(draft.bank, draft.serial, draft.amount));
  const std::string payment_key = NoticePaymentKey(draft);
  const std::string payload = NoticePaymentToJson(draft);
  const std::string serial_key = PaymentSerialKey(draft.bank, draft.serial);
  XCLEAR_ASSIGN_OR_RETURN(
      const auto recorded,
      FindRecordedPayment(ledger_, draft.bank, draft.serial, payment_key, payload));
  if (recorded) {
    XCLEAR_ASSIGN_OR_RETURN(NoticePayment payment, NoticePaymentFromFact(*recorded));
    XCLEAR_ASSIGN_OR_RETURN(const auto sequence, ledger_.FindByIdempotencyKey(PaymentIdempotencyKey(
                                                     draft.bank, draft.serial)));
    payment.entry_sequence = sequence.value_or(0);
    payment.replayed = true;
    return payment;
  }
  XCLEAR_ASSIGN_OR_RETURN(const Notice notice, NoticeOf(draft.notice));
  if (draft.payer != notice.payer || draft.payee != notice.payee) {
    return Status::Refused("wrong counterpart: notice " + notice.id + " asks " +
                           std::to_string(notice.payer) + " to pay " +
                           std::to_string(notice.payee) + ", not " + std::to_string(draft.payer) +
                           " to pay " + std::to_string(draft.payee));
  }
  XCLEAR_RETURN_IF_ERROR(CheckValueDate(draft.value_date, clock_.Now().CstDate(),
                                        notice.issued_at.CstDate(), "notice " + notice.id));
  CommitRequest request;
  request.entries.push_back(NoticePaymentEntry(notice, draft, actor));
  request.facts.push_back({FactKind::kNoticePayment, payment_key, actor, payload});
  request.facts.push_back({FactKind::kPaymentSerial, serial_key, actor, payment_key});
  // Under the commit lock: what the notice still asks, counting every payment before this one.
  request.complete = [this, notice, amount = draft.amount](const std::vector<AppendResult>&,
                                                           std::vector<TableWrite>&) -> Status {
    XCLEAR_ASSIGN_OR_RETURN(const Money paid, PaidOn(notice.id, nullptr, notice.amount));
    if (paid + amount > notice.amount) {
      return Status::Refused("overpayment: notice " + notice.id + " asks " +
                             (notice.amount - paid).ToString() + " more (amount " +
                             notice.amount.ToString() + ", paid " + paid.ToString() +
                             "); a payment of " + amount.ToString() + " is refused");
    }
    return Status::Ok();
  };
  XCLEAR_ASSIGN_OR_RETURN(const CommitResult committed, ledger_.Commit(request));
  NoticePayment payment;
  static_cast<NoticePaymentDraft&>(payment) = draft;
  payment.actor = committed.facts.front().actor;
  payment.recorded_at = committed.facts.front().recorded_at;
  payment.entry_sequence = committed.entries.front().sequence;
  payment.replayed = committed.facts.front().replayed;
  return payment;
}

Result<std::vector<NoticePayment>> Prepayments::PaymentsOf(const std::string& notice) const {
  std::vector<NoticePayment> out;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact(NoticePaymentPrefix(notice), [&](const Fact& fact) {
    XCLEAR_ASSIGN_OR_RETURN(NoticePayment payment, NoticePaymentFromFact(fact));
    XCLEAR_ASSIGN_OR_RETURN(const auto sequence, ledger_.FindByIdempotencyKey(PaymentIdempotencyKey(
                                                     payment.bank, payment.serial)));
    payment.entry_sequence = sequence.value_or(0);
    out.push_back(std::move(payment));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<DeadlineItem>> Prepayments::Deadlines(std::optional<uint32_t> province) const {
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Notice> notices, Notices(province, true));
  std::vector<DeadlineItem> items;
  for (const Notice& notice : notices) {
    DeadlineItem item;
    item.kind = notice.kind == NoticeKind::kTopUp              ? DeadlineKind::kTopUp
                : notice.kind == NoticeKind::kAdjustmentRefund ? DeadlineKind::kRefund
                                                               : DeadlineKind::kPrepayment;
    item.month = YearMonth::Of(notice.issued_at.CstDate());
    item.party = notice.payer;
    item.counterpart = notice.payee;
    item.reference = notice.id;
    item.amount = notice.remaining();
    item.due = notice.due;
    item.due_note = notice.due_note;
    item.detail = "notice " + notice.id + ": " + notice.detail;
    items.push_back(std::move(item));
  }
  FinishDeadlines(items, clock_.Now().CstDate());
  return items;
}

Status Prepayments::CollectRecordedEntries(std::set<uint64_t>& out) const {
  return ledger_.ForEachFact("notice-payment:", [&](const Fact& fact) -> Status {
    XCLEAR_ASSIGN_OR_RETURN(const NoticePayment payment, NoticePaymentFromFact(fact));
    XCLEAR_ASSIGN_OR_RETURN(const auto sequence, ledger_.FindByIdempotencyKey(PaymentIdempotencyKey(
                                                     payment.bank, payment.serial)));
    if (sequence) out.insert(*sequence);
    return Status::Ok();
  });
}

Status Prepayments::NoticeNotFound(const std::string& id) {
  return Status::NotFound("no prepayment notice \"" + id + "\"");
}

Result<std::string> Prepayments::Verify(uint64_t* checked) const {
  uint64_t records = 0;
  std::string problem;
  // Adjustments: every line recomputes from its own base and prepayment.
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("adjustment:", [&](const Fact& fact) -> Status {
    ++records;
    XCLEAR_ASSIGN_OR_RETURN(const Adjustment adjustment, LoadAdjustment(fact));
    for (const AdjustmentLine& line : adjustment.lines) {
      XCLEAR_ASSIGN_OR_RETURN(
          const Money target,
          ScaleRoundHalfUp(line.base, Fen(adjustment.prepayment_months), Fen(12)));
      if (problem.empty() &&
          (target != line.target || line.adjustment != line.target - line.current)) {
        problem = "adjustment " + std::to_string(adjustment.year) + " line " +
                  std::to_string(line.insured) + " -> " + std::to_string(line.treatment) +
                  " does not add up";
      }
    }
    return Status::Ok();
  }));
  if (!problem.empty()) return problem;
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Notice> notices, AllNotices());
  std::map<std::string, const Notice*> by_id;
  for (const Notice& notice : notices) {
    by_id[notice.id] = &notice;
    if (notice.paid > notice.amount) return "notice " + notice.id + " is overpaid";
  }
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("topup:", [&records](const Fact&) {
    ++records;
    return Status::Ok();
  }));
  std::set<std::string> payment_keys;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("notice-payment:", [&](const Fact& fact) -> Status {
    ++records;
    payment_keys.insert(fact.key);
    XCLEAR_ASSIGN_OR_RETURN(const NoticePayment payment, NoticePaymentFromFact(fact));
    const auto notice = by_id.find(payment.notice);
    if (notice == by_id.end() || fact.key != NoticePaymentKey(payment)) {
      if (problem.empty()) problem = "payment \"" + fact.key + "\" settles no notice";
      return Status::Ok();
    }
    if (payment.payer != notice->second->payer || payment.payee != notice->second->payee) {
      if (problem.empty()) problem = "payment \"" + fact.key + "\" has the wrong counterpart";
      return Status::Ok();
    }
    XCLEAR_ASSIGN_OR_RETURN(const auto serial,
                            ledger_.FindFact(PaymentSerialKey(payment.bank, payment.serial)));
    if (!serial || serial->payload != fact.key) {
      if (problem.empty()) problem = "payment \"" + fact.key + "\" lacks its serial record";
      return Status::Ok();
    }
    XCLEAR_ASSIGN_OR_RETURN(const auto sequence, ledger_.FindByIdempotencyKey(PaymentIdempotencyKey(
                                                     payment.bank, payment.serial)));
    if (!sequence) {
      if (problem.empty()) problem = "payment \"" + fact.key + "\" has no journal entry";
      return Status::Ok();
    }
    XCLEAR_ASSIGN_OR_RETURN(const JournalEntry entry, ledger_.Entry(*sequence));
    const EntryDraft expected = NoticePaymentEntry(*notice->second, payment, entry.actor);
    if (entry.kind != expected.kind || entry.postings != expected.postings) {
      if (problem.empty()) {
        problem = "payment \"" + fact.key + "\" and its journal entry " +
                  std::to_string(*sequence) + " disagree";
      }
    }
    return Status::Ok();
  }));
  if (!problem.empty()) return problem;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("serial:", [&](const Fact& fact) {
    if (problem.empty() && fact.payload.rfind("notice-payment:", 0) == 0 &&
        payment_keys.count(fact.payload) == 0) {
      problem = "serial record \"" + fact.key + "\" points to no notice payment";
    }
    return Status::Ok();
  }));
  if (!problem.empty()) return problem;
  if (checked != nullptr) *checked = records;
  return std::string();
}

}  // namespace xclear
