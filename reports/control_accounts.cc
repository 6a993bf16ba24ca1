#include "xclear/control_accounts.h"

#include <map>
#include <set>

namespace xclear {
namespace {

// "insured 110000 → treatment 120000": the pair an account belongs to, as the statements name it.
std::string PairOf(const AccountId& account) {
  uint32_t insured = account.owner;
  uint32_t treatment = account.counterpart;
  if (account.kind == AccountKind::kReceivable || account.kind == AccountKind::kPrepaymentHeld) {
    insured = account.counterpart;
    treatment = account.owner;
  }
  if (account.counterpart == 0) return "the national clearing account";
  return "pair insured " + std::to_string(insured) + " → treatment " + std::to_string(treatment);
}

struct Unbacked {
  Fen difference = 0;
  std::vector<std::string> entries;  // "entry 34 (reversal of 33)"
};

std::string Describe(const JournalEntry& entry) {
  std::string text =
      "entry " + std::to_string(entry.sequence) + " (" + std::string(EntryKindName(entry.kind));
  if (entry.reverses_sequence != 0) text += " of entry " + std::to_string(entry.reverses_sequence);
  return text + ")";
}

}  // namespace

Result<ControlAccountReport> ReconcileControlAccounts(const Ledger& ledger,
                                                      const Declarations& declarations,
                                                      const Settlement& settlement,
                                                      const Prepayments& prepayments) {
  std::set<uint64_t> backed;
  XCLEAR_RETURN_IF_ERROR(declarations.CollectRecordedEntries(backed));
  XCLEAR_RETURN_IF_ERROR(settlement.CollectRecordedEntries(backed));
  XCLEAR_RETURN_IF_ERROR(prepayments.CollectRecordedEntries(backed));
  ControlAccountReport report;
  std::set<AccountId> accounts;
  std::map<AccountId, Unbacked> unbacked;
  const uint64_t head = ledger.Head().sequence;
  XCLEAR_RETURN_IF_ERROR(ledger.ForEachEntry(1, head, [&](const JournalEntry& entry) {
    bool touches = false;
    const bool has_record = backed.count(entry.sequence) > 0;
    for (const Posting& posting : entry.postings) {
      if (!IsControlAccount(posting.account)) continue;
      touches = true;
      accounts.insert(posting.account);
      if (has_record) continue;
      Unbacked& account = unbacked[posting.account];
      account.difference += posting.Signed().fen();
      const std::string described = Describe(entry);
      if (account.entries.empty() || account.entries.back() != described)
        account.entries.push_back(described);
    }
    if (touches) ++report.entries_checked;
    return Status::Ok();
  }));
  report.accounts_checked = accounts.size();
  for (const auto& [account, found] : unbacked) {
    std::string line = PairOf(account) + ": " + account.ToString() + " is " +
                       Money::FromFen(found.difference).ToString() +
                       " away from its sub-ledger (claims, payments, netting, prepayment "
                       "payments): moved by ";
    for (size_t i = 0; i < found.entries.size() && i < 5; ++i)
      line += (i ? ", " : "") + found.entries[i];
    if (found.entries.size() > 5)
      line += " and " + std::to_string(found.entries.size() - 5) + " more";
    line += ", which no domain record stands behind";
    report.differences.push_back(std::move(line));
  }
  return report;
}

}  // namespace xclear
