#include "xclear/text.h"

#include <gtest/gtest.h>

#include "xclear/json.h"

namespace xclear {
namespace {

TEST(Text, QuoteCutsAtACharacterBoundaryAndReplacesInvalidBytes) {
  EXPECT_EQ(QuoteText("申报1"), "\"申报1\"");
  EXPECT_EQ(QuoteText("申报申报", 3), "\"申报申...\"");
  EXPECT_EQ(QuoteText("a\x9d"
                      "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(QuoteText("\xE4\xB8"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // truncated: one each
  EXPECT_TRUE(IsValidUtf8(QuoteText(std::string(39, 'x') + "申报")));
}

TEST(Text, CharacterAtTakesTheWholeSequence) {
  EXPECT_EQ(CharacterAt("申报1", 0), "申");
  EXPECT_EQ(CharacterAt("x０", 1), "０");
  EXPECT_EQ(CharacterAt("\xB8x", 0), "\xEF\xBF\xBD");  // a continuation byte starts nothing
}

TEST(Json, RefusesADuplicateKeyNamingIt) {
  const auto claim = ParseJson(R"({"fund_amount":"10.00","fund_amount":"90.00"})");
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(claim.status().message().find("duplicate key \"fund_amount\""), std::string::npos);
  // Nested, inside arrays, and at depth: each object has its own keys.
  EXPECT_TRUE(ParseJson(R"([{"a":1},{"a":2},{"b":{"a":3}}])").ok());
  EXPECT_FALSE(ParseJson(R"([{"a":1},{"b":{"c":1,"c":2}}])").ok());
  EXPECT_FALSE(ParseJson(R"({"a":1,"b":2,"a":1})").ok());
  EXPECT_TRUE(ParseJson(R"({"a":1,"b":{"a":1}})").ok());
  // The empty key is a key too: given twice, it is named, not called invalid JSON.
  const auto empty = ParseJson(R"({"":1,"":2})");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("duplicate key \"\""), std::string::npos)
      << empty.status().message();
}

TEST(Json, ParseErrorsAndOutputAreValidUtf8) {
  const auto broken = ParseJson("{\"a\": \x9d}");
  ASSERT_FALSE(broken.ok());
  EXPECT_TRUE(IsValidUtf8(broken.status().message())) << broken.status().message();
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object();
  object->set("reason", std::string("byte '\x9d' 申"));
  const std::string text = JsonToString(object);
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_TRUE(ParseJsonObject(text).ok());
  EXPECT_FALSE(ParseJsonObject("[1]").ok());
}

}  // namespace
}  // namespace xclear
