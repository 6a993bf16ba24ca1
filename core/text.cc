#include "xclear/text.h"

#include <cstdint>
#include <cstring>

namespace xclear {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER

// Length of the valid UTF-8 sequence at p, or 0 when none starts there (an invalid lead byte, a
// stray continuation byte, a truncated sequence, an overlong form, a surrogate, > U+10FFFF).
size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = *p;
  if (c < 0x80) return 1;
  size_t length = 0;
  uint32_t code = 0;
  if ((c & 0xE0) == 0xC0) {
    length = 2;
    code = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    length = 3;
    code = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    length = 4;
    code = c & 0x07;
  } else {
    return 0;
  }
  if (end - p < static_cast<ptrdiff_t>(length)) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    code = code << 6 | (p[i] & 0x3F);
  }
  const uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < minimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// Appends at most `characters_max` characters of `text` to `out`, each invalid byte as U+FFFD;
// returns the bytes of `text` taken.
size_t AppendCharacters(std::string_view text, size_t characters_max, std::string& out) {
  const auto* begin = Bytes(text);
  const auto* p = begin;
  const auto* end = p + text.size();
  for (size_t characters = 0; p < end && characters < characters_max; ++characters) {
    const size_t length = Utf8SequenceLength(p, end);
    if (length == 0) {
      out += kReplacement;
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), length);
      p += length;
    }
  }
  return static_cast<size_t>(p - begin);
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* p = Bytes(text);
  const auto* end = p + text.size();
  while (p < end) {
    // Fast path: 8 ASCII bytes at a time.
    if (end - p >= 8) {
      uint64_t chunk;
      std::memcpy(&chunk, p, 8);
      if ((chunk & 0x8080808080808080ull) == 0) {
        p += 8;
        continue;
      }
    }
    const size_t length = Utf8SequenceLength(p, end);
    if (length == 0) return false;
    p += length;
  }
  return true;
}

std::string ReplaceInvalidUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  AppendCharacters(text, std::string_view::npos, out);
  return out;
}

std::string CharacterAt(std::string_view text, size_t position) {
  const auto* p = Bytes(text) + position;
  const size_t length = Utf8SequenceLength(p, Bytes(text) + text.size());
  if (length == 0) return std::string(kReplacement);
  return std::string(text.substr(position, length));
}

std::string QuoteText(std::string_view text, size_t characters_max) {
  std::string out = "\"";
  const size_t used = AppendCharacters(text, characters_max, out);
  if (used < text.size()) out += "...";
  out += "\"";
  return out;
}

}  // namespace xclear
