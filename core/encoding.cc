#include "xclear/encoding.h"

namespace xclear::encoding {

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
