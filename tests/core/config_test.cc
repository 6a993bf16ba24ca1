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
  EXPECT_EQ(config->service.port, 8420);
  EXPECT_EQ(config->service.request_body_bytes_max, 64u << 20);
  EXPECT_EQ(config->service.token_file,
            std::filesystem::path(XCLEAR_SOURCE_DIR "/config/tokens.json"));
  EXPECT_TRUE(config->service.log_file.empty());
}

TEST(Config, ServiceSectionIsBoundedAndChecked) {
  auto config = ParseConfig(
      R"({"service":{"port":0,"threads_max":4,"queue_max":8,"request_body_bytes_max":4096,"token_file":"t.json","log_file":"x.log"}})",
      "/etc/xclear");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->service.port, 0);
  EXPECT_EQ(config->service.threads_max, 4u);
  EXPECT_EQ(config->service.queue_max, 8u);
  EXPECT_EQ(config->service.request_body_bytes_max, 4096u);
  EXPECT_EQ(config->service.token_file, std::filesystem::path("/etc/xclear/t.json"));
  EXPECT_EQ(config->service.log_file, std::filesystem::path("/etc/xclear/x.log"));
  for (const char* bad :
       {R"({"service":{"threads_max":0}})", R"({"service":{"port":70000}})",
        R"({"service":{"request_body_bytes_max":10}})", R"({"service":{"listen_address":""}})",
        R"({"service":{"tls":true}})", R"({"service":[]})"}) {
    auto refused = ParseConfig(bad, "/x");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("service"), std::string::npos)
        << refused.status().message();
  }
}

TEST(Config, ADuplicateKeyAndHalfATlsPairAreRefused) {
  auto twice = ParseConfig(R"({"service":{"port":1,"port":2}})", "/x");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("duplicate key \"port\""), std::string::npos)
      << twice.status().message();
  auto half = ParseConfig(R"({"service":{"tls_certificate_file":"c.pem"}})", "/x");
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("go together"), std::string::npos);
  auto bodies = ParseConfig(
      R"({"service":{"request_body_bytes_max":1048576,"request_bodies_bytes_max":4096}})", "/x");
  ASSERT_FALSE(bodies.ok());
  auto tls = ParseConfig(
      R"({"service":{"tls_certificate_file":"c.pem","tls_private_key_file":"k.pem"}})", "/etc/x");
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(tls->service.tls_certificate_file, std::filesystem::path("/etc/x/c.pem"));
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
