#include "xclear/account.h"

#include <array>

namespace xclear {
namespace {

constexpr std::array<AccountKind, 6> kKinds = {
    AccountKind::kBank,    AccountKind::kReceivable,         AccountKind::kPrepaymentHeld,
    AccountKind::kPayable, AccountKind::kPrepaymentAdvanced, AccountKind::kExpense};

}  // namespace

bool IsLedgerParty(uint32_t code, const Participants& participants) {
  return code == kNationalClearingCode || participants.Contains(code);
}

std::string_view AccountKindName(AccountKind kind) {
  switch (kind) {
    case AccountKind::kBank:
      return "bank";
    case AccountKind::kReceivable:
      return "receivable";
    case AccountKind::kPrepaymentHeld:
      return "prepayment_held";
    case AccountKind::kPayable:
      return "payable";
    case AccountKind::kPrepaymentAdvanced:
      return "prepayment_advanced";
    case AccountKind::kExpense:
      return "expense";
  }
  return "unknown";
}

bool AccountKindHasCounterpart(AccountKind kind) {
  return kind != AccountKind::kBank && kind != AccountKind::kExpense;
}

std::string AccountId::ToString() const {
  std::string out = std::to_string(owner);
  out += ':';
  out += AccountKindName(kind);
  if (AccountKindHasCounterpart(kind)) {
    out += ':';
    out += std::to_string(counterpart);
  }
  return out;
}

Result<AccountId> AccountId::Parse(std::string_view text, const Participants& participants) {
  const std::string quoted = "account \"" + std::string(text.substr(0, 64)) + "\"";
  const size_t first = text.find(':');
  if (first == std::string_view::npos) {
    return Status::InvalidArgument(quoted + " is not OWNER:KIND[:COUNTERPART]");
  }
  const auto party = [&participants](std::string_view code) -> Result<uint32_t> {
    if (code == std::to_string(kNationalClearingCode)) return kNationalClearingCode;
    return participants.ParseCode(code);
  };
  auto owner = party(text.substr(0, first));
  if (!owner.ok()) return owner.status().WithContext(quoted);
  const std::string_view rest = text.substr(first + 1);
  const size_t second = rest.find(':');
  const std::string_view kind_name = rest.substr(0, second);
  AccountId account;
  account.owner = *owner;
  bool known = false;
  for (const AccountKind kind : kKinds) {
    if (AccountKindName(kind) == kind_name) {
      account.kind = kind;
      known = true;
    }
  }
  if (!known) {
    return Status::InvalidArgument(quoted + ": unknown kind \"" + std::string(kind_name) + "\"");
  }
  if (second != std::string_view::npos) {
    auto counterpart = party(rest.substr(second + 1));
    if (!counterpart.ok()) return counterpart.status().WithContext(quoted);
    account.counterpart = *counterpart;
  }
  XCLEAR_RETURN_IF_ERROR(ValidateAccount(account, participants));
  return account;
}

Status ValidateAccount(const AccountId& account, const Participants& participants) {
  const auto name = [&account] { return account.ToString(); };  // only built for a refusal
  bool known_kind = false;
  for (const AccountKind kind : kKinds) known_kind = known_kind || kind == account.kind;
  if (!known_kind) return Status::InvalidArgument("account has an unknown kind");
  if (!IsLedgerParty(account.owner, participants)) {
    return Status::InvalidArgument("account " + name() + ": owner " +
                                   std::to_string(account.owner) +
                                   " is not a configured participant");
  }
  if (account.owner == kNationalClearingCode && account.kind == AccountKind::kExpense) {
    return Status::InvalidArgument("the national clearing account has no expense account");
  }
  if (!AccountKindHasCounterpart(account.kind)) {
    if (account.counterpart != 0) {
      return Status::InvalidArgument("account " + std::to_string(account.owner) + ":" +
                                     std::string(AccountKindName(account.kind)) +
                                     " takes no counterpart");
    }
    return Status::Ok();
  }
  if (!IsLedgerParty(account.counterpart, participants)) {
    return Status::InvalidArgument("account " + name() + ": counterpart " +
                                   std::to_string(account.counterpart) +
                                   " is not a configured participant");
  }
  if (account.counterpart == account.owner) {
    return Status::InvalidArgument("account " + name() +
                                   ": a province has no cross-province account with itself");
  }
  const bool national = account.owner == kNationalClearingCode;
  if ((national || account.counterpart == kNationalClearingCode) &&
      (account.kind == AccountKind::kPrepaymentHeld ||
       account.kind == AccountKind::kPrepaymentAdvanced)) {
    return Status::InvalidArgument("account " + name() +
                                   ": prepayments are never held by the national clearing account");
  }
  return Status::Ok();
}

bool IsControlAccount(const AccountId& account) {
  if (account.owner == kNationalClearingCode) return true;
  return account.kind != AccountKind::kBank && account.kind != AccountKind::kExpense;
}

bool MirrorAccount(const AccountId& account, AccountId& mirror) {
  switch (account.kind) {
    case AccountKind::kReceivable:
      mirror = AccountId::Payable(account.counterpart, account.owner);
      return true;
    case AccountKind::kPayable:
      mirror = AccountId::Receivable(account.counterpart, account.owner);
      return true;
    case AccountKind::kPrepaymentHeld:
      mirror = AccountId::PrepaymentAdvanced(account.counterpart, account.owner);
      return true;
    case AccountKind::kPrepaymentAdvanced:
      mirror = AccountId::PrepaymentHeld(account.counterpart, account.owner);
      return true;
    case AccountKind::kBank:
    case AccountKind::kExpense:
      return false;
  }
  return false;
}

}  // namespace xclear
