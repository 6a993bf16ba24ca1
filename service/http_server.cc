// The Poco::Net side of the service: the listening socket, the thread pool, one request handler
// that routes, authenticates, authorizes, bounds the body, applies Idempotency-Key, calls the
// route's handler, writes the response, logs one line and counts it.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "idempotency.h"
#include "metrics.h"
#include "routes.h"
#include "xclear/journal_json.h"
#include "xclear/service.h"
#include "xclear/views_json.h"

namespace xclear {
namespace {

using service::Domain;
using service::ErrorResponse;
using service::Request;
using service::Response;
using service::Route;

constexpr size_t kIdempotencyKeyBytesMax = 128;
// An oversize body is read and thrown away up to this much, so the client sees the 413; a
// larger one is cut off by closing the connection.
constexpr uint64_t kDrainBytesMax = 64ull << 20;

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

struct CompiledRoute {
  Route route;
  std::vector<std::string> segments;
  bool Matches(const std::vector<std::string>& path,
               std::map<std::string, std::string>& params) const {
    if (path.size() != segments.size()) return false;
    std::map<std::string, std::string> found;
    for (size_t i = 0; i < path.size(); ++i) {
      const std::string& pattern = segments[i];
      if (pattern.size() > 2 && pattern.front() == '{') {
        if (path[i].empty()) return false;
        std::string decoded;
        Poco::URI::decode(path[i], decoded);
        found[pattern.substr(1, pattern.size() - 2)] = decoded;
      } else if (pattern != path[i]) {
        return false;
      }
    }
    params = std::move(found);
    return true;
  }
};

std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(), [](unsigned char c) { return c == ' '; }),
             type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type;
}

bool PrintableKey(const std::string& key) {
  if (key.empty() || key.size() > kIdempotencyKeyBytesMax) return false;
  return std::all_of(key.begin(), key.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

// Reads the body into `request` (or, beyond the bound, drains and drops it) before anything is
// answered, so that an early answer never leaves unread bytes in a keep-alive connection.
// Returns a 413 when the body is over the bound.
std::optional<Response> ReadBody(Poco::Net::HTTPServerRequest& http, uint64_t body_max,
                                 Request& request) {
  std::istream& body = http.stream();
  char buffer[1 << 16];
  uint64_t drained = 0;
  while (body.read(buffer, sizeof buffer) || body.gcount() > 0) {
    const auto count = static_cast<size_t>(body.gcount());
    if (request.body.size() + count <= body_max && drained == 0) {
      request.body.append(buffer, count);
    } else {
      drained += count;
      if (drained > kDrainBytesMax) break;  // the connection is closed after the answer
    }
  }
  if (drained == 0) return std::nullopt;
  request.body.clear();
  return ErrorResponse(413, "body_too_large",
                       "the request body exceeds " + std::to_string(body_max) +
                           " bytes (service.request_body_bytes_max); split the declaration");
}

}  // namespace

struct Service::State {
  ServiceDependencies dependencies;
  service::Metrics metrics;
  std::unique_ptr<Domain> domain;
  std::unique_ptr<service::IdempotencyStore> idempotency;
  std::vector<CompiledRoute> routes;
  std::string boot_id;
  std::atomic<uint64_t> request_counter{0};
  std::atomic<size_t> in_flight{0};
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  uint16_t port = 0;
  bool stopped = false;

  const ServiceConfig& config() const { return dependencies.config->service; }
  Response Handle(Poco::Net::HTTPServerRequest& http, Request& request, std::string& route_label);
  Response Authorized(const CompiledRoute& route, Poco::Net::HTTPServerRequest& http,
                      Request& request);
  Response WithIdempotency(const CompiledRoute& route, Request& request);
  Response Health() const;
  void Write(const Response& response, const Request& request,
             Poco::Net::HTTPServerResponse& http) const;
};

namespace {

class Dispatcher final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Dispatcher(Service::State& state) : state_(state) {}
  void handleRequest(Poco::Net::HTTPServerRequest& http,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  Service::State& state_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(Service::State& state) : state_(state) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Dispatcher(state_);  // Poco owns and deletes request handlers
  }

 private:
  Service::State& state_;
};

void Dispatcher::handleRequest(Poco::Net::HTTPServerRequest& http,
                               Poco::Net::HTTPServerResponse& out) {
  const auto started = std::chrono::steady_clock::now();
  ++state_.in_flight;
  Request request;
  char id[40];
  std::snprintf(id, sizeof id, "%s-%08llx", state_.boot_id.c_str(),
                static_cast<unsigned long long>(++state_.request_counter));
  request.request_id = id;
  request.method = http.getMethod();
  std::string route_label = "unmatched";
  Response response;
  try {
    response = state_.Handle(http, request, route_label);
  } catch (const std::exception& error) {
    response =
        ErrorResponse(500, "internal", "internal error; quote the request id to the operator");
    response.internal_detail = std::string("exception: ") + error.what();
  }
  try {
    state_.Write(response, request, out);
  } catch (const std::exception& error) {
    response.status = 500;
    response.internal_detail = std::string("writing the response: ") + error.what();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  state_.metrics.CountRequest(request.method, route_label, response.status, seconds);
  const std::string principal = request.principal.name.empty() ? "-" : request.principal.Actor();
  auto& logger = *state_.dependencies.logger;
  if (response.status >= 500) {
    logger.error(
        "request id={} principal={} method={} route={} status={} duration_ms={:.3f} "
        "error={} detail=\"{}\"",
        request.request_id, principal, request.method, route_label, response.status, seconds * 1e3,
        response.error_code, response.internal_detail);
  } else {
    logger.info("request id={} principal={} method={} route={} status={} duration_ms={:.3f}{}{}",
                request.request_id, principal, request.method, route_label, response.status,
                seconds * 1e3, response.error_code.empty() ? "" : " error=", response.error_code);
  }
  --state_.in_flight;
}

}  // namespace

Response Service::State::Health() const {
  const LedgerHead head = dependencies.ledger->Head();
  auto body = NewJsonObject();
  body->set("status", "ok");
  body->set("ledger_sequence", static_cast<Poco::UInt64>(head.sequence));
  body->set("ledger_hash", DigestToHex(head.hash));
  body->set("now", dependencies.clock->Now().ToString());
  return service::JsonResponse(200, body);
}

Response Service::State::Handle(Poco::Net::HTTPServerRequest& http, Request& request,
                                std::string& route_label) {
  const Poco::URI uri(http.getURI());
  request.path = uri.getPath();
  for (const auto& [name, value] : uri.getQueryParameters()) request.query[name] = value;
  request.content_type = MediaType(http.getContentType());
  request.accept = http.get("Accept", "");
  if (auto too_large = ReadBody(http, config().request_body_bytes_max, request)) {
    route_label = "body_too_large";
    return *too_large;
  }
  if (request.path == "/healthz" || request.path == "/metrics") {
    route_label = request.path;
    if (request.method != "GET") {
      Response response = ErrorResponse(405, "method_not_allowed", "use GET");
      response.headers.emplace_back("Allow", "GET");
      return response;
    }
    if (request.path == "/healthz") return Health();
    Response response;
    response.content_type = "text/plain; version=0.0.4";
    response.body = metrics.Render(dependencies.ledger->Head().sequence, in_flight.load());
    return response;
  }
  const std::vector<std::string> path = Segments(request.path);
  std::string allowed;
  for (const CompiledRoute& route : routes) {
    std::map<std::string, std::string> params;
    if (!route.Matches(path, params)) continue;
    if (route.route.method != request.method) {
      allowed += (allowed.empty() ? "" : ", ") + route.route.method;
      continue;
    }
    route_label = route.route.pattern;
    request.params = std::move(params);
    return Authorized(route, http, request);
  }
  if (!allowed.empty()) {
    Response response = ErrorResponse(405, "method_not_allowed",
                                      request.method + " is not allowed here; use " + allowed);
    response.headers.emplace_back("Allow", allowed);
    return response;
  }
  return ErrorResponse(404, "not_found",
                       "no endpoint " + request.path.substr(0, 200) + " (see docs/openapi.yaml)");
}

Response Service::State::Authorized(const CompiledRoute& route, Poco::Net::HTTPServerRequest& http,
                                    Request& request) {
  const std::string authorization = http.get("Authorization", "");
  constexpr std::string_view kBearer = "Bearer ";
  std::optional<Principal> principal;
  if (authorization.starts_with(kBearer)) {
    principal =
        dependencies.tokens->Authenticate(std::string_view(authorization).substr(kBearer.size()));
  }
  if (!principal) {
    Response response =
        ErrorResponse(401, "unauthorized",
                      authorization.empty() ? "an Authorization: Bearer <token> header is required"
                                            : "the bearer token is not valid");
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"xclear\"");
    return response;
  }
  request.principal = *principal;
  request.idempotency_key = http.get("Idempotency-Key", "");
  const uint8_t role_bit = principal->role == Role::kProvince   ? service::kProvinceRole
                           : principal->role == Role::kOperator ? service::kOperatorRole
                                                                : service::kAuditorRole;
  if ((route.route.roles & role_bit) == 0) {
    return service::Forbidden("the " + std::string(RoleName(principal->role)) + " role may not " +
                              request.method + " " + route.route.pattern);
  }
  if (request.method == "POST") return WithIdempotency(route, request);
  return route.route.handler(request, *domain);
}

Response Service::State::WithIdempotency(const CompiledRoute& route, Request& request) {
  if (!PrintableKey(request.idempotency_key)) {
    return ErrorResponse(400, "idempotency_key_required",
                         "every POST needs an Idempotency-Key header: 1–128 printable ASCII "
                         "characters, new for each new operation");
  }
  const std::string& owner = request.principal.name;
  const std::string& key = request.idempotency_key;
  const Digest digest = service::IdempotencyStore::RequestDigest(request);
  if (!idempotency->Begin(owner, key)) {
    return ErrorResponse(409, "idempotency_key_in_use",
                         "a request with this Idempotency-Key is still being handled");
  }
  struct EndGuard {
    service::IdempotencyStore& store;
    const std::string& owner;
    const std::string& key;
    ~EndGuard() { store.End(owner, key); }
  } guard{*idempotency, owner, key};
  auto recorded = idempotency->Find(owner, key);
  if (!recorded.ok()) return service::StatusResponse(recorded.status());
  if (*recorded) {
    if ((*recorded)->request_digest != digest) {
      return ErrorResponse(422, "idempotency_key_reused",
                           "this Idempotency-Key was used for a different request; use a new "
                           "key for a new operation");
    }
    Response replay = std::move((*recorded)->response);
    replay.headers.emplace_back("Idempotent-Replayed", "true");
    return replay;
  }
  Response response = route.route.handler(request, *domain);
  if (response.status < 500 && !response.stream) {
    const Status stored = idempotency->Record(owner, key, digest, response);
    if (!stored.ok()) {
      // The operation happened; only its replay record is missing. Say so in the log.
      dependencies.logger->warn("request id={} idempotency record not stored: {}",
                                request.request_id, stored.ToString());
    }
  }
  return response;
}

void Service::State::Write(const Response& response, const Request& request,
                           Poco::Net::HTTPServerResponse& http) const {
  http.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status));
  http.setContentType(response.content_type);
  http.set("X-Request-Id", request.request_id);
  for (const auto& [name, value] : response.headers) http.set(name, value);
  if (response.status == 413) http.setKeepAlive(false);  // the unread body stays unread
  if (response.stream) {
    http.setChunkedTransferEncoding(true);
    std::ostream& out = http.send();
    const Status streamed = response.stream([&out](std::string_view chunk) {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      return out ? Status::Ok() : Status::IoError("the client stopped reading");
    });
    if (!streamed.ok()) {
      dependencies.logger->warn("request id={} streamed response cut short: {}", request.request_id,
                                streamed.ToString());
    }
    return;
  }
  http.setContentLength64(static_cast<Poco::UInt64>(response.body.size()));
  http.send().write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
}

Service::Service(std::unique_ptr<State> state) : state_(std::move(state)) {}

Service::~Service() { Stop(); }

uint16_t Service::port() const { return state_->port; }

Result<std::unique_ptr<Service>> Service::Start(const ServiceDependencies& dependencies) {
  if (!dependencies.ledger || !dependencies.config || !dependencies.calendar ||
      !dependencies.clock || !dependencies.tokens || !dependencies.logger)
    return Status::InvalidArgument(
        "the service needs a ledger, config, calendar, clock, tokens "
        "and a logger");
  auto state = std::make_unique<State>();
  state->dependencies = dependencies;
  state->domain =
      std::make_unique<Domain>(*dependencies.ledger, *dependencies.config, *dependencies.calendar,
                               *dependencies.clock, state->metrics);
  state->idempotency = std::make_unique<service::IdempotencyStore>(*dependencies.ledger);
  for (Route& route : service::AllRoutes()) {
    std::vector<std::string> segments = Segments(route.pattern);
    state->routes.push_back({std::move(route), std::move(segments)});
  }
  unsigned char random[4];
  if (RAND_bytes(random, sizeof random) != 1) return Status::Internal("no random bytes");
  char boot[9];
  std::snprintf(boot, sizeof boot, "%02x%02x%02x%02x", random[0], random[1], random[2], random[3]);
  state->boot_id = boot;
  const ServiceConfig& config = dependencies.config->service;
  try {
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(config.listen_address, config.port), true);
    socket.listen(static_cast<int>(std::min<uint32_t>(config.queue_max, 4096)));
    state->port = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams();  // reference-counted by the server
    params->setMaxThreads(static_cast<int>(config.threads_max));
    params->setMaxQueued(static_cast<int>(config.queue_max));
    params->setTimeout(Poco::Timespan(static_cast<long>(config.timeout_seconds), 0));
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(static_cast<long>(config.keep_alive_seconds), 0));
    params->setMaxKeepAliveRequests(static_cast<int>(config.keep_alive_requests_max));
    params->setServerName("xcleard");
    state->pool = std::make_unique<Poco::ThreadPool>("xcleard", 2,
                                                     static_cast<int>(config.threads_max) + 1, 60);
    state->server =
        std::make_unique<Poco::Net::HTTPServer>(new Factory(*state), *state->pool, socket, params);
    state->server->start();
  } catch (const Poco::Exception& error) {
    return Status::IoError("cannot listen on " + config.listen_address + ":" +
                           std::to_string(config.port) + ": " + error.displayText());
  }
  dependencies.logger->info("listening on {}:{} threads_max={} queue_max={} body_max={}",
                            config.listen_address, state->port, config.threads_max,
                            config.queue_max, config.request_body_bytes_max);
  return std::unique_ptr<Service>(new Service(std::move(state)));
}

void Service::Stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  // No new connections; requests being handled finish. Idle keep-alive connections are cut
  // once nothing is in flight (or the grace period is over).
  state_->dependencies.logger->info("stopping: {} request(s) in flight", state_->in_flight.load());
  state_->server->stopAll(false);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(state_->config().shutdown_seconds_max);
  while (state_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const size_t abandoned = state_->in_flight.load();
  state_->server->stopAll(true);
  state_->pool->joinAll();
  state_->server.reset();  // closes the listening socket
  state_->dependencies.logger->info("stopped; {} request(s) still running at the deadline",
                                    abandoned);
  state_->dependencies.logger->flush();
}

}  // namespace xclear
