#include "xclear/config.h"

#include <gtest/gtest.h>

namespace xclear {
namespace {

TEST(Config, TheShippedConfigLoadsWithThe32Units) {
  auto config = LoadConfig(XCLEAR_SOURCE_DIR "/config/xclear.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->participants.size(), 32u);
  EXPECT_NE(config->participants.Find(660000), nullptr);
  EXPECT_EQ(config->participants.Find(660000)->name, "新疆生产建设兵团");
  EXPECT_EQ(config->rules.declaration_deadline_day, 20);
  EXPECT_EQ(config->rules.usage_yellow_hundredths, 7000);
  EXPECT_EQ(config->rules.usage_red_hundredths, 9000);
  EXPECT_EQ(config->rules.settlement_mode, SettlementMode::kGross);
  EXPECT_EQ(config->rules.med_type_categories.at("41"), "pharmacy");
  EXPECT_EQ(config->calendar_dir, std::filesystem::path(XCLEAR_SOURCE_DIR "/config/calendar"));
}

TEST(Config, DefaultsApplyToAbsentKeys) {
  auto config = ParseConfig("{}", "/etc/xclear");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->participants.size(), 32u);
  EXPECT_EQ(config->rules.prepayment_months, 2);
  EXPECT_EQ(config->rules.topup_target_usage_hundredths, 5000);
  EXPECT_EQ(config->storage.data_dir, std::filesystem::path("/etc/xclear/data"));
  EXPECT_TRUE(config->storage.sync_wal);
  EXPECT_FALSE(config->allow_now_override);
}

TEST(Config, RejectsUnknownKeysAndBadValuesWithTheirPath) {
  const auto message = [](const std::string& json) {
    auto config = ParseConfig(json, "/x");
    EXPECT_FALSE(config.ok()) << json;
    return config.ok() ? std::string() : config.status().message();
  };
  EXPECT_NE(message(R"({"rulez":{}})").find("unknown key \"rulez\""), std::string::npos);
  EXPECT_NE(message(R"({"rules":{"deadline_day":20}})").find("rules: unknown key"),
            std::string::npos);
  EXPECT_NE(message(R"({"rules":{"declaration_deadline_day":31}})").find("outside 1..28"),
            std::string::npos);
  EXPECT_NE(message(R"({"rules":{"usage_red_line":"90.001"}})").find("rules.usage_red_line"),
            std::string::npos);
  EXPECT_NE(message(R"({"rules":{"usage_red_line":90}})").find("strings"), std::string::npos);
  EXPECT_NE(message(R"({"rules":{"usage_yellow_line":"95.00"}})").find("below"), std::string::npos);
  EXPECT_NE(message(R"({"rules":{"settlement_mode":"both"}})").find("gross or net"),
            std::string::npos);
  EXPECT_NE(message(R"({"rules":{"med_type_categories":{"99":"dental"}}})").find("99"),
            std::string::npos);
  EXPECT_NE(message(R"({"rules":{"claim_amount_max":"1e9"}})").find("claim_amount_max"),
            std::string::npos);
  EXPECT_NE(
      message(
          R"({"participants":[{"code":"110100","short_name":"a","name":"b"},{"code":"120000","short_name":"c","name":"d"}]})")
          .find("not a provincial code"),
      std::string::npos);
  EXPECT_NE(
      message(
          R"({"participants":[{"code":"110000","short_name":"a","name":"b"},{"code":"110000","short_name":"c","name":"d"}]})")
          .find("listed twice"),
      std::string::npos);
  EXPECT_NE(message(R"({"storage":{"write_group_entries_max":0}})").find("write_group"),
            std::string::npos);
  EXPECT_NE(message("[1,2]").find("object"), std::string::npos);
  EXPECT_NE(message("{").find("not valid JSON"), std::string::npos);
}

TEST(Config, ParticipantsParseCodesAndTruncateSubProvincialOnes) {
  const Participants& units = Participants::Default();
  EXPECT_EQ(*units.ParseCode("110000"), 110000u);
  EXPECT_EQ(*units.ParseCode("411302", true), 410000u);
  EXPECT_FALSE(units.ParseCode("411302").ok());
  EXPECT_FALSE(units.ParseCode("710000").ok());  // not a participant
  EXPECT_FALSE(units.ParseCode("11000").ok());
  EXPECT_FALSE(units.ParseCode("11000a").ok());
}

}  // namespace
}  // namespace xclear
