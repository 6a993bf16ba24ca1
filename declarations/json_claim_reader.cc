#include "json_claim_reader.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "xclear/text.h"

namespace xclear::declarations_internal {
namespace {

constexpr size_t kKeyBytesShown = 64;
constexpr size_t kOtherKeysListed = 16;  // unknown keys named per element; the rest are counted

// The length of the UTF-8 sequence starting at text[at] (a byte ≥ 0x80), or 0 when it is not
// well-formed (overlong forms, surrogates and code points above U+10FFFF are not).
size_t Utf8SequenceLength(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) {
    return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0u;
  };
  const unsigned lead = byte(0);
  const auto continuation = [&](size_t i, unsigned low = 0x80, unsigned high = 0xBF) {
    return byte(i) >= low && byte(i) <= high;
  };
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead == 0xE0) return continuation(1, 0xA0) && continuation(2) ? 3 : 0;
  if (lead == 0xED) return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0;
  if (lead >= 0xE1 && lead <= 0xEF) return continuation(1) && continuation(2) ? 3 : 0;
  if (lead == 0xF0) return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead >= 0xF1 && lead <= 0xF3)
    return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead == 0xF4)
    return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0;
  return 0;
}

void AppendUtf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The index of `key` in kClaimFields, or -1.
int ClaimFieldIndex(std::string_view key) {
  for (int field = 0; field < static_cast<int>(kClaimFieldsAll); ++field) {
    if (key == kClaimFields[field]) return field;
  }
  return -1;
}

// A key as a row error's field: at most kKeyBytesShown bytes, cut at a character boundary.
std::string KeyShown(std::string_view key) {
  if (key.size() <= kKeyBytesShown) return std::string(key);
  size_t end = kKeyBytesShown;
  while (end > 0 && (static_cast<unsigned char>(key[end]) & 0xC0) == 0x80) --end;
  return std::string(key.substr(0, end)) + "…";
}

}  // namespace

void JsonClaimReader::SkipSpace() {
  while (position_ < text_.size()) {
    const char c = text_[position_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
    ++position_;
  }
}

bool JsonClaimReader::Fail(std::string what) {
  if (!status_.ok()) return false;
  const size_t at = std::min(position_, text_.size());
  uint64_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < at; ++i) {
    if (text_[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const std::string where = "line " + std::to_string(line) + ", column " +
                            std::to_string(at - line_start + 1) + " (byte " +
                            std::to_string(at + 1) + ")";
  status_ = Status::InvalidArgument(
      at >= text_.size()
          ? "the claims are not valid JSON: the text ends at " + where + " where " + what
          : "the claims are not valid JSON at " + where + ": " + what);
  phase_ = Phase::kDone;
  return false;
}

bool JsonClaimReader::Expect(char c, const char* what) {
  if (position_ < text_.size() && text_[position_] == c) {
    ++position_;
    return true;
  }
  return Fail(std::string(what));
}

bool JsonClaimReader::ReadString(std::string_view& plain, std::pair<size_t, size_t>& decoded,
                                 bool& escaped) {
  ++position_;  // the opening quote
  const size_t start = position_;
  escaped = false;
  size_t scratch_start = 0;
  while (position_ < text_.size()) {
    const unsigned char c = static_cast<unsigned char>(text_[position_]);
    if (c == '"') {
      if (escaped) {
        decoded = {scratch_start, scratch_.size() - scratch_start};
      } else {
        plain = text_.substr(start, position_ - start);
      }
      ++position_;
      return true;
    }
    if (c < 0x20) return Fail("a control character in a string must be written as an escape");
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text_, position_);
      if (length == 0) return Fail("a string holds bytes that are not UTF-8");
      if (escaped) scratch_.append(text_.substr(position_, length));
      position_ += length;
      continue;
    }
    if (c != '\\') {
      if (escaped) scratch_.push_back(static_cast<char>(c));
      ++position_;
      continue;
    }
    if (!escaped) {  // the first escape: what came before it goes to the scratch area
      escaped = true;
      scratch_start = scratch_.size();
      scratch_.append(text_.substr(start, position_ - start));
    }
    if (position_ + 1 >= text_.size()) {
      position_ = text_.size();
      return Fail("an escape sequence should be");
    }
    const char kind = text_[position_ + 1];
    position_ += 2;
    // The one-letter escapes and the characters they stand for.
    constexpr std::string_view kEscapes = "\"\\/bfnrt";
    constexpr std::string_view kEscaped = "\"\\/\b\f\n\r\t";
    if (const size_t at = kEscapes.find(kind); at != std::string_view::npos) {
      scratch_.push_back(kEscaped[at]);
      continue;
    }
    if (kind != 'u') {
      position_ -= 1;
      return Fail("\\" + CharacterAt(text_, position_) + " is not an escape sequence of JSON");
    }
    const auto hex4 = [&](uint32_t& value) {
      if (position_ + 4 > text_.size()) {
        position_ = text_.size();
        return Fail("four hexadecimal digits of a \\u escape should be");
      }
      value = 0;
      for (int i = 0; i < 4; ++i) {
        const int digit = HexValue(text_[position_ + static_cast<size_t>(i)]);
        if (digit < 0) return Fail("a \\u escape needs four hexadecimal digits");
        value = value << 4 | static_cast<uint32_t>(digit);
      }
      position_ += 4;
      return true;
    };
    uint32_t code_point = 0;
    if (!hex4(code_point)) return false;
    if (code_point >= 0xDC00 && code_point <= 0xDFFF)
      return Fail("a \\u escape holds a low surrogate without a high one before it");
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
      if (position_ + 1 >= text_.size() || text_[position_] != '\\' || text_[position_ + 1] != 'u')
        return Fail("a high surrogate \\u escape must be followed by a low one");
      position_ += 2;
      uint32_t low = 0;
      if (!hex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF)
        return Fail("a high surrogate \\u escape must be followed by a low one");
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(scratch_, code_point);
  }
  return Fail("a string's closing quote should be");
}

bool JsonClaimReader::SkipNumber() {
  const auto digits = [&] {
    const size_t start = position_;
    while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9')
      ++position_;
    return position_ > start;
  };
  if (position_ < text_.size() && text_[position_] == '-') ++position_;
  if (position_ < text_.size() && text_[position_] == '0') {
    ++position_;
  } else if (!digits()) {
    return Fail("a number needs a digit");
  }
  if (position_ < text_.size() && text_[position_] == '.') {
    ++position_;
    if (!digits()) return Fail("a number needs a digit after its decimal point");
  }
  if (position_ < text_.size() && (text_[position_] == 'e' || text_[position_] == 'E')) {
    ++position_;
    if (position_ < text_.size() && (text_[position_] == '+' || text_[position_] == '-'))
      ++position_;
    if (!digits()) return Fail("a number needs a digit in its exponent");
  }
  return true;
}

bool JsonClaimReader::SkipLiteral() {
  for (const std::string_view literal : {"true", "false", "null"}) {
    if (text_.substr(position_, literal.size()) == literal) {
      position_ += literal.size();
      return true;
    }
  }
  return Fail("a value should be (a string, number, object, array, true, false or null)");
}

bool JsonClaimReader::SkipValue() {
  std::array<char, kDepthMax> closers{};
  size_t depth = 0;
  std::string_view plain;
  std::pair<size_t, size_t> decoded;
  bool escaped = false;
  const size_t scratch_mark = scratch_.size();
  const auto key_and_colon = [&] {
    SkipSpace();
    if (position_ >= text_.size() || text_[position_] != '"')
      return Fail("a key (a string in double quotes) should be");
    if (!ReadString(plain, decoded, escaped)) return false;
    SkipSpace();
    return Expect(':', "a ':' should follow a key");
  };
  while (true) {
    SkipSpace();
    if (position_ >= text_.size()) return Fail("a value should be");
    const char c = text_[position_];
    bool complete = true;  // a whole value was read (not the opening of an object or array)
    if (c == '{' || c == '[') {
      if (depth == kDepthMax)
        return Fail("values are nested more than " + std::to_string(kDepthMax) + " deep");
      closers[depth++] = c == '{' ? '}' : ']';
      ++position_;
      SkipSpace();
      if (position_ < text_.size() && text_[position_] == closers[depth - 1]) {
        ++position_;
        --depth;
      } else if (c == '{') {
        if (!key_and_colon()) return false;
        complete = false;
      } else {
        complete = false;
      }
    } else if (c == '"') {
      if (!ReadString(plain, decoded, escaped)) return false;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      if (!SkipNumber()) return false;
    } else {
      if (!SkipLiteral()) return false;
    }
    if (!complete) continue;
    // After a complete value: close what ends here, or go on to the next member or element.
    while (true) {
      if (depth == 0) {
        scratch_.resize(scratch_mark);  // skipped strings need no room
        return true;
      }
      SkipSpace();
      if (position_ < text_.size() && text_[position_] == closers[depth - 1]) {
        ++position_;
        --depth;
        continue;
      }
      if (position_ < text_.size() && text_[position_] == ',') {
        ++position_;
        if (closers[depth - 1] == '}' && !key_and_colon()) return false;
        break;
      }
      return Fail(std::string("a ',' or '") + closers[depth - 1] + "' should be");
    }
  }
}

bool JsonClaimReader::ReadObject(ClaimFieldValues& fields, uint64_t row,
                                 std::vector<RowError>& errors, bool& shaped) {
  ++position_;  // '{'
  scratch_.clear();
  std::array<bool, kClaimFieldsAll> seen{};
  std::array<bool, kClaimFieldsAll> is_decoded{};
  std::array<std::pair<size_t, size_t>, kClaimFieldsAll> decoded_at{};
  fields[kReversalOfField] = {};               // optional: absent is a claim
  std::unordered_set<std::string> other_keys;  // keys that are not claim fields, for duplicates
  size_t other_keys_listed = 0;
  bool misshapen = false;
  SkipSpace();
  if (position_ < text_.size() && text_[position_] == '}') {
    ++position_;
  } else {
    while (true) {
      if (position_ >= text_.size() || text_[position_] != '"')
        return Fail("a key (a string in double quotes) should be");
      std::string_view key;
      std::pair<size_t, size_t> key_decoded;
      bool key_escaped = false;
      if (!ReadString(key, key_decoded, key_escaped)) return false;
      std::string key_text;
      if (key_escaped) {
        key_text = scratch_.substr(key_decoded.first, key_decoded.second);
        scratch_.resize(key_decoded.first);
        key = key_text;
      }
      SkipSpace();
      if (!Expect(':', "a ':' should follow a key")) return false;
      SkipSpace();
      const int field = ClaimFieldIndex(key);
      const bool twice =
          field >= 0 ? seen[static_cast<size_t>(field)] : !other_keys.emplace(key).second;
      if (twice) {
        status_ = Status::InvalidArgument("duplicate key " + QuoteText(key, kKeyBytesShown) +
                                          " in one object (row " + std::to_string(row) +
                                          "); each key may appear once");
        phase_ = Phase::kDone;
        return false;
      }
      if (field < 0) {
        if (!SkipValue()) return false;
        // An object of a million unknown keys is one row's error, not a million.
        if (++other_keys_listed <= kOtherKeysListed)
          errors.push_back({row, KeyShown(key), "is not a claim field"});
        misshapen = true;
      } else {
        const size_t index = static_cast<size_t>(field);
        seen[index] = true;
        if (position_ < text_.size() && text_[position_] == '"') {
          bool escaped = false;
          if (!ReadString(fields[index], decoded_at[index], escaped)) return false;
          is_decoded[index] = escaped;
        } else {
          if (!SkipValue()) return false;
          errors.push_back(
              {row, kClaimFields[index], "must be a JSON string (amounts as \"12.34\")"});
          misshapen = true;
        }
      }
      SkipSpace();
      if (position_ < text_.size() && text_[position_] == ',') {
        ++position_;
        SkipSpace();
        continue;
      }
      if (!Expect('}', "a ',' or '}' should follow a member of a claim object")) return false;
      break;
    }
  }
  if (other_keys_listed > kOtherKeysListed) {
    errors.push_back({row, "",
                      "has " + std::to_string(other_keys_listed - kOtherKeysListed) +
                          " more keys that are not claim fields"});
  }
  for (size_t field = 0; field < kClaimFieldsRequired; ++field) {
    if (!seen[field]) {
      errors.push_back({row, kClaimFields[field], "is missing"});
      misshapen = true;
    }
  }
  shaped = !misshapen;
  if (shaped) {
    for (size_t field = 0; field < kClaimFieldsAll; ++field) {
      if (is_decoded[field])
        fields[field] =
            std::string_view(scratch_).substr(decoded_at[field].first, decoded_at[field].second);
    }
  }
  return true;
}

bool JsonClaimReader::Next(ClaimFieldValues& fields, uint64_t& row, std::vector<RowError>& errors) {
  if (phase_ == Phase::kDone || !status_.ok()) return false;
  if (phase_ == Phase::kStart) {
    SkipSpace();
    if (position_ >= text_.size()) return Fail("an array of claim objects should be");
    if (text_[position_] != '[') {
      status_ = Status::InvalidArgument("the claims must be a JSON array of claim objects");
      phase_ = Phase::kDone;
      return false;
    }
    ++position_;
    phase_ = Phase::kFirst;
  }
  while (true) {
    SkipSpace();
    const bool closes = position_ < text_.size() && text_[position_] == ']';
    if (phase_ == Phase::kAfterElement && !closes) {
      if (!Expect(',', "a ',' or ']' should follow an element of the array")) return false;
      SkipSpace();
    } else if (closes) {
      ++position_;
      SkipSpace();
      if (position_ < text_.size()) return Fail("only white space may follow the array");
      phase_ = Phase::kDone;
      return false;
    }
    phase_ = Phase::kAfterElement;
    row = elements_ + 2;
    ++elements_;
    if (position_ < text_.size() && text_[position_] == '{') {
      bool shaped = false;
      if (!ReadObject(fields, row, errors, shaped)) return false;
      if (shaped) return true;
      continue;
    }
    if (!SkipValue()) return false;
    errors.push_back({row, "", "is not a JSON object"});
  }
}

}  // namespace xclear::declarations_internal
