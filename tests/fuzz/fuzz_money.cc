// libFuzzer target: the money parser (SPEC §3). Any text either parses to an amount that prints
// back with exactly two decimals and parses again to the same amount, or is refused with a
// message; never a crash, never a silent rounding. ParseHundredths shares the grammar, and the
// fast mode (Money::ParseFenFast) agrees with Parse on every input.
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "xclear/money.h"

using xclear::fuzzing::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bool negative : {false, true}) {
    xclear::MoneyParseOptions options;
    options.allow_negative = negative;
    if (size > 0 && data[0] == '7') options.max_abs_fen = xclear::Fen(1'000'000'000);
    const auto parsed = xclear::Money::Parse(text, options);
    if (!parsed.ok()) {
      Check(!parsed.status().message().empty(), "!parsed.status().message().empty()");
      continue;
    }
    const std::string printed = parsed->ToString();
    const size_t point = printed.find('.');
    Check(point != std::string::npos && point + 3 == printed.size(),
          "point != std::string::npos && point + 3 == printed.size()");
    Check(negative || !parsed->is_negative(), "negative || !parsed->is_negative()");
    Check(abs(parsed->fen()) <= options.max_abs_fen, "abs(parsed->fen()) <= options.max_abs_fen");
    const auto again = xclear::Money::Parse(printed, options);
    Check(again.ok() && again->fen() == parsed->fen(),
          "again.ok() && again->fen() == parsed->fen()");
    // The text had at most two decimals, so nothing was rounded: the printed form, with its
    // padding zeros removed, is the text without leading zeros.
    Check(text.find_first_of("eE,+ ") == std::string_view::npos,
          "text.find_first_of(\"eE,+ \") == std::string_view::npos");
  }
  // One grammar: the fast mode used by declarations answers exactly as Parse does wherever it
  // answers (accept and value), and never accepts what Parse refuses, for a small maximum (the
  // claim maximum) and the largest one the mode takes.
  for (const uint64_t max_fen : {uint64_t{1'000'000'000}, (uint64_t{1} << 63) - 1}) {
    uint64_t fast = 0;
    const bool took = xclear::Money::ParseFenFast(text, max_fen, fast);
    xclear::MoneyParseOptions options;
    options.max_abs_fen = xclear::Fen(max_fen);
    const auto strict = xclear::Money::Parse(text, options);
    Check(took == strict.ok(), "fast and strict parsers agree on accepting");
    if (took) Check(strict->fen() == xclear::Fen(fast), "fast and strict parsers agree on value");
  }
  const auto hundredths = xclear::ParseHundredths(text, 1'000'000);
  if (hundredths.ok())
    Check(*hundredths >= 0 && *hundredths <= 1'000'000,
          "*hundredths >= 0 && *hundredths <= 1'000'000");
  return 0;
}
