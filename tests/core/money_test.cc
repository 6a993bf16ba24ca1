#include "xclear/money.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "xclear/text.h"

namespace xclear {
namespace {

Money Parsed(std::string_view text, MoneyParseOptions options = {}) {
  auto money = Money::Parse(text, options);
  EXPECT_TRUE(money.ok()) << text << ": " << money.status().ToString();
  return money.ok() ? *money : Money();
}

std::string Rejection(std::string_view text, MoneyParseOptions options = {}) {
  auto money = Money::Parse(text, options);
  EXPECT_FALSE(money.ok()) << text << " was accepted";
  if (money.ok()) return "";
  EXPECT_EQ(money.status().code(), ErrorCode::kInvalidArgument);
  return money.status().message();
}

TEST(Money, ParsesPlainDecimalsIntoFen) {
  EXPECT_EQ(Parsed("1234.56").fen(), 123456);
  EXPECT_EQ(Parsed("0.5").fen(), 50);
  EXPECT_EQ(Parsed("12").fen(), 1200);
  EXPECT_EQ(Parsed("0").fen(), 0);
  EXPECT_EQ(Parsed("0.00").fen(), 0);
  EXPECT_EQ(Parsed("007.10").fen(), 710);
}

// The fast mode agrees with Parse wherever it answers, and answers for no text Parse refuses.
void ExpectFastAgrees(std::string_view text, uint64_t max_fen) {
  uint64_t fast = 0;
  const bool took = Money::ParseFenFast(text, max_fen, fast);
  MoneyParseOptions options;
  options.max_abs_fen = Fen(max_fen);
  const auto strict = Money::Parse(text, options);
  if (took) {
    ASSERT_TRUE(strict.ok()) << text;
    EXPECT_EQ(strict->fen(), Fen(fast)) << text;
  } else {
    EXPECT_FALSE(strict.ok()) << text << " is accepted by Parse but not by the fast mode";
  }
}

TEST(Money, FastModeRefusesWhatWouldWrapAroundSixtyFourBits) {
  constexpr uint64_t kMax = 1'000'000'000;  // the default claim maximum, 10 000 000.00
  // 184467440737095517 × 100 wraps a uint64 to 84 fen: the 0.84 CNY claim of issue 15.
  for (const char* text :
       {"184467440737095517", "184467440737095516", "184467440737095518", "9223372036854775808",
        "9223372036854775808.00", "18446744073709551616", "18446744073709551615",
        "18446744073709551615.99", "18446744073709551615.9", "99999999999999999999999999"}) {
    uint64_t fen = 12345;
    EXPECT_FALSE(Money::ParseFenFast(text, kMax, fen)) << text;
    EXPECT_EQ(fen, 12345u);
    EXPECT_NE(Rejection(text, {.allow_negative = false, .max_abs_fen = Fen(kMax)}).find("exceeds"),
              std::string::npos);
    ExpectFastAgrees(text, kMax);
    ExpectFastAgrees(text, (uint64_t{1} << 63) - 1);
  }
}

TEST(Money, FastModeAgreesWithParseOnTheEdges) {
  for (const char* text : {"0",
                           "0.0",
                           "0.00",
                           "1",
                           "1.5",
                           "1.05",
                           "007.10",
                           "10000000",
                           "10000000.00",
                           "10000000.01",
                           "9999999.99",
                           "",
                           ".",
                           "1.",
                           ".5",
                           "1.234",
                           "-1",
                           "+1",
                           "1e3",
                           "1,000",
                           " 1",
                           "1 ",
                           "1..2",
                           "NaN",
                           "92233720368547758.07",
                           "92233720368547758.08"}) {
    ExpectFastAgrees(text, 1'000'000'000);
    ExpectFastAgrees(text, (uint64_t{1} << 63) - 1);
  }
  uint64_t fen = 0;
  EXPECT_TRUE(Money::ParseFenFast("92233720368547758.07", (uint64_t{1} << 63) - 1, fen));
  EXPECT_EQ(fen, (uint64_t{1} << 63) - 1);
  EXPECT_FALSE(Money::ParseFenFast("1", uint64_t{1} << 63, fen));  // outside the mode
}

TEST(Money, RefusalsQuoteWholeCharacters) {
  EXPECT_EQ(Rejection("０.５"), "amount \"０.５\" contains the character '０'");
  EXPECT_EQ(Rejection("−1.00"), "amount \"−1.00\" contains the character '−'");
  EXPECT_EQ(Rejection("1\xff"), "amount \"1\xEF\xBF\xBD\" contains the character '\xEF\xBF\xBD'");
  const std::string long_chinese = "金额" + std::string(60, '9') + "元";
  EXPECT_TRUE(IsValidUtf8(Rejection(long_chinese)));
}

TEST(Money, FormatsWithExactlyTwoDecimals) {
  EXPECT_EQ(Money::FromFen(123456).ToString(), "1234.56");
  EXPECT_EQ(Money::FromFen(50).ToString(), "0.50");
  EXPECT_EQ(Money::FromFen(5).ToString(), "0.05");
  EXPECT_EQ(Money::FromFen(0).ToString(), "0.00");
  EXPECT_EQ(Money::FromFen(-7).ToString(), "-0.07");
  EXPECT_EQ(Money::FromFen(-123400).ToString(), "-1234.00");
}

TEST(Money, RoundTripsThroughText) {
  MoneyParseOptions options;
  options.allow_negative = true;
  for (const char* text :
       {"0.00", "0.01", "-0.01", "99.99", "-12345678901234567890.12", "1000000.00"}) {
    EXPECT_EQ(Parsed(text, options).ToString(), text);
  }
}

TEST(Money, RejectsThirdDecimalInsteadOfRounding) {
  EXPECT_NE(Rejection("12.345").find("3 decimals"), std::string::npos);
  EXPECT_NE(Rejection("0.001").find("3 decimals"), std::string::npos);
}

TEST(Money, RejectsSignsExponentsSeparatorsSpacesAndEmpty) {
  EXPECT_NE(Rejection("-1.00").find("negative"), std::string::npos);
  EXPECT_NE(Rejection("+1.00").find("'+'"), std::string::npos);
  EXPECT_NE(Rejection("1e3").find("exponent"), std::string::npos);
  EXPECT_NE(Rejection("1E3").find("exponent"), std::string::npos);
  EXPECT_NE(Rejection("1,000.00").find("separator"), std::string::npos);
  EXPECT_NE(Rejection("1_000").find("separator"), std::string::npos);
  EXPECT_NE(Rejection(" 1.00").find("space"), std::string::npos);
  EXPECT_NE(Rejection("1.00 ").find("space"), std::string::npos);
  EXPECT_NE(Rejection("").find("empty"), std::string::npos);
  EXPECT_NE(Rejection(".5").find("no digits"), std::string::npos);
  EXPECT_NE(Rejection("5.").find("decimal point"), std::string::npos);
  EXPECT_NE(Rejection("1.2.3").find("more than one"), std::string::npos);
  EXPECT_NE(Rejection("NaN").find("not a number"), std::string::npos);
  EXPECT_FALSE(Money::Parse("inf").ok());
  EXPECT_FALSE(Money::Parse("0x10").ok());
  EXPECT_FALSE(Money::Parse("１２").ok());  // full-width digits
}

TEST(Money, NegativeAllowedOnlyWhenAsked) {
  MoneyParseOptions options;
  options.allow_negative = true;
  EXPECT_EQ(Parsed("-1.50", options).fen(), -150);
  EXPECT_FALSE(Money::Parse("--1", options).ok());
  EXPECT_FALSE(Money::Parse("-", options).ok());
}

TEST(Money, RejectsAmountsAboveTheConfiguredMaximum) {
  MoneyParseOptions options;
  options.max_abs_fen = 1'000'000'000;  // 10 000 000.00
  EXPECT_EQ(Parsed("10000000.00", options).fen(), 1'000'000'000);
  EXPECT_NE(Rejection("10000000.01", options).find("exceeds the maximum 10000000.00"),
            std::string::npos);
  EXPECT_FALSE(Money::Parse("99999999999999999999999999999999999999999999999999", options).ok());
}

TEST(Money, ArithmeticOverflowAtThe128BitEdgeThrowsInsteadOfWrapping) {
  const Fen max = std::numeric_limits<Fen>::max();
  Money top = Money::FromFen(max);
  EXPECT_THROW(top += Money::FromFen(1), std::overflow_error);
  Money bottom = Money::FromFen(-max);
  EXPECT_THROW(bottom -= Money::FromFen(1), std::overflow_error);
  EXPECT_EQ((top - Money::FromFen(1)).fen(), max - 1);
  EXPECT_FALSE(ScaleRoundHalfUp(top, 2, 1).ok());
  EXPECT_EQ(ScaleRoundHalfUp(top, 2, 1).status().code(), ErrorCode::kOverflow);
}

TEST(Money, DivideRoundHalfUpRoundsHalvesAwayFromZero) {
  EXPECT_EQ(*DivideRoundHalfUp(5, 10), 1);    // 0.5 → 1
  EXPECT_EQ(*DivideRoundHalfUp(4, 10), 0);    // 0.4 → 0
  EXPECT_EQ(*DivideRoundHalfUp(15, 10), 2);   // 1.5 → 2
  EXPECT_EQ(*DivideRoundHalfUp(-5, 10), -1);  // −0.5 → −1
  EXPECT_EQ(*DivideRoundHalfUp(-4, 10), 0);
  EXPECT_EQ(*DivideRoundHalfUp(12, 4), 3);
  EXPECT_EQ(DivideRoundHalfUp(1, 0).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Money, DivideRoundUpIsTheCeiling) {
  EXPECT_EQ(*DivideRoundUp(1, 3), 1);
  EXPECT_EQ(*DivideRoundUp(3, 3), 1);
  EXPECT_EQ(*DivideRoundUp(0, 3), 0);
  EXPECT_EQ(*DivideRoundUp(-1, 3), 0);   // −0.33 → 0
  EXPECT_EQ(*DivideRoundUp(-4, 3), -1);  // −1.33 → −1
  EXPECT_EQ(*DivideRoundUp(1, -3), 0);
}

TEST(Money, ScaleHelpersComputeTheAnnualTargetAndTopUpShapes) {
  // 2 × base / 12 with base 100.03 → 16.671666… → 16.67; base 100.05 → 16.675 → 16.68.
  EXPECT_EQ(ScaleRoundHalfUp(Money::FromFen(10003), 2, 12)->fen(), 1667);
  EXPECT_EQ(ScaleRoundHalfUp(Money::FromFen(10005), 2, 12)->fen(), 1668);
  // outstanding / 0.50 rounded up: 100.01 / 0.5 = 200.02; 33.33 / 0.70 = 47.614… → 47.62.
  EXPECT_EQ(ScaleRoundUp(Money::FromFen(10001), 100, 50)->fen(), 20002);
  EXPECT_EQ(ScaleRoundUp(Money::FromFen(3333), 100, 70)->fen(), 4762);
}

TEST(Money, ParsesHundredthsForPercentages) {
  EXPECT_EQ(*ParseHundredths("70.00", 10000), 7000);
  EXPECT_EQ(*ParseHundredths("0.5", 10000), 50);
  EXPECT_FALSE(ParseHundredths("100.01", 10000).ok());
  EXPECT_FALSE(ParseHundredths("70.001", 10000).ok());
}

}  // namespace
}  // namespace xclear
