// The HTTP service for the provincial finance departments (SPEC §11): the domain's operations as
// JSON endpoints under /v1, reports as downloads, bearer tokens, Idempotency-Key on every POST,
// /healthz and Prometheus /metrics. Endpoints: docs/openapi.yaml; behaviour: docs/service.md.
//
// The service adds no business rule: each handler parses, calls the domain libraries, and
// serializes. It never takes the time from a client: the clock is the one passed in.
// Thread safety: Start and Stop from one thread; requests run on the service's own pool.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>

#include "xclear/access.h"
#include "xclear/calendar.h"
#include "xclear/config.h"
#include "xclear/ledger.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

struct ServiceDependencies {
  Ledger* ledger = nullptr;  // everything here must outlive the service
  const Config* config = nullptr;
  const WorkingCalendar* calendar = nullptr;
  const Clock* clock = nullptr;
  TokenStore* tokens = nullptr;
  std::shared_ptr<spdlog::logger> logger;  // one line per request; never token material
};

class Service {
 public:
  // Binds config.service.listen_address:port (port 0: any free port) and starts serving.
  static Result<std::unique_ptr<Service>> Start(const ServiceDependencies& dependencies);
  ~Service();  // Stop()

  uint16_t port() const;
  // Stops accepting connections, lets in-flight requests finish (at most
  // service.shutdown_seconds_max), then returns. Idempotent.
  void Stop();

  struct State;  // the implementation (service/http_server.cc)

 private:
  explicit Service(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace xclear
