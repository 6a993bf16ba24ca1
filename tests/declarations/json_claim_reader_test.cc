// The streaming reader of JSON declarations (declarations/json_claim_reader.h): what it returns
// for well-formed claims, how it names misshapen elements, and that it refuses every text that
// is not JSON (each case checked against Poco's parser, which refuses it too).
#include "../../declarations/json_claim_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "xclear/json.h"
#include "xclear/text.h"

namespace xclear::declarations_internal {
namespace {

struct Read {
  std::vector<std::array<std::string, 7>> claims;
  std::vector<uint64_t> rows;
  std::vector<RowError> errors;
  Status status;
  uint64_t elements = 0;
};

Read ReadAll(std::string_view text) {
  Read read;
  JsonClaimReader reader(text);
  xclear::ClaimFieldValues fields;
  uint64_t row = 0;
  while (reader.Next(fields, row, read.errors)) {
    std::array<std::string, 7> copy;
    for (size_t i = 0; i < 7; ++i) copy[i] = std::string(fields[i]);
    read.claims.push_back(copy);
    read.rows.push_back(row);
  }
  read.status = reader.status();
  read.elements = reader.elements();
  return read;
}

std::string Claim(const std::string& id, const std::string& extra = "") {
  return R"({"claim_id": ")" + id +
         R"(", "treatment_province": "110000", "insured_province": "130000",
             "settled_on": "2026-09-03", "category": "inpatient", "total_amount": "150.00",
             "fund_amount": "100.00")" +
         extra + "}";
}

TEST(JsonClaimReaderTest, ReturnsEachClaimsFieldsInCanonicalOrderWhateverTheKeyOrder) {
  const Read read = ReadAll(" \r\n\t[" + Claim("A1") +
                            R"(,{"fund_amount":"1.00","total_amount":"2.00","category":"pharmacy",
      "settled_on":"2026-09-01","insured_province":"650000","treatment_province":"110000",
      "claim_id":"B2"}] )");
  ASSERT_TRUE(read.status.ok()) << read.status.message();
  ASSERT_EQ(read.claims.size(), 2u);
  EXPECT_TRUE(read.errors.empty());
  EXPECT_EQ(read.claims[0][0], "A1");
  EXPECT_EQ(read.claims[0][6], "100.00");
  const std::array<std::string, 7> second{"B2",       "110000", "650000", "2026-09-01",
                                          "pharmacy", "2.00",   "1.00"};
  EXPECT_EQ(read.claims[1], second);
  EXPECT_EQ(read.rows, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(read.elements, 2u);
}

TEST(JsonClaimReaderTest, DecodesEveryEscapeIntoItsField) {
  // Two escaped fields in one element (the scratch area holds both), a surrogate pair, and the
  // plain fields around them.
  const Read read = ReadAll(
      R"([{"claim_id": "A\u0031\/\"q\\", "treatment_province": "110000",
           "insured_province": "130000", "settled_on": "2026-09-03",
           "category": "in\npatient\t\b\f\r", "total_amount": "\u4eac\ud83d\ude00",
           "fund_amount": "1.00"}, )" +
      Claim("C3") + "]");
  ASSERT_TRUE(read.status.ok()) << read.status.message();
  ASSERT_EQ(read.claims.size(), 2u);
  EXPECT_EQ(read.claims[0][0], "A1/\"q\\");
  EXPECT_EQ(read.claims[0][4], "in\npatient\t\b\f\r");
  EXPECT_EQ(read.claims[0][5], "京\xF0\x9F\x98\x80");
  EXPECT_EQ(read.claims[0][6], "1.00");
  EXPECT_EQ(read.claims[1][0], "C3");
}

TEST(JsonClaimReaderTest, NamesEveryMisshapenElementAndReadsOn) {
  const Read read =
      ReadAll("[" + Claim("G1") + ", 12, [1, {\"a\": [true]}], " +
              Claim("G2", R"(, "note": {"x": [null, -1.5e+3]})") + ", " +
              R"({"claim_id": 7, "treatment_province": "110000"})" + ", " + Claim("G3") + ", {}]");
  ASSERT_TRUE(read.status.ok()) << read.status.message();
  ASSERT_EQ(read.claims.size(), 2u);
  EXPECT_EQ(read.rows, (std::vector<uint64_t>{2, 7}));
  EXPECT_EQ(read.elements, 7u);
  std::vector<std::string> seen;
  for (const RowError& error : read.errors)
    seen.push_back(std::to_string(error.row) + " " + error.field + ": " + error.reason);
  const std::vector<std::string> expected = {
      "3 : is not a JSON object",
      "4 : is not a JSON object",
      "5 note: is not a claim field",
      "6 claim_id: must be a JSON string (amounts as \"12.34\")",
      "6 insured_province: is missing",
      "6 settled_on: is missing",
      "6 category: is missing",
      "6 total_amount: is missing",
      "6 fund_amount: is missing",
      "8 claim_id: is missing",
      "8 treatment_province: is missing",
      "8 insured_province: is missing",
      "8 settled_on: is missing",
      "8 category: is missing",
      "8 total_amount: is missing",
      "8 fund_amount: is missing",
  };
  EXPECT_EQ(seen, expected);
}

// An object of very many unknown keys is one element's few errors, read in linear time (each
// key was compared with every earlier one: 5.6 M keys fit a 64 MiB body).
TEST(JsonClaimReaderTest, ManyUnknownKeysAreCountedNotListedOneByOne) {
  std::string text = "[" + Claim("M1") + ", {";
  for (int i = 0; i < 200'000; ++i) text += (i ? ",\"k" : "\"k") + std::to_string(i) + "\": 0";
  text += "}]";
  const Read read = ReadAll(text);
  ASSERT_TRUE(read.status.ok()) << read.status.message();
  ASSERT_EQ(read.claims.size(), 1u);
  ASSERT_EQ(read.errors.size(), 16u + 1u + 7u);
  for (size_t i = 0; i < 16; ++i) {
    EXPECT_EQ(read.errors[i].row, 3u);
    EXPECT_EQ(read.errors[i].field, "k" + std::to_string(i));
    EXPECT_EQ(read.errors[i].reason, "is not a claim field");
  }
  EXPECT_EQ(read.errors[16].reason, "has 199984 more keys that are not claim fields");
  EXPECT_EQ(read.errors[17].reason, "is missing");
  // A duplicate among them is still found, wherever it is.
  const Read twice = ReadAll(text.substr(0, text.size() - 2) + ", \"k123456\": 1}]");
  ASSERT_FALSE(twice.status.ok());
  EXPECT_NE(twice.status.message().find("duplicate key \"k123456\""), std::string::npos);
}

TEST(JsonClaimReaderTest, AnEmptyArrayHoldsNoClaims) {
  const Read read = ReadAll(" [ ] ");
  EXPECT_TRUE(read.status.ok());
  EXPECT_TRUE(read.claims.empty());
  EXPECT_EQ(read.elements, 0u);
}

TEST(JsonClaimReaderTest, AKeyGivenTwiceRefusesTheWholeText) {
  for (const std::string& twice :
       {Claim("D1", R"(, "fund_amount": "1.00")"), Claim("D2", R"(, "x": 1, "x": 2)"),
        Claim("D3", R"(, "claim\u005fid": "D4")")}) {
    const Read read = ReadAll("[" + Claim("D0") + "," + twice + "]");
    ASSERT_FALSE(read.status.ok()) << twice;
    EXPECT_NE(read.status.message().find("duplicate key"), std::string::npos);
    EXPECT_NE(read.status.message().find("(row 3)"), std::string::npos);
  }
}

TEST(JsonClaimReaderTest, RefusesWhatIsNotJsonAndSaysWhere) {
  struct Case {
    std::string text;
    std::string says;
  };
  const std::string one = Claim("E1");
  const std::vector<Case> cases = {
      {"", "the text ends at line 1, column 1"},
      {"[" + one + ",]", "a value should be"},
      {"[" + one + " " + one + "]", "a ',' or ']' should follow an element"},
      {"[" + one, "the text ends"},
      {"[" + one + "] x", "only white space may follow the array"},
      {"[" + one + "][]", "only white space may follow the array"},
      {R"([{"claim_id": "E2)", "closing quote"},
      {"[{\"claim_id\": \"E\x01\"}]", "control character"},
      {"[{\"claim_id\": \"E\xC0\x80\"}]", "not UTF-8"},
      {"[{\"claim_id\": \"E\xED\xA0\x80\"}]", "not UTF-8"},
      {"[{\"claim_id\": \"E\xF4\x90\x80\x80\"}]", "not UTF-8"},
      {"[{\"claim_id\": \"E\xE4\xBA\"}]", "not UTF-8"},
      {R"([{"claim_id": "E\x41"}])", "\\x is not an escape sequence"},
      {"[{\"claim_id\": \"E\\\xC3\xA9\"}]", "\\é is not an escape sequence"},
      {R"([{"claim_id": "E\u12G4"}])", "four hexadecimal digits"},
      {R"([{"claim_id": "E\ud83d"}])", "followed by a low one"},
      {R"([{"claim_id": "E\ude00"}])", "low surrogate"},
      {R"([{"claim_id" "E"}])", "a ':' should follow a key"},
      {R"([{claim_id: "E"}])", "a key (a string in double quotes) should be"},
      {R"([{"claim_id": "E",}])", "a key (a string in double quotes) should be"},
      {R"([{"claim_id": "E" "x": "y"}])", "a ',' or '}' should follow a member"},
      {R"([{"note": 01}])", "a ',' or '}' should follow a member"},
      {R"([{"note": -}])", "a number needs a digit"},
      {R"([{"note": 1.}])", "after its decimal point"},
      {R"([{"note": 1e}])", "in its exponent"},
      {R"([{"note": tru}])", "a value should be"},
      {R"([{"note": [1 2]}])", "a ',' or ']' should be"},
      {R"([{"note": {"a" 1}}])", "a ':' should follow a key"},
      {R"([{"note": {"a": 1,}}])", "a key (a string in double quotes) should be"},
      {R"([{"note": 'x'}])", "a value should be"},
      {"[" + std::string(70, '[') + std::string(70, ']') + "]", "nested more than 64 deep"},
      {"\n\n  [1,\n   ]", "at line 4, column 4 (byte 12): a value should be"},
  };
  for (const Case& c : cases) {
    const Read read = ReadAll(c.text);
    ASSERT_FALSE(read.status.ok()) << c.text;
    EXPECT_EQ(read.status.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(read.status.message().find(c.says), std::string::npos)
        << c.text << "\n -> " << read.status.message();
    EXPECT_TRUE(IsValidUtf8(read.status.message()));
    // The outside parser refuses each of them as well, but for the depth: deep nesting is
    // JSON, which the reader refuses to skip (its own limit).
    if (c.says.find("deep") == std::string::npos) {
      EXPECT_FALSE(ParseJson(c.text).ok()) << "Poco accepts: " << c.text;
    }
  }
}

TEST(JsonClaimReaderTest, ATextThatIsNotAnArrayIsRefusedAsSuch) {
  for (const std::string text : {"{}", "\"claims\"", "12", "null"}) {
    const Read read = ReadAll(text);
    ASSERT_FALSE(read.status.ok());
    EXPECT_EQ(read.status.message(), "the claims must be a JSON array of claim objects");
  }
}

TEST(JsonClaimReaderTest, AgreesWithPocoOnTheFieldsOfWhatBothAccept) {
  const std::string text = "[" + Claim("P1") + ", " +
                           R"({"claim_id": "P\u00e9\u4eac", "treatment_province": "110000",
      "insured_province": "130000", "settled_on": "2026-09-03", "category": "x\"y",
      "total_amount": "", "fund_amount": "\\"}])";
  const Read read = ReadAll(text);
  ASSERT_TRUE(read.status.ok());
  auto parsed = ParseJson(text);
  ASSERT_TRUE(parsed.ok());
  const auto array = parsed->extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(array->size(), read.claims.size());
  for (unsigned i = 0; i < array->size(); ++i) {
    for (size_t field = 0; field < 7; ++field) {
      EXPECT_EQ(array->getObject(i)->getValue<std::string>(kClaimFields[field]),
                read.claims[i][field]);
    }
  }
}

}  // namespace
}  // namespace xclear::declarations_internal
