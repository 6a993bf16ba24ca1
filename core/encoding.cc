#include "xclear/encoding.h"

namespace xclear::encoding {

void PutFixed16(std::string& out, uint16_t value) {
  out += static_cast<char>(value >> 8);
  out += static_cast<char>(value & 0xFF);
}

void PutFixed32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xFF);
}

void PutFixed64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xFF);
}

uint16_t DecodeFixed16(const char* bytes) {
  return static_cast<uint16_t>(static_cast<uint8_t>(bytes[0]) << 8 |
                               static_cast<uint8_t>(bytes[1]));
}

uint32_t DecodeFixed32(const char* bytes) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = value << 8 | static_cast<uint8_t>(bytes[i]);
  return value;
}

uint64_t DecodeFixed64(const char* bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | static_cast<uint8_t>(bytes[i]);
  return value;
}

void PutAmount(std::string& out, const Fen& value) {
  const bool negative = value < 0;
  const Fen magnitude = negative ? Fen(-value) : value;
  out += static_cast<char>(negative ? 1 : 0);
  PutFixed64(out, (magnitude >> 64).convert_to<uint64_t>());
  PutFixed64(out, (magnitude & Fen(UINT64_MAX)).convert_to<uint64_t>());
}

Fen DecodeAmount(const char* bytes) {
  const Fen magnitude = Fen(DecodeFixed64(bytes + 1)) << 64 | Fen(DecodeFixed64(bytes + 9));
  return bytes[0] != 0 ? Fen(-magnitude) : magnitude;
}

}  // namespace xclear::encoding
