// Confirmations, payments and deadlines after the clearing statement (see settlement.h).
//
// Storage: facts only, in the ledger's hash-chained facts log —
//   confirmation:<YYYY-MM>:<round>:<province>                 → the statement's SHA-256 (hex)
//   payment:<YYYY-MM>:<round>:<payer>:<payee>:<bank>:<serial> → the payment's canonical JSON
//   serial:<bank>:<serial>                                    → the payment fact's key
//   payment-return:<YYYY-MM>:<round>:<payer>:<payee>:<bank>:<serial>:<return serial>
//                                                              → the return's canonical JSON
//                                                                (payment_returns.cc)
// The serial fact makes a bank serial number unique across every statement; the payment key
// orders a statement's payments by payer and payee so that one prefix scan finds them. Banks
// contain no ':' and serials only [A-Za-z0-9_-], so the keys cannot be ambiguous.
#include "xclear/settlement.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "settlement_internal.h"
#include "xclear/declarations.h"
#include "xclear/journal_json.h"

namespace xclear {
namespace settlement_internal {

constexpr size_t kBankBytesMax = 64;
constexpr size_t kSerialBytesMax = 64;

std::string RoundName(const YearMonth& month, uint32_t round) {
  return month.ToString() + ":" + std::to_string(round);
}

std::string ConfirmationPrefix(const YearMonth& month, uint32_t round) {
  return "confirmation:" + RoundName(month, round) + ":";
}

std::string PaymentPrefix(const YearMonth& month, uint32_t round) {
  return "payment:" + RoundName(month, round) + ":";
}

// A negative pair's payment (owed back) has "back:" before its bank: a bank holds no ':', so
// the two directions of one payer and payee never share a key.
std::string PaymentKey(const PaymentDraft& payment) {
  return PaymentPrefix(payment.month, payment.round) + std::to_string(payment.payer) + ":" +
         std::to_string(payment.payee) + ":" + (payment.owed_back ? "back:" : "") + payment.bank +
         ":" + payment.serial;
}

std::string PaymentIdempotencyKey(const PaymentDraft& payment) {
  return xclear::PaymentIdempotencyKey(payment.bank, payment.serial);
}

std::string PartyName(uint32_t code) {
  return code == kNationalClearingCode ? "the national clearing account (100000)"
                                       : std::to_string(code);
}

// The postings of a payment from `payer` to `payee` (SPEC §5): the payer settles its payable
// from its bank account, the payee's bank receives and its receivable shrinks.
std::vector<Posting> PaymentPostings(const PaymentDraft& payment) {
  // Paid back (a negative pair), the treatment province's receivable was negative and the
  // insured province's payable positive: the same movement on the pair's other accounts.
  const AccountId payer_side = payment.owed_back
                                   ? AccountId::Receivable(payment.payer, payment.payee)
                                   : AccountId::Payable(payment.payer, payment.payee);
  const AccountId payee_side = payment.owed_back
                                   ? AccountId::Payable(payment.payee, payment.payer)
                                   : AccountId::Receivable(payment.payee, payment.payer);
  return {
      {payer_side, Side::kDebit, payment.amount},
      {AccountId::Bank(payment.payer), Side::kCredit, payment.amount},
      {AccountId::Bank(payment.payee), Side::kDebit, payment.amount},
      {payee_side, Side::kCredit, payment.amount},
  };
}

// The payments a statement expects under its mode, by payer then payee.
std::vector<PaymentObligation> ExpectedPayments(const Statement& statement) {
  std::vector<PaymentObligation> out;
  const auto add = [&](uint32_t payer, uint32_t payee, const Money& owed, bool owed_back) {
    PaymentObligation obligation;
    obligation.month = statement.month;
    obligation.round = statement.round;
    obligation.mode = statement.mode;
    obligation.payer = payer;
    obligation.payee = payee;
    obligation.owed_back = owed_back;
    obligation.owed = owed;
    out.push_back(std::move(obligation));
  };
  if (statement.mode == SettlementMode::kGross) {
    for (const StatementPair& pair : statement.pairs) {
      if (pair.amount.is_zero()) continue;
      // A negative pair (more reversed than claimed) is paid back by its treatment province.
      if (pair.owed_back()) {
        add(pair.treatment, pair.insured, pair.owed(), true);
      } else {
        add(pair.insured, pair.treatment, pair.owed(), false);
      }
    }
  } else {
    for (const StatementProvince& province : statement.provinces) {
      if (province.net.is_negative())
        add(province.province, kNationalClearingCode, -province.net, false);
      if (province.net.is_positive())
        add(kNationalClearingCode, province.province, province.net, false);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.payer, a.payee, a.owed_back) < std::tie(b.payer, b.payee, b.owed_back);
  });
  return out;
}

// Provinces with a part in the statement: every insured or treatment province of a pair.
std::vector<uint32_t> Parties(const Statement& statement) {
  std::set<uint32_t> parties;
  for (const StatementPair& pair : statement.pairs) {
    parties.insert(pair.insured);
    parties.insert(pair.treatment);
  }
  return {parties.begin(), parties.end()};
}

const StatementProvince* FindProvince(const Statement& statement, uint32_t code) {
  for (const StatementProvince& province : statement.provinces) {
    if (province.province == code) return &province;
  }
  return nullptr;
}

Result<Confirmation> ConfirmationFromFact(const Fact& fact) {
  // confirmation:<YYYY-MM>:<round>:<province>
  Confirmation out;
  const std::string_view key = fact.key;
  const size_t month_at = key.find(':') + 1;
  const size_t round_at = key.find(':', month_at) + 1;
  const size_t province_at = key.find(':', round_at) + 1;
  auto month = YearMonth::Parse(key.substr(month_at, round_at - month_at - 1));
  if (!month.ok() || round_at == 0 || province_at == 0) {
    return Status::Corruption("confirmation fact \"" + fact.key + "\" has a malformed key");
  }
  out.month = *month;
  out.round = static_cast<uint32_t>(
      std::stoul(std::string(key.substr(round_at, province_at - round_at - 1))));
  out.province = static_cast<uint32_t>(std::stoul(std::string(key.substr(province_at))));
  out.actor = fact.actor;
  out.confirmed_at = fact.recorded_at;
  if (!DigestFromHex(fact.payload, out.statement_hash)) {
    return Status::Corruption("confirmation fact \"" + fact.key + "\" has a malformed payload");
  }
  return out;
}

Result<Payment> PaymentFromFact(const Fact& fact) {
  auto draft = PaymentFromJson(fact.payload);
  if (!draft.ok()) return draft.status().WithContext("payment fact \"" + fact.key + "\"");
  Payment payment;
  static_cast<PaymentDraft&>(payment) = *draft;
  payment.actor = fact.actor;
  payment.recorded_at = fact.recorded_at;
  return payment;
}

}  // namespace settlement_internal
using namespace settlement_internal;

Status CheckPaymentFields(const std::string& bank, const std::string& serial, const Money& amount) {
  if (bank.empty() || bank.size() > kBankBytesMax) {
    return Status::InvalidArgument("bank: must be 1-" + std::to_string(kBankBytesMax) +
                                   " bytes, got " + std::to_string(bank.size()));
  }
  for (const char c : bank) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ':') {
      return Status::InvalidArgument("bank: must not contain ':' or control characters");
    }
  }
  if (serial.empty() || serial.size() > kSerialBytesMax) {
    return Status::InvalidArgument("serial: must be 1-" + std::to_string(kSerialBytesMax) +
                                   " characters, got " + std::to_string(serial.size()));
  }
  for (const char c : serial) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return Status::InvalidArgument("serial: only A-Z, a-z, 0-9, '_' and '-' are allowed");
  }
  if (!amount.is_positive()) {
    return Status::InvalidArgument("amount: must be greater than 0.00, got " + amount.ToString());
  }
  return Status::Ok();
}

Status CheckValueDate(const Date& value_date, const Date& today, const Date& issued,
                      const std::string& what) {
  if (value_date > today) {
    return Status::InvalidArgument("value_date " + value_date.ToString() +
                                   " is in the future (today is " + today.ToString() + " CST)");
  }
  if (value_date < issued) {
    return Status::InvalidArgument("value_date " + value_date.ToString() + " is before " + what +
                                   " was issued on " + issued.ToString());
  }
  return Status::Ok();
}

Result<std::optional<Fact>> FindRecordedPayment(const Ledger& ledger, const std::string& bank,
                                                const std::string& serial,
                                                const std::string& payment_key,
                                                const std::string& payload) {
  const std::string serial_key = PaymentSerialKey(bank, serial);
  XCLEAR_ASSIGN_OR_RETURN(const auto serial_fact, ledger.FindFact(serial_key));
  if (!serial_fact) return std::optional<Fact>();
  XCLEAR_ASSIGN_OR_RETURN(auto recorded, ledger.FindFact(serial_fact->payload));
  if (!recorded) {
    return Status::Corruption("serial fact \"" + serial_key + "\" points to no payment");
  }
  if (serial_fact->payload != payment_key || recorded->payload != payload) {
    return Status::Conflict("bank serial number " + serial + " of " + bank +
                            " is already recorded (" + recorded->key + ", on " +
                            recorded->recorded_at.ToString() + " by " + recorded->actor +
                            "); a serial number settles one payment only");
  }
  return recorded;
}

Result<std::optional<Date>> DueAfterWorkingDays(const WorkingCalendar& calendar, const Date& from,
                                                int days, std::string& note) {
  auto due = calendar.AddWorkingDays(from, days);
  if (!due.ok()) {
    note = due.status().message();
    return std::optional<Date>();
  }
  return std::optional<Date>(*due);
}

std::string PaymentSerialKey(const std::string& bank, const std::string& serial) {
  return "serial:" + bank + ":" + serial;
}

std::string PaymentIdempotencyKey(const std::string& bank, const std::string& serial) {
  return "payment:" + bank + ":" + serial;
}

void FinishDeadlines(std::vector<DeadlineItem>& items, const Date& today) {
  for (DeadlineItem& item : items) {
    if (item.due) item.days_overdue = DaysBetween(*item.due, today);
  }
  std::stable_sort(items.begin(), items.end(), [](const DeadlineItem& a, const DeadlineItem& b) {
    const auto key = [](const DeadlineItem& i) {
      return std::make_tuple(!i.due.has_value(), i.due.value_or(Date()), i.month, i.round,
                             static_cast<int>(i.kind), i.party, i.counterpart,
                             std::string_view(i.reference));
    };
    return key(a) < key(b);
  });
}

std::string_view DeadlineKindName(DeadlineKind kind) {
  switch (kind) {
    case DeadlineKind::kConfirmation:
      return "confirmation";
    case DeadlineKind::kPayment:
      return "payment";
    case DeadlineKind::kMonth:
      return "month";
    case DeadlineKind::kPrepayment:
      return "prepayment";
    case DeadlineKind::kRefund:
      return "refund";
    case DeadlineKind::kTopUp:
      return "topup";
  }
  return "unknown";
}

bool RoundStatus::settled() const {
  for (const PaymentObligation& obligation : obligations) {
    if (obligation.remaining().is_positive()) return false;
  }
  return true;
}

std::string PaymentToJson(const PaymentDraft& payment) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("month", payment.month.ToString());
  object->set("round", static_cast<Poco::UInt64>(payment.round));
  object->set("payer", std::to_string(payment.payer));
  object->set("payee", std::to_string(payment.payee));
  object->set("bank", payment.bank);
  object->set("serial", payment.serial);
  object->set("value_date", payment.value_date.ToString());
  object->set("amount", payment.amount.ToString());
  if (payment.owed_back) object->set("owed_back", true);  // absent: the usual direction
  return JsonToString(object);
}

Result<PaymentDraft> PaymentFromJson(std::string_view json) {
  try {
    Poco::JSON::Parser parser;
    const auto object = parser.parse(std::string(json)).extract<Poco::JSON::Object::Ptr>();
    PaymentDraft payment;
    XCLEAR_ASSIGN_OR_RETURN(payment.month,
                            YearMonth::Parse(object->getValue<std::string>("month")));
    payment.round = object->getValue<uint32_t>("round");
    payment.payer = static_cast<uint32_t>(std::stoul(object->getValue<std::string>("payer")));
    payment.payee = static_cast<uint32_t>(std::stoul(object->getValue<std::string>("payee")));
    payment.bank = object->getValue<std::string>("bank");
    payment.serial = object->getValue<std::string>("serial");
    XCLEAR_ASSIGN_OR_RETURN(payment.value_date,
                            Date::Parse(object->getValue<std::string>("value_date")));
    XCLEAR_ASSIGN_OR_RETURN(payment.amount, Money::Parse(object->getValue<std::string>("amount")));
    payment.owed_back = object->has("owed_back") && object->getValue<bool>("owed_back");
    return payment;
  } catch (const std::exception& error) {
    return Status::Corruption(std::string("a stored payment is malformed: ") + error.what());
  }
}

Settlement::Settlement(Ledger& ledger, const Config& config, const WorkingCalendar& calendar,
                       const Clock& clock)
    : ledger_(ledger), config_(config), calendar_(calendar), clock_(clock) {}

Result<RoundStatus> Settlement::LoadRound(const Statement& statement) const {
  RoundStatus round;
  round.statement = statement;
  round.parties = Parties(statement);
  round.obligations = ExpectedPayments(statement);
  XCLEAR_ASSIGN_OR_RETURN(
      round.confirmation_due,
      DueAfterWorkingDays(calendar_, statement.issued_at.CstDate(),
                          config_.rules.confirmation_working_days, round.confirmation_due_note));
  std::map<uint32_t, Date> confirmed_on;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact(
      ConfirmationPrefix(statement.month, statement.round), [&](const Fact& fact) {
        XCLEAR_ASSIGN_OR_RETURN(Confirmation confirmation, ConfirmationFromFact(fact));
        confirmed_on[confirmation.province] = confirmation.confirmed_at.CstDate();
        round.confirmations.push_back(std::move(confirmation));
        return Status::Ok();
      }));
  std::map<PaymentDirection, PaymentObligation*> by_pair;
  for (PaymentObligation& obligation : round.obligations) {
    by_pair[{obligation.payer, obligation.payee, obligation.owed_back}] = &obligation;
    // Who confirms for this payment: the paying province, or for a disbursement the receiver.
    const uint32_t confirming =
        obligation.payer == kNationalClearingCode ? obligation.payee : obligation.payer;
    const auto confirmed = confirmed_on.find(confirming);
    if (confirmed != confirmed_on.end()) {
      XCLEAR_ASSIGN_OR_RETURN(
          obligation.due,
          DueAfterWorkingDays(calendar_, confirmed->second, config_.rules.payment_working_days,
                              obligation.due_note));
    } else if (round.confirmation_due) {
      XCLEAR_ASSIGN_OR_RETURN(
          obligation.due,
          DueAfterWorkingDays(calendar_, *round.confirmation_due,
                              config_.rules.payment_working_days, obligation.due_note));
      if (obligation.due) {
        obligation.due_note =
            "counted from the confirmation due date: " + std::to_string(confirming) +
            " has not confirmed";
      }
    } else {
      obligation.due_note = round.confirmation_due_note;
    }
  }
  XCLEAR_RETURN_IF_ERROR(
      ledger_.ForEachFact(PaymentPrefix(statement.month, statement.round), [&](const Fact& fact) {
        XCLEAR_ASSIGN_OR_RETURN(const Payment payment, PaymentFromFact(fact));
        const auto found = by_pair.find({payment.payer, payment.payee, payment.owed_back});
        if (found == by_pair.end()) {
          return Status::Corruption("payment \"" + fact.key + "\" settles nothing the statement " +
                                    RoundName(statement.month, statement.round) + " expects");
        }
        PaymentObligation& obligation = *found->second;
        obligation.paid += payment.amount;
        ++obligation.payments;
        if (!obligation.remaining().is_positive()) {
          if (!obligation.completed_on || *obligation.completed_on < payment.value_date) {
            obligation.completed_on = payment.value_date;
          }
        }
        return Status::Ok();
      }));
  // What the banks returned is paid no longer: the obligation is open again by that much.
  XCLEAR_ASSIGN_OR_RETURN(const auto returned,
                          ReturnedByPair(ledger_, ReturnPrefix(statement.month, statement.round)));
  for (const auto& [pair, amount] : returned) {
    const auto found = by_pair.find(pair);
    if (found == by_pair.end()) {
      return Status::Corruption("a payment return of " +
                                RoundName(statement.month, statement.round) +
                                " names a pair the statement does not expect");
    }
    found->second->paid -= amount;
    if (found->second->remaining().is_positive()) found->second->completed_on.reset();
  }
  return round;
}

Result<std::vector<RoundStatus>> Settlement::LoadRounds(const YearMonth& month) const {
  Clearing clearing(ledger_, config_, clock_);
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Statement> statements, clearing.Statements(month));
  std::vector<RoundStatus> rounds;
  for (const Statement& statement : statements) {
    XCLEAR_ASSIGN_OR_RETURN(RoundStatus round, LoadRound(statement));
    rounds.push_back(std::move(round));
  }
  return rounds;
}

Result<Confirmation> Settlement::Confirm(const YearMonth& month, uint32_t round, uint32_t province,
                                         const std::string& actor) {
  if (!config_.participants.Contains(province)) {
    return Status::InvalidArgument("province " + std::to_string(province) +
                                   " is not a configured participant");
  }
  Clearing clearing(ledger_, config_, clock_);
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Statement> statements, clearing.Statements(month));
  const auto statement = std::find_if(statements.begin(), statements.end(),
                                      [round](const Statement& s) { return s.round == round; });
  if (statement == statements.end()) {
    return Status::NotFound("no clearing statement " + RoundName(month, round) +
                            " has been issued (" + std::to_string(statements.size()) +
                            " round(s) of " + month.ToString() + " exist)");
  }
  const std::vector<uint32_t> parties = Parties(*statement);
  if (!std::binary_search(parties.begin(), parties.end(), province)) {
    return Status::Refused("province " + std::to_string(province) + " has no part in statement " +
                           RoundName(month, round) + ": it has no pair in it");
  }
  const std::string key = ConfirmationPrefix(month, round) + std::to_string(province);
  XCLEAR_ASSIGN_OR_RETURN(auto known, ledger_.FindFact(key));
  if (!known) {
    CommitRequest request;
    request.facts.push_back(
        {FactKind::kConfirmation, key, actor, DigestToHex(statement->statement_hash)});
    auto committed = ledger_.Commit(request);
    if (committed.ok()) {
      XCLEAR_ASSIGN_OR_RETURN(Confirmation confirmation,
                              ConfirmationFromFact(committed->facts.front()));
      confirmation.replayed = committed->facts.front().replayed;
      return confirmation;
    }
    if (committed.status().code() != ErrorCode::kConflict) return committed.status();
    XCLEAR_ASSIGN_OR_RETURN(known, ledger_.FindFact(key));  // another actor confirmed first
    if (!known) return committed.status();
  }
  XCLEAR_ASSIGN_OR_RETURN(Confirmation confirmation, ConfirmationFromFact(*known));
  confirmation.replayed = true;
  return confirmation;
}

Result<Payment> Settlement::RecordPayment(const PaymentDraft& given, const std::string& actor) {
  PaymentDraft draft = given;
  const std::string name = RoundName(draft.month, draft.round);
  XCLEAR_RETURN_IF_ERROR(CheckPaymentFields(draft.bank, draft.serial, draft.amount));
  for (const uint32_t party : {draft.payer, draft.payee}) {
    if (!IsLedgerParty(party, config_.participants)) {
      return Status::InvalidArgument(std::to_string(party) +
                                     " is neither a configured province nor the national "
                                     "clearing account (100000)");
    }
  }
  if (draft.payer == draft.payee) {
    return Status::InvalidArgument("payer and payee are both " + std::to_string(draft.payer));
  }
  Clearing clearing(ledger_, config_, clock_);
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Statement> statements,
                          clearing.Statements(draft.month));
  const auto statement =
      std::find_if(statements.begin(), statements.end(),
                   [&draft](const Statement& s) { return s.round == draft.round; });
  if (statement == statements.end()) {
    return Status::NotFound("no clearing statement " + name + " has been issued");
  }
  // Only this pair's obligation and the payer's confirmation are needed: no round status (which
  // would read every payment of the round, making each payment cost O(payments)).
  const std::vector<PaymentObligation> obligations = ExpectedPayments(*statement);
  const auto find_obligation = [&](bool owed_back) {
    return std::find_if(obligations.begin(), obligations.end(), [&](const auto& o) {
      return o.payer == draft.payer && o.payee == draft.payee && o.owed_back == owed_back;
    });
  };
  // The direction is the statement's when it expects one payment from payer to payee; when it
  // expects both (pair (payer, payee) and the negative pair (payee, payer)), the usual one
  // unless the payment says it is owed back.
  if (!draft.owed_back && find_obligation(false) == obligations.end() &&
      find_obligation(true) != obligations.end()) {
    draft.owed_back = true;
  }
  const std::string payment_key = PaymentKey(draft);
  const std::string payload = PaymentToJson(draft);
  const std::string serial_key = PaymentSerialKey(draft.bank, draft.serial);
  // A serial number already recorded: the identical payment is a replay, anything else a refusal.
  XCLEAR_ASSIGN_OR_RETURN(
      const auto recorded,
      FindRecordedPayment(ledger_, draft.bank, draft.serial, payment_key, payload));
  if (recorded) {
    XCLEAR_ASSIGN_OR_RETURN(Payment payment, PaymentFromFact(*recorded));
    XCLEAR_ASSIGN_OR_RETURN(const auto sequence,
                            ledger_.FindByIdempotencyKey(PaymentIdempotencyKey(draft)));
    payment.entry_sequence = sequence.value_or(0);
    payment.replayed = true;
    return payment;
  }

  XCLEAR_RETURN_IF_ERROR(CheckValueDate(draft.value_date, clock_.Now().CstDate(),
                                        statement->issued_at.CstDate(), "statement " + name));
  const auto obligation = find_obligation(draft.owed_back);
  if (obligation == obligations.end()) {
    std::string owed;
    for (const PaymentObligation& o : obligations) {
      if (o.payer != draft.payer) continue;
      owed += (owed.empty() ? "" : ", ") + PartyName(o.payee) + (o.owed_back ? " back" : "") +
              " (" + o.remaining().ToString() + " remaining)";
    }
    return Status::Refused(
        "wrong counterpart: statement " + name + " (" +
        std::string(SettlementModeName(statement->mode)) + " settlement) expects no payment " +
        (draft.owed_back ? "back " : "") + "from " + PartyName(draft.payer) + " to " +
        PartyName(draft.payee) + "; " + PartyName(draft.payer) +
        (owed.empty() ? " owes nothing in it" : " owes " + owed) +
        (statement->mode == SettlementMode::kNet
             ? " (in net settlement every payment goes through the national clearing account)"
             : ""));
  }
  const uint32_t confirming = draft.payer == kNationalClearingCode ? draft.payee : draft.payer;
  XCLEAR_ASSIGN_OR_RETURN(
      const auto confirmation,
      ledger_.FindFact(ConfirmationPrefix(draft.month, draft.round) + std::to_string(confirming)));
  if (!confirmation) {
    return Status::Refused(std::to_string(confirming) + " has not confirmed statement " + name +
                           "; a payment follows the confirmation");
  }
  const Money owed = obligation->owed;
  const PaymentDraft checked = draft;
  CommitRequest request;
  EntryDraft entry;
  entry.kind = EntryKind::kClaimPayment;
  entry.effective_date = draft.value_date;
  entry.actor = actor;
  entry.idempotency_key = PaymentIdempotencyKey(draft);
  entry.source_reference = draft.bank + " " + draft.serial;
  entry.memo = "statement " + name + ": " + PartyName(draft.payer) +
               (draft.owed_back ? " pays back " : " pays ") + PartyName(draft.payee);
  entry.postings = PaymentPostings(draft);
  request.entries.push_back(std::move(entry));
  request.facts.push_back({FactKind::kPayment, payment_key, actor, payload});
  request.facts.push_back({FactKind::kPaymentSerial, serial_key, actor, payment_key});
  // Under the commit lock: what is still owed, counting every payment committed before this one.
  request.complete = [this, checked, owed, name](const std::vector<AppendResult>&,
                                                 std::vector<TableWrite>&) -> Status {
    Money paid, received, disbursed;
    // The pair's own payments share a key prefix; a disbursement of the national clearing account
    // (net mode: at most 64 payments in a round) needs what every payer paid in, so it reads all.
    std::string prefix = PaymentPrefix(checked.month, checked.round);
    if (checked.payer != kNationalClearingCode) {
      prefix += std::to_string(checked.payer) + ":" + std::to_string(checked.payee) + ":";
    }
    XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact(prefix, [&](const Fact& fact) {
      XCLEAR_ASSIGN_OR_RETURN(const PaymentDraft payment, PaymentFromJson(fact.payload));
      if (payment.payer == checked.payer && payment.payee == checked.payee &&
          payment.owed_back == checked.owed_back) {
        paid += payment.amount;
      }
      if (payment.payee == kNationalClearingCode) received += payment.amount;
      if (payment.payer == kNationalClearingCode) disbursed += payment.amount;
      return Status::Ok();
    }));
    // Returned payments count as unpaid (the same prefix shape, so the same reach).
    const std::string return_prefix =
        ReturnPrefix(checked.month, checked.round) +
        prefix.substr(PaymentPrefix(checked.month, checked.round).size());
    XCLEAR_ASSIGN_OR_RETURN(const auto returns, ReturnedByPair(ledger_, return_prefix));
    for (const auto& [pair, amount] : returns) {
      const auto& [payer, payee, owed_back] = pair;
      if (payer == checked.payer && payee == checked.payee && owed_back == checked.owed_back)
        paid -= amount;
      if (payee == kNationalClearingCode) received -= amount;
      if (payer == kNationalClearingCode) disbursed -= amount;
    }
    if (paid + checked.amount > owed) {
      return Status::Refused("overpayment: " + PartyName(checked.payer) + " owes " +
                             PartyName(checked.payee) + " " + (owed - paid).ToString() +
                             " in statement " + name + " (owed " + owed.ToString() + ", paid " +
                             paid.ToString() + "); a payment of " + checked.amount.ToString() +
                             " is refused");
    }
    if (checked.payer == kNationalClearingCode && disbursed + checked.amount > received) {
      return Status::Refused("the national clearing account has received " + received.ToString() +
                             " for statement " + name + " and disbursed " + disbursed.ToString() +
                             "; it cannot pay out " + checked.amount.ToString() +
                             " before the payers pay in");
    }
    return Status::Ok();
  };
  XCLEAR_ASSIGN_OR_RETURN(const CommitResult committed, ledger_.Commit(request));
  Payment payment;
  static_cast<PaymentDraft&>(payment) = draft;
  payment.actor = committed.facts.front().actor;
  payment.recorded_at = committed.facts.front().recorded_at;
  payment.entry_sequence = committed.entries.front().sequence;
  payment.replayed = committed.facts.front().replayed;
  return payment;
}

Status Settlement::CollectRecordedEntries(std::set<uint64_t>& out) const {
  Clearing clearing(ledger_, config_, clock_);
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<YearMonth> months, clearing.StatementMonths());
  for (const YearMonth& month : months) {
    XCLEAR_ASSIGN_OR_RETURN(const std::vector<Statement> statements, clearing.Statements(month));
    for (const Statement& statement : statements) {
      if (statement.mode != SettlementMode::kNet) continue;
      XCLEAR_ASSIGN_OR_RETURN(
          const auto netting,
          ledger_.FindByIdempotencyKey("netting:" + RoundName(month, statement.round)));
      if (netting) out.insert(*netting);
    }
  }
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("payment:", [&](const Fact& fact) -> Status {
    XCLEAR_ASSIGN_OR_RETURN(const Payment payment, PaymentFromFact(fact));
    XCLEAR_ASSIGN_OR_RETURN(const auto sequence,
                            ledger_.FindByIdempotencyKey(PaymentIdempotencyKey(payment)));
    if (sequence) out.insert(*sequence);
    return Status::Ok();
  }));
  return ledger_.ForEachFact("payment-return:", [&](const Fact& fact) -> Status {
    XCLEAR_ASSIGN_OR_RETURN(const PaymentReturn payment_return, ReturnFromFact(fact));
    XCLEAR_ASSIGN_OR_RETURN(const auto sequence,
                            ledger_.FindByIdempotencyKey(xclear::PaymentIdempotencyKey(
                                payment_return.bank, payment_return.return_serial)));
    if (sequence) out.insert(*sequence);
    return Status::Ok();
  });
}

Result<std::vector<Payment>> Settlement::Payments(const YearMonth& month) const {
  std::vector<Payment> out;
  XCLEAR_RETURN_IF_ERROR(
      ledger_.ForEachFact("payment:" + month.ToString() + ":", [&](const Fact& fact) {
        XCLEAR_ASSIGN_OR_RETURN(Payment payment, PaymentFromFact(fact));
        XCLEAR_ASSIGN_OR_RETURN(const auto sequence,
                                ledger_.FindByIdempotencyKey(PaymentIdempotencyKey(payment)));
        payment.entry_sequence = sequence.value_or(0);
        out.push_back(std::move(payment));
        return Status::Ok();
      }));
  std::stable_sort(out.begin(), out.end(), [](const Payment& a, const Payment& b) {
    return a.round < b.round;  // the keys sort round "10" before "2"
  });
  return out;
}

Result<MonthStatus> Settlement::StatusOf(const YearMonth& month) const {
  MonthStatus status;
  status.month = month;
  status.due = month.AddMonths(config_.rules.settle_within_months).LastDay();
  status.year_due = YearEndCutoff(month, config_.rules).CstDate();
  XCLEAR_ASSIGN_OR_RETURN(status.rounds, LoadRounds(month));
  Declarations declarations(ledger_, config_, clock_);
  XCLEAR_ASSIGN_OR_RETURN(const auto on_time, declarations.MonthTotals(month, false));
  XCLEAR_ASSIGN_OR_RETURN(const auto late, declarations.MonthTotals(month, true));
  status.has_claims = on_time.first + late.first > 0;
  if (status.rounds.empty()) return status;
  // Late claims that no round covers yet keep the month open.
  uint64_t cleared_late = 0;
  for (const RoundStatus& round : status.rounds) {
    if (round.statement.round > 0) cleared_late += round.statement.record_count();
  }
  status.settled = cleared_late == late.first;
  for (const RoundStatus& round : status.rounds) {
    if (!round.settled()) status.settled = false;
    for (const PaymentObligation& obligation : round.obligations) {
      if (obligation.completed_on &&
          (!status.settled_on || *status.settled_on < *obligation.completed_on)) {
        status.settled_on = obligation.completed_on;
      }
    }
  }
  if (!status.settled) status.settled_on.reset();
  return status;
}

Result<std::vector<DeadlineItem>> Settlement::Deadlines(std::optional<uint32_t> province) const {
  const Date today = clock_.Now().CstDate();
  Declarations declarations(ledger_, config_, clock_);
  XCLEAR_ASSIGN_OR_RETURN(std::vector<YearMonth> months, declarations.MonthsWithClaims());
  Clearing clearing(ledger_, config_, clock_);
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<YearMonth> cleared, clearing.StatementMonths());
  months.insert(months.end(), cleared.begin(), cleared.end());
  std::sort(months.begin(), months.end());
  months.erase(std::unique(months.begin(), months.end()), months.end());

  std::vector<DeadlineItem> items;
  const auto concerns = [&province](uint32_t a, uint32_t b) {
    return !province || *province == a || *province == b;
  };
  for (const YearMonth& month : months) {
    XCLEAR_ASSIGN_OR_RETURN(const MonthStatus status, StatusOf(month));
    if (status.settled) continue;
    const size_t first_item = items.size();
    Money open_amount;
    bool regular_open = status.rounds.empty();
    std::optional<uint32_t> first_open_round;
    for (const RoundStatus& round : status.rounds) {
      const Statement& statement = round.statement;
      std::set<uint32_t> confirmed;
      for (const Confirmation& c : round.confirmations) confirmed.insert(c.province);
      for (const uint32_t party : round.parties) {
        if (confirmed.count(party) > 0 || !concerns(party, party)) continue;
        DeadlineItem item;
        item.kind = DeadlineKind::kConfirmation;
        item.month = month;
        item.round = statement.round;
        item.party = party;
        const StatementProvince* line = FindProvince(statement, party);
        if (line != nullptr) {
          item.amount = statement.mode == SettlementMode::kGross
                            ? line->payable
                            : (line->net.is_negative() ? -line->net : Money());
          item.detail = "confirm statement " + RoundName(month, statement.round) + ": payable " +
                        line->payable.ToString() + ", receivable " + line->receivable.ToString() +
                        ", net " + line->net.ToString();
        }
        item.due = round.confirmation_due;
        item.due_note = round.confirmation_due_note;
        items.push_back(std::move(item));
      }
      for (const PaymentObligation& obligation : round.obligations) {
        if (!obligation.remaining().is_positive()) continue;
        open_amount += obligation.remaining();
        if (statement.round == 0) regular_open = true;
        if (!first_open_round) first_open_round = statement.round;
        if (!concerns(obligation.payer, obligation.payee)) continue;
        DeadlineItem item;
        item.kind = DeadlineKind::kPayment;
        item.month = month;
        item.round = statement.round;
        item.party = obligation.payer;
        item.counterpart = obligation.payee;
        item.amount = obligation.remaining();
        item.due = obligation.due;
        item.due_note = obligation.due_note;
        item.detail = std::string(SettlementModeName(obligation.mode)) + " payment: owed " +
                      obligation.owed.ToString() + ", paid " + obligation.paid.ToString() + " in " +
                      std::to_string(obligation.payments) + " payment(s)";
        items.push_back(std::move(item));
      }
    }
    if (province && items.size() == first_item && !status.rounds.empty()) continue;
    DeadlineItem item;
    item.kind = DeadlineKind::kMonth;
    item.month = month;
    item.round = first_open_round.value_or(0);
    item.amount = open_amount;
    if (status.rounds.empty()) {
      item.detail = "not cleared yet";
      const Instant deadline = DeclarationDeadline(month, config_.rules);
      if (clock_.Now() <= deadline) {
        item.detail +=
            " (clearing may run after the declaration deadline " + deadline.ToString() + ")";
      }
    } else if (!first_open_round) {
      item.detail = "late claims await a supplementary round (run clear again)";
      item.round = status.rounds.back().statement.round + 1;
    } else {
      item.detail = "open payments in round " + std::to_string(item.round);
    }
    // Round 0 answers to the two-month rule; supplementary rounds to the year-end rule.
    item.due = regular_open ? status.due : status.year_due;
    item.due_note = regular_open
                        ? "last day of M+" + std::to_string(config_.rules.settle_within_months)
                        : "year-end deadline for the supplementary rounds";
    items.push_back(std::move(item));
  }
  FinishDeadlines(items, today);
  return items;
}

Result<std::string> Settlement::Verify(uint64_t* checked) const {
  Clearing clearing(ledger_, config_, clock_);
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<YearMonth> months, clearing.StatementMonths());
  uint64_t records = 0;
  uint64_t confirmations_seen = 0;
  std::set<std::string> payment_keys;
  for (const YearMonth& month : months) {
    XCLEAR_ASSIGN_OR_RETURN(const std::vector<Statement> statements, clearing.Statements(month));
    for (const Statement& statement : statements) {
      const std::string name = RoundName(month, statement.round);
      if (statement.mode == SettlementMode::kNet && MovesMoney(statement)) {
        XCLEAR_ASSIGN_OR_RETURN(const auto netting,
                                ledger_.FindByIdempotencyKey("netting:" + name));
        if (!netting) return "net statement " + name + " has no netting entry";
      }
      auto round = LoadRound(statement);
      if (!round.ok()) return round.status().message();
      const std::vector<uint32_t>& parties = round->parties;
      for (const Confirmation& confirmation : round->confirmations) {
        ++records;
        ++confirmations_seen;
        if (!std::binary_search(parties.begin(), parties.end(), confirmation.province)) {
          return "confirmation of " + name + " by " + std::to_string(confirmation.province) +
                 ", which has no part in it";
        }
        if (confirmation.statement_hash != statement.statement_hash) {
          return "confirmation of " + name + " by " + std::to_string(confirmation.province) +
                 " names another statement";
        }
      }
      for (const PaymentObligation& obligation : round->obligations) {
        if (obligation.paid > obligation.owed) {
          return "statement " + name + ": " + std::to_string(obligation.payer) + " paid " +
                 std::to_string(obligation.payee) + " " + obligation.paid.ToString() +
                 ", more than the " + obligation.owed.ToString() + " owed";
        }
      }
      Status visited = ledger_.ForEachFact(
          PaymentPrefix(month, statement.round), [&](const Fact& fact) -> Status {
            ++records;
            XCLEAR_ASSIGN_OR_RETURN(const PaymentDraft payment, PaymentFromJson(fact.payload));
            if (PaymentKey(payment) != fact.key) {
              return Status::Corruption("payment fact \"" + fact.key + "\" disagrees with its key");
            }
            payment_keys.insert(fact.key);
            XCLEAR_ASSIGN_OR_RETURN(const auto serial, ledger_.FindFact(PaymentSerialKey(
                                                           payment.bank, payment.serial)));
            if (!serial || serial->payload != fact.key) {
              return Status::Corruption("payment \"" + fact.key + "\" lacks its serial record");
            }
            XCLEAR_ASSIGN_OR_RETURN(const auto sequence,
                                    ledger_.FindByIdempotencyKey(PaymentIdempotencyKey(payment)));
            if (!sequence) {
              return Status::Corruption("payment \"" + fact.key + "\" has no journal entry");
            }
            XCLEAR_ASSIGN_OR_RETURN(const JournalEntry entry, ledger_.Entry(*sequence));
            if (entry.kind != EntryKind::kClaimPayment ||
                entry.postings != PaymentPostings(payment)) {
              return Status::Corruption("payment \"" + fact.key + "\" disagrees with entry " +
                                        std::to_string(*sequence));
            }
            return Status::Ok();
          });
      if (!visited.ok()) return visited.message();
    }
  }
  XCLEAR_ASSIGN_OR_RETURN(const std::string returns_problem, VerifyReturns(payment_keys, records));
  if (!returns_problem.empty()) return returns_problem;
  uint64_t confirmations = 0;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("confirmation:", [&](const Fact&) {
    ++confirmations;
    return Status::Ok();
  }));
  std::string orphan;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("serial:", [&](const Fact& fact) {
    ++records;
    // Serials of prepayment notices' payments are checked by Prepayments::Verify.
    const bool statement_payment =
        fact.payload.rfind("payment:", 0) == 0 || fact.payload.rfind("payment-return:", 0) == 0;
    if (orphan.empty() && statement_payment && payment_keys.count(fact.payload) == 0) {
      orphan = "serial record \"" + fact.key + "\" points to no payment of an issued statement";
    }
    return Status::Ok();
  }));
  if (!orphan.empty()) return orphan;
  if (confirmations != confirmations_seen) {
    return std::to_string(confirmations - confirmations_seen) +
           " confirmation(s) name a statement that was never issued";
  }
  if (checked != nullptr) *checked = records;
  return std::string();
}

}  // namespace xclear
