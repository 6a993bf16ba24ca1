// The journal in hledger/ledger journal format, for auditors (see reports.h).
#include <cstdio>

#include "xclear/reports.h"

namespace xclear {
namespace {

// Text that must stay on one line and must not open a comment in a description.
std::string OneLine(std::string_view text, bool in_description) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (in_description && (c == ';' || c == '|')) {
      out += ',';
    } else {
      out += c;
    }
  }
  return out;
}

void AppendPosting(std::string& out, const AccountId& account, const Money& signed_amount) {
  std::string name = account.ToString();
  out += "    " + name;
  // Two spaces at least separate the account from the amount; align amounts for reading.
  out.append(name.size() < 40 ? 44 - name.size() : 4, ' ');
  out += signed_amount.ToString() + " CNY\n";
}

}  // namespace

Status WriteHledgerJournal(const Ledger& ledger, uint64_t first, uint64_t last,
                           const std::function<Status(std::string_view)>& sink,
                           const std::function<void(uint64_t)>& progress) {
  const LedgerHead head = ledger.Head();
  if (last == 0 || last > head.sequence) last = head.sequence;
  if (first == 0) first = 1;
  if (first > last + 1) {
    return Status::InvalidArgument("the range " + std::to_string(first) + ".." +
                                   std::to_string(last) + " is empty or beyond the head (" +
                                   std::to_string(head.sequence) + ")");
  }
  XCLEAR_ASSIGN_OR_RETURN(const TrialBalance closing, ledger.TrialBalanceAt(last));
  std::string out;
  out += "; xclear journal: entries " + std::to_string(first) + ".." + std::to_string(last) +
         " of " + std::to_string(head.sequence) + "; entry " + std::to_string(last) + " hash " +
         DigestToHex(closing.as_of_hash) + "\n";
  out += "; one transaction per entry: (code) = sequence number; tags carry the recorded time,\n";
  out += "; actor, idempotency key, source reference and entry hash. Check with\n";
  out += ";   hledger -f FILE check accounts commodities balancednoautoconversion\n\n";
  out += "commodity 1000.00 CNY\n\n";
  for (const AccountBalance& account : closing.accounts) {
    out += "account " + account.account.ToString() + "\n";
  }
  out += "\n";
  if (first > 1) {
    // A range that does not start at the beginning opens with the balances it starts from, so
    // the journal's balances equal the trial balance as of `last`.
    XCLEAR_ASSIGN_OR_RETURN(const TrialBalance opening, ledger.TrialBalanceAt(first - 1));
    XCLEAR_ASSIGN_OR_RETURN(const JournalEntry before, ledger.Entry(first - 1));
    out += before.recorded_at.CstDate().ToString() + " (0) opening balances after entry " +
           std::to_string(first - 1) + "\n    ; hash:" + DigestToHex(opening.as_of_hash) + "\n";
    for (const AccountBalance& account : opening.accounts) {
      if (!account.balance.is_zero()) AppendPosting(out, account.account, account.balance);
    }
    out += "\n";
  }
  XCLEAR_RETURN_IF_ERROR(sink(out));
  out.clear();
  uint64_t written = 0;
  XCLEAR_RETURN_IF_ERROR(ledger.ForEachEntry(first, last, [&](const JournalEntry& entry) {
    out += entry.effective_date.ToString() + " (" + std::to_string(entry.sequence) + ") " +
           std::string(EntryKindName(entry.kind));
    if (!entry.memo.empty()) out += ": " + OneLine(entry.memo, true);
    out += "\n    ; recorded:" + entry.recorded_at.ToString() +
           ", actor:" + OneLine(entry.actor, false);
    if (!entry.idempotency_key.empty()) out += ", key:" + OneLine(entry.idempotency_key, false);
    if (!entry.source_reference.empty())
      out += ", source:" + OneLine(entry.source_reference, false);
    if (entry.reverses_sequence != 0)
      out += ", reverses:" + std::to_string(entry.reverses_sequence);
    out += ", hash:" + DigestToHex(entry.hash) + "\n";
    for (const Posting& posting : entry.postings) {
      AppendPosting(out, posting.account, posting.Signed());
    }
    out += "\n";
    if (out.size() >= (1u << 20)) {
      XCLEAR_RETURN_IF_ERROR(sink(out));
      out.clear();
    }
    if (progress && (++written & 0xFFFF) == 0) progress(written);
    return Status::Ok();
  }));
  XCLEAR_RETURN_IF_ERROR(sink(out));
  if (progress) progress(written);
  return Status::Ok();
}

}  // namespace xclear
