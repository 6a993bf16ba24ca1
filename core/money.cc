#include "xclear/money.h"

#include <stdexcept>

#include "xclear/text.h"

namespace xclear {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Quote(std::string_view text) { return QuoteText(text); }

// Why `text` is not a plain decimal amount, or an empty string when it is one.
std::string DescribeMalformed(std::string_view text, bool allow_negative) {
  if (text.empty()) return "is empty";
  size_t position = 0;
  if (text[0] == '+') return "has a '+' sign; write the number without it";
  if (text[0] == '-') {
    if (!allow_negative) return "is negative; only amounts >= 0 are allowed here";
    position = 1;
  }
  size_t integer_digits = 0;
  while (position < text.size() && IsDigit(text[position])) {
    ++position;
    ++integer_digits;
  }
  size_t decimal_digits = 0;
  bool has_point = false;
  if (position < text.size() && text[position] == '.') {
    has_point = true;
    ++position;
    while (position < text.size() && IsDigit(text[position])) {
      ++position;
      ++decimal_digits;
    }
  }
  if (position < text.size()) {
    const char c = text[position];
    if (c == ' ' || c == '\t') return "contains a space";
    if (c == ',' || c == '\'' || c == '_') return "contains a thousands separator";
    if (c == 'e' || c == 'E') return "is in exponent notation";
    if (c == '.') return "has more than one decimal point";
    return "contains the character '" + CharacterAt(text, position) + "'";
  }
  if (integer_digits == 0) return "has no digits before the decimal point";
  if (has_point && decimal_digits == 0) return "ends with a decimal point";
  if (decimal_digits > 2) {
    return "has " + std::to_string(decimal_digits) + " decimals; at most 2 are allowed (fen)";
  }
  return {};
}

Result<Fen> ParseFixedTwoDecimals(std::string_view text, bool allow_negative, const Fen& max_abs) {
  const std::string problem = DescribeMalformed(text, allow_negative);
  if (!problem.empty()) return Status::InvalidArgument("amount " + Quote(text) + " " + problem);
  const bool negative = text[0] == '-';
  Fen value = 0;
  size_t decimals = 0;
  bool after_point = false;
  try {
    for (size_t i = negative ? 1 : 0; i < text.size(); ++i) {
      if (text[i] == '.') {
        after_point = true;
        continue;
      }
      value = value * 10 + (text[i] - '0');
      if (after_point) ++decimals;
      if (value > max_abs) {
        return Status::InvalidArgument("amount " + Quote(text) + " exceeds the maximum " +
                                       Money::FromFen(max_abs).ToString());
      }
    }
    for (; decimals < 2; ++decimals) value *= 10;
  } catch (const std::overflow_error&) {
    return Status::InvalidArgument("amount " + Quote(text) + " is out of range");
  }
  if (value > max_abs) {
    return Status::InvalidArgument("amount " + Quote(text) + " exceeds the maximum " +
                                   Money::FromFen(max_abs).ToString());
  }
  return negative ? Fen(-value) : value;
}

}  // namespace

bool Money::ParseFenFast(std::string_view text, uint64_t max_fen, uint64_t& fen) {
  // Grammar (as Parse): digit+ ( '.' digit{1,2} )?. Every step checks value*10+digit <= max_fen,
  // so nothing wraps: an 18-digit amount is refused here and Parse names the reason.
  uint64_t value = 0;
  const auto push = [&](char c) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (max_fen - digit) / 10) return false;
    value = value * 10 + digit;
    return true;
  };
  if (max_fen >= (uint64_t{1} << 63)) return false;
  size_t i = 0;
  while (i < text.size() && text[i] != '.') {
    if (!push(text[i])) return false;
    ++i;
  }
  if (i == 0) return false;
  size_t decimals = 0;
  if (i < text.size()) {
    decimals = text.size() - i - 1;
    if (decimals < 1 || decimals > 2) return false;
    for (size_t j = i + 1; j < text.size(); ++j) {
      if (!push(text[j])) return false;
    }
  }
  for (; decimals < 2; ++decimals) {
    if (!push('0')) return false;
  }
  fen = value;
  return true;
}

Result<Money> Money::Parse(std::string_view text, const MoneyParseOptions& options) {
  if (text == "NaN" || text == "nan" || text == "inf" || text == "Infinity") {
    return Status::InvalidArgument("amount " + Quote(text) + " is not a number");
  }
  auto fen = ParseFixedTwoDecimals(text, options.allow_negative, options.max_abs_fen);
  if (!fen.ok()) return fen.status();
  return Money(*fen);
}

std::string FenToString(const Fen& fen) { return fen.str(); }

std::string Money::ToString() const {
  const bool negative = fen_ < 0;
  const Fen magnitude = negative ? Fen(-fen_) : fen_;
  std::string digits = magnitude.str();
  if (digits.size() < 3) digits.insert(0, 3 - digits.size(), '0');
  std::string out;
  out.reserve(digits.size() + 2);
  if (negative) out += '-';
  out.append(digits, 0, digits.size() - 2);
  out += '.';
  out.append(digits, digits.size() - 2, 2);
  return out;
}

Result<Fen> DivideRoundHalfUp(const Fen& numerator, const Fen& denominator) {
  if (denominator == 0) return Status::InvalidArgument("division by zero");
  try {
    const bool negative = (numerator < 0) != (denominator < 0);
    const Fen n = numerator < 0 ? Fen(-numerator) : numerator;
    const Fen d = denominator < 0 ? Fen(-denominator) : denominator;
    Fen quotient = n / d;
    const Fen remainder = n % d;
    // remainder / d >= 1/2  <=>  2·remainder >= d; compare without doubling to avoid overflow.
    if (remainder >= d - remainder) quotient += 1;
    return negative ? Fen(-quotient) : quotient;
  } catch (const std::overflow_error& e) {
    return Status::Overflow(std::string("rounding overflowed: ") + e.what());
  }
}

Result<Fen> DivideRoundUp(const Fen& numerator, const Fen& denominator) {
  if (denominator == 0) return Status::InvalidArgument("division by zero");
  try {
    Fen quotient = numerator / denominator;  // truncates towards zero
    const Fen remainder = numerator % denominator;
    const bool positive_fraction = remainder != 0 && ((remainder > 0) == (denominator > 0));
    if (positive_fraction) quotient += 1;
    return quotient;
  } catch (const std::overflow_error& e) {
    return Status::Overflow(std::string("rounding overflowed: ") + e.what());
  }
}

namespace {
Result<Fen> CheckedProduct(const Fen& a, const Fen& b) {
  try {
    return Fen(a * b);
  } catch (const std::overflow_error&) {
    return Status::Overflow("product " + a.str() + " x " + b.str() + " exceeds 128 bits");
  }
}
}  // namespace

Result<Money> ScaleRoundHalfUp(const Money& amount, const Fen& multiplier, const Fen& divisor) {
  auto product = CheckedProduct(amount.fen(), multiplier);
  if (!product.ok()) return product.status();
  auto fen = DivideRoundHalfUp(*product, divisor);
  if (!fen.ok()) return fen.status();
  return Money::FromFen(*fen);
}

Result<Money> ScaleRoundUp(const Money& amount, const Fen& multiplier, const Fen& divisor) {
  auto product = CheckedProduct(amount.fen(), multiplier);
  if (!product.ok()) return product.status();
  auto fen = DivideRoundUp(*product, divisor);
  if (!fen.ok()) return fen.status();
  return Money::FromFen(*fen);
}

Result<int64_t> ParseHundredths(std::string_view text, int64_t max_hundredths) {
  auto value = ParseFixedTwoDecimals(text, false, Fen(max_hundredths));
  if (!value.ok()) return value.status();
  return value->convert_to<int64_t>();
}

}  // namespace xclear
