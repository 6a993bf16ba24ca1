#include "xclear/journal.h"

#include <map>
#include <stdexcept>

namespace xclear {
namespace {

struct KindName {
  EntryKind kind;
  std::string_view name;
};
constexpr KindName kKindNames[] = {
    {EntryKind::kClaimsDeclared, "claims_declared"},
    {EntryKind::kClaimPayment, "claim_payment"},
    {EntryKind::kPrepaymentPaid, "prepayment_paid"},
    {EntryKind::kPrepaymentRefunded, "prepayment_refunded"},
    {EntryKind::kReversal, "reversal"},
    {EntryKind::kManual, "manual"},
    {EntryKind::kPaymentReturned, "payment_returned"},
    {EntryKind::kClaimReversal, "claim_reversal"},
    {EntryKind::kNetting, "netting"},
};

Status CheckText(const std::string& value, const char* field, uint32_t max_bytes, bool required) {
  if (required && value.empty())
    return Status::InvalidArgument(std::string(field) + " is required");
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(std::string(field) + " is " + std::to_string(value.size()) +
                                   " bytes; at most " + std::to_string(max_bytes) + " are allowed");
  }
  for (const char c : value) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return Status::InvalidArgument(std::string(field) + " contains a control character");
    }
  }
  return Status::Ok();
}

Status CheckHeader(const EntryDraft& draft, const LimitConfig& limits) {
  auto kind = ParseEntryKind(EntryKindName(draft.kind));
  if (!kind.ok()) return Status::InvalidArgument("entry kind is unknown");
  XCLEAR_RETURN_IF_ERROR(CheckText(draft.actor, "actor", limits.text_field_bytes_max, true));
  XCLEAR_RETURN_IF_ERROR(
      CheckText(draft.idempotency_key, "idempotency key", limits.text_field_bytes_max, false));
  XCLEAR_RETURN_IF_ERROR(
      CheckText(draft.source_reference, "source reference", limits.text_field_bytes_max, false));
  if (draft.memo.size() > limits.memo_bytes_max) {
    return Status::InvalidArgument("memo is " + std::to_string(draft.memo.size()) +
                                   " bytes; at most " + std::to_string(limits.memo_bytes_max) +
                                   " are allowed");
  }
  if ((draft.kind == EntryKind::kReversal) != (draft.reverses_sequence != 0)) {
    return Status::InvalidArgument(
        "a reversal entry must name the entry it reverses, and only a reversal may");
  }
  if (draft.postings.size() < 2) {
    return Status::InvalidArgument("an entry needs at least 2 postings, this one has " +
                                   std::to_string(draft.postings.size()));
  }
  if (draft.postings.size() > limits.entry_postings_max) {
    return Status::InvalidArgument("an entry may have at most " +
                                   std::to_string(limits.entry_postings_max) + " postings");
  }
  return Status::Ok();
}

std::string PostingLabel(size_t index, const Posting& posting) {
  return "posting " + std::to_string(index + 1) + " (" + posting.account.ToString() + ")";
}

}  // namespace

std::string_view EntryKindName(EntryKind kind) {
  for (const auto& entry : kKindNames) {
    if (entry.kind == kind) return entry.name;
  }
  return "unknown";
}

Result<EntryKind> ParseEntryKind(std::string_view name) {
  for (const auto& entry : kKindNames) {
    if (entry.name == name) return entry.kind;
  }
  return Status::InvalidArgument("unknown entry kind \"" + std::string(name.substr(0, 40)) + "\"");
}

Status CheckManualPostings(const EntryDraft& draft) {
  if (draft.kind != EntryKind::kManual) return Status::Ok();
  for (size_t i = 0; i < draft.postings.size(); ++i) {
    const AccountId& account = draft.postings[i].account;
    if (IsControlAccount(account)) {
      return Status::InvalidArgument(
          PostingLabel(i, draft.postings[i]) +
          ": a manual entry may not post to a control "
          "account (" +
          std::string(AccountKindName(account.kind)) +
          (account.owner == kNationalClearingCode ? " of the national clearing account" : "") +
          "); its balance is kept by the claims, payments and prepayment records");
    }
  }
  return Status::Ok();
}

Status CheckReversible(const JournalEntry& original) {
  if (original.kind == EntryKind::kReversal) {
    return Status::Refused("entry " + std::to_string(original.sequence) +
                           " is itself a reversal; post a new entry instead of reversing it");
  }
  if (original.kind != EntryKind::kManual) {
    return Status::Refused(
        "entry " + std::to_string(original.sequence) + " is a " +
        std::string(EntryKindName(original.kind)) +
        " entry: a domain record stands behind it, so it is corrected only through its "
        "domain's own operation (see docs/ledger.md); only manual entries are reversed directly");
  }
  return Status::Ok();
}

Status ValidateDraft(const EntryDraft& draft, const Participants& participants,
                     const LimitConfig& limits) {
  XCLEAR_RETURN_IF_ERROR(CheckHeader(draft, limits));
  XCLEAR_RETURN_IF_ERROR(CheckManualPostings(draft));
  try {
    Money total;
    std::map<uint32_t, Money> per_province;
    // Net movement of each mirrored pair, keyed by the receivable/prepayment_held side.
    std::map<AccountId, Money> mirror_movement;
    for (size_t i = 0; i < draft.postings.size(); ++i) {
      const Posting& posting = draft.postings[i];
      const Status account = ValidateAccount(posting.account, participants);
      if (!account.ok()) return account.WithContext("posting " + std::to_string(i + 1));
      if (posting.side != Side::kDebit && posting.side != Side::kCredit) {
        return Status::InvalidArgument(PostingLabel(i, posting) + ": side must be debit or credit");
      }
      if (!posting.amount.is_positive()) {
        return Status::InvalidArgument(PostingLabel(i, posting) + ": amount " +
                                       posting.amount.ToString() + " must be greater than 0");
      }
      const Money signed_amount = posting.Signed();
      total += signed_amount;
      per_province[posting.account.owner] += signed_amount;
      AccountId key = posting.account;
      AccountId mirror;
      if (MirrorAccount(posting.account, mirror)) {
        if (key.kind == AccountKind::kPayable || key.kind == AccountKind::kPrepaymentAdvanced) {
          key = mirror;
        }
        mirror_movement[key] += signed_amount;
      }
    }
    if (!total.is_zero()) {
      return Status::InvalidArgument("entry does not balance: debits exceed credits by " +
                                     total.ToString());
    }
    for (const auto& [province, sum] : per_province) {
      if (!sum.is_zero()) {
        return Status::InvalidArgument("entry does not balance in the books of " +
                                       std::to_string(province) + ": debits exceed credits by " +
                                       sum.ToString());
      }
    }
    for (const auto& [account, sum] : mirror_movement) {
      if (!sum.is_zero()) {
        AccountId mirror;
        MirrorAccount(account, mirror);
        return Status::InvalidArgument("entry breaks the mirror invariant: " + account.ToString() +
                                       " and " + mirror.ToString() +
                                       " must move by equal and "
                                       "opposite amounts (difference " +
                                       sum.ToString() + ")");
      }
    }
  } catch (const std::overflow_error&) {
    return Status::Overflow("entry amounts overflow 128-bit fen");
  }
  return Status::Ok();
}

}  // namespace xclear
