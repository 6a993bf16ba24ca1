// libFuzzer target: the JSON request bodies of every POST route of the HTTP service, through the
// real handlers against a real ledger (no socket). The first input byte picks the route, the
// second the caller and the path parameters; the rest is the body. Whatever the body, the answer
// is a 2xx or a 4xx with a JSON error naming the cause: a 5xx or an exception escaping a handler
// means bad input reached a place it should not, and aborts the run.
#include <Poco/JSON/Parser.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../../service/metrics.h"
#include "../../service/routes.h"
#include "fuzz_world.h"

using xclear::fuzzing::Check;
namespace service = xclear::service;

namespace {

struct Target {
  std::vector<service::Route> routes;
  service::Metrics metrics;
  std::unique_ptr<service::Domain> domain;
};

Target& TheTarget() {
  static Target* target = [] {
    auto& world = xclear::fuzzing::TheWorld();
    auto* created = new Target();
    for (service::Route& route : service::AllRoutes()) {
      // The backup job writes a whole copy of the ledger: not a body parser, and too slow here.
      if (route.method == "POST" && route.pattern != "/v1/jobs/backup") {
        created->routes.push_back(std::move(route));
      }
    }
    created->domain = std::make_unique<service::Domain>(*world.ledger, world.config, world.calendar,
                                                        world.clock, created->metrics);
    return created;
  }();
  return *target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Target& target = TheTarget();
  const service::Route& route = target.routes[data[0] % target.routes.size()];
  const uint8_t who = data[1];
  service::Request request;
  request.method = "POST";
  request.path = route.pattern;
  request.body.assign(reinterpret_cast<const char*>(data + 2), size - 2);
  request.content_type = (who & 0x80) != 0 ? "text/csv" : "application/json";
  request.idempotency_key = "fuzz";
  request.request_id = "fuzz";
  const bool as_operator =
      xclear::Permits(xclear::Role::kOperator, route.operation) &&
      (!xclear::Permits(xclear::Role::kProvince, route.operation) || (who & 1) != 0);
  request.principal = as_operator ? xclear::Principal{"fuzz", xclear::Role::kOperator, 0, "t-fuzz"}
                                  : xclear::Principal{"fuzz", xclear::Role::kProvince,
                                                      (who & 2) != 0 ? 130000u : 110000u, "t-fuzz"};
  static const char* const kMonths[] = {"2026-09", "2026-10", "2026-13", "x"};
  static const char* const kIds[] = {"topup-130000-110000-1", "adjustment-2027-110000-130000",
                                     "nope", ""};
  request.params = {{"province", (who & 4) != 0 ? "130000" : "110000"},
                    {"month", kMonths[(who >> 3) & 3]},
                    {"round", (who & 0x20) != 0 ? "1" : "0"},
                    {"id", kIds[(who >> 6) & 1]}};
  service::Response response;
  try {
    response = route.handler(request, *target.domain);
  } catch (...) {
    Check(false, "a handler let an exception escape");
  }
  if (response.status >= 500) {
    std::fprintf(stderr, "%s -> %d %s %s\n", route.pattern.c_str(), response.status,
                 response.body.c_str(), response.internal_detail.c_str());
  }
  Check(response.status >= 200 && response.status < 500, "bad input is never a 5xx");
  if (!response.stream && response.content_type == "application/json") {
    try {
      Poco::JSON::Parser().parse(response.body);
    } catch (...) {
      std::fprintf(stderr, "%d %s\n", response.status, response.body.c_str());
      Check(false, "every JSON answer parses");
    }
  }
  return 0;
}
