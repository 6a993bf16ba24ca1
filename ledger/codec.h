// Binary encoding of ledger records (internal to ledger/). The grammar of each record is at the
// top of codec.cc. All integers are big-endian so that keys sort numerically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "xclear/account.h"
#include "xclear/encoding.h"
#include "xclear/journal.h"
#include "xclear/ledger.h"
#include "xclear/money.h"
#include "xclear/status.h"

namespace xclear::ledger_internal {

using namespace encoding;  // PutFixed*, DecodeFixed*, PutAmount, DecodeAmount, kAmountBytes

inline constexpr size_t kAccountKeyBytes = 9;
inline constexpr uint8_t kEntryFormat = 1;

// Sequence numbers and instants as keys that sort in numeric order.
std::string SequenceKey(uint64_t sequence);
void PutInstantKey(std::string& out, const Instant& instant);
Instant DecodeInstantKey(const char* bytes);

void PutAccount(std::string& out, const AccountId& account);
AccountId DecodeAccount(const char* bytes);

// The canonical bytes of an entry without its hash: what the hash chain covers.
std::string EncodeEntryBody(const EntryDraft& draft, uint64_t sequence, const Instant& recorded_at);
// The content identity of a draft for idempotency: its canonical bytes with sequence and time 0.
Digest DraftContentDigest(const EntryDraft& draft);
// hash = SHA-256(previous_hash ‖ body)
Digest ChainHash(const Digest& previous_hash, std::string_view body);
// The stored value of a chained record (an entry or a fact): body ‖ hash, with `hash` set.
std::string ChainedValue(const Digest& previous_hash, std::string body, Digest& hash);

// Decodes a stored journal value (body ‖ hash). Corruption when malformed.
Result<JournalEntry> DecodeEntry(std::string_view value);
// The body part of a stored journal value (everything but the trailing hash).
std::string_view EntryBodyOf(std::string_view value);

// idempotency record := sequence:fixed64 content_digest:32
inline constexpr size_t kIdempotencyRecordBytes = 40;
std::string EncodeIdempotencyRecord(uint64_t sequence, const Digest& content);
// False when the record is malformed.
bool DecodeIdempotencyRecord(std::string_view value, uint64_t& sequence, Digest& content);

// True when `reversal` carries exactly the postings of `original` with debit and credit swapped.
bool SamePostingsNegated(const std::vector<Posting>& original,
                         const std::vector<Posting>& reversal);

// Facts: fact_value := fact_body hash:32 (grammar in codec.cc).
std::string EncodeFactBody(const FactDraft& draft, uint64_t sequence, const Instant& recorded_at);
Result<Fact> DecodeFact(std::string_view value);

}  // namespace xclear::ledger_internal
