// Record grammar (all integers big-endian):
//
//   account     := owner:fixed32 kind:u8 counterpart:fixed32            (9 bytes)
//   amount      := sign:u8 (0 = ≥ 0, 1 = < 0) magnitude:fixed128         (17 bytes)
//   str         := length:fixed32 bytes[length]
//   entry_value := entry_body hash:32
//   entry_body  := format:u8(=1) sequence:fixed64 recorded_ms:fixed64 effective_days:fixed32
//                  kind:fixed16 reverses:fixed64 actor:str idempotency_key:str
//                  source_reference:str memo:str posting_count:fixed32 posting[posting_count]
//   posting     := account side:u8 (0 debit, 1 credit) amount
//   hash        := SHA-256(previous entry's hash ‖ entry_body); the first entry chains to 32 zeros
//
//   fact_value  := fact_body hash:32
//   fact_body   := format:u8(=1) sequence:fixed64 recorded_ms:fixed64 kind:fixed16 key:str
//                  actor:str payload:str
//   fact hash   := SHA-256(previous fact's hash ‖ fact_body); a chain of its own
//
// recorded_ms and effective_days are two's complement stored as unsigned.
#include "codec.h"

#include <cstring>

namespace xclear::ledger_internal {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool Has(size_t n) const { return bytes_.size() - position_ >= n; }
  bool U8(uint8_t& out) {
    if (!Has(1)) return false;
    out = static_cast<uint8_t>(bytes_[position_++]);
    return true;
  }
  bool U16(uint16_t& out) {
    if (!Has(2)) return false;
    out = DecodeFixed16(bytes_.data() + position_);
    position_ += 2;
    return true;
  }
  bool U32(uint32_t& out) {
    if (!Has(4)) return false;
    out = DecodeFixed32(bytes_.data() + position_);
    position_ += 4;
    return true;
  }
  bool U64(uint64_t& out) {
    if (!Has(8)) return false;
    out = DecodeFixed64(bytes_.data() + position_);
    position_ += 8;
    return true;
  }
  bool Str(std::string& out) {
    uint32_t length = 0;
    if (!U32(length) || !Has(length)) return false;
    out.assign(bytes_.data() + position_, length);
    position_ += length;
    return true;
  }
  const char* Take(size_t n) {
    if (!Has(n)) return nullptr;
    const char* at = bytes_.data() + position_;
    position_ += n;
    return at;
  }
  bool AtEnd() const { return position_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  size_t position_ = 0;
};

void PutString(std::string& out, const std::string& value) {
  PutFixed32(out, static_cast<uint32_t>(value.size()));
  out += value;
}

}  // namespace

std::string SequenceKey(uint64_t sequence) {
  std::string key;
  PutFixed64(key, sequence);
  return key;
}

void PutInstantKey(std::string& out, const Instant& instant) {
  // Flip the sign bit so that negative instants sort before positive ones.
  PutFixed64(out, static_cast<uint64_t>(instant.unix_millis()) ^ (uint64_t{1} << 63));
}

Instant DecodeInstantKey(const char* bytes) {
  return Instant::FromUnixMillis(static_cast<int64_t>(DecodeFixed64(bytes) ^ (uint64_t{1} << 63)));
}

void PutAccount(std::string& out, const AccountId& account) {
  PutFixed32(out, account.owner);
  out += static_cast<char>(account.kind);
  PutFixed32(out, account.counterpart);
}

AccountId DecodeAccount(const char* bytes) {
  AccountId account;
  account.owner = DecodeFixed32(bytes);
  account.kind = static_cast<AccountKind>(static_cast<uint8_t>(bytes[4]));
  account.counterpart = DecodeFixed32(bytes + 5);
  return account;
}

std::string EncodeEntryBody(const EntryDraft& draft, uint64_t sequence,
                            const Instant& recorded_at) {
  std::string out;
  out.reserve(64 + draft.actor.size() + draft.idempotency_key.size() +
              draft.source_reference.size() + draft.memo.size() + draft.postings.size() * 27);
  out += static_cast<char>(kEntryFormat);
  PutFixed64(out, sequence);
  PutFixed64(out, static_cast<uint64_t>(recorded_at.unix_millis()));
  PutFixed32(out, static_cast<uint32_t>(draft.effective_date.days_since_epoch()));
  PutFixed16(out, static_cast<uint16_t>(draft.kind));
  PutFixed64(out, draft.reverses_sequence);
  PutString(out, draft.actor);
  PutString(out, draft.idempotency_key);
  PutString(out, draft.source_reference);
  PutString(out, draft.memo);
  PutFixed32(out, static_cast<uint32_t>(draft.postings.size()));
  for (const Posting& posting : draft.postings) {
    PutAccount(out, posting.account);
    out += static_cast<char>(posting.side);
    PutAmount(out, posting.amount.fen());
  }
  return out;
}

Digest DraftContentDigest(const EntryDraft& draft) {
  return Sha256Of(EncodeEntryBody(draft, 0, Instant()));
}

Digest ChainHash(const Digest& previous_hash, std::string_view body) {
  Sha256 sha;
  sha.Update(previous_hash.data(), previous_hash.size());
  sha.Update(body);
  return sha.Finish();
}

std::string EncodeIdempotencyRecord(uint64_t sequence, const Digest& content) {
  std::string record;
  PutFixed64(record, sequence);
  record.append(reinterpret_cast<const char*>(content.data()), content.size());
  return record;
}

bool DecodeIdempotencyRecord(std::string_view value, uint64_t& sequence, Digest& content) {
  if (value.size() != kIdempotencyRecordBytes) return false;
  sequence = DecodeFixed64(value.data());
  std::memcpy(content.data(), value.data() + 8, content.size());
  return true;
}

bool SamePostingsNegated(const std::vector<Posting>& original,
                         const std::vector<Posting>& reversal) {
  if (original.size() != reversal.size()) return false;
  for (size_t i = 0; i < original.size(); ++i) {
    if (original[i].account != reversal[i].account || original[i].amount != reversal[i].amount ||
        original[i].side == reversal[i].side) {
      return false;
    }
  }
  return true;
}

std::string ChainedValue(const Digest& previous_hash, std::string body, Digest& hash) {
  hash = ChainHash(previous_hash, body);
  body.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  return body;
}

std::string_view EntryBodyOf(std::string_view value) {
  return value.size() < 32 ? std::string_view() : value.substr(0, value.size() - 32);
}

Result<JournalEntry> DecodeEntry(std::string_view value) {
  const auto corrupt = [](const char* what) {
    return Status::Corruption(std::string("stored entry is malformed: ") + what);
  };
  if (value.size() < 32) return corrupt("too short");
  Reader reader(EntryBodyOf(value));
  JournalEntry entry;
  uint8_t format = 0;
  uint64_t recorded = 0;
  uint32_t effective = 0;
  uint16_t kind = 0;
  uint32_t posting_count = 0;
  if (!reader.U8(format) || format != kEntryFormat) return corrupt("unknown format");
  if (!reader.U64(entry.sequence) || !reader.U64(recorded) || !reader.U32(effective) ||
      !reader.U16(kind) || !reader.U64(entry.reverses_sequence) || !reader.Str(entry.actor) ||
      !reader.Str(entry.idempotency_key) || !reader.Str(entry.source_reference) ||
      !reader.Str(entry.memo) || !reader.U32(posting_count)) {
    return corrupt("truncated header");
  }
  if (!reader.Has(static_cast<size_t>(posting_count) * (kAccountKeyBytes + 1 + kAmountBytes))) {
    return corrupt("posting count exceeds the record");
  }
  entry.recorded_at = Instant::FromUnixMillis(static_cast<int64_t>(recorded));
  entry.effective_date = Date::FromDaysSinceEpoch(static_cast<int32_t>(effective));
  entry.kind = static_cast<EntryKind>(kind);
  entry.postings.resize(posting_count);
  for (Posting& posting : entry.postings) {
    posting.account = DecodeAccount(reader.Take(kAccountKeyBytes));
    uint8_t side = 0;
    reader.U8(side);
    if (side > 1) return corrupt("posting side is neither debit nor credit");
    posting.side = static_cast<Side>(side);
    posting.amount = Money::FromFen(DecodeAmount(reader.Take(kAmountBytes)));
  }
  if (!reader.AtEnd()) return corrupt("trailing bytes after the postings");
  std::memcpy(entry.hash.data(), value.data() + value.size() - 32, 32);
  return entry;
}

std::string EncodeFactBody(const FactDraft& draft, uint64_t sequence, const Instant& recorded_at) {
  std::string out;
  out += static_cast<char>(kEntryFormat);
  PutFixed64(out, sequence);
  PutFixed64(out, static_cast<uint64_t>(recorded_at.unix_millis()));
  PutFixed16(out, static_cast<uint16_t>(draft.kind));
  PutString(out, draft.key);
  PutString(out, draft.actor);
  PutString(out, draft.payload);
  return out;
}

Result<Fact> DecodeFact(std::string_view value) {
  if (value.size() < 32) return Status::Corruption("stored fact is malformed: too short");
  Reader reader(EntryBodyOf(value));
  Fact fact;
  uint8_t format = 0;
  uint64_t recorded = 0;
  uint16_t kind = 0;
  if (!reader.U8(format) || format != kEntryFormat || !reader.U64(fact.sequence) ||
      !reader.U64(recorded) || !reader.U16(kind) || !reader.Str(fact.key) ||
      !reader.Str(fact.actor) || !reader.Str(fact.payload) || !reader.AtEnd()) {
    return Status::Corruption("stored fact is malformed");
  }
  fact.recorded_at = Instant::FromUnixMillis(static_cast<int64_t>(recorded));
  fact.kind = static_cast<FactKind>(kind);
  std::memcpy(fact.hash.data(), value.data() + value.size() - 32, 32);
  return fact;
}

}  // namespace xclear::ledger_internal
