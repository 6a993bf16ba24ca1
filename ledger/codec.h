// Binary encoding of ledger records (internal to ledger/). The grammar of each record is at the
// top of codec.cc. All integers are big-endian so that keys sort numerically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "xclear/account.h"
#include "xclear/journal.h"
#include "xclear/ledger.h"
#include "xclear/money.h"
#include "xclear/status.h"

namespace xclear::ledger_internal {

inline constexpr size_t kAccountKeyBytes = 9;
inline constexpr size_t kAmountBytes = 17;
inline constexpr uint8_t kEntryFormat = 1;

void PutFixed16(std::string& out, uint16_t value);
void PutFixed32(std::string& out, uint32_t value);
void PutFixed64(std::string& out, uint64_t value);
uint32_t DecodeFixed32(const char* bytes);
uint64_t DecodeFixed64(const char* bytes);

// Sequence numbers and instants as keys that sort in numeric order.
std::string SequenceKey(uint64_t sequence);
void PutInstantKey(std::string& out, const Instant& instant);
Instant DecodeInstantKey(const char* bytes);

void PutAccount(std::string& out, const AccountId& account);
AccountId DecodeAccount(const char* bytes);

// amount := sign:u8 magnitude:fixed128 — lossless over the whole checked_int128_t range.
void PutAmount(std::string& out, const Fen& value);
Fen DecodeAmount(const char* bytes);

// The canonical bytes of an entry without its hash: what the hash chain covers.
std::string EncodeEntryBody(const EntryDraft& draft, uint64_t sequence, const Instant& recorded_at);
// The content identity of a draft for idempotency: its canonical bytes with sequence and time 0.
Digest DraftContentDigest(const EntryDraft& draft);
// hash = SHA-256(previous_hash ‖ body)
Digest ChainHash(const Digest& previous_hash, std::string_view body);

// Decodes a stored journal value (body ‖ hash). Corruption when malformed.
Result<JournalEntry> DecodeEntry(std::string_view value);
// The body part of a stored journal value (everything but the trailing hash).
std::string_view EntryBodyOf(std::string_view value);

// Facts: fact_value := fact_body hash:32 (grammar in codec.cc).
std::string EncodeFactBody(const FactDraft& draft, uint64_t sequence, const Instant& recorded_at);
Result<Fact> DecodeFact(std::string_view value);

}  // namespace xclear::ledger_internal
