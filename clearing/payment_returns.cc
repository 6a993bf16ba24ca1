// Payments the bank returned (settlement.h, PaymentReturnDraft).
//
// return fact := "payment-return:<YYYY-MM>:<round>:<payer>:<payee>:<bank>:<serial>:<return serial>"
//                → {"month","round","payer","payee","bank","serial","return_serial","value_date",
//                   "amount"[,"owed_back":true]} (canonical JSON)
// serial fact  := "serial:<bank>:<return serial>" → the return fact's key (one serial space with
//                 payments: a serial settles one payment or one return)
// entry        := kind payment_returned, idempotency key "payment:<bank>:<return serial>",
//                 the returned payment's postings with debit and credit swapped
// The key starts with the returned payment's pair, so that the pair's returns are one prefix
// scan, as its payments are.
#include <Poco/JSON/Object.h>

#include "settlement_internal.h"
#include "xclear/json.h"

namespace xclear {
namespace settlement_internal {
namespace {

std::string ReturnKey(const PaymentReturn& payment_return) {
  return ReturnPrefix(payment_return.month, payment_return.round) +
         std::to_string(payment_return.payer) + ":" + std::to_string(payment_return.payee) + ":" +
         payment_return.bank + ":" + payment_return.serial + ":" + payment_return.return_serial;
}

std::string ReturnToJson(const PaymentReturn& payment_return) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("month", payment_return.month.ToString());
  object->set("round", static_cast<Poco::UInt64>(payment_return.round));
  object->set("payer", std::to_string(payment_return.payer));
  object->set("payee", std::to_string(payment_return.payee));
  object->set("bank", payment_return.bank);
  object->set("serial", payment_return.serial);
  object->set("return_serial", payment_return.return_serial);
  object->set("value_date", payment_return.value_date.ToString());
  object->set("amount", payment_return.amount.ToString());
  if (payment_return.owed_back) object->set("owed_back", true);
  return JsonToString(object);
}

// What the returns of one payment add up to, read under the commit lock.
Result<Money> ReturnedOf(const Ledger& ledger, const PaymentReturn& payment_return) {
  Money returned;
  const std::string prefix = ReturnPrefix(payment_return.month, payment_return.round) +
                             std::to_string(payment_return.payer) + ":" +
                             std::to_string(payment_return.payee) + ":" + payment_return.bank +
                             ":" + payment_return.serial + ":";
  XCLEAR_RETURN_IF_ERROR(ledger.ForEachFact(prefix, [&](const Fact& fact) {
    XCLEAR_ASSIGN_OR_RETURN(const PaymentReturn earlier, ReturnFromFact(fact));
    returned += earlier.amount;
    return Status::Ok();
  }));
  return returned;
}

}  // namespace

std::string ReturnPrefix(const YearMonth& month, uint32_t round) {
  return "payment-return:" + RoundName(month, round) + ":";
}

Result<PaymentReturn> ReturnFromFact(const Fact& fact) {
  auto parsed = ParseJsonObject(fact.payload);
  if (!parsed.ok()) return Status::Corruption("return fact \"" + fact.key + "\" is malformed");
  const Poco::JSON::Object& object = **parsed;
  try {
    PaymentReturn out;
    XCLEAR_ASSIGN_OR_RETURN(out.month, YearMonth::Parse(object.getValue<std::string>("month")));
    out.round = object.getValue<uint32_t>("round");
    out.payer = static_cast<uint32_t>(std::stoul(object.getValue<std::string>("payer")));
    out.payee = static_cast<uint32_t>(std::stoul(object.getValue<std::string>("payee")));
    out.bank = object.getValue<std::string>("bank");
    out.serial = object.getValue<std::string>("serial");
    out.return_serial = object.getValue<std::string>("return_serial");
    XCLEAR_ASSIGN_OR_RETURN(out.value_date,
                            Date::Parse(object.getValue<std::string>("value_date")));
    XCLEAR_ASSIGN_OR_RETURN(out.amount, Money::Parse(object.getValue<std::string>("amount")));
    out.owed_back = object.has("owed_back") && object.getValue<bool>("owed_back");
    out.actor = fact.actor;
    out.recorded_at = fact.recorded_at;
    return out;
  } catch (const std::exception& error) {
    return Status::Corruption("return fact \"" + fact.key + "\" is malformed: " + error.what());
  }
}

Result<std::map<PaymentDirection, Money>> ReturnedByPair(const Ledger& ledger,
                                                         const std::string& prefix) {
  std::map<PaymentDirection, Money> out;
  XCLEAR_RETURN_IF_ERROR(ledger.ForEachFact(prefix, [&](const Fact& fact) {
    XCLEAR_ASSIGN_OR_RETURN(const PaymentReturn payment_return, ReturnFromFact(fact));
    out[{payment_return.payer, payment_return.payee, payment_return.owed_back}] +=
        payment_return.amount;
    return Status::Ok();
  }));
  return out;
}

std::vector<Posting> ReturnPostings(const PaymentReturn& payment_return) {
  PaymentDraft payment;
  payment.payer = payment_return.payer;
  payment.payee = payment_return.payee;
  payment.owed_back = payment_return.owed_back;
  payment.amount = payment_return.amount;
  std::vector<Posting> postings = PaymentPostings(payment);
  for (Posting& posting : postings)
    posting.side = posting.side == Side::kDebit ? Side::kCredit : Side::kDebit;
  return postings;
}

}  // namespace settlement_internal

using namespace settlement_internal;

Result<PaymentReturn> Settlement::RecordReturn(const PaymentReturnDraft& draft,
                                               const Actor& actor) {
  XCLEAR_RETURN_IF_ERROR(CheckPaymentFields(draft.bank, draft.return_serial, draft.amount)
                             .WithContext("return_serial/amount"));
  XCLEAR_RETURN_IF_ERROR(CheckPaymentFields(draft.bank, draft.serial, draft.amount));
  XCLEAR_ASSIGN_OR_RETURN(const auto serial_fact,
                          ledger_.FindFact(PaymentSerialKey(draft.bank, draft.serial)));
  std::optional<Fact> payment_fact;
  if (serial_fact) {
    XCLEAR_ASSIGN_OR_RETURN(payment_fact, ledger_.FindFact(serial_fact->payload));
  }
  const auto unknown = [&] {
    return Status::NotFound("no statement payment with serial " + draft.serial + " of " +
                            draft.bank + " is recorded");
  };
  if (!payment_fact || payment_fact->kind != FactKind::kPayment) return unknown();
  XCLEAR_ASSIGN_OR_RETURN(const Payment payment, PaymentFromFact(*payment_fact));
  // A province that is no party of the payment learns nothing of it: as if it did not exist.
  if (actor.role == Role::kProvince && !actor.IsProvince(payment.payer) &&
      !actor.IsProvince(payment.payee))
    return unknown();
  if (!Permits(actor.role, Operation::kRecordPayment) ||
      (actor.role == Role::kProvince && !actor.IsProvince(payment.payer))) {
    return Status::Refused("a returned payment is recorded by its payer " +
                           PartyName(payment.payer) + " or the operator, not " + actor.ToString());
  }
  PaymentReturn out;
  static_cast<PaymentReturnDraft&>(out) = draft;
  out.month = payment.month;
  out.round = payment.round;
  out.payer = payment.payer;
  out.payee = payment.payee;
  out.owed_back = payment.owed_back;
  const std::string key = ReturnKey(out);
  const std::string payload = ReturnToJson(out);
  XCLEAR_ASSIGN_OR_RETURN(
      const auto recorded,
      FindRecordedPayment(ledger_, draft.bank, draft.return_serial, key, payload));
  if (recorded) {
    XCLEAR_ASSIGN_OR_RETURN(out, ReturnFromFact(*recorded));
    XCLEAR_ASSIGN_OR_RETURN(const auto sequence, ledger_.FindByIdempotencyKey(PaymentIdempotencyKey(
                                                     draft.bank, draft.return_serial)));
    out.entry_sequence = sequence.value_or(0);
    out.replayed = true;
    return out;
  }
  if (draft.value_date < payment.value_date || draft.value_date > clock_.Now().CstDate()) {
    return Status::InvalidArgument("value_date " + draft.value_date.ToString() +
                                   " must lie between the payment's value date " +
                                   payment.value_date.ToString() + " and today");
  }
  CommitRequest request;
  EntryDraft entry;
  entry.kind = EntryKind::kPaymentReturned;
  entry.effective_date = draft.value_date;
  entry.actor = actor.ToString();
  entry.idempotency_key = PaymentIdempotencyKey(draft.bank, draft.return_serial);
  entry.source_reference = draft.bank + " " + draft.return_serial + " returns " + draft.serial;
  entry.memo = "statement " + RoundName(out.month, out.round) + ": " + draft.bank +
               " returned to " + PartyName(out.payer) + " " + draft.amount.ToString() +
               " of its payment " + draft.serial + " to " + PartyName(out.payee);
  entry.postings = ReturnPostings(out);
  request.entries.push_back(std::move(entry));
  request.facts.push_back({FactKind::kPaymentReturn, key, actor.ToString(), payload});
  request.facts.push_back({FactKind::kPaymentSerial,
                           PaymentSerialKey(draft.bank, draft.return_serial), actor.ToString(),
                           key});
  // Under the commit lock: never more returned than was paid.
  const Money paid = payment.amount;
  request.complete = [this, out, paid](const std::vector<AppendResult>&,
                                       std::vector<TableWrite>&) -> Status {
    XCLEAR_ASSIGN_OR_RETURN(const Money returned, ReturnedOf(ledger_, out));
    if (returned + out.amount > paid) {
      return Status::Refused("the payment " + out.serial + " of " + out.bank + " was " +
                             paid.ToString() + ", of which " + returned.ToString() +
                             " is returned already; a return of " + out.amount.ToString() +
                             " is refused");
    }
    return Status::Ok();
  };
  XCLEAR_ASSIGN_OR_RETURN(const CommitResult committed, ledger_.Commit(request));
  out.actor = committed.facts.front().actor;
  out.recorded_at = committed.facts.front().recorded_at;
  out.entry_sequence = committed.entries.front().sequence;
  out.replayed = committed.facts.front().replayed;
  return out;
}

Result<std::string> Settlement::VerifyReturns(std::set<std::string>& keys,
                                              uint64_t& records) const {
  std::string problem;
  std::map<std::string, Money> returned;  // by the returned payment's fact key
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact("payment-return:", [&](const Fact& fact) -> Status {
    ++records;
    keys.insert(fact.key);
    XCLEAR_ASSIGN_OR_RETURN(const PaymentReturn payment_return, ReturnFromFact(fact));
    const auto fail = [&](const std::string& why) {
      if (problem.empty()) problem = "payment return \"" + fact.key + "\" " + why;
      return Status::Ok();
    };
    if (fact.key != ReturnKey(payment_return)) return fail("disagrees with its key");
    XCLEAR_ASSIGN_OR_RETURN(
        const auto serial,
        ledger_.FindFact(PaymentSerialKey(payment_return.bank, payment_return.return_serial)));
    if (!serial || serial->payload != fact.key) return fail("lacks its serial record");
    XCLEAR_ASSIGN_OR_RETURN(
        const auto payment_serial,
        ledger_.FindFact(PaymentSerialKey(payment_return.bank, payment_return.serial)));
    if (!payment_serial) return fail("returns no recorded payment");
    XCLEAR_ASSIGN_OR_RETURN(const auto payment_fact, ledger_.FindFact(payment_serial->payload));
    if (!payment_fact || payment_fact->kind != FactKind::kPayment)
      return fail("returns no payment");
    XCLEAR_ASSIGN_OR_RETURN(const Payment payment, PaymentFromFact(*payment_fact));
    if (payment.payer != payment_return.payer || payment.payee != payment_return.payee ||
        payment.owed_back != payment_return.owed_back || payment.month != payment_return.month ||
        payment.round != payment_return.round)
      return fail("names another pair or statement than its payment");
    returned[payment_fact->key] += payment_return.amount;
    if (returned[payment_fact->key] > payment.amount)
      return fail("takes the returns of " + payment_fact->key + " beyond its amount");
    XCLEAR_ASSIGN_OR_RETURN(const auto sequence,
                            ledger_.FindByIdempotencyKey(PaymentIdempotencyKey(
                                payment_return.bank, payment_return.return_serial)));
    if (!sequence) return fail("has no journal entry");
    XCLEAR_ASSIGN_OR_RETURN(const JournalEntry entry, ledger_.Entry(*sequence));
    if (entry.kind != EntryKind::kPaymentReturned ||
        entry.postings != ReturnPostings(payment_return))
      return fail("disagrees with entry " + std::to_string(*sequence));
    return Status::Ok();
  }));
  return problem;
}

}  // namespace xclear
