// The HTTP service, driven over loopback by a real HTTP client (Poco::Net::HTTPClientSession):
// every endpoint, the authorization matrix, idempotent replay, every error status, and
// concurrent declarations from 8 provinces.
#include "xclear/service.h"

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
#include <set>
#include <sstream>
#include <thread>

#include "../../service/routes.h"
#include "../../service/view_cache.h"
#include "../test_support.h"
#include "service_fixture.h"
#include "xclear/declarations.h"
#include "xclear/ledger.h"

namespace xclear {
namespace {

TEST(ServiceDocs, EveryRouteIsInTheOpenApiFile) {
  std::ifstream in(XCLEAR_SOURCE_DIR "/docs/openapi.yaml");
  std::stringstream text;
  text << in.rdbuf();
  const std::string yaml = text.str();
  for (const service::Route& route : service::AllRoutes()) {
    const size_t at = yaml.find("\n  " + route.pattern + ":\n");
    ASSERT_NE(at, std::string::npos) << route.pattern;
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t next_path = yaml.find("\n  /", at + 1);
    EXPECT_NE(yaml.substr(at, next_path - at).find("\n    " + method + ":\n"), std::string::npos)
        << route.method << " " << route.pattern;
  }
}

TEST_F(ServiceTest, HealthAndMetricsAreOpenAndUnknownPathsAnswerJson) {
  Client client = NewClient();
  Reply health = client.Get("/healthz", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Json()->getValue<std::string>("status"), "ok");
  EXPECT_FALSE(health.headers["X-Request-Id"].empty());
  Reply missing = client.Get("/v1/nothing-here", Token(110000));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.ErrorCode(), "not_found");
  Reply wrong_method = client.Send("DELETE", "/v1/provinces/110000/claims", Token(110000));
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["Allow"], "GET");
  EXPECT_EQ(client.Send("POST", "/healthz", "", "{}", "application/json", "k").status, 405);
  Reply metrics = client.Get("/metrics", "");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("xclear_http_requests_total{method=\"GET\",route=\"/healthz\","
                              "status=\"200\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("xclear_http_request_duration_seconds_bucket{method=\"GET\","
                              "route=\"unmatched\""),
            std::string::npos);
  EXPECT_NE(metrics.body.find("xclear_ledger_sequence 0"), std::string::npos);
}

TEST_F(ServiceTest, TokensAreCheckedAndNeverLogged) {
  Client client = NewClient();
  Reply none = client.Get("/v1/provinces/110000/positions", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["WWW-Authenticate"], "Bearer realm=\"xclear\"");
  const std::string forged = "xct_" + std::string(64, 'a');
  EXPECT_EQ(client.Get("/v1/provinces/110000/positions", forged).status, 401);
  EXPECT_EQ(client.Get("/v1/provinces/110000/positions", "garbage").status, 401);
  EXPECT_EQ(client.Get("/v1/provinces/110000/positions", Token(110000)).status, 200);
  const std::string log = Log();
  EXPECT_NE(log.find("principal=province:110000/p110000"), std::string::npos) << log;
  for (const auto& [code, token] : province_tokens_) EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_EQ(log.find(forged), std::string::npos);
  // Revocation takes effect without a restart.
  ASSERT_TRUE(RevokeToken(config_.service.token_file, config_.participants, "p110000").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(client.Get("/v1/provinces/110000/positions", Token(110000)).status, 401);
}

TEST_F(ServiceTest, DeclarationsAreValidatedWholeAndBoundToTheCallersProvince) {
  Client client = NewClient();
  const std::string path = "/v1/provinces/110000/declarations";
  const std::string good = "[" + ClaimJson("B1", 110000, 130000, "2026-09-03", "100.00") + "," +
                           ClaimJson("B2", 110000, 310000, "2026-09-04", "50.00") + "]";
  Reply declared = client.Post(path, Token(110000), good, "d1");
  ASSERT_EQ(declared.status, 200) << declared.body;
  EXPECT_EQ(declared.Json()->getValue<uint64_t>("recorded"), 2u);
  const Reply csv = client.Post(path, Token(110000),
                                "claim_id,treatment_province,insured_province,settled_on,category,"
                                "total_amount,fund_amount\nB3,110000,130000,2026-09-05,pharmacy,"
                                "20.00,10.00\n",
                                "d2", "text/csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.Json()->getValue<std::string>("fund_amount"), "10.00");

  // Bad rows: 400 with every row, field and reason; nothing recorded.
  const std::string bad = "[" + ClaimJson("C1", 110000, 130000, "2026-09-03", "1.005") + "," +
                          ClaimJson("C2", 110000, 999999, "2026-09-03", "1.00") + "]";
  Reply refused = client.Post(path, Token(110000), bad, "d3");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.ErrorCode(), "invalid_claims");
  auto errors = refused.Json()->getObject("error")->getObject("declaration")->getArray("errors");
  ASSERT_EQ(errors->size(), 3u) << refused.body;
  EXPECT_EQ(errors->getObject(0)->getValue<uint64_t>("row"), 2u);
  EXPECT_EQ(errors->getObject(0)->getValue<std::string>("field"), "total_amount");
  EXPECT_EQ(errors->getObject(1)->getValue<std::string>("field"), "fund_amount");
  EXPECT_NE(errors->getObject(1)->getValue<std::string>("reason").find("3 decimals"),
            std::string::npos);
  EXPECT_EQ(errors->getObject(2)->getValue<uint64_t>("row"), 3u);
  EXPECT_EQ(errors->getObject(2)->getValue<std::string>("field"), "insured_province");
  EXPECT_EQ(client.Get("/v1/claims/C1", Token(110000)).status, 404);

  EXPECT_EQ(client.Post(path, Token(110000), "[{", "d4").status, 400);
  EXPECT_EQ(client.Post(path, Token(110000), "<xml/>", "d5", "application/xml").status, 415);
  // Declaring for another province, or as the operator or an auditor: 403.
  EXPECT_EQ(client.Post(path, Token(130000), good, "d6").status, 403);
  EXPECT_EQ(client.Post(path, operator_, good, "d7").status, 403);
  EXPECT_EQ(client.Post(path, auditor_, good, "d8").status, 403);
  // A claim naming another treatment province is a row error, not a way around the 403.
  const Reply other = client.Post(
      path, Token(110000), "[" + ClaimJson("D1", 130000, 110000, "2026-09-03", "1.00") + "]", "d9");
  EXPECT_EQ(other.status, 400);

  // After the deadline (20 October): 422, refused by a rule.
  clock_.Set(At("2026-10-21T00:00:00+08:00"));
  Reply late =
      client.Post(path, Token(110000),
                  "[" + ClaimJson("E1", 110000, 130000, "2026-09-30", "5.00") + "]", "d10");
  EXPECT_EQ(late.status, 422) << late.body;
  EXPECT_EQ(late.ErrorCode(), "declaration_refused");
}

TEST_F(ServiceTest, IdempotencyKeysReplayAndRefuseReuse) {
  Client client = NewClient();
  const std::string path = "/v1/provinces/110000/declarations";
  const std::string body = "[" + ClaimJson("I1", 110000, 130000, "2026-09-03", "7.00") + "]";
  EXPECT_EQ(client.Post(path, Token(110000), body, "").status, 400);
  EXPECT_EQ(client.Post(path, Token(110000), body, "").ErrorCode(), "idempotency_key_required");
  Reply first = client.Post(path, Token(110000), body, "same-key");
  ASSERT_EQ(first.status, 200);
  Reply again = client.Post(path, Token(110000), body, "same-key");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers["Idempotent-Replayed"], "true");
  const uint64_t head = ledger_->Head().sequence;
  Reply reused =
      client.Post(path, Token(110000),
                  "[" + ClaimJson("I2", 110000, 130000, "2026-09-03", "8.00") + "]", "same-key");
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(reused.ErrorCode(), "idempotency_key_reused");
  EXPECT_EQ(ledger_->Head().sequence, head);
  // Refusals replay too: the same bad request gives the same answer without running again.
  const std::string bad = "[" + ClaimJson("I3", 110000, 130000, "2026-09-03", "x") + "]";
  Reply refused = client.Post(path, Token(110000), bad, "bad-key");
  Reply refused_again = client.Post(path, Token(110000), bad, "bad-key");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused_again.body, refused.body);
  // Keys belong to the caller: another province's identical key is its own.
  Reply other =
      client.Post("/v1/provinces/130000/declarations", Token(130000),
                  "[" + ClaimJson("H1", 130000, 110000, "2026-09-03", "1.00") + "]", "same-key");
  EXPECT_EQ(other.status, 200) << other.body;
}

// Found by fuzz_json_bodies: the JSON parser's message quoted an invalid byte of the body and
// the answer was not UTF-8; now it is, and parses.
TEST_F(ServiceTest, AnswersStayUtf8WhateverTheBodyHeld) {
  Reply reply =
      NewClient().Post("/v1/payments", Token(110000), "{\"month\":{\"a\":[1,\x9d]}}", "u1");
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("\xEF\xBF\xBD"), std::string::npos) << reply.body;
  EXPECT_NO_THROW(reply.Json());
}

TEST_F(ServiceTest, OversizeBodiesAre413) {
  Client client = NewClient();
  const std::string huge(config_.service.request_body_bytes_max + 1, ' ');
  Reply reply = client.Post("/v1/provinces/110000/declarations", Token(110000), huge, "big");
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.ErrorCode(), "body_too_large");
}

// The month from declaration to payment through the API, with each side's view.
TEST_F(ServiceTest, AMonthFromDeclarationToPaymentAndReports) {
  Client client = NewClient();
  ASSERT_EQ(client
                .Post("/v1/provinces/110000/declarations", Token(110000),
                      "[" + ClaimJson("M1", 110000, 130000, "2026-09-03", "100.00") + "," +
                          ClaimJson("M2", 110000, 310000, "2026-09-04", "40.00") + "]",
                      "m1")
                .status,
            200);
  ASSERT_EQ(client
                .Post("/v1/provinces/130000/declarations", Token(130000),
                      "[" + ClaimJson("M3", 130000, 110000, "2026-09-05", "30.00") + "]", "m2")
                .status,
            200);
  // Explanations: filed for oneself, listed by oneself.
  Reply explanation = client.Post("/v1/provinces/110000/explanations", Token(110000),
                                  R"({"month":"2026-09","reason":"HIS migration"})", "x1");
  EXPECT_EQ(explanation.status, 200) << explanation.body;
  EXPECT_EQ(client.Get("/v1/provinces/110000/explanations", Token(110000))
                .Json()
                ->getArray("explanations")
                ->size(),
            1u);
  EXPECT_EQ(client.Get("/v1/provinces/110000/explanations", Token(130000)).status, 403);
  // Claims: a page of one pair, the CSV of one side, one claim.
  Reply page = client.Get("/v1/provinces/110000/claims?month=2026-09&counterpart=130000&limit=1",
                          Token(110000));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Json()->getArray("claims")->size(), 1u);
  Reply insured_side = client.Get(
      "/v1/provinces/130000/claims?month=2026-09&side=insured&format=csv", Token(130000));
  EXPECT_EQ(insured_side.status, 200);
  EXPECT_NE(insured_side.body.find("M1,110000,130000"), std::string::npos) << insured_side.body;
  EXPECT_NE(insured_side.body.find("TOTAL 1 claims"), std::string::npos);
  EXPECT_EQ(client.Get("/v1/claims/M1", Token(130000)).status, 200);
  EXPECT_EQ(client.Get("/v1/claims/M2", Token(310000)).status, 200);
  EXPECT_EQ(client.Get("/v1/claims/M1", Token(310000)).status, 404);  // not yours = not there
  EXPECT_EQ(
      client.Get("/v1/provinces/110000/claims?month=2026-09&format=csv", Token(310000)).status,
      403);

  // Clearing: refused before the deadline (422), then issued by the operator.
  Reply early = client.Post("/v1/jobs/clearing", operator_, R"({"month":"2026-09"})", "c1");
  EXPECT_EQ(early.status, 422) << early.body;
  EXPECT_EQ(client.Post("/v1/jobs/clearing", Token(110000), R"({"month":"2026-09"})", "c2").status,
            403);
  clock_.Set(At("2026-10-21T09:00:00+08:00"));  // Wednesday
  Reply cleared = client.Post("/v1/jobs/clearing", operator_, R"({"month":"2026-09"})", "c3");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(cleared.Json()->getValue<int>("new_rounds"), 1);
  // Shanghai sees only its pair.
  Reply shanghai = client.Get("/v1/months/2026-09/statements", Token(310000));
  auto statement = shanghai.Json()->getArray("statements")->getObject(0);
  EXPECT_EQ(statement->getArray("pairs")->size(), 1u);
  EXPECT_EQ(client.Get("/v1/months/2026-09/statements", auditor_)
                .Json()
                ->getArray("statements")
                ->getObject(0)
                ->getArray("pairs")
                ->size(),
            3u);
  // Confirm and pay: Hebei owes Beijing 100.00.
  Reply confirmed =
      client.Post("/v1/months/2026-09/statements/0/confirmations", Token(130000), "", "f1");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(confirmed.Json()->getValue<std::string>("actor"), "province:130000/p130000");
  EXPECT_EQ(client
                .Post("/v1/months/2026-09/statements/0/confirmations", Token(130000),
                      R"({"province":"110000"})", "f2")
                .status,
            403);
  const std::string payment =
      R"({"month":"2026-09","round":"0","payee":"110000","bank":"ICBC","serial":"S1",)"
      R"("value_date":"2026-10-21","amount":"100.00"})";
  EXPECT_EQ(client
                .Post("/v1/payments", Token(110000),
                      R"({"month":"2026-09","payer":"130000","payee":"110000","bank":"ICBC",)"
                      R"("serial":"S0","value_date":"2026-10-21","amount":"1.00"})",
                      "p0")
                .status,
            403);
  Reply over = client.Post("/v1/payments", Token(130000),
                           R"({"month":"2026-09","payee":"110000","bank":"ICBC","serial":"S9",)"
                           R"("value_date":"2026-10-21","amount":"100.01"})",
                           "p9");
  EXPECT_EQ(over.status, 422) << over.body;
  Reply paid = client.Post("/v1/payments", Token(130000), payment, "p1");
  ASSERT_EQ(paid.status, 200) << paid.body;
  Reply reused_serial = client.Post("/v1/payments", Token(130000), payment, "p2");
  EXPECT_EQ(reused_serial.status, 200);  // the identical payment is a domain replay
  EXPECT_TRUE(reused_serial.Json()->getValue<bool>("replayed"));
  EXPECT_EQ(
      client.Get("/v1/months/2026-09/payments", Token(310000)).Json()->getArray("payments")->size(),
      0u);
  Reply settlement = client.Get("/v1/months/2026-09/settlement", Token(130000));
  EXPECT_EQ(settlement.status, 200);
  EXPECT_NE(settlement.body.find("province:130000/p130000"), std::string::npos);  // its own
  // Shanghai shares no pair with Hebei: nothing of Hebei's (its confirmation, its actor, its
  // obligations) is in Shanghai's answer, while the auditor sees it.
  Reply shanghai_settlement = client.Get("/v1/months/2026-09/settlement", Token(310000));
  EXPECT_EQ(shanghai_settlement.status, 200);
  EXPECT_EQ(shanghai_settlement.body.find("130000"), std::string::npos) << shanghai_settlement.body;
  EXPECT_NE(shanghai_settlement.body.find("310000"), std::string::npos);
  EXPECT_NE(
      client.Get("/v1/months/2026-09/settlement", auditor_).body.find("province:130000/p130000"),
      std::string::npos);
  Reply deadlines = client.Get("/v1/provinces/310000/deadlines", Token(310000));
  EXPECT_EQ(deadlines.status, 200);
  EXPECT_EQ(client.Get("/v1/deadlines", Token(310000)).status, 403);
  EXPECT_EQ(client.Get("/v1/deadlines", auditor_).status, 200);

  // Positions: prepayment 0 with something outstanding is red; Beijing asks a top-up of Shanghai.
  Reply positions = client.Get("/v1/provinces/110000/positions", Token(110000));
  EXPECT_EQ(positions.Json()->getValue<std::string>("report"), "positions");
  EXPECT_EQ(client.Get("/v1/provinces/110000/positions", Token(130000)).status, 403);
  Reply topup = client.Post("/v1/topups", Token(110000), R"({"insured":"310000"})", "t1");
  ASSERT_EQ(topup.status, 200) << topup.body;
  const std::string notice = topup.Json()->getValue<std::string>("id");
  EXPECT_EQ(topup.Json()->getValue<std::string>("amount"), "80.00");  // 40.00 / 0.50 − 0
  EXPECT_EQ(
      client.Post("/v1/topups", Token(130000), R"({"insured":"310000","treatment":"110000"})", "t2")
          .status,
      403);
  Reply again = client.Post("/v1/topups", Token(110000), R"({"insured":"310000"})", "t3");
  EXPECT_EQ(again.status, 422) << again.body;  // one is open already
  EXPECT_EQ(client.Get("/v1/notices/" + notice, Token(310000)).status, 200);
  // Another pair's notice answers exactly as an unknown one (no payer named, no 403 to probe).
  const Reply foreign = client.Get("/v1/notices/" + notice, Token(130000));
  const Reply unknown = client.Get("/v1/notices/" + notice + "9", Token(130000));
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(foreign.Json()->getObject("error")->getValue<std::string>("message"),
            "no prepayment notice \"" + notice + "\"");
  EXPECT_EQ(unknown.Json()->getObject("error")->getValue<std::string>("message"),
            "no prepayment notice \"" + notice + "9\"");
  EXPECT_EQ(
      client.Post("/v1/notices/" + notice + "/payments", Token(130000), "{}", "n-foreign").status,
      404);
  const std::string notice_payment =
      R"({"bank":"BOC","serial":"N1","value_date":"2026-10-21","amount":"80.00"})";
  EXPECT_EQ(client.Post("/v1/notices/" + notice + "/payments", Token(110000), notice_payment, "n0")
                .status,
            403);
  Reply notice_paid =
      client.Post("/v1/notices/" + notice + "/payments", Token(310000), notice_payment, "n1");
  EXPECT_EQ(notice_paid.status, 200) << notice_paid.body;
  EXPECT_EQ(client.Get("/v1/provinces/310000/notices?open=true", Token(310000))
                .Json()
                ->getArray("notices")
                ->size(),
            0u);
  Reply check = client.Post("/v1/jobs/topup-check", operator_, "", "tc1");
  EXPECT_EQ(check.status, 200) << check.body;

  // Reports as downloads, by ?format= or Accept.
  Reply csv = client.Get("/v1/reports/statement?month=2026-09&format=csv", Token(310000));
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.headers["Content-Type"], "text/csv; charset=utf-8");
  EXPECT_NE(csv.headers["Content-Disposition"].find("statement-2026-09.csv"), std::string::npos);
  Reply xlsx = client.Send("GET", "/v1/reports/trial-balance", auditor_, "", "", "",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");  // a zip container
  // Its temporary file lived in a private directory of the service, and is gone.
  const std::filesystem::path private_tmp = config_.storage.data_dir / "tmp";
  ASSERT_TRUE(std::filesystem::is_directory(private_tmp));
  EXPECT_EQ(std::filesystem::status(private_tmp).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  EXPECT_TRUE(std::filesystem::is_empty(private_tmp));
  Reply own_books = client.Get("/v1/reports/trial-balance?format=json", Token(310000));
  EXPECT_EQ(own_books.body.find("110000:bank"), std::string::npos);
  EXPECT_EQ(
      client.Get("/v1/reports/provincial?province=110000&month=2026-10", Token(110000)).status,
      200);
  EXPECT_EQ(
      client.Get("/v1/reports/provincial?province=110000&month=2026-10", Token(130000)).status,
      403);
  EXPECT_EQ(client.Get("/v1/reports/prepayment?year=2027&format=json", Token(110000)).status, 200);
  EXPECT_EQ(client.Get("/v1/reports/deadlines?format=json", operator_).status, 200);
  EXPECT_EQ(client.Get("/v1/reports/positions?format=csv", Token(110000)).status, 200);
  Reply journal = client.Get("/v1/reports/journal", auditor_);
  EXPECT_EQ(journal.status, 200);
  EXPECT_NE(journal.body.find("commodity"), std::string::npos);
  EXPECT_EQ(client.Get("/v1/reports/journal", Token(110000)).status, 403);
  EXPECT_EQ(client.Get("/v1/reports/statement?month=2026-09&format=pdf", auditor_).status, 400);
  EXPECT_EQ(client.Get("/v1/reports/nonsense", auditor_).status, 404);

  // The annual adjustment: refused outside January (422), run by the operator in January.
  Reply outside = client.Post("/v1/jobs/adjustment", operator_, R"({"year":"2027"})", "a1");
  EXPECT_EQ(outside.status, 422) << outside.body;
  clock_.Set(At("2027-01-05T09:00:00+08:00"));
  Reply adjusted = client.Post("/v1/jobs/adjustment", operator_, R"({"year":"2027"})", "a2");
  ASSERT_EQ(adjusted.status, 200) << adjusted.body;
  EXPECT_EQ(client.Get("/v1/adjustments/2027", Token(110000)).status, 200);
  EXPECT_EQ(client.Get("/v1/adjustments/2026", Token(110000)).status, 404);

  // Every write names its actor in the ledger, and the ledger verifies.
  auto verify = ledger_->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok) << verify->reason;
  bool saw_payment_actor = false;
  ASSERT_TRUE(ledger_
                  ->ForEachEntry(1, ledger_->Head().sequence,
                                 [&](const JournalEntry& entry) {
                                   EXPECT_FALSE(entry.actor.empty());
                                   saw_payment_actor |= entry.actor == "province:130000/p130000";
                                   return Status::Ok();
                                 })
                  .ok());
  EXPECT_TRUE(saw_payment_actor);
  const std::string log = Log();
  EXPECT_EQ(log.find(" status=500"), std::string::npos) << log;
}

// Every route × every role. "self" is a province acting on its own resources; "other" is another
// province. Allowed means neither 401 nor 403; forbidden means 403; no token always 401.
TEST_F(ServiceTest, AuthorizationMatrix) {
  ASSERT_EQ(NewClient()
                .Post("/v1/provinces/110000/declarations", Token(110000),
                      "[" + ClaimJson("Z1", 110000, 130000, "2026-09-03", "10.00") + "]", "z")
                .status,
            200);
  struct Case {
    std::string method, path, body;
    bool self, other, op, auditor;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/provinces/110000/declarations", "[]", true, false, false, false},
      {"GET", "/v1/provinces/110000/claims?month=2026-09&counterpart=130000", "", true, false, true,
       true},
      {"GET", "/v1/claims/Z1", "", true, true, true, true},  // "other" is Hebei, a party
      {"POST", "/v1/provinces/110000/explanations", R"({"month":"2026-09","reason":"r"})", true,
       false, false, false},
      {"GET", "/v1/provinces/110000/explanations", "", true, false, true, true},
      {"GET", "/v1/months/2026-09/statements", "", true, true, true, true},
      {"POST", "/v1/months/2026-09/statements/0/confirmations", "", true, true, false, false},
      {"GET", "/v1/months/2026-09/settlement", "", true, true, true, true},
      {"GET", "/v1/months/2026-09/payments", "", true, true, true, true},
      {"POST", "/v1/payments", R"({"month":"2026-09","payee":"130000"})", true, true, true, false},
      {"GET", "/v1/provinces/110000/deadlines", "", true, false, true, true},
      {"GET", "/v1/deadlines", "", false, false, true, true},
      {"POST", "/v1/jobs/clearing", R"({"month":"2026-09"})", false, false, true, false},
      {"GET", "/v1/provinces/110000/positions", "", true, false, true, true},
      {"GET", "/v1/positions", "", false, false, true, true},
      {"GET", "/v1/provinces/110000/notices", "", true, false, true, true},
      {"GET", "/v1/notices/topup-130000-110000-1", "", true, true, true, true},
      {"POST", "/v1/notices/topup-130000-110000-1/payments", "{}", true, true, false, false},
      {"POST", "/v1/topups", R"({"insured":"130000"})", true, true, true, false},
      {"GET", "/v1/adjustments/2027", "", true, true, true, true},
      {"POST", "/v1/jobs/adjustment", R"({"year":"2027"})", false, false, true, false},
      {"POST", "/v1/jobs/topup-check", "", false, false, true, false},
      {"POST", "/v1/jobs/backup", "", false, false, true, false},
      {"GET", "/v1/reports/provincial?province=110000&month=2026-09", "", true, false, true, true},
      {"GET", "/v1/reports/journal", "", false, false, true, true},
      {"GET", "/v1/reports/trial-balance", "", true, true, true, true},
  };
  Client client = NewClient();
  int key = 0;
  for (const Case& c : cases) {
    const auto send = [&](const std::string& token) {
      return client.Send(c.method, c.path, token, c.body, "application/json",
                         "matrix-" + std::to_string(++key));
    };
    const std::string label = c.method + " " + c.path;
    EXPECT_EQ(send("").status, 401) << label;
    const std::vector<std::pair<std::string, bool>> callers = {{Token(110000), c.self},
                                                               {Token(130000), c.other},
                                                               {operator_, c.op},
                                                               {auditor_, c.auditor}};
    const char* names[] = {"self", "other", "operator", "auditor"};
    for (size_t i = 0; i < callers.size(); ++i) {
      const Reply reply = send(callers[i].first);
      if (callers[i].second) {
        EXPECT_NE(reply.status, 401) << label << " as " << names[i];
        EXPECT_NE(reply.status, 403) << label << " as " << names[i] << ": " << reply.body;
        EXPECT_LT(reply.status, 500) << label << " as " << names[i] << ": " << reply.body;
      } else {
        EXPECT_EQ(reply.status, 403) << label << " as " << names[i] << ": " << reply.body;
      }
    }
  }
}

// Eight provinces declare at once; afterwards every claim is there exactly once and the ledger
// verifies.
TEST_F(ServiceTest, ConcurrentDeclarationsFromEightProvincesAndABackupMeanwhile) {
  constexpr int kClients = 8, kBatches = 15, kClaims = 200;
  const auto& units = config_.participants.units();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      Client client = NewClient();
      const uint32_t treatment = units[static_cast<size_t>(c)].code;
      for (int b = 0; b < kBatches; ++b) {
        std::string body = "[";
        for (int i = 0; i < kClaims; ++i) {
          const uint32_t insured = units[static_cast<size_t>((c + 1 + i % 20) % units.size())].code;
          body +=
              (i ? "," : "") +
              ClaimJson("K" + std::to_string(c) + "-" + std::to_string(b) + "-" + std::to_string(i),
                        treatment, insured == treatment ? units[31].code : insured, "2026-09-10",
                        "1.25");
        }
        body += "]";
        const std::string path = "/v1/provinces/" + std::to_string(treatment) + "/declarations";
        const std::string key = "batch-" + std::to_string(b);
        Reply reply = client.Post(path, Token(treatment), body, key);
        if (reply.status != 200) ++failures;
        // A retry of the same batch (the client lost the answer) replays it.
        if (b % 5 == 0 && client.Post(path, Token(treatment), body, key).body != reply.body)
          ++failures;
      }
    });
  }
  // The operator backs the ledger up twice while the provinces declare.
  std::vector<Reply> backups;
  {
    Client client = NewClient();
    uint64_t seen = 0;
    for (int i = 0; i < 2; ++i) {
      // Each backup after some declarations have landed (the provinces are still declaring).
      for (int wait = 0; wait < 3000 && ledger_->Head().sequence <= seen; ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      seen = ledger_->Head().sequence;
      backups.push_back(
          client.Post("/v1/jobs/backup", operator_, "", "backup-" + std::to_string(i)));
    }
    EXPECT_EQ(client.Post("/v1/jobs/backup", operator_, R"({"to":"/tmp"})", "backup-x").status,
              400);
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  // Each backup restores to a ledger that verifies and is the source at the backup's sequence.
  for (size_t i = 0; i < backups.size(); ++i) {
    ASSERT_EQ(backups[i].status, 200) << backups[i].body;
    const auto backup = backups[i].Json();
    const uint64_t sequence = backup->getValue<uint64_t>("head_sequence");
    LedgerOptions options;
    options.data_dir = dir_.path() / ("restored-" + std::to_string(i));
    auto restored_info = RestoreLedger(backup->getValue<std::string>("directory"), options,
                                       config_.participants, clock_);
    ASSERT_TRUE(restored_info.ok()) << restored_info.status().ToString();
    auto restored = OpenLedger(options, config_.participants, clock_);
    ASSERT_TRUE(restored.ok());
    EXPECT_EQ(DigestToHex((*restored)->Head().hash), backup->getValue<std::string>("head_hash"));
    EXPECT_EQ((*restored)->Head().hash, ledger_->Entry(sequence).value().hash);
    Declarations restored_claims(**restored, config_, clock_);
    EXPECT_EQ(restored_claims.Verify().value(), "");
    auto restored_totals = restored_claims.MonthTotals(YearMonth::Parse("2026-09").value(), false);
    ASSERT_TRUE(restored_totals.ok());
    EXPECT_EQ(restored_totals->first, sequence * kClaims);  // one entry per 200-claim batch
  }
  Declarations declarations(*ledger_, config_, clock_);
  auto totals = declarations.MonthTotals(YearMonth::Parse("2026-09").value(), false);
  ASSERT_TRUE(totals.ok());
  EXPECT_EQ(totals->first, static_cast<uint64_t>(kClients * kBatches * kClaims));
  EXPECT_EQ(totals->second, Fen(kClients * kBatches * kClaims * 125));
  auto verified = ledger_->Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->reason;
  auto claims = declarations.Verify();
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(*claims, "");
  Reply metrics = NewClient().Get("/metrics", "");
  EXPECT_NE(metrics.body.find("xclear_claims_declared_total " +
                              std::to_string(kClients * kBatches * kClaims)),
            std::string::npos);
}

TEST_F(ServiceTest, StopFinishesInFlightRequestsAndRefusesNewOnes) {
  std::string body = "[";
  for (int i = 0; i < 2000; ++i) {
    body +=
        (i ? "," : "") + ClaimJson("S" + std::to_string(i), 110000, 130000, "2026-09-10", "1.00");
  }
  body += "]";
  Reply reply;
  std::thread slow([&] {
    Client client = NewClient();
    reply = client.Post("/v1/provinces/110000/declarations", Token(110000), body, "stop");
  });
  // Stop once the declaration is being handled (the /metrics request counts itself too): a fixed
  // sleep was too short under the sanitizers.
  {
    Client watcher = NewClient();
    for (int wait = 0; wait < 2000; ++wait) {
      if (watcher.Get("/metrics", "").body.find("xclear_http_requests_in_flight 2") !=
          std::string::npos)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  const uint16_t port = service_->port();
  service_->Stop();
  slow.join();
  EXPECT_EQ(reply.status, 200) << reply.body;  // the in-flight request was finished
  Declarations declarations(*ledger_, config_, clock_);
  EXPECT_TRUE(declarations.FindClaim("S1999").value().has_value());
  Client late(port);
  EXPECT_ANY_THROW(late.Get("/healthz", ""));
  EXPECT_NE(Log().find("stopping: 1 request(s) in flight"), std::string::npos) << Log();
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

// The outstanding amount of pair (insured, treatment) in a positions answer.
std::string Outstanding(const Reply& reply, const std::string& insured,
                        const std::string& treatment) {
  const auto positions = reply.Json()->getArray("positions");
  for (unsigned i = 0; i < positions->size(); ++i) {
    const auto position = positions->getObject(i);
    if (position->getValue<std::string>("insured") == insured &&
        position->getValue<std::string>("treatment") == treatment)
      return position->getValue<std::string>("outstanding");
  }
  return "absent";
}

uint64_t ViewsKept(Client& client) {
  const std::string metrics = client.Get("/metrics", "").body;
  const std::string name = "xclear_http_views_total{source=\"kept\"} ";
  const size_t at = metrics.find(name);
  return at == std::string::npos ? UINT64_MAX : std::stoull(metrics.substr(at + name.size()));
}

// SPEC §12: a view computed at ledger version N holds until N + 1, and one that counts days
// until the CST date turns. Each check looks at what the answer holds, not only its status.
TEST_F(ServiceTest, ReadViewsAreKeptUntilTheLedgerMovesOrTheDayTurns) {
  Client client = NewClient();
  const std::string declarations = "/v1/provinces/110000/declarations";
  const std::string positions = "/v1/provinces/110000/positions";
  ASSERT_EQ(client
                .Post(declarations, Token(110000),
                      "[" + ClaimJson("V1", 110000, 130000, "2026-09-03", "100.00") + "]", "v1")
                .status,
            200);
  const uint64_t kept_before = ViewsKept(client);
  const Reply first = client.Get(positions, Token(110000));
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(Outstanding(first, "130000", "110000"), "100.00");
  const Reply again = client.Get(positions, Token(110000));
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(ViewsKept(client), kept_before + 1);
  // Another caller never gets the kept answer: a province not party to it is refused, and the
  // operator's own answer is computed for it.
  const Reply foreign = client.Get(positions, Token(130000));
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.body.find("\"positions\""), std::string::npos) << foreign.body;
  EXPECT_EQ(client.Get(positions, operator_).status, 200);
  EXPECT_EQ(ViewsKept(client), kept_before + 1);
  // A query is part of the view: the position as of entry 0 is not today's.
  const Reply as_of = client.Get(positions + "?as_of=0", Token(110000));
  ASSERT_EQ(as_of.status, 200);
  EXPECT_EQ(Outstanding(as_of, "130000", "110000"), "0.00");

  // A commit moves the ledger: the next answer is computed and shows it.
  ASSERT_EQ(client
                .Post(declarations, Token(110000),
                      "[" + ClaimJson("V2", 110000, 130000, "2026-09-04", "50.00") + "]", "v2")
                .status,
            200);
  EXPECT_EQ(Outstanding(client.Get(positions, Token(110000)), "130000", "110000"), "150.00");
  // A commit that records no journal entry (a claim of 0.00 fund) moves the version too.
  const std::string deadlines = "/v1/provinces/110000/deadlines";
  const Reply before_zero = client.Get(deadlines, Token(110000));
  clock_.Advance(1);  // an answer computed now says so in its as_of
  EXPECT_EQ(client.Get(deadlines, Token(110000)).body, before_zero.body);  // kept: the same as_of
  ASSERT_EQ(client
                .Post(declarations, Token(110000),
                      "[" + ClaimJson("V3", 110000, 310000, "2026-09-05", "0.00") + "]", "v3")
                .status,
            200);
  const Reply after_zero = client.Get(deadlines, Token(110000));
  EXPECT_NE(after_zero.body.find("\"as_of\""), std::string::npos);
  EXPECT_NE(before_zero.body, after_zero.body);  // computed afresh: its as_of is 1 ms later

  // Deadlines count days overdue: kept within a day, computed again when the CST date turns.
  const auto month_overdue = [&](const Reply& reply) -> int64_t {
    const auto items = reply.Json()->getArray("items");
    for (unsigned i = 0; i < items->size(); ++i) {
      const auto item = items->getObject(i);
      if (item->getValue<std::string>("kind") == "month" && item->has("days_overdue"))
        return item->getValue<int64_t>("days_overdue");
    }
    return -1;
  };
  clock_.Set(At("2026-12-02T10:00:00+08:00"));
  const Reply day_one = client.Get(deadlines, Token(110000));
  ASSERT_EQ(day_one.status, 200);
  EXPECT_EQ(month_overdue(day_one), 2) << day_one.body;
  clock_.Set(At("2026-12-02T23:59:59.999+08:00"));
  EXPECT_EQ(client.Get(deadlines, Token(110000)).body, day_one.body);
  clock_.Set(At("2026-12-03T00:00:00+08:00"));
  EXPECT_EQ(month_overdue(client.Get(deadlines, Token(110000))), 3);
}

TEST(ViewCacheTest, KeepsTheNewestAnswerWithinItsBoundAndOnlyWhole200s) {
  service::ViewCache cache(4096);
  service::Response ok;
  ok.body = std::string(100, 'a');
  cache.Store("k", 5, 0, ok);
  ASSERT_TRUE(cache.Find("k", 5, 0));
  EXPECT_FALSE(cache.Find("k", 6, 0));
  EXPECT_FALSE(cache.Find("k", 5, 1));
  // An answer computed at an older version never replaces a newer one.
  service::Response older = ok;
  older.body = "older";
  cache.Store("k", 4, 0, older);
  EXPECT_EQ(cache.Find("k", 5, 0)->body, ok.body);
  service::Response refused = ok;
  refused.status = 403;
  cache.Store("r", 5, 0, refused);
  EXPECT_FALSE(cache.Find("r", 5, 0));
  service::Response streamed = ok;
  streamed.stream = [](const service::BodySink&) { return Status::Ok(); };
  cache.Store("s", 5, 0, streamed);
  EXPECT_FALSE(cache.Find("s", 5, 0));
  // Past the bound, the oldest go first.
  for (int i = 0; i < 20; ++i) cache.Store("n" + std::to_string(i), 5, 0, ok);
  EXPECT_LE(cache.bytes(), 4096u);
  EXPECT_FALSE(cache.Find("n0", 5, 0));
  EXPECT_TRUE(cache.Find("n19", 5, 0));
  // Requests that differ in path, query, Accept or caller have different keys.
  service::Request a;
  a.method = "GET";
  a.path = "/v1/positions";
  service::Request b = a;
  b.query["as_of"] = "3";
  service::Request c = a;
  c.accept = "text/csv";
  service::Request d = a;
  d.principal.role = Role::kOperator;
  service::Request e = a;
  e.principal.province = 110000;
  // A value that decodes to any bytes cannot pose as two parameters (%1F%1E… are not refused).
  service::Request f = a;
  f.query["a"] = "b";
  f.query["as_of"] = "5";
  service::Request g = a;
  g.query["a"] =
      "b\x1f"
      "as_of=5";
  service::Request h = a;
  h.query["a"] = std::string(
                     "b\0"
                     "1:",
                     4) +
                 "5:as_of1:5";
  const std::set<std::string> keys = {service::ViewCache::KeyOf(a), service::ViewCache::KeyOf(b),
                                      service::ViewCache::KeyOf(c), service::ViewCache::KeyOf(d),
                                      service::ViewCache::KeyOf(e), service::ViewCache::KeyOf(f),
                                      service::ViewCache::KeyOf(g), service::ViewCache::KeyOf(h)};
  EXPECT_EQ(keys.size(), 8u);
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

TEST_F(ServiceTest, ReversalsArriveInCsvAndJsonDeclarationsAndShowWithTheirClaims) {
  Client client = NewClient();
  const std::string path = "/v1/provinces/110000/declarations";
  const std::string header =
      "claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_amount,"
      "reversal_of\n";
  const Reply csv = client.Post(path, Token(110000),
                                header + "V1,110000,130000,2026-09-03,inpatient,150.00,100.00,\n" +
                                    "V2,110000,130000,2026-09-05,inpatient,150.00,100.00,V1\n",
                                "r1", "text/csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.Json()->getValue<uint64_t>("recorded"), 1u);
  EXPECT_EQ(csv.Json()->getValue<uint64_t>("reversals"), 1u);
  EXPECT_EQ(csv.Json()->getValue<std::string>("reversed_fund"), "100.00");
  // JSON: the optional "reversal_of" key.
  std::string reversal = ClaimJson("V4", 110000, 130000, "2026-09-06", "100.00");
  reversal.insert(reversal.rfind('}'), ", \"reversal_of\": \"V3\"");
  const Reply json = client.Post(
      path, Token(110000),
      "[" + ClaimJson("V3", 110000, 130000, "2026-09-03", "100.00") + "," + reversal + "]", "r2");
  ASSERT_EQ(json.status, 200) << json.body;
  EXPECT_EQ(json.Json()->getValue<uint64_t>("reversals"), 1u);
  // Both sides see the pair, and what each points at.
  for (const uint32_t province : {110000u, 130000u}) {
    const Reply original = client.Get("/v1/claims/V1", Token(province));
    ASSERT_EQ(original.status, 200) << original.body;
    EXPECT_EQ(original.Json()->getValue<std::string>("reversed_by"), "V2");
    const Reply cancelling = client.Get("/v1/claims/V2", Token(province));
    ASSERT_EQ(cancelling.status, 200);
    EXPECT_EQ(cancelling.Json()->getValue<std::string>("reversal_of"), "V1");
  }
  EXPECT_EQ(client.Get("/v1/claims/V2", Token(310000)).status, 404);  // not Shanghai's
  // A reversal of another province's claim, or of an unknown one: 400 naming reversal_of.
  const Reply refused = client.Post(
      path, Token(110000), header + "V9,110000,130000,2026-09-05,inpatient,150.00,100.00,NOPE\n",
      "r3", "text/csv");
  EXPECT_EQ(refused.status, 400) << refused.body;
  auto errors = refused.Json()->getObject("error")->getObject("declaration")->getArray("errors");
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ(errors->getObject(0)->getValue<std::string>("field"), "reversal_of");
  EXPECT_EQ(client.Get("/v1/claims/V9", Token(110000)).status, 404);
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

TEST_F(ServiceTest, ANegativePairIsPaidBackOverHttpWithOwedBackWhenBothDirectionsAreDue) {
  clock_.Set(At("2026-08-10T09:00:00+08:00"));
  Client client = NewClient();
  const std::string path = "/v1/provinces/110000/declarations";
  ASSERT_EQ(client
                .Post(path, Token(110000),
                      "[" + ClaimJson("P1", 110000, 130000, "2026-08-05", "300.00") + "]", "n1")
                .status,
            200);
  clock_.Set(At("2026-09-21T09:00:00+08:00"));
  ASSERT_EQ(client.Post("/v1/jobs/clearing", operator_, R"({"month":"2026-08"})", "n2").status,
            200);
  // September: Beijing reverses August's 300.00 and claims 100.00 (Hebei←Beijing: −200.00);
  // Hebei treats a Beijing insured person for 10.00 (Beijing←Hebei: +10.00). Beijing owes Hebei
  // twice: 10.00 as insured, 200.00 back as treatment province.
  clock_.Set(At("2026-10-10T09:00:00+08:00"));
  std::string reversal = ClaimJson("PR1", 110000, 130000, "2026-09-02", "300.00");
  reversal.insert(reversal.rfind('}'), ",\"reversal_of\":\"P1\"");
  ASSERT_EQ(client
                .Post(path, Token(110000),
                      "[" + reversal + "," +
                          ClaimJson("P2", 110000, 130000, "2026-09-10", "100.00") + "]",
                      "n3")
                .status,
            200);
  ASSERT_EQ(client
                .Post("/v1/provinces/130000/declarations", Token(130000),
                      "[" + ClaimJson("H1", 130000, 110000, "2026-09-10", "10.00") + "]", "n4")
                .status,
            200);
  clock_.Set(At("2026-10-21T09:00:00+08:00"));
  ASSERT_EQ(client.Post("/v1/jobs/clearing", operator_, R"({"month":"2026-09"})", "n5").status,
            200);
  Reply statement = client.Get("/v1/months/2026-09/statements", Token(110000));
  ASSERT_EQ(statement.status, 200);
  EXPECT_NE(statement.body.find("\"amount\":\"-200.00\""), std::string::npos) << statement.body;
  ASSERT_EQ(
      client.Post("/v1/months/2026-09/statements/0/confirmations", Token(110000), "", "n6").status,
      200);
  const auto payment = [](const std::string& serial, const std::string& amount,
                          const std::string& extra) {
    return R"({"month":"2026-09","payee":"130000","bank":"ICBC","serial":")" + serial +
           R"(","value_date":"2026-10-21","amount":")" + amount + "\"" + extra + "}";
  };
  // Without owed_back the usual direction is meant: 150.00 overpays its 10.00.
  Reply over = client.Post("/v1/payments", Token(110000), payment("B1", "150.00", ""), "n7");
  EXPECT_EQ(over.status, 422) << over.body;
  EXPECT_NE(over.body.find("overpayment"), std::string::npos) << over.body;
  Reply bad = client.Post("/v1/payments", Token(110000),
                          payment("B1", "150.00", R"(,"owed_back":"yes")"), "n8");
  EXPECT_EQ(bad.status, 400) << bad.body;
  Reply back = client.Post("/v1/payments", Token(110000),
                           payment("B1", "150.00", R"(,"owed_back":true)"), "n9");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_TRUE(back.Json()->getValue<bool>("owed_back"));
  Reply own = client.Post("/v1/payments", Token(110000), payment("B2", "10.00", ""), "n10");
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_FALSE(own.Json()->getValue<bool>("owed_back"));
  // What remains: 50.00 back.
  Reply settlement = client.Get("/v1/months/2026-09/settlement", Token(110000));
  ASSERT_EQ(settlement.status, 200);
  EXPECT_NE(settlement.body.find("\"owed_back\":true,\"owed\":\"200.00\",\"paid\":\"150.00\","
                                 "\"remaining\":\"50.00\""),
            std::string::npos)
      << settlement.body;
}

}  // namespace
}  // namespace xclear
