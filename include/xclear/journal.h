// Journal entries: the only way money moves in the ledger.
//
// An entry has at least two postings, every posting a positive amount on the debit or the credit
// side; debits equal credits in total and, separately, within each province's books. Entries are
// never changed or deleted: a correction is a new kReversal entry naming the entry it reverses.
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xclear/account.h"
#include "xclear/config.h"
#include "xclear/money.h"
#include "xclear/sha256.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

enum class EntryKind : uint16_t {
  kClaimsDeclared = 1,      // a declaration batch: T's receivable from I, I's payable to T
  kClaimPayment = 2,        // I pays T for cleared claims
  kPrepaymentPaid = 3,      // I advances prepayment to T (annual adjustment up, top-up)
  kPrepaymentRefunded = 4,  // T refunds prepayment to I (annual adjustment down)
  kReversal = 5,            // negates an earlier entry, named in `reverses_sequence`
  kManual = 6,              // an operator's entry posted from JSON (opening balances, fixes)
  kNetting = 7,  // net settlement: a statement's pair obligations become positions against the
                 // national clearing account (novation), see docs/clearing.md
  kPaymentReturned = 8,  // the bank returned (part of) a claim_payment: its postings swapped
  kClaimReversal = 9,  // reversals of claims (结算撤销) in a declaration: the claims' postings
                       // mirrored (T: Dr bank / Cr receivable:I; I: Dr payable:T / Cr expense)
};

std::string_view EntryKindName(EntryKind kind);
Result<EntryKind> ParseEntryKind(std::string_view name);

enum class Side : uint8_t { kDebit = 0, kCredit = 1 };

struct Posting {
  AccountId account;
  Side side = Side::kDebit;
  Money amount;  // > 0

  // The signed effect on the account's balance (debit positive).
  Money Signed() const { return side == Side::kDebit ? amount : -amount; }
  bool operator==(const Posting&) const = default;
};

// What a caller asks to record.
struct EntryDraft {
  EntryKind kind = EntryKind::kManual;
  Date effective_date;           // the business date (value date, declaration date)
  std::string actor;             // who asked: "province:110000", "operator:alice"
  std::string idempotency_key;   // optional; same key + same content → the original entry
  std::string source_reference;  // e.g. the declaration file, bank serial number
  std::string memo;
  uint64_t reverses_sequence = 0;  // kReversal only: the entry being corrected
  std::vector<Posting> postings;
};

// A recorded entry.
struct JournalEntry : EntryDraft {
  uint64_t sequence = 0;  // 1, 2, 3, … without gaps
  Instant recorded_at;    // when the ledger committed it (never earlier than the previous)
  Digest hash{};          // SHA-256(previous entry's hash ‖ canonical bytes)
};

// Checks a draft against the rules above, the configured participants and limits. The message
// names the posting and the reason.
// Which entries the generic operations may make (rules of the ledger itself, checked when an
// entry is written and again by Ledger::Verify):
// - a manual entry posts to no control account (IsControlAccount): claims, payments and
//   prepayments have domain records behind them that a manual entry would leave untouched;
// - only a manual entry can be reversed by a generic reversal: an entry a domain record stands
//   behind (claims_declared, claim_payment, prepayment_*, netting) is corrected through its
//   domain's own operation, which changes the record and the entry together.
// Each returns the reason, naming the posting or entry, or Ok.
Status CheckManualPostings(const EntryDraft& draft);
Status CheckReversible(const JournalEntry& original);

Status ValidateDraft(const EntryDraft& draft, const Participants& participants,
                     const LimitConfig& limits);

}  // namespace xclear
