// Ledger verification: everything the ledger stores is recomputed from the journal and compared.
// Runs on a RocksDB snapshot, so it is consistent while appends continue.
#include <rocksdb/iterator.h>

#include <cstring>
#include <set>
#include <stdexcept>

#include "codec.h"
#include "rocksdb_ledger.h"

namespace xclear::ledger_internal {
namespace {

// A multiset digest: the sum modulo 2^256 of SHA-256 digests, so that records can be added in
// any order (the journal's and the index's orders differ).
class OrderFreeDigest {
 public:
  void Add(const Digest& digest) {
    unsigned carry = 0;
    for (int limb = 31; limb >= 0; --limb) {
      const unsigned sum = sum_[limb] + digest[limb] + carry;
      sum_[limb] = static_cast<uint8_t>(sum & 0xFF);
      carry = sum >> 8;
    }
    ++count_;
  }
  bool operator==(const OrderFreeDigest&) const = default;
  uint64_t count() const { return count_; }

 private:
  Digest sum_{};
  uint64_t count_ = 0;
};

// SHA-256(key ‖ record): one idempotency index record as an element of the multiset.
Digest IdempotencyRecordDigest(std::string_view key, std::string_view record) {
  Sha256 sha;
  sha.Update(key);
  sha.Update(record);
  return sha.Finish();
}

std::string HistoryRecord(uint64_t sequence, std::string_view amount) {
  std::string record;
  PutFixed64(record, sequence);
  record.append(amount);
  return record;
}

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
  void RecordHistory(const JournalEntry& entry);
  void RecordIdempotency(const JournalEntry& entry);
  Result<bool> CheckHead(const LedgerHead& last);
  Result<bool> CheckBalances();
  Result<bool> CheckHistoryIndex();
  Result<bool> LocateHistoryMismatch(const AccountId& account);
  Result<bool> CheckIdempotencyIndex();
  Result<bool> CheckFacts();
  Result<bool> LocateIdempotencyMismatch();
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
  // What the history index must hold, per account: a digest of its (sequence, balance) records
  // in order, as the journal implies them. Compared with one sequential scan of the index.
  std::map<AccountId, std::unique_ptr<Sha256>> history_digests_;
  // What the idempotency index must hold: an order-independent sum of per-record digests.
  OrderFreeDigest idempotency_expected_;
};

Result<VerifyReport> Verifier::Run() {
  LedgerHead last;
  try {
    XCLEAR_ASSIGN_OR_RETURN(bool ok, CheckJournal(last));
    if (ok) {
      XCLEAR_ASSIGN_OR_RETURN(ok, CheckHead(last));
    }
    if (ok) {
      XCLEAR_ASSIGN_OR_RETURN(ok, CheckBalances());
    }
    if (ok) {
      XCLEAR_ASSIGN_OR_RETURN(ok, CheckHistoryIndex());
    }
    if (ok) {
      XCLEAR_ASSIGN_OR_RETURN(ok, CheckIdempotencyIndex());
    }
    if (ok) {
      XCLEAR_ASSIGN_OR_RETURN(ok, CheckFacts());
    }
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
  for (const Posting& posting : entry.postings)
    balances_[posting.account] += posting.Signed().fen();
  RecordHistory(entry);
  RecordIdempotency(entry);
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
  const Status reversible = CheckReversible(*original);
  if (!reversible.ok()) return Fail(entry.sequence, reversible.message());
  const bool negated = original->kind != EntryKind::kReversal &&
                       SamePostingsNegated(original->postings, entry.postings);
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

void Verifier::RecordHistory(const JournalEntry& entry) {
  std::set<AccountId> touched;
  for (const Posting& posting : entry.postings) touched.insert(posting.account);
  for (const AccountId& account : touched) {
    auto& digest = history_digests_[account];
    if (!digest) digest = std::make_unique<Sha256>();
    std::string amount;
    PutAmount(amount, balances_[account]);
    digest->Update(HistoryRecord(entry.sequence, amount));
  }
}

void Verifier::RecordIdempotency(const JournalEntry& entry) {
  if (entry.idempotency_key.empty()) return;
  idempotency_expected_.Add(IdempotencyRecordDigest(
      entry.idempotency_key, EncodeIdempotencyRecord(entry.sequence, DraftContentDigest(entry))));
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
  if (!it->Valid() || it->key().size() != 16 ||
      DecodeFixed64(it->key().data() + 8) != last.sequence) {
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

Result<bool> Verifier::CheckHistoryIndex() {
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read_, cf(kHistory)));
  std::set<AccountId> seen;
  it->SeekToFirst();
  while (it->Valid()) {
    if (it->key().size() != kAccountKeyBytes + 8 || it->value().size() != kAmountBytes) {
      return Fail(0, "a balance history record is malformed");
    }
    const AccountId account = DecodeAccount(it->key().data());
    const std::string prefix(it->key().data(), kAccountKeyBytes);
    Sha256 digest;
    for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
      digest.Update(HistoryRecord(DecodeFixed64(it->key().data() + kAccountKeyBytes),
                                  std::string_view(it->value().data(), it->value().size())));
    }
    const auto expected = history_digests_.find(account);
    if (expected == history_digests_.end() || expected->second->Finish() != digest.Finish()) {
      return LocateHistoryMismatch(account);
    }
    seen.insert(account);
  }
  XCLEAR_RETURN_IF_ERROR(FromRocks(it->status(), "reading balance history"));
  for (const auto& [account, unused] : history_digests_) {
    if (seen.count(account) == 0) return LocateHistoryMismatch(account);
  }
  return true;
}

// Slow path, only after a mismatch: walks the journal and the account's history side by side to
// name the first entry where they disagree.
Result<bool> Verifier::LocateHistoryMismatch(const AccountId& account) {
  const std::string name = "balance history of " + account.ToString();
  std::string prefix;
  PutAccount(prefix, account);
  std::unique_ptr<rocksdb::Iterator> journal(db_.NewIterator(read_, cf(kJournal)));
  std::unique_ptr<rocksdb::Iterator> history(db_.NewIterator(read_, cf(kHistory)));
  history->Seek(prefix);
  Fen balance = 0;
  for (journal->SeekToFirst(); journal->Valid(); journal->Next()) {
    auto entry = DecodeEntry(std::string_view(journal->value().data(), journal->value().size()));
    if (!entry.ok()) return Fail(0, entry.status().message());
    bool touched = false;
    for (const Posting& posting : entry->postings) {
      if (posting.account == account) {
        balance += posting.Signed().fen();
        touched = true;
      }
    }
    if (!touched) continue;
    const bool present = history->Valid() && history->key().starts_with(prefix);
    if (!present || DecodeFixed64(history->key().data() + kAccountKeyBytes) != entry->sequence) {
      return Fail(entry->sequence, name + " has no record for this entry");
    }
    if (history->value().size() != kAmountBytes ||
        DecodeAmount(history->value().data()) != balance) {
      return Fail(entry->sequence, name + " differs from the journal");
    }
    history->Next();
  }
  if (history->Valid() && history->key().starts_with(prefix)) {
    return Fail(DecodeFixed64(history->key().data() + kAccountKeyBytes),
                name + " has a record that no entry accounts for");
  }
  return Fail(0, name + " differs from the journal");
}

Result<bool> Verifier::CheckIdempotencyIndex() {
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read_, cf(kIdempotency)));
  OrderFreeDigest stored;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->value().size() != kIdempotencyRecordBytes) return LocateIdempotencyMismatch();
    stored.Add(IdempotencyRecordDigest(std::string_view(it->key().data(), it->key().size()),
                                       std::string_view(it->value().data(), it->value().size())));
  }
  XCLEAR_RETURN_IF_ERROR(FromRocks(it->status(), "reading idempotency keys"));
  if (stored == idempotency_expected_) return true;
  return LocateIdempotencyMismatch();
}

// Slow path: checks each keyed entry against the index, then each index record against the
// journal, and names the first entry that disagrees.
Result<bool> Verifier::LocateIdempotencyMismatch() {
  std::unique_ptr<rocksdb::Iterator> journal(db_.NewIterator(read_, cf(kJournal)));
  for (journal->SeekToFirst(); journal->Valid(); journal->Next()) {
    auto entry = DecodeEntry(std::string_view(journal->value().data(), journal->value().size()));
    if (!entry.ok() || entry->idempotency_key.empty()) continue;
    std::string value;
    const rocksdb::Status got = db_.Get(read_, cf(kIdempotency), entry->idempotency_key, &value);
    uint64_t sequence = 0;
    Digest content{};
    if (!got.ok() || !DecodeIdempotencyRecord(value, sequence, content) ||
        sequence != entry->sequence || content != DraftContentDigest(*entry)) {
      return Fail(entry->sequence, "the idempotency index does not point at this entry");
    }
  }
  std::unique_ptr<rocksdb::Iterator> index(db_.NewIterator(read_, cf(kIdempotency)));
  for (index->SeekToFirst(); index->Valid(); index->Next()) {
    const std::string key = index->key().ToString();
    uint64_t sequence = 0;
    Digest content{};
    DecodeIdempotencyRecord(std::string_view(index->value().data(), index->value().size()),
                            sequence, content);  // a malformed record leaves sequence 0
    std::string value;
    const rocksdb::Status got = db_.Get(read_, cf(kJournal), SequenceKey(sequence), &value);
    auto entry = got.ok() ? DecodeEntry(value) : Result<JournalEntry>(Status::NotFound(""));
    if (!entry.ok() || entry->idempotency_key != key) {
      return Fail(sequence,
                  "the idempotency index holds key \"" + key + "\" that this entry does not carry");
    }
  }
  return Fail(0, "the idempotency index differs from the journal");
}

// The facts chain: contiguous sequence numbers, the hash chain, the key index and the head.
// A bad fact is reported with first_bad_sequence 0 and the fact's number in the reason.
Result<bool> Verifier::CheckFacts() {
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read_, cf(kFacts)));
  LedgerHead last;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string where = "fact " + std::to_string(last.sequence + 1) + ": ";
    const std::string_view value(it->value().data(), it->value().size());
    auto fact = DecodeFact(value);
    if (!fact.ok()) return Fail(0, where + fact.status().message());
    if (fact->sequence != last.sequence + 1 ||
        it->key() != rocksdb::Slice(SequenceKey(fact->sequence))) {
      return Fail(0, where + "missing or stored under the wrong number");
    }
    if (ChainHash(last.hash, EntryBodyOf(value)) != fact->hash) {
      return Fail(0, where + "hash mismatch: the fact's bytes or its chain were altered");
    }
    if (fact->recorded_at < last.recorded_at)
      return Fail(0, where + "recorded time goes backwards");
    std::string indexed;
    const rocksdb::Status got = db_.Get(read_, cf(kFactKeys), fact->key, &indexed);
    if (!got.ok() || indexed != SequenceKey(fact->sequence)) {
      return Fail(0, where + "the fact key index does not point at it");
    }
    last.sequence = fact->sequence;
    last.hash = fact->hash;
    ++report_.facts_checked;
  }
  XCLEAR_RETURN_IF_ERROR(FromRocks(it->status(), "reading facts"));
  std::string head;
  const rocksdb::Status got = db_.Get(read_, cf(kMeta), "meta:facts_head", &head);
  const bool empty_ok = got.IsNotFound() && last.sequence == 0;
  if (!empty_ok && (head.size() != 48 || DecodeFixed64(head.data()) != last.sequence ||
                    std::memcmp(head.data() + 8, last.hash.data(), 32) != 0)) {
    return Fail(0, "the facts head record does not match the last fact");
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
      return Fail(0, "the books of " + std::to_string(province) +
                         " do not balance: " + Money::FromFen(sum).ToString());
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
