// Money: an amount of CNY held as integer fen in a checked 128-bit integer.
//
// No floating point ever touches money. Arithmetic throws std::overflow_error when it would leave
// the range of boost::multiprecision::checked_int128_t (±(2^128 − 1) fen); interfaces translate
// that into ErrorCode::kOverflow. Rounding happens only in the named helpers below, each of which
// says how it rounds. Thread safety: a plain value type.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "xclear/status.h"

namespace xclear {

using Fen = boost::multiprecision::checked_int128_t;

// What a money text may look like, and how large it may be.
struct MoneyParseOptions {
  bool allow_negative = false;      // a leading '-' is accepted only when true; '+' never is
  Fen max_abs_fen = Fen(1) << 120;  // values whose magnitude exceeds this are refused
};

class Money {
 public:
  constexpr Money() = default;
  static Money FromFen(Fen fen) { return Money(fen); }
  static Money Zero() { return Money(); }

  // Strict parse of a CNY amount: digits, optionally '.' followed by one or two digits.
  // Accepts "1234.56", "0.5", "12", "007.10". Rejects empty text, spaces, '+', a '-' unless
  // allowed, exponents, thousands separators, a third decimal, a bare or trailing '.', NaN/Inf,
  // and anything beyond options.max_abs_fen. The message names the offending text and why.
  static Result<Money> Parse(std::string_view text, const MoneyParseOptions& options = {});

  // The fast mode of the same grammar, for hot paths (declarations): a non-negative amount as
  // 64-bit fen. Returns true and sets `fen` exactly when Parse (allow_negative false,
  // max_abs_fen = max_fen) accepts `text` with that value; returns false for every other text,
  // including ones Parse accepts but that are outside this mode (over max_fen), so the caller
  // then asks Parse for the value or the reason. Overflow-checked; max_fen < 2^63.
  static bool ParseFenFast(std::string_view text, uint64_t max_fen, uint64_t& fen);

  const Fen& fen() const { return fen_; }
  bool is_zero() const { return fen_ == 0; }
  bool is_negative() const { return fen_ < 0; }
  bool is_positive() const { return fen_ > 0; }

  // "-1234.50": always exactly two decimals, no separators, '-' only when negative.
  std::string ToString() const;

  Money operator-() const { return Money(-fen_); }
  Money operator+(const Money& other) const { return Money(fen_ + other.fen_); }
  Money operator-(const Money& other) const { return Money(fen_ - other.fen_); }
  Money& operator+=(const Money& other) {
    fen_ += other.fen_;
    return *this;
  }
  Money& operator-=(const Money& other) {
    fen_ -= other.fen_;
    return *this;
  }
  bool operator==(const Money& other) const { return fen_ == other.fen_; }
  std::strong_ordering operator<=>(const Money& other) const {
    if (fen_ < other.fen_) return std::strong_ordering::less;
    if (fen_ > other.fen_) return std::strong_ordering::greater;
    return std::strong_ordering::equal;
  }

 private:
  explicit Money(Fen fen) : fen_(fen) {}
  Fen fen_ = 0;
};

// numerator / denominator rounded to the nearest integer, halves away from zero ("half-up" as
// the policy texts use it: 0.5 fen → 1 fen, −0.5 fen → −1 fen). denominator must be non-zero.
Result<Fen> DivideRoundHalfUp(const Fen& numerator, const Fen& denominator);

// numerator / denominator rounded towards +infinity (the ceiling). denominator must be non-zero.
Result<Fen> DivideRoundUp(const Fen& numerator, const Fen& denominator);

// amount × multiplier / divisor, rounded half-up to the fen. The product is exact (checked).
Result<Money> ScaleRoundHalfUp(const Money& amount, const Fen& multiplier, const Fen& divisor);

// amount × multiplier / divisor, rounded up (towards +infinity) to the fen.
Result<Money> ScaleRoundUp(const Money& amount, const Fen& multiplier, const Fen& divisor);

// Exact decimal text of a Fen integer ("-123").
std::string FenToString(const Fen& fen);

// A fixed-point ratio with two decimals given as text ("70.00", "0.5" → 70.00 and 0.50), held in
// hundredths; used for percentages and usage lines. Same strict grammar as Money::Parse.
Result<int64_t> ParseHundredths(std::string_view text, int64_t max_hundredths);

}  // namespace xclear
