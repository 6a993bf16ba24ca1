// The JSON form of the domain's results, shared by the CLI (`--json`) and the HTTP service, so
// that both speak the same words. Amounts are strings with two decimals (never JSON numbers),
// province codes strings, dates YYYY-MM-DD, instants ISO 8601 with +08:00.
// Each function returns a fresh object with keys in a fixed order; thread-safe.
#pragma once

#include <Poco/JSON/Object.h>

#include "xclear/declarations.h"
#include "xclear/prepayments.h"
#include "xclear/settlement.h"

namespace xclear {

// An empty object that keeps its keys in insertion order.
Poco::JSON::Object::Ptr NewJsonObject();

// ok, counts, sums, declaration id, ledger entry, digest, and every listed row error
// (row, field, reason, rule) and duplicate claim id.
Poco::JSON::Object::Ptr DeclarationReportToJson(const DeclarationReport& report);
Poco::JSON::Object::Ptr ClaimToJson(const ClaimRecord& claim);
Poco::JSON::Object::Ptr ExplanationToJson(const Explanation& explanation);
Poco::JSON::Object::Ptr ConfirmationToJson(const Confirmation& confirmation);
Poco::JSON::Object::Ptr PaymentRecordToJson(const Payment& payment);
// month, round, payer, payee, bank, serial, return_serial, value_date, amount, actor,
// recorded_at, entry_sequence, replayed.
Poco::JSON::Object::Ptr PaymentReturnToJson(const PaymentReturn& payment_return);
// A month's settlement: every round's confirmations and payment obligations.
Poco::JSON::Object::Ptr MonthStatusToJson(const MonthStatus& status);
Poco::JSON::Object::Ptr NoticeToJson(const Notice& notice);
Poco::JSON::Object::Ptr NoticePaymentToJson(const NoticePayment& payment);
Poco::JSON::Object::Ptr TopUpCheckToJson(const TopUpCheck& check);

}  // namespace xclear
