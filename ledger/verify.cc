// Ledger verification: everything the ledger stores is recomputed from the journal and compared.
// Runs on a RocksDB snapshot, so it is consistent while appends continue.
#include <rocksdb/iterator.h>

#include <set>
#include <stdexcept>

#include "codec.h"
#include "rocksdb_ledger.h"

namespace xclear::ledger_internal {
namespace {

class Verifier {
 public:
  Verifier(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
           const Participants& participants, const LimitConfig& limits)
      : db_(db), handles_(handles), participants_(participants), limits_(limits) {
    read_.snapshot = db_.GetSnapshot();
  }
  ~Verifier() { db_.ReleaseSnapshot(read_.snapshot); }

  Result<VerifyReport> Run();

 private:
  // Sets the report to failed (only the first failure is kept) and returns false.
  bool Fail(uint64_t sequence, std::string reason) {
    if (report_.ok) {
      report_.ok = false;
      report_.first_bad_sequence = sequence;
      report_.reason = std::move(reason);
    }
    return false;
  }
  Result<bool> CheckJournal(LedgerHead& last);
  Result<bool> CheckEntry(const JournalEntry& entry, std::string_view value, LedgerHead& last);
  Result<bool> CheckReversal(const JournalEntry& entry);
  Result<bool> CheckHistory(const JournalEntry& entry);
  Result<bool> CheckIdempotency(const JournalEntry& entry);
  Result<bool> CheckHead(const LedgerHead& last);
  Result<bool> CheckBalances();
  Result<bool> CheckHistoryCount();
  bool CheckInvariants();
  rocksdb::ColumnFamilyHandle* cf(ColumnFamily family) const { return handles_[family]; }

  rocksdb::DB& db_;
  const std::vector<rocksdb::ColumnFamilyHandle*>& handles_;
  const Participants& participants_;
  const LimitConfig& limits_;
  rocksdb::ReadOptions read_;
  VerifyReport report_;
  std::map<AccountId, Fen> balances_;
  std::set<uint64_t> reversed_;
  uint64_t history_records_ = 0;
};

Status FromRocks(const rocksdb::Status& status, const char* what) {
  if (status.ok()) return Status::Ok();
  return Status::IoError(std::string(what) + ": " + status.ToString());
}

Result<VerifyReport> Verifier::Run() {
  LedgerHead last;
  try {
    XCLEAR_ASSIGN_OR_RETURN(bool ok, CheckJournal(last));
    if (ok) { XCLEAR_ASSIGN_OR_RETURN(ok, CheckHead(last)); }
    if (ok) { XCLEAR_ASSIGN_OR_RETURN(ok, CheckBalances()); }
    if (ok) { XCLEAR_ASSIGN_OR_RETURN(ok, CheckHistoryCount()); }
    if (ok) CheckInvariants();
  } catch (const std::overflow_error&) {
    Fail(0, "recomputed balances overflow 128-bit fen");
  }
  report_.accounts_checked = balances_.size();
  return report_;
}

Result<bool> Verifier::CheckJournal(LedgerHead& last) {
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read_, cf(kJournal)));
  uint64_t expected = 1;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    if (it->key().size() != 8) return Fail(expected, "a journal key is malformed");
    const uint64_t sequence = DecodeFixed64(it->key().data());
    if (sequence != expected) {
      return Fail(expected, "entry " + std::to_string(expected) + " is missing (next stored is " +
                                std::to_string(sequence) + ")");
    }
    const std::string_view value(it->value().data(), it->value().size());
    auto entry = DecodeEntry(value);
    if (!entry.ok()) return Fail(sequence, entry.status().message());
    XCLEAR_ASSIGN_OR_RETURN(const bool ok, CheckEntry(*entry, value, last));
    if (!ok) return false;
  }
  XCLEAR_RETURN_IF_ERROR(FromRocks(it->status(), "reading the journal"));
  return true;
}

Result<bool> Verifier::CheckEntry(const JournalEntry& entry, std::string_view value,
                                  LedgerHead& last) {
  const uint64_t sequence = entry.sequence;
  if (entry.sequence != last.sequence + 1) {
    return Fail(last.sequence + 1, "entry stored under the wrong sequence number");
  }
  if (ChainHash(last.hash, EntryBodyOf(value)) != entry.hash) {
    return Fail(sequence, "hash mismatch: the entry's bytes or its chain to entry " +
                              std::to_string(sequence - 1) + " were altered");
  }
  if (entry.recorded_at < last.recorded_at) {
    return Fail(sequence, "recorded time goes backwards");
  }
  const Status valid = ValidateDraft(entry, participants_, limits_);
  if (!valid.ok()) return Fail(sequence, valid.message());
  if (entry.kind == EntryKind::kReversal) {
    XCLEAR_ASSIGN_OR_RETURN(const bool ok, CheckReversal(entry));
    if (!ok) return false;
  }
  for (const Posting& posting : entry.postings) balances_[posting.account] += posting.Signed().fen();
  XCLEAR_ASSIGN_OR_RETURN(bool ok, CheckHistory(entry));
  if (ok) { XCLEAR_ASSIGN_OR_RETURN(ok, CheckIdempotency(entry)); }
  if (!ok) return false;
  ++report_.entries_checked;
  report_.postings_checked += entry.postings.size();
  last.sequence = sequence;
  last.hash = entry.hash;
  last.recorded_at = entry.recorded_at;
  return true;
}

Result<bool> Verifier::CheckReversal(const JournalEntry& entry) {
  const uint64_t target = entry.reverses_sequence;
  if (target >= entry.sequence) return Fail(entry.sequence, "reverses a later entry");
  if (!reversed_.insert(target).second) {
    return Fail(entry.sequence, "entry " + std::to_string(target) + " is reversed twice");
  }
  std::string value;
  XCLEAR_RETURN_IF_ERROR(FromRocks(db_.Get(read_, cf(kJournal), SequenceKey(target), &value),
                                   "reading a reversed entry"));
  auto original = DecodeEntry(value);
  if (!original.ok()) return Fail(target, original.status().message());
  bool negated = original->postings.size() == entry.postings.size() &&
                 original->kind != EntryKind::kReversal;
  for (size_t i = 0; negated && i < entry.postings.size(); ++i) {
    const Posting& a = original->postings[i];
    const Posting& b = entry.postings[i];
    negated = a.account == b.account && a.amount == b.amount && a.side != b.side;
  }
  if (!negated) {
    return Fail(entry.sequence, "does not negate entry " + std::to_string(target) + " exactly");
  }
  std::string by;
  const rocksdb::Status got = db_.Get(read_, cf(kReversals), SequenceKey(target), &by);
  if (!got.ok() || by.size() != 8 || DecodeFixed64(by.data()) != entry.sequence) {
    return Fail(entry.sequence, "the reversal index does not record this reversal");
  }
  return true;
}

Result<bool> Verifier::CheckHistory(const JournalEntry& entry) {
  std::set<AccountId> touched;
  for (const Posting& posting : entry.postings) touched.insert(posting.account);
  for (const AccountId& account : touched) {
    std::string key;
    PutAccount(key, account);
    PutFixed64(key, entry.sequence);
    std::string value;
    const rocksdb::Status got = db_.Get(read_, cf(kHistory), key, &value);
    if (got.IsNotFound()) {
      return Fail(entry.sequence, "balance history of " + account.ToString() + " is missing");
    }
    XCLEAR_RETURN_IF_ERROR(FromRocks(got, "reading balance history"));
    if (value.size() != kAmountBytes || DecodeAmount(value.data()) != balances_[account]) {
      return Fail(entry.sequence, "balance history of " + account.ToString() +
                                      " differs from the journal");
    }
    ++history_records_;
  }
  return true;
}

Result<bool> Verifier::CheckIdempotency(const JournalEntry& entry) {
  if (entry.idempotency_key.empty()) return true;
  std::string value;
  const rocksdb::Status got = db_.Get(read_, cf(kIdempotency), entry.idempotency_key, &value);
  if (got.IsNotFound() || value.size() != 40 || DecodeFixed64(value.data()) != entry.sequence ||
      std::memcmp(value.data() + 8, DraftContentDigest(entry).data(), 32) != 0) {
    XCLEAR_RETURN_IF_ERROR(got.IsNotFound() ? Status::Ok() : FromRocks(got, "reading keys"));
    return Fail(entry.sequence, "the idempotency index does not point at this entry");
  }
  return true;
}

Result<bool> Verifier::CheckHead(const LedgerHead& last) {
  std::string value;
  XCLEAR_RETURN_IF_ERROR(FromRocks(db_.Get(read_, cf(kMeta), "meta:head", &value), "reading head"));
  if (value.size() != 48 || DecodeFixed64(value.data()) != last.sequence ||
      std::memcmp(value.data() + 8, last.hash.data(), 32) != 0) {
    return Fail(last.sequence, "the head record does not match the last entry of the journal");
  }
  if (last.sequence == 0) return true;
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read_, cf(kTimeIndex)));
  it->SeekToLast();
  if (!it->Valid() || it->key().size() != 16 || DecodeFixed64(it->key().data() + 8) != last.sequence) {
    XCLEAR_RETURN_IF_ERROR(FromRocks(it->status(), "reading the time index"));
    return Fail(last.sequence, "the time index does not end at the last entry");
  }
  return true;
}

Result<bool> Verifier::CheckBalances() {
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read_, cf(kBalances)));
  size_t stored = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++stored) {
    if (it->key().size() != kAccountKeyBytes || it->value().size() != kAmountBytes + 8) {
      return Fail(0, "a stored balance record is malformed");
    }
    const AccountId account = DecodeAccount(it->key().data());
    const auto recomputed = balances_.find(account);
    if (recomputed == balances_.end() || recomputed->second != DecodeAmount(it->value().data())) {
      return Fail(DecodeFixed64(it->value().data() + kAmountBytes),
                  "current balance of " + account.ToString() + " differs from the journal");
    }
  }
  XCLEAR_RETURN_IF_ERROR(FromRocks(it->status(), "reading balances"));
  if (stored != balances_.size()) {
    return Fail(0, "an account posted to in the journal has no current balance record");
  }
  return true;
}

Result<bool> Verifier::CheckHistoryCount() {
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read_, cf(kHistory)));
  uint64_t stored = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++stored;
  XCLEAR_RETURN_IF_ERROR(FromRocks(it->status(), "reading balance history"));
  if (stored != history_records_) {
    return Fail(0, "balance history holds " + std::to_string(stored) +
                       " records; the journal accounts for " + std::to_string(history_records_));
  }
  return true;
}

bool Verifier::CheckInvariants() {
  std::map<uint32_t, Fen> per_province;
  for (const auto& [account, balance] : balances_) {
    per_province[account.owner] += balance;
    AccountId mirror;
    if (!MirrorAccount(account, mirror)) continue;
    const auto other = balances_.find(mirror);
    const Fen mirrored = other == balances_.end() ? Fen(0) : other->second;
    if (balance + mirrored != 0) {
      return Fail(0, "mirror invariant broken: " + account.ToString() + " = " +
                         Money::FromFen(balance).ToString() + " but " + mirror.ToString() + " = " +
                         Money::FromFen(mirrored).ToString());
    }
  }
  for (const auto& [province, sum] : per_province) {
    if (sum != 0) {
      return Fail(0, "the books of " + std::to_string(province) + " do not balance: " +
                         Money::FromFen(sum).ToString());
    }
  }
  return true;
}

}  // namespace

Result<VerifyReport> RocksLedger::Verify() const {
  Verifier verifier(*db_, handles_, participants_, options_.limits);
  return verifier.Run();
}

}  // namespace xclear::ledger_internal
