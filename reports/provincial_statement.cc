// The provincial reconciliation statement (see reports.h).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <set>

#include "xclear/journal_json.h"
#include "xclear/reports.h"

namespace xclear {
namespace {

// The account in the counterpart's books that mirrors `account` (same amount, other side).
std::optional<AccountId> MirrorOf(const AccountId& account) {
  switch (account.kind) {
    case AccountKind::kReceivable:
      return AccountId::Payable(account.counterpart, account.owner);
    case AccountKind::kPayable:
      return AccountId::Receivable(account.counterpart, account.owner);
    case AccountKind::kPrepaymentHeld:
      return AccountId::PrepaymentAdvanced(account.counterpart, account.owner);
    case AccountKind::kPrepaymentAdvanced:
      return AccountId::PrepaymentHeld(account.counterpart, account.owner);
    case AccountKind::kBank:
    case AccountKind::kExpense:
      break;
  }
  return std::nullopt;
}

Money Lookup(const std::map<AccountId, Money>& balances, const AccountId& account) {
  const auto it = balances.find(account);
  return it == balances.end() ? Money() : it->second;
}

}  // namespace

std::vector<MirrorCheck> CheckMirrors(uint32_t province,
                                      const std::map<AccountId, Money>& balances) {
  std::vector<MirrorCheck> checks;
  for (const auto& [account, balance] : balances) {
    if (account.owner != province) continue;
    const auto mirror = MirrorOf(account);
    if (!mirror) continue;
    MirrorCheck check;
    check.own = account;
    check.mirror = *mirror;
    check.own_balance = balance;
    check.mirror_balance = Lookup(balances, *mirror);
    check.agrees = (check.own_balance + check.mirror_balance).is_zero();
    checks.push_back(check);
  }
  return checks;
}

Result<ProvincialStatement> BuildProvincialStatement(const Ledger& ledger, uint32_t province,
                                                     const YearMonth& month) {
  if (!IsLedgerParty(province, ledger.participants())) {
    return Status::InvalidArgument("province " + std::to_string(province) +
                                   " is not a configured participant");
  }
  ProvincialStatement statement;
  statement.province = province;
  statement.month = month;
  // The instants are CST midnights; the last entry recorded before each is one lookup.
  XCLEAR_ASSIGN_OR_RETURN(statement.opening_sequence,
                          ledger.SequenceAt(Instant::StartOfDay(month.FirstDay()).AddMillis(-1)));
  XCLEAR_ASSIGN_OR_RETURN(
      statement.closing_sequence,
      ledger.SequenceAt(Instant::StartOfDay(month.AddMonths(1).FirstDay()).AddMillis(-1)));
  XCLEAR_ASSIGN_OR_RETURN(const TrialBalance opening,
                          ledger.TrialBalanceAt(statement.opening_sequence));
  XCLEAR_ASSIGN_OR_RETURN(const TrialBalance closing,
                          ledger.TrialBalanceAt(statement.closing_sequence));
  statement.closing_hash = closing.as_of_hash;
  std::map<AccountId, Money> opening_balances, closing_balances;
  for (const AccountBalance& balance : opening.accounts)
    opening_balances[balance.account] = balance.balance;
  for (const AccountBalance& balance : closing.accounts)
    closing_balances[balance.account] = balance.balance;

  // The month's movements of X's accounts, by account and entry kind.
  std::map<AccountId, std::map<EntryKind, AccountMovement>> movements;
  if (statement.closing_sequence > statement.opening_sequence) {
    XCLEAR_RETURN_IF_ERROR(ledger.ForEachEntry(
        statement.opening_sequence + 1, statement.closing_sequence, [&](const JournalEntry& entry) {
          std::set<AccountId> counted;
          for (const Posting& posting : entry.postings) {
            if (posting.account.owner != province) continue;
            AccountMovement& movement = movements[posting.account][entry.kind];
            movement.kind = entry.kind;
            if (counted.insert(posting.account).second) ++movement.entries;
            (posting.side == Side::kDebit ? movement.debit : movement.credit) += posting.amount;
          }
          return Status::Ok();
        }));
  }
  Money books;
  statement.all_add_up = true;
  for (const auto& [account, balance] : closing_balances) {
    if (account.owner != province) continue;
    ProvincialAccount line;
    line.account = account;
    line.opening = Lookup(opening_balances, account);
    line.closing = balance;
    Money moved;
    for (const auto& [kind, movement] : movements[account]) {
      line.movements.push_back(movement);
      moved += movement.debit - movement.credit;
    }
    line.adds_up = line.opening + moved == line.closing;
    statement.all_add_up = statement.all_add_up && line.adds_up;
    books += balance;
    statement.accounts.push_back(std::move(line));
  }
  statement.books_balance = books.is_zero();
  statement.mirrors = CheckMirrors(province, closing_balances);
  statement.all_agree = true;
  for (const MirrorCheck& check : statement.mirrors) {
    statement.all_agree = statement.all_agree && check.agrees;
  }
  return statement;
}

std::string RenderProvincialStatement(const ProvincialStatement& statement,
                                      const Participants& participants, ReportFormat format) {
  const std::string province = std::to_string(statement.province);
  const std::string hash = DigestToHex(statement.closing_hash);
  const auto ok = [](bool good) { return std::string(good ? "ok" : "MISMATCH"); };
  if (format == ReportFormat::kCsv || format == ReportFormat::kXlsx) {  // XLSX: from the CSV
    const std::string tail = "," + province + "," + statement.month.ToString() + "," +
                             std::to_string(statement.opening_sequence) + "," +
                             std::to_string(statement.closing_sequence) + "," + hash + "\r\n";
    std::string out =
        "record,account,kind,entries,opening,debit,credit,closing,check,counterpart_account,"
        "counterpart_balance,province,month,opening_sequence,closing_sequence,closing_hash\r\n";
    for (const ProvincialAccount& account : statement.accounts) {
      Money debit, credit;
      uint64_t entries = 0;
      for (const AccountMovement& movement : account.movements) {
        out += "movement," + account.account.ToString() + "," +
               std::string(EntryKindName(movement.kind)) + "," + std::to_string(movement.entries) +
               ",," + movement.debit.ToString() + "," + movement.credit.ToString() + ",,,,";
        out += tail;
        debit += movement.debit;
        credit += movement.credit;
        entries += movement.entries;
      }
      out += "account," + account.account.ToString() + ",," + std::to_string(entries) + "," +
             account.opening.ToString() + "," + debit.ToString() + "," + credit.ToString() + "," +
             account.closing.ToString() + "," + ok(account.adds_up) + ",,";
      out += tail;
    }
    for (const MirrorCheck& check : statement.mirrors) {
      out += "mirror," + check.own.ToString() + ",,,,,," + check.own_balance.ToString() + "," +
             ok(check.agrees) + "," + check.mirror.ToString() + "," +
             check.mirror_balance.ToString();
      out += tail;
    }
    out += "total," + CsvField(PartyDisplayName(participants, statement.province)) + ",,,,,,," +
           ok(statement.books_balance && statement.all_add_up && statement.all_agree) + ",,";
    out += tail;
    return out;
  }
  if (format == ReportFormat::kJson) {
    Poco::JSON::Object::Ptr root = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    root->set("report", "provincial_statement");
    root->set("province", province);
    root->set("province_name", PartyDisplayName(participants, statement.province));
    root->set("month", statement.month.ToString());
    root->set("opening_sequence", static_cast<Poco::UInt64>(statement.opening_sequence));
    root->set("closing_sequence", static_cast<Poco::UInt64>(statement.closing_sequence));
    root->set("closing_hash", hash);
    Poco::JSON::Array::Ptr accounts = new Poco::JSON::Array();
    for (const ProvincialAccount& account : statement.accounts) {
      Poco::JSON::Object::Ptr line = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      line->set("account", account.account.ToString());
      line->set("opening", account.opening.ToString());
      Poco::JSON::Array::Ptr moves = new Poco::JSON::Array();
      for (const AccountMovement& movement : account.movements) {
        Poco::JSON::Object::Ptr move = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        move->set("kind", std::string(EntryKindName(movement.kind)));
        move->set("entries", static_cast<Poco::UInt64>(movement.entries));
        move->set("debit", movement.debit.ToString());
        move->set("credit", movement.credit.ToString());
        moves->add(move);
      }
      line->set("movements", moves);
      line->set("closing", account.closing.ToString());
      line->set("adds_up", account.adds_up);
      accounts->add(line);
    }
    root->set("accounts", accounts);
    Poco::JSON::Array::Ptr mirrors = new Poco::JSON::Array();
    for (const MirrorCheck& check : statement.mirrors) {
      Poco::JSON::Object::Ptr line = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      line->set("account", check.own.ToString());
      line->set("balance", check.own_balance.ToString());
      line->set("counterpart_account", check.mirror.ToString());
      line->set("counterpart_balance", check.mirror_balance.ToString());
      line->set("agrees", check.agrees);
      mirrors->add(line);
    }
    root->set("mirrors", mirrors);
    root->set("books_balance", statement.books_balance);
    root->set("all_add_up", statement.all_add_up);
    root->set("all_agree", statement.all_agree);
    return JsonToString(root, 2) + "\n";
  }
  std::string out = "Reconciliation statement of " + province + " " +
                    PartyDisplayName(participants, statement.province) + " for " +
                    statement.month.ToString() + " (entries " +
                    std::to_string(statement.opening_sequence + 1) + ".." +
                    std::to_string(statement.closing_sequence) + ", hash " + hash + ")\n";
  for (const ProvincialAccount& account : statement.accounts) {
    out += "  " + account.account.ToString() + ": opening " + account.opening.ToString() +
           ", closing " + account.closing.ToString() + " " + ok(account.adds_up) + "\n";
    for (const AccountMovement& movement : account.movements) {
      out += "    " + std::string(EntryKindName(movement.kind)) + " x" +
             std::to_string(movement.entries) + ": debit " + movement.debit.ToString() +
             ", credit " + movement.credit.ToString() + "\n";
    }
  }
  for (const MirrorCheck& check : statement.mirrors) {
    if (check.own_balance.is_zero() && check.mirror_balance.is_zero()) continue;
    out += "  mirror " + check.own.ToString() + " " + check.own_balance.ToString() + " / " +
           check.mirror.ToString() + " " + check.mirror_balance.ToString() + " " +
           ok(check.agrees) + "\n";
  }
  out += "  books balance: " + ok(statement.books_balance) +
         "; every account adds up: " + ok(statement.all_add_up) +
         "; every mirror agrees: " + ok(statement.all_agree) + "\n";
  return out;
}

}  // namespace xclear
