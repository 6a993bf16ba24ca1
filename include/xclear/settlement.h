// After the clearing statement: confirmations, payments, and the deadlines of every open
// obligation (SPEC §7).
//
// Each province with a part in a statement (a pair as insured or as treatment province) confirms
// it, due within `rules.confirmation_working_days` working days of issue. Then the payers pay:
//   gross mode: each insured province pays each treatment province its pair amount; a negative
//               pair (more reversed than claimed) is paid back by its treatment province;
//   net mode:   each province with a negative net pays it into the national clearing account
//               (kNationalClearingCode), which pays each province with a positive net.
// A payment is due within `rules.payment_working_days` working days of the paying province's
// confirmation (for a disbursement of the national clearing account: of the receiving
// province's). Until that confirmation exists the due date counts from the confirmation's own
// due date, the latest it may come. Partial payments add up; a payment beyond what is still
// owed, to a counterpart that is owed nothing, or reusing a bank serial number is refused.
// A service month is settled when every payment of every round is complete: round 0 by the last
// day of M + `rules.settle_within_months`, supplementary rounds by the year-end cut-off (31 March
// of the following year).
//
// Confirmations and payments are facts in the ledger's hash-chained facts log; a payment also
// posts its claim_payment journal entry (SPEC §5), in the same atomic commit.
// Thread safety: methods may be called concurrently; the overpayment check runs under the
// ledger's commit lock, so two racing payments cannot both use the same remaining amount.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "xclear/actor.h"
#include "xclear/calendar.h"
#include "xclear/clearing.h"
#include "xclear/config.h"
#include "xclear/ledger.h"
#include "xclear/money.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

struct Confirmation {
  YearMonth month;
  uint32_t round = 0;
  uint32_t province = 0;
  std::string actor;
  Instant confirmed_at;
  Digest statement_hash{};  // the statement the province confirmed
  bool replayed = false;    // true: it had already confirmed; nothing was written
};

struct PaymentDraft {
  YearMonth month;  // the statement it settles: month and round
  uint32_t round = 0;
  uint32_t payer = 0;  // a province, or kNationalClearingCode for a disbursement (net mode)
  uint32_t payee = 0;  // a province, or kNationalClearingCode for a pay-in (net mode)
  std::string bank;    // the paying bank: 1–64 bytes, printable, no ':'
  std::string serial;  // the bank transaction serial number: 1–64 of [A-Za-z0-9_-]
  Date value_date;     // not before the statement's issue date, not in the future
  Money amount;        // > 0
  // Gross mode: the payment of a negative pair (more reversed than claimed), from its treatment
  // province (payer) back to its insured province (payee). Found by RecordPayment when the
  // statement expects only that payment from payer to payee; needed only when it expects both
  // (pair (payee, payer) negative and pair (payer, payee) positive).
  bool owed_back = false;
};

struct Payment : PaymentDraft {
  std::string actor;
  Instant recorded_at;
  uint64_t entry_sequence = 0;  // the claim_payment journal entry
  bool replayed = false;        // true: the identical payment was already recorded
};

// A payment the bank returned (退汇: a wrong account, a closed account, a recall), recorded by the
// payer or the operator. It names the payment by its bank and serial; the return has its own
// serial at that bank (in the same serial space as payments: no serial settles two things). It
// posts the payment's entry with debit and credit swapped (kind payment_returned): the payer's
// payable and the payee's receivable rise again, and the obligation is open again. This, not a
// generic reversal, is how a recorded payment is corrected (docs/clearing.md).
struct PaymentReturnDraft {
  std::string bank;           // of the returned payment
  std::string serial;         // of the returned payment
  std::string return_serial;  // the bank's serial of the return: 1–64 of [A-Za-z0-9_-]
  Date value_date;            // not before the payment's value date, not in the future
  Money amount;               // > 0, at most what is left of the payment after earlier returns
};

struct PaymentReturn : PaymentReturnDraft {
  YearMonth month;  // the statement the payment settled
  uint32_t round = 0;
  uint32_t payer = 0;
  uint32_t payee = 0;
  bool owed_back = false;  // the returned payment's direction (PaymentDraft::owed_back)
  std::string actor;
  Instant recorded_at;
  uint64_t entry_sequence = 0;  // the payment_returned journal entry
  bool replayed = false;
};

// One payment a statement expects, and how far it has got.
struct PaymentObligation {
  YearMonth month;
  uint32_t round = 0;
  SettlementMode mode = SettlementMode::kGross;
  uint32_t payer = 0;
  uint32_t payee = 0;
  bool owed_back = false;  // a negative pair's amount, owed by its treatment province (payer)
  Money owed;
  Money paid;  // payments less what the banks returned of them
  Money remaining() const { return owed - paid; }
  uint32_t payments = 0;
  std::optional<Date> due;  // empty when the calendar cannot tell (due_note says why)
  std::string due_note;
  std::optional<Date> completed_on;  // value date of the payment that completed it
};

// One round's workflow state.
struct RoundStatus {
  Statement statement;
  std::vector<uint32_t> parties;  // provinces that must confirm, by code
  std::vector<Confirmation> confirmations;
  std::optional<Date> confirmation_due;
  std::string confirmation_due_note;
  std::vector<PaymentObligation> obligations;  // by payer, then payee
  bool settled() const;
};

struct MonthStatus {
  YearMonth month;
  std::vector<RoundStatus> rounds;  // empty: not cleared yet
  bool has_claims = false;
  bool settled = false;  // cleared, and every payment of every round complete
  Date due;              // last day of M + settle_within_months (round 0)
  Date year_due;         // the year-end cut-off (supplementary rounds)
  std::optional<Date> settled_on;
};

// Clearing's obligations, then the prepayment notices' (include/xclear/prepayments.h).
enum class DeadlineKind { kConfirmation, kPayment, kMonth, kPrepayment, kRefund, kTopUp };
std::string_view DeadlineKindName(DeadlineKind kind);

// An open obligation as of the clock's now.
struct DeadlineItem {
  DeadlineKind kind = DeadlineKind::kMonth;
  YearMonth month;
  uint32_t round = 0;        // kMonth: the earliest open round
  uint32_t party = 0;        // who must act (0 for a month: the national operator's view)
  uint32_t counterpart = 0;  // payments and notices: the payee; otherwise 0
  std::string reference;     // notices: the notice id; otherwise empty
  Money amount;              // payments: remaining; confirmations: the party's payable; months:
                             // Σ remaining of the month's payments
  std::optional<Date> due;
  std::string due_note;      // why `due` is empty, or how it was derived
  int32_t days_overdue = 0;  // > 0 overdue by that many days, ≤ 0: −days left
  std::string detail;
};

class Settlement {
 public:
  // Everything passed in must outlive this object.
  Settlement(Ledger& ledger, const Config& config, const WorkingCalendar& calendar,
             const Clock& clock);

  // Records `province`'s confirmation of statement (month, round). Confirming again returns the
  // first confirmation (replayed). Refused when the statement does not exist or the province has
  // no part in it. A late confirmation is recorded; it stays visible as late in the deadlines.
  Result<Confirmation> Confirm(const YearMonth& month, uint32_t round, uint32_t province,
                               const std::string& actor);

  // Records a payment and posts its journal entry. See the header comment for the rules.
  Result<Payment> RecordPayment(const PaymentDraft& draft, const std::string& actor);

  // Records that the bank returned (part of) a payment, and posts its entry. Refused when the
  // payment is unknown, the actor is neither its payer nor the operator, the amount exceeds what
  // is left of the payment, or the return serial is taken; the identical return is a replay.
  Result<PaymentReturn> RecordReturn(const PaymentReturnDraft& draft, const Actor& actor);

  // Payments recorded for `month` (all rounds), by round, payer, payee, bank, serial.
  Result<std::vector<Payment>> Payments(const YearMonth& month) const;

  // The workflow state of a month: every round, its confirmations and payment obligations.
  Result<MonthStatus> StatusOf(const YearMonth& month) const;

  // Every open obligation as of the clock's now: unconfirmed statements, unpaid amounts, months
  // not settled (including months with claims that have not been cleared). With a province,
  // only the items it must act on or is owed, and the months it has open items in. Sorted by
  // due date (unknown last), then month, round, kind, party, counterpart.
  Result<std::vector<DeadlineItem>> Deadlines(std::optional<uint32_t> province = {}) const;

  // Checks every confirmation and payment fact against its statement, each payment's journal
  // entry, and that no obligation is overpaid. Returns a non-empty reason when they disagree.
  Result<std::string> Verify(uint64_t* checked = nullptr) const;

  // Adds to `out` every journal entry a settlement record stands behind: the claim_payment entry
  // of each payment fact, and the netting entry of each net statement.
  Status CollectRecordedEntries(std::set<uint64_t>& out) const;

 private:
  // Every return against its payment (never more than paid), its serial and its entry; adds the
  // return facts' keys to `keys` (for the serial check) and counts them in `records`.
  Result<std::string> VerifyReturns(std::set<std::string>& keys, uint64_t& records) const;

 public:
 private:
  Result<RoundStatus> LoadRound(const Statement& statement) const;
  Result<std::vector<RoundStatus>> LoadRounds(const YearMonth& month) const;

  Ledger& ledger_;
  const Config& config_;
  const WorkingCalendar& calendar_;
  const Clock& clock_;
};

// Payment and confirmation records in their stored form (canonical JSON).
std::string PaymentToJson(const PaymentDraft& payment);
Result<PaymentDraft> PaymentFromJson(std::string_view json);

// Shared by every payment record (statements here, prepayment notices in prepayments.h):
// the bank is 1–64 printable bytes without ':', the serial 1–64 of [A-Za-z0-9_-], the amount
// greater than 0.00.
Status CheckPaymentFields(const std::string& bank, const std::string& serial, const Money& amount);
// The value date is not in the future and not before the day `what` (e.g. "statement
// 2026-09:0", "notice topup-…") was issued.
Status CheckValueDate(const Date& value_date, const Date& today, const Date& issued,
                      const std::string& what);
// The payment already recorded under bank serial number (bank, serial), for a payment whose
// fact would be `payment_key` → `payload`: nothing (a new payment), the fact of the identical
// payment (a replay), or a Conflict naming what the serial number settles.
Result<std::optional<Fact>> FindRecordedPayment(const Ledger& ledger, const std::string& bank,
                                                const std::string& serial,
                                                const std::string& payment_key,
                                                const std::string& payload);
// `from` plus `days` working days; empty with `note` saying why when the calendar cannot tell
// (a year without a calendar): a due date is never guessed.
Result<std::optional<Date>> DueAfterWorkingDays(const WorkingCalendar& calendar, const Date& from,
                                                int days, std::string& note);
// The fact "serial:<bank>:<serial>" whose payload is the key of the payment fact it belongs to:
// a bank serial number settles one payment, of a statement or of a notice, only.
std::string PaymentSerialKey(const std::string& bank, const std::string& serial);
// The idempotency key of a payment's journal entry: "payment:<bank>:<serial>".
std::string PaymentIdempotencyKey(const std::string& bank, const std::string& serial);
// Orders deadline items by due date (unknown last), then month, round, kind, party,
// counterpart, reference; sets days_overdue from `today`.
void FinishDeadlines(std::vector<DeadlineItem>& items, const Date& today);

}  // namespace xclear
