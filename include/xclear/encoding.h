// Fixed-width big-endian encodings shared by every stored record (so that keys sort
// numerically), and the lossless encoding of a checked 128-bit amount. Thread safety: pure.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#include "xclear/money.h"

namespace xclear::encoding {

inline constexpr size_t kAmountBytes = 17;

template <typename T>
constexpr T ToBig(T value) {  // std::byteswap is C++23
  if constexpr (std::endian::native == std::endian::big) return value;
  if constexpr (sizeof(T) == 2) return __builtin_bswap16(value);
  if constexpr (sizeof(T) == 4) return __builtin_bswap32(value);
  if constexpr (sizeof(T) == 8) return __builtin_bswap64(value);
}
// Inline: they are in the hot path of every claim (a declaration encodes, sorts and writes
// millions of them).
inline void PutFixed16(std::string& out, uint16_t value) {
  const uint16_t big = ToBig<uint16_t>(value);
  out.append(reinterpret_cast<const char*>(&big), 2);
}
inline void PutFixed32(std::string& out, uint32_t value) {
  const uint32_t big = ToBig<uint32_t>(value);
  out.append(reinterpret_cast<const char*>(&big), 4);
}
inline void PutFixed64(std::string& out, uint64_t value) {
  const uint64_t big = ToBig<uint64_t>(value);
  out.append(reinterpret_cast<const char*>(&big), 8);
}
inline uint16_t DecodeFixed16(const char* bytes) {
  uint16_t big;
  std::memcpy(&big, bytes, 2);
  return ToBig<uint16_t>(big);
}
inline uint32_t DecodeFixed32(const char* bytes) {
  uint32_t big;
  std::memcpy(&big, bytes, 4);
  return ToBig<uint32_t>(big);
}
inline uint64_t DecodeFixed64(const char* bytes) {
  uint64_t big;
  std::memcpy(&big, bytes, 8);
  return ToBig<uint64_t>(big);
}

// amount := sign:u8 (0 = ≥ 0, 1 = < 0) magnitude:fixed128 — the whole checked_int128_t range.
void PutAmount(std::string& out, const Fen& value);
Fen DecodeAmount(const char* bytes);

}  // namespace xclear::encoding
