// Fixed-width big-endian encodings shared by every stored record (so that keys sort
// numerically), and the lossless encoding of a checked 128-bit amount. Thread safety: pure.
#pragma once

#include <cstdint>
#include <string>

#include "xclear/money.h"

namespace xclear::encoding {

inline constexpr size_t kAmountBytes = 17;

void PutFixed16(std::string& out, uint16_t value);
void PutFixed32(std::string& out, uint32_t value);
void PutFixed64(std::string& out, uint64_t value);
uint16_t DecodeFixed16(const char* bytes);
uint32_t DecodeFixed32(const char* bytes);
uint64_t DecodeFixed64(const char* bytes);

// amount := sign:u8 (0 = ≥ 0, 1 = < 0) magnitude:fixed128 — the whole checked_int128_t range.
void PutAmount(std::string& out, const Fen& value);
Fen DecodeAmount(const char* bytes);

}  // namespace xclear::encoding
