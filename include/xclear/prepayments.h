// Prepayments (预付金): positions and warning lines (SPEC §6), the annual adjustment (§8) and
// emergency top-ups (§9), with their notices, payments and deadlines.
//
// Everything is read from the ledger, never from a table that could drift:
//   prepayment(I,T)  = the balance of T:prepayment_held:I (credit), which moves only when a
//                      prepayment payment or refund is recorded;
//   outstanding(I,T) = the balance of T:receivable:I: accepted claims of T for I's insured minus
//                      I's payments to T for claims. (Net settlement moves a cleared month's
//                      pair amounts to positions against the national clearing account, so in
//                      net mode a pair's outstanding is what has not been cleared yet.)
//   base(I,T,Y−1)    = Σ fund_amount of the claims of service months in Y−1, from the per-month
//                      aggregates kept at declaration time (no rescan of a year of claims).
// Warning colours compare exactly: outstanding × 10 000 ≥ prepayment × line (line in hundredths
// of a percent); prepayment 0 with outstanding > 0 is red.
//
// Notices — what a province must pay — are facts in the ledger's facts log:
//   adjustment:<Y>                      → the SHA-256 of the run for year Y, which is stored
//                                         (every pair, canonical JSON) in the notices table
//   topup:<I>:<T>:<n>                   → the n-th top-up notice of pair (I, T), canonical JSON
//   notice-payment:<notice>:<bank>:<serial> → a payment of a notice (the statement payment record)
// plus the shared serial:<bank>:<serial> fact. Notice ids: "adjustment-<Y>-<I>-<T>",
// "topup-<I>-<T>-<n>". Recording a notice payment posts prepayment_paid (I pays T) or
// prepayment_refunded (T refunds I) in the same atomic commit; the prepayment in force changes
// only then.
//
// Thread safety: methods may be called concurrently; the overpayment check runs under the
// ledger's commit lock, and two runs that race for the same fact key cannot both commit.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "xclear/actor.h"
#include "xclear/calendar.h"
#include "xclear/config.h"
#include "xclear/ledger.h"
#include "xclear/money.h"
#include "xclear/settlement.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

enum class Warning { kNone, kYellow, kRed };
std::string_view WarningName(Warning warning);  // "none", "yellow", "red"

// Usage colour under the configured lines (hundredths of a percent), exactly.
Warning WarningOf(const Money& outstanding, const Money& prepayment, const RuleConfig& rules);
// outstanding / prepayment as a percentage rounded half-up to 2 decimals ("73.46"); empty when
// the prepayment is 0 (usage is then unbounded if anything is outstanding).
std::string UsagePercent(const Money& outstanding, const Money& prepayment);

struct Position {
  uint32_t insured = 0;
  uint32_t treatment = 0;
  Money prepayment;
  Money outstanding;
  Warning warning = Warning::kNone;
  std::string usage_percent;  // UsagePercent
};

// Exact usage order (highest first): a/b compared by cross-multiplication; prepayment 0 with
// something outstanding first, 0/0 last.
bool HigherUsage(const Position& a, const Position& b);

// One pair's line of an annual adjustment.
struct AdjustmentLine {
  uint32_t insured = 0;
  uint32_t treatment = 0;
  Money base;        // Σ fund of the claims of service months in Y−1
  Money target;      // half-up(prepayment_months × base / 12)
  Money current;     // prepayment in force when the adjustment ran
  Money adjustment;  // target − current: > 0 I pays T, < 0 T refunds I, 0 nothing
};

struct Adjustment {
  int year = 0;
  int prepayment_months = 0;
  Instant issued_at;
  std::string issued_by;
  uint64_t claim_count = 0;           // claims of Y−1 in the bases
  Date due;                           // payments and refunds: last day of February of Y
  std::vector<AdjustmentLine> lines;  // all pairs, by insured then treatment
};

// An adjustment as canonical JSON: year, prepayment_months, claim_count, due and every line
// (amounts as strings). Without the issue (its stored form, whose issue time and actor are in
// its fact) or with issued_at and issued_by after the year (what the CLI and service show).
std::string AdjustmentToJson(const Adjustment& adjustment, bool with_issue);

enum class NoticeKind { kAdjustmentPayment, kAdjustmentRefund, kTopUp };
std::string_view NoticeKindName(NoticeKind kind);  // "adjustment_payment", …

// A notice: money one province must pay another, with its deadline and how far it has got.
struct Notice {
  std::string id;
  NoticeKind kind = NoticeKind::kTopUp;
  uint32_t insured = 0;
  uint32_t treatment = 0;
  uint32_t payer = 0;  // I for payments and top-ups, T for refunds
  uint32_t payee = 0;
  Money amount;
  Money paid;
  Money remaining() const { return amount - paid; }
  Instant issued_at;
  std::string issued_by;
  std::optional<Date> due;  // empty when the calendar cannot tell (due_note says why)
  std::string due_note;
  std::optional<Date> completed_on;  // value date of the payment that completed it
  std::string detail;                // the figures it was computed from
};

struct NoticePaymentDraft {
  std::string notice;  // notice id
  uint32_t payer = 0;  // must be the notice's payer
  uint32_t payee = 0;  // must be the notice's payee
  std::string bank;
  std::string serial;
  Date value_date;  // not before the notice was issued, not in the future
  Money amount;     // > 0, at most what the notice still asks
};

struct NoticePayment : NoticePaymentDraft {
  std::string actor;
  Instant recorded_at;
  uint64_t entry_sequence = 0;
  bool replayed = false;
};

// The operator's top-up check: what it issued and which red pairs it left alone, and why.
struct TopUpCheck {
  std::vector<Notice> issued;
  std::vector<std::pair<Position, std::string>> skipped;
};

class Prepayments {
 public:
  // Everything passed in must outlive this object.
  Prepayments(Ledger& ledger, const Config& config, const WorkingCalendar& calendar,
              const Clock& clock);

  // Positions of every pair (992 with the default participants) after ledger entry
  // `as_of_sequence` (clipped to the head); with a province, only its pairs on both sides.
  // By insured, then treatment.
  Result<std::vector<Position>> Positions(uint64_t as_of_sequence,
                                          std::optional<uint32_t> province = {}) const;
  Result<Position> PositionOf(uint32_t insured, uint32_t treatment, uint64_t as_of_sequence) const;

  // The annual adjustment for `year`: allowed from 1 to 31 January of `year` (CST), once.
  // A second run is refused with the date of the first (the first result is `AdjustmentOf`).
  Result<Adjustment> RunAdjustment(int year, const std::string& actor);
  Result<std::optional<Adjustment>> AdjustmentOf(int year) const;
  // What the adjustment for `year` would be now (no window, nothing written): the same bases,
  // targets and adjustments RunAdjustment records.
  Result<Adjustment> PreviewAdjustment(int year) const;

  // An emergency top-up of pair (insured, treatment), requested by the treatment province or
  // the operator: refused below the red line (the message gives the usage) and while an earlier
  // top-up of the pair is unpaid. Amount: round-up to the fen of outstanding / target_usage −
  // prepayment. Due within topup_payment_working_days working days of the request.
  Result<Notice> RequestTopUp(uint32_t insured, uint32_t treatment, const Actor& actor);
  // The operator's check over every pair: a top-up for each pair at red without an open one,
  // all issued in one atomic commit.
  Result<TopUpCheck> CheckTopUps(const Actor& actor);

  // Every notice (of one province, as payer or payee, when given), by id; with `open_only`,
  // only those not fully paid.
  Result<std::vector<Notice>> Notices(std::optional<uint32_t> province = {},
                                      bool open_only = false) const;
  Result<Notice> NoticeOf(const std::string& id) const;
  // What NoticeOf answers for an unknown id (also the answer for a notice the caller may not see).
  static Status NoticeNotFound(const std::string& id);

  // Records a payment of a notice and posts its prepayment entry. Refusals: unknown notice,
  // payer/payee other than the notice's, overpayment, a bank serial number already used (the
  // identical payment again is a replay), value date before the notice or in the future.
  Result<NoticePayment> RecordPayment(const NoticePaymentDraft& draft, const std::string& actor);
  Result<std::vector<NoticePayment>> PaymentsOf(const std::string& notice) const;

  // Open notices as deadline items (kinds kPrepayment, kRefund, kTopUp), as of the clock's now.
  Result<std::vector<DeadlineItem>> Deadlines(std::optional<uint32_t> province = {}) const;

  // Checks every adjustment (targets and adjustments recomputed from its own figures), every
  // top-up notice, and every notice payment against its notice, serial record and journal
  // entry; no notice overpaid. Returns a non-empty reason when they disagree.
  Result<std::string> Verify(uint64_t* checked = nullptr) const;

  // Adds to `out` the prepayment_paid / prepayment_refunded entry of every notice payment.
  Status CollectRecordedEntries(std::set<uint64_t>& out) const;

 private:
  Position PositionFrom(uint32_t insured, uint32_t treatment, const Money& held,
                        const Money& receivable) const;
  Result<Adjustment> LoadAdjustment(const Fact& fact) const;
  Result<uint64_t> CountNoticePayments() const;
  // The checks and the fact of a top-up of `position`'s pair requested by `actor`.
  Result<FactDraft> TopUpFact(const Position& position, const Actor& actor) const;
  Result<Notice> TopUpNotice(const Fact& fact) const;
  Result<std::vector<Notice>> AllNotices() const;
  Result<Money> PaidOn(const std::string& notice, std::optional<Date>* completed_on,
                       const Money& amount) const;

  Ledger& ledger_;
  const Config& config_;
  const WorkingCalendar& calendar_;
  const Clock& clock_;
};

}  // namespace xclear
