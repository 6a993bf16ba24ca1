// Text that xclear quotes back to people: UTF-8 validity and quoting of untrusted input.
//
// Every refusal that quotes what a user sent goes through QuoteText, so a message never cuts a
// multi-byte character in half and never passes an invalid byte on: the CLI's --json output and
// the service's answers stay valid UTF-8 and so valid JSON. Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xclear {

// True when `text` is valid UTF-8 (no overlongs, no surrogates, nothing beyond U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string ReplaceInvalidUtf8(std::string_view text);

// The whole character that starts at byte `position` of `text` ("５" rather than its first
// byte), or U+FFFD when no valid UTF-8 sequence starts there. `position` < text.size().
std::string CharacterAt(std::string_view text, size_t position);

// `text` in double quotes, at most `characters_max` characters (cut at a character boundary,
// "..." appended when cut), invalid bytes replaced by U+FFFD.
std::string QuoteText(std::string_view text, size_t characters_max = 40);

}  // namespace xclear
