#include "xclear/csv_reader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "../test_support.h"

namespace xclear {
namespace {

std::vector<std::vector<std::string>> ReadAll(std::string_view text, Status* status = nullptr) {
  auto reader = CsvReader::FromString(text);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string_view> fields;
  while (reader->Next(fields)) rows.emplace_back(fields.begin(), fields.end());
  if (status != nullptr) *status = reader->status();
  return rows;
}

TEST(CsvReader, ReadsPlainAndQuotedFieldsWithCrlfOrLf) {
  const auto rows = ReadAll("a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\n2,,\"line\nbreak\"");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "x,y", "say \"hi\""}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "", "line\nbreak"}));
}

TEST(CsvReader, SkipsAUtf8ByteOrderMark) {
  const auto rows = ReadAll(
      "\xEF\xBB\xBF"
      "claim_id,x\n1,2\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "claim_id");
}

TEST(CsvReader, RejectsMalformedQuotingAndEncoding) {
  Status status;
  ReadAll("a,\"b\n", &status);
  EXPECT_NE(status.message().find("not closed"), std::string::npos);
  ReadAll("a,b\"c\n", &status);
  EXPECT_NE(status.message().find("quote inside an unquoted field"), std::string::npos);
  ReadAll("a,\"b\"c\n", &status);
  EXPECT_NE(status.message().find("after a closing quote"), std::string::npos);
  ReadAll("a,b\n\xC3\x28,c\n", &status);  // invalid UTF-8 on row 2
  EXPECT_NE(status.message().find("row 2"), std::string::npos);
  EXPECT_NE(status.message().find("UTF-8"), std::string::npos);
  ReadAll("省,北京\n", &status);
  EXPECT_TRUE(status.ok());
}

TEST(CsvReader, RecordsStraddlingBufferRefillsAreReadWhole) {
  testing_support::TempDir dir;
  const auto path = dir.path() / "rows.csv";
  std::string expected;
  {
    std::ofstream out(path);
    for (int i = 0; i < 5000; ++i) out << "id-" << i << ",\"quoted, " << i << "\",tail\r\n";
  }
  auto reader = CsvReader::OpenFile(path, 64).value();  // a tiny buffer: constant refills
  std::vector<std::string_view> fields;
  int rows = 0;
  while (reader->Next(fields)) {
    ASSERT_EQ(fields.size(), 3u);
    ASSERT_EQ(fields[0], "id-" + std::to_string(rows));
    ASSERT_EQ(fields[1], "quoted, " + std::to_string(rows));
    ASSERT_EQ(fields[2], "tail");
    ++rows;
  }
  EXPECT_TRUE(reader->status().ok()) << reader->status().ToString();
  EXPECT_EQ(rows, 5000);
  EXPECT_EQ(reader->bytes_consumed(), reader->bytes_total());
}

TEST(CsvReader, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii and 中文"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abc\xE4\xB8"));       // truncated
}

// Found by fuzz_json_bodies: a parser error quoting the caller's byte made the answer invalid
// UTF-8 (and so invalid JSON for strict clients).
TEST(CsvReader, InvalidUtf8IsReplacedNotPassedOn) {
  EXPECT_EQ(ReplaceInvalidUtf8("ok 中文"), "ok 中文");
  EXPECT_EQ(ReplaceInvalidUtf8("byte '\x9d'"), "byte '\xEF\xBF\xBD'");
  EXPECT_EQ(ReplaceInvalidUtf8("\xE4\xB8"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated: one each
  EXPECT_EQ(ReplaceInvalidUtf8("\xED\xA0\x80x"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");  // a surrogate's 3 bytes
  EXPECT_TRUE(IsValidUtf8(ReplaceInvalidUtf8("\xff\xfe\xC0\xAF\xF4\x90\x80\x80 end")));
}

}  // namespace
}  // namespace xclear
