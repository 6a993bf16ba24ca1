#include "xclear/views_json.h"

#include <Poco/JSON/Array.h>

#include "xclear/journal_json.h"

namespace xclear {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Poco::UInt64 Count(uint64_t value) { return static_cast<Poco::UInt64>(value); }

std::string OptionalDate(const std::optional<Date>& date) {
  return date ? date->ToString() : std::string();
}

// The fields every recorded payment has, statement or notice, in one order.
template <typename RecordedPayment>
void SetPaymentRecord(Object& out, const RecordedPayment& payment) {
  out.set("payer", std::to_string(payment.payer));
  out.set("payee", std::to_string(payment.payee));
  out.set("bank", payment.bank);
  out.set("serial", payment.serial);
  out.set("value_date", payment.value_date.ToString());
  out.set("amount", payment.amount.ToString());
  out.set("actor", payment.actor);
  out.set("recorded_at", payment.recorded_at.ToString());
  out.set("entry_sequence", Count(payment.entry_sequence));
  out.set("replayed", payment.replayed);
}

}  // namespace

Object::Ptr NewJsonObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Object::Ptr DeclarationReportToJson(const DeclarationReport& report) {
  auto out = NewJsonObject();
  out->set("ok", report.accepted);
  out->set("treatment_province", std::to_string(report.treatment));
  out->set("source", report.source);
  out->set("rows", Count(report.rows));
  out->set("recorded", Count(report.recorded));
  out->set("duplicates", Count(report.duplicates));
  out->set("late", Count(report.late));
  out->set("fund_amount", report.fund_amount.ToString());
  out->set("total_amount", report.total_amount.ToString());
  out->set("declaration_id",
           report.declaration_id == 0 ? std::string() : DeclarationIdToHex(report.declaration_id));
  out->set("entry_sequence", Count(report.entry_sequence));
  out->set("digest", DigestToHex(report.digest));
  out->set("reversals", Count(report.reversals));
  out->set("reversed_fund", report.reversed_fund.ToString());
  out->set("reversed_total", report.reversed_total.ToString());
  out->set("reversal_entry_sequence", Count(report.reversal_entry_sequence));
  out->set("reversals_digest", DigestToHex(report.reversals_digest));
  out->set("error_count", Count(report.error_count));
  Array::Ptr errors = new Array();
  for (const RowError& error : report.errors) {
    auto item = NewJsonObject();
    item->set("row", Count(error.row));
    item->set("field", error.field);
    item->set("reason", error.reason);
    item->set("rule", error.rule);
    errors->add(item);
  }
  out->set("errors", errors);
  Array::Ptr duplicates = new Array();
  for (const std::string& claim_id : report.duplicate_ids) duplicates->add(claim_id);
  out->set("duplicate_claim_ids", duplicates);
  return out;
}

Object::Ptr ClaimToJson(const ClaimRecord& claim) {
  auto out = NewJsonObject();
  out->set("claim_id", claim.claim_id);
  out->set("treatment_province", std::to_string(claim.treatment));
  out->set("insured_province", std::to_string(claim.insured));
  out->set("settled_on", claim.settled_on.ToString());
  out->set("category", std::string(CategoryName(claim.category)));
  out->set("total_amount", claim.total_amount.ToString());
  out->set("fund_amount", claim.fund_amount.ToString());
  out->set("late", claim.late);
  out->set("declaration_id", DeclarationIdToHex(claim.declaration_id));
  out->set("row", Count(claim.row));
  // A reversal names the claim it cancels; a reversed claim names its reversal. Empty otherwise.
  out->set("reversal_of", claim.reversal_of);
  out->set("reversed_by", claim.reversed_by);
  return out;
}

Object::Ptr ExplanationToJson(const Explanation& explanation) {
  auto out = NewJsonObject();
  out->set("treatment_province", std::to_string(explanation.treatment));
  out->set("month", explanation.month.ToString());
  out->set("filed_at", explanation.filed_at.ToString());
  out->set("actor", explanation.actor);
  out->set("reason", explanation.reason);
  return out;
}

Object::Ptr ConfirmationToJson(const Confirmation& confirmation) {
  auto out = NewJsonObject();
  out->set("month", confirmation.month.ToString());
  out->set("round", Count(confirmation.round));
  out->set("province", std::to_string(confirmation.province));
  out->set("actor", confirmation.actor);
  out->set("confirmed_at", confirmation.confirmed_at.ToString());
  out->set("statement_hash", DigestToHex(confirmation.statement_hash));
  out->set("replayed", confirmation.replayed);
  return out;
}

Object::Ptr PaymentRecordToJson(const Payment& payment) {
  auto out = NewJsonObject();
  out->set("month", payment.month.ToString());
  out->set("round", Count(payment.round));
  SetPaymentRecord(*out, payment);
  out->set("owed_back", payment.owed_back);
  return out;
}

Object::Ptr PaymentReturnToJson(const PaymentReturn& payment_return) {
  auto out = NewJsonObject();
  out->set("month", payment_return.month.ToString());
  out->set("round", Count(payment_return.round));
  out->set("payer", std::to_string(payment_return.payer));
  out->set("payee", std::to_string(payment_return.payee));
  out->set("bank", payment_return.bank);
  out->set("serial", payment_return.serial);
  out->set("return_serial", payment_return.return_serial);
  out->set("value_date", payment_return.value_date.ToString());
  out->set("amount", payment_return.amount.ToString());
  out->set("actor", payment_return.actor);
  out->set("recorded_at", payment_return.recorded_at.ToString());
  out->set("entry_sequence", Count(payment_return.entry_sequence));
  out->set("replayed", payment_return.replayed);
  return out;
}

Object::Ptr MonthStatusToJson(const MonthStatus& status) {
  auto out = NewJsonObject();
  out->set("month", status.month.ToString());
  out->set("settled", status.settled);
  out->set("settled_on", OptionalDate(status.settled_on));
  out->set("due", status.due.ToString());
  out->set("year_due", status.year_due.ToString());
  Array::Ptr rounds = new Array();
  for (const RoundStatus& round : status.rounds) {
    auto item = NewJsonObject();
    item->set("round", Count(round.statement.round));
    item->set("settlement_mode", std::string(SettlementModeName(round.statement.mode)));
    item->set("issued_at", round.statement.issued_at.ToString());
    item->set("confirmation_due", OptionalDate(round.confirmation_due));
    Array::Ptr confirmations = new Array();
    for (const Confirmation& confirmation : round.confirmations) {
      auto line = NewJsonObject();
      line->set("province", std::to_string(confirmation.province));
      line->set("actor", confirmation.actor);
      line->set("confirmed_at", confirmation.confirmed_at.ToString());
      confirmations->add(line);
    }
    item->set("confirmations", confirmations);
    Array::Ptr obligations = new Array();
    for (const PaymentObligation& obligation : round.obligations) {
      auto line = NewJsonObject();
      line->set("payer", std::to_string(obligation.payer));
      line->set("payee", std::to_string(obligation.payee));
      line->set("owed_back", obligation.owed_back);  // a negative pair, paid back by T
      line->set("owed", obligation.owed.ToString());
      line->set("paid", obligation.paid.ToString());
      line->set("remaining", obligation.remaining().ToString());
      line->set("due", OptionalDate(obligation.due));
      line->set("due_note", obligation.due_note);
      line->set("completed_on", OptionalDate(obligation.completed_on));
      obligations->add(line);
    }
    item->set("payments", obligations);
    rounds->add(item);
  }
  out->set("rounds", rounds);
  return out;
}

Object::Ptr NoticeToJson(const Notice& notice) {
  auto out = NewJsonObject();
  out->set("id", notice.id);
  out->set("kind", std::string(NoticeKindName(notice.kind)));
  out->set("insured", std::to_string(notice.insured));
  out->set("treatment", std::to_string(notice.treatment));
  out->set("payer", std::to_string(notice.payer));
  out->set("payee", std::to_string(notice.payee));
  out->set("amount", notice.amount.ToString());
  out->set("paid", notice.paid.ToString());
  out->set("remaining", notice.remaining().ToString());
  out->set("issued_at", notice.issued_at.ToString());
  out->set("issued_by", notice.issued_by);
  out->set("due", OptionalDate(notice.due));
  out->set("due_note", notice.due_note);
  out->set("completed_on", OptionalDate(notice.completed_on));
  out->set("detail", notice.detail);
  return out;
}

Object::Ptr NoticePaymentToJson(const NoticePayment& payment) {
  auto out = NewJsonObject();
  out->set("notice", payment.notice);
  SetPaymentRecord(*out, payment);
  return out;
}

Object::Ptr TopUpCheckToJson(const TopUpCheck& check) {
  auto out = NewJsonObject();
  Array::Ptr issued = new Array();
  for (const Notice& notice : check.issued) issued->add(NoticeToJson(notice));
  Array::Ptr skipped = new Array();
  for (const auto& [position, reason] : check.skipped) {
    auto item = NewJsonObject();
    item->set("insured", std::to_string(position.insured));
    item->set("treatment", std::to_string(position.treatment));
    item->set("reason", reason);
    skipped->add(item);
  }
  out->set("issued", issued);
  out->set("skipped", skipped);
  return out;
}

}  // namespace xclear
