// The chart of accounts: every province keeps its own cross-province books inside the ledger.
//
//   X:bank                     X's financial special account (财政专户), cross-province flows only
//   X:receivable:I             as treatment province: claims X paid for I's insured, unreimbursed
//   X:prepayment_held:I        as treatment province: prepayment received from I
//   X:payable:T                as insured province: claims T paid for X's insured, unpaid
//   X:prepayment_advanced:T    as insured province: prepayment X paid to T
//   X:expense                  X's cross-province medical expense
//
// Balances are signed, debit positive: assets and expense are normally positive, liabilities
// (payable, prepayment_held) and the bank's overdraft position normally negative. See
// docs/ledger.md for worked examples. Thread safety: plain values.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "xclear/config.h"
#include "xclear/status.h"

namespace xclear {

// The national clearing account (全国清算账户) of net settlement: a ledger party beside the 32
// provinces, with its own books (bank, receivable from payers, payable to receivers). Its code
// 100000 is not a GB/T 2260 province code, so it can never clash with a participant.
inline constexpr uint32_t kNationalClearingCode = 100000;

// True for a configured province and for the national clearing account.
bool IsLedgerParty(uint32_t code, const Participants& participants);

enum class AccountKind : uint8_t {
  kBank = 1,
  kReceivable = 2,
  kPrepaymentHeld = 3,
  kPayable = 4,
  kPrepaymentAdvanced = 5,
  kExpense = 6,
};

std::string_view AccountKindName(AccountKind kind);
// True for the kinds that name a counterpart province (receivable, payable, prepayment_*).
bool AccountKindHasCounterpart(AccountKind kind);

struct AccountId {
  uint32_t owner = 0;  // the province whose books hold the account
  AccountKind kind = AccountKind::kBank;
  uint32_t counterpart = 0;  // the other province, or 0 for bank and expense

  static AccountId Bank(uint32_t owner) { return {owner, AccountKind::kBank, 0}; }
  static AccountId Expense(uint32_t owner) { return {owner, AccountKind::kExpense, 0}; }
  static AccountId Receivable(uint32_t treatment, uint32_t insured) {
    return {treatment, AccountKind::kReceivable, insured};
  }
  static AccountId Payable(uint32_t insured, uint32_t treatment) {
    return {insured, AccountKind::kPayable, treatment};
  }
  static AccountId PrepaymentHeld(uint32_t treatment, uint32_t insured) {
    return {treatment, AccountKind::kPrepaymentHeld, insured};
  }
  static AccountId PrepaymentAdvanced(uint32_t insured, uint32_t treatment) {
    return {insured, AccountKind::kPrepaymentAdvanced, treatment};
  }

  // "110000:receivable:120000", "110000:bank".
  std::string ToString() const;
  // Parses the form ToString() writes; the codes must be configured participants.
  static Result<AccountId> Parse(std::string_view text, const Participants& participants);

  auto operator<=>(const AccountId&) const = default;
};

// Ok when the owner and counterpart are ledger parties, differ, and the kind takes a counterpart
// exactly when it should. The national clearing account holds only bank, receivable and payable
// accounts, and its counterparts are provinces.
Status ValidateAccount(const AccountId& account, const Participants& participants);

// The account on the other side of the mirror invariant (T:receivable:I ↔ I:payable:T,
// T:prepayment_held:I ↔ I:prepayment_advanced:T); false for bank and expense.
bool MirrorAccount(const AccountId& account, AccountId& mirror);

// A control account: one whose balance is the sum of a domain's records (its sub-ledger), so that
// only that domain's entries may move it: receivable and payable (claims, payments, netting),
// prepayment held and advanced (prepayment payments and refunds), and every account of the
// national clearing account. Bank and expense accounts of a province are not.
bool IsControlAccount(const AccountId& account);

}  // namespace xclear
