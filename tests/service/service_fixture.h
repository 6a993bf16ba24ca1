// The fixture of the service tests: a real Service on a loopback port over a ledger in a temp
// directory, a token per province plus an operator and an auditor, and a Poco HTTP client.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "../test_support.h"
#include "xclear/ledger.h"
#include "xclear/service.h"

namespace xclear {

using testing_support::At;
using testing_support::TempDir;

struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  Poco::JSON::Object::Ptr Json() const {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  }
  std::string ErrorCode() const {
    auto json = Json();
    return json->has("error") ? json->getObject("error")->getValue<std::string>("code") : "";
  }
};

class Client {
 public:
  explicit Client(uint16_t port) : session_("127.0.0.1", port) {
    session_.setKeepAlive(true);
    session_.setTimeout(Poco::Timespan(30, 0));
  }
  Reply Send(const std::string& method, const std::string& path, const std::string& token = "",
             const std::string& body = "", const std::string& content_type = "application/json",
             const std::string& idempotency_key = "", const std::string& accept = "") {
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!token.empty()) request.set("Authorization", "Bearer " + token);
    if (!idempotency_key.empty()) request.set("Idempotency-Key", idempotency_key);
    if (!accept.empty()) request.set("Accept", accept);
    if (!body.empty() || method == "POST") {
      request.setContentType(content_type);
      request.setContentLength64(static_cast<Poco::UInt64>(body.size()));
    }
    session_.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session_.receiveResponse(response);
    Reply reply;
    reply.status = static_cast<int>(response.getStatus());
    std::stringstream text;
    text << in.rdbuf();
    reply.body = text.str();
    for (const auto& [name, value] : response) reply.headers[name] = value;
    return reply;
  }
  Reply Get(const std::string& path, const std::string& token) { return Send("GET", path, token); }
  Reply Post(const std::string& path, const std::string& token, const std::string& body,
             const std::string& key, const std::string& content_type = "application/json") {
    return Send("POST", path, token, body, content_type, key);
  }

 private:
  Poco::Net::HTTPClientSession session_;
};

std::string ClaimJson(const std::string& id, uint32_t treatment, uint32_t insured,
                      const std::string& settled_on, const std::string& fund) {
  return "{\"claim_id\":\"" + id + "\",\"treatment_province\":\"" + std::to_string(treatment) +
         "\",\"insured_province\":\"" + std::to_string(insured) + "\",\"settled_on\":\"" +
         settled_on + "\",\"category\":\"inpatient\",\"total_amount\":\"" + fund +
         "\",\"fund_amount\":\"" + fund + "\"}";
}

class ServiceTest : public ::testing::Test {
 protected:
  // Changes to config_.service before the service starts (tests of limits and TLS).
  virtual void Configure() {}
  void SetUp() override {
    auto loaded = LoadConfig(XCLEAR_SOURCE_DIR "/config/xclear.json");
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    config_ = *loaded;
    config_.storage.data_dir = dir_.path() / "data";
    config_.service.port = 0;
    config_.service.threads_max = 12;
    config_.service.request_body_bytes_max = 1 << 20;
    config_.service.token_file = dir_.path() / "tokens.json";
    config_.storage.backup_dir = dir_.path() / "backups";
    Configure();
    LedgerOptions options;
    options.data_dir = config_.storage.data_dir;
    options.create_if_missing = true;
    options.storage = config_.storage;
    auto ledger = OpenLedger(options, config_.participants, clock_);
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = std::move(*ledger);
    auto calendar = WorkingCalendar::LoadDirectory(config_.calendar_dir);
    ASSERT_TRUE(calendar.ok());
    calendar_ = *calendar;
    for (const Participant& unit : config_.participants.units()) {
      province_tokens_[unit.code] =
          Issue("p" + std::to_string(unit.code), Role::kProvince, unit.code);
    }
    operator_ = Issue("month-end", Role::kOperator, 0);
    auditor_ = Issue("nao", Role::kAuditor, 0);
    tokens_ = std::make_unique<TokenStore>(config_.service.token_file, config_.participants);
    ASSERT_TRUE(tokens_->Load().ok());
    log_file_ = dir_.path() / "service.log";
    logger_ = spdlog::basic_logger_mt("service-test-" + dir_.path().filename().string(),
                                      log_file_.string());
    ServiceDependencies dependencies{ledger_.get(), &config_,      &calendar_,
                                     &clock_,       tokens_.get(), logger_};
    auto service = Service::Start(dependencies);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(*service);
  }
  void TearDown() override {
    if (service_) service_->Stop();
    spdlog::drop(logger_->name());
  }

  std::string Issue(const std::string& name, Role role, uint32_t province) {
    auto token = IssueToken(config_.service.token_file, config_.participants,
                            Principal{name, role, province, {}}, clock_.Now());
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? *token : "";
  }
  std::string Token(uint32_t province) { return province_tokens_.at(province); }
  Client NewClient() { return Client(service_->port()); }
  std::string Log() {
    logger_->flush();
    std::ifstream in(log_file_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  TempDir dir_;
  ManualClock clock_{At("2026-09-25T10:00:00+08:00")};
  Config config_;
  std::unique_ptr<Ledger> ledger_;
  WorkingCalendar calendar_;
  std::map<uint32_t, std::string> province_tokens_;
  std::string operator_, auditor_;
  std::unique_ptr<TokenStore> tokens_;
  std::filesystem::path log_file_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<Service> service_;
};

}  // namespace xclear
