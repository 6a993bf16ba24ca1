// The network side of the service: one event-loop thread owns every connection and reads
// requests with the strict framing of http_parser.h; a bounded pool of handler threads answers
// complete requests. Why not Poco's HTTPServer: it gives each connection a thread for its whole
// life, so threads_max + 1 slow or idle clients stopped the service, and its lenient framing
// let requests be smuggled and cut-off uploads be committed.
//
// A connection's life:
//   handshake (TLS) → head → [authenticate, authorize, route: from the headers alone]
//     → body → handler thread (answer written there) → back to the loop (keep-alive) or closed.
// Deadlines cover the whole head (head_seconds_max) and the whole body (body_seconds_max), not
// each read. Connections are bounded in all and per client address; when a bound is reached the
// oldest idle keep-alive connection, then the oldest still sending its head, is closed to make
// room. A request the loop refuses (framing, 401, 403, 404, 405, 411, 413) is answered with the
// documented JSON error, without reading its body, and the connection is then closed.
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "http_parser.h"
#include "idempotency.h"
#include "metrics.h"
#include "routes.h"
#include "tls.h"
#include "view_cache.h"
#include "xclear/json.h"
#include "xclear/service.h"
#include "xclear/text.h"
#include "xclear/views_json.h"

namespace xclear {
namespace {

using service::Domain;
using service::ErrorResponse;
using service::HttpRequestParser;
using service::IoResult;
using service::Request;
using service::Response;
using service::Route;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kIdempotencyKeyBytesMax = 128;
constexpr size_t kReadChunkBytes = 64 * 1024;
// A connection closed after an error answer is read and discarded for this long (at most this
// much), so that the client sees the answer instead of a reset from unread bytes.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytesMax = 1 << 20;
// A body with no byte for this long may be closed to make room for a new connection.
constexpr auto kStalledBody = std::chrono::seconds(1);
constexpr uint64_t kListenerId = 0;
constexpr uint64_t kWakeId = 1;

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
        found[pattern.substr(1, pattern.size() - 2)] = path[i];  // decoded once, by ParseTarget
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

const char* ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

// A header value the service writes may not carry CR or LF (no response splitting).
bool SafeHeaderValue(std::string_view value) {
  return value.find_first_of("\r\n") == std::string_view::npos;
}

// Status line and header fields of an answer. `length` is the body size, or nothing for a
// chunked (streamed) body.
std::string ResponseHead(const Response& response, const std::string& request_id,
                         std::optional<uint64_t> length, bool keep_alive, int minor_version) {
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                     ReasonPhrase(response.status) + "\r\nServer: xcleard\r\n";
  head += "Content-Type: " + response.content_type + "\r\n";
  if (!request_id.empty()) head += "X-Request-Id: " + request_id + "\r\n";
  for (const auto& [name, value] : response.headers) {
    if (SafeHeaderValue(name) && SafeHeaderValue(value)) head += name + ": " + value + "\r\n";
  }
  head += "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n";
  if (!keep_alive) {
    head += "Connection: close\r\n";
  } else if (minor_version == 0) {
    head += "Connection: keep-alive\r\n";
  }
  if (length) {
    head += "Content-Length: " + std::to_string(*length) + "\r\n";
  } else {
    head += "Transfer-Encoding: chunked\r\n";
  }
  head += "\r\n";
  return head;
}

// A socket file descriptor, closed with its owner.
class SocketFd {
 public:
  explicit SocketFd(int fd) : fd_(fd) {}
  ~SocketFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  SocketFd(const SocketFd&) = delete;
  SocketFd& operator=(const SocketFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

enum class Phase { kReading, kWorking, kAnswering, kLingering };

struct Connection {
  Connection(uint64_t id_in, int fd_in, std::string peer_in, const service::TlsContext* tls,
             const service::HttpLimits& limits)
      : id(id_in), fd(fd_in), peer(std::move(peer_in)), transport(fd_in, tls), parser(limits) {}
  uint64_t id;
  SocketFd fd;
  std::string peer;  // the client's address, without the port
  service::Transport transport;
  HttpRequestParser parser;
  std::string input;   // read and not yet taken by the parser
  std::string output;  // an answer the loop writes (refusals, 100 Continue)
  size_t output_sent = 0;
  Phase phase = Phase::kReading;
  SteadyClock::time_point opened;
  SteadyClock::time_point deadline;  // of the current phase (head, body, idle, linger)
  bool close_after_output = false;
  bool registered = false;  // in the epoll set
  uint32_t interest = 0;
  uint32_t requests = 0;
  size_t lingered_bytes = 0;
  SteadyClock::time_point last_read;  // the last byte that arrived
  uint64_t body_reserved = 0;         // of State::bodies_reserved, for this request's body
  // The request being read or answered.
  Request request;
  const CompiledRoute* route = nullptr;
  std::string route_label;
  SteadyClock::time_point request_started;
  int minor_version = 1;
  bool keep_alive = true;
  bool write_failed = false;
  bool peer_closed = false;  // the client half-closed: answer what it sent, then end
};

}  // namespace

struct Service::State {
  ServiceDependencies dependencies;
  service::Metrics metrics;
  std::unique_ptr<Domain> domain;
  std::unique_ptr<service::IdempotencyStore> idempotency;
  std::unique_ptr<service::ViewCache> views;
  std::vector<CompiledRoute> routes;
  std::unique_ptr<service::TlsContext> tls;
  service::HttpLimits limits;
  std::string boot_id;
  std::atomic<uint64_t> request_counter{0};
  std::atomic<size_t> in_flight{0};
  uint16_t port = 0;
  bool stopped = false;

  // The event loop (its thread alone touches `connections` and the connections in them,
  // except a connection handed to a handler thread, which is then the handler's alone).
  Poco::Net::ServerSocket listener;
  int epoll_fd = -1;
  int wake_fd = -1;
  uint64_t next_connection_id = 2;
  std::map<uint64_t, std::unique_ptr<Connection>> connections;
  std::map<std::string, uint32_t> per_client;
  std::deque<uint64_t> pipelined;  // kept-alive connections with pipelined bytes to parse
  uint64_t bodies_reserved = 0;  // bytes of request bodies read or being answered, all connections
  std::atomic<bool> stopping{false};
  std::atomic<bool> listener_closed{false};
  SteadyClock::time_point stop_deadline;
  std::thread loop_thread;

  // Complete requests waiting for a handler thread, and connections coming back from one.
  std::mutex queue_mutex;
  std::condition_variable queue_ready;
  std::deque<Connection*> queue;
  bool workers_stop = false;
  std::vector<std::thread> workers;
  std::mutex returned_mutex;
  std::vector<Connection*> returned;

  const ServiceConfig& config() const { return dependencies.config->service; }

  // Loop thread.
  void Loop();
  void AcceptAll(SteadyClock::time_point now);
  bool MakeRoom(const std::string& peer);
  void OnEvent(Connection& connection, uint32_t events, SteadyClock::time_point now);
  bool ReadInput(Connection& connection);
  void Advance(Connection& connection, SteadyClock::time_point now);
  std::optional<Response> Prepare(Connection& connection);
  void Refuse(Connection& connection, Response response, bool close);
  void FinishInput(Connection& connection);
  void FlushOutput(Connection& connection, SteadyClock::time_point now);
  void Dispatch(Connection& connection);
  bool ReserveBody(Connection& connection, uint64_t bytes);
  void ReleaseBody(Connection& connection);
  void TakeReturned(SteadyClock::time_point now);
  void Rearm(Connection& connection, SteadyClock::time_point now);
  void Sweep(SteadyClock::time_point now);
  void Linger(Connection& connection, SteadyClock::time_point now);
  void Close(Connection& connection);
  void SetInterest(Connection& connection, uint32_t events);
  size_t Working() const;

  // Handler threads.
  void WorkerLoop();
  void Work(Connection& connection);
  Response Answer(Connection& connection);
  Response WithIdempotency(const CompiledRoute& route, Request& request);
  Response View(const CompiledRoute& route, const Request& request);
  bool LastOnConnection(const Connection& connection) const;
  bool WriteAll(Connection& connection, std::string_view data, SteadyClock::time_point deadline);
  void Log(const Connection& connection, const Response& response, double seconds);
  Response Health() const;
  std::string NewRequestId();
};

std::string Service::State::NewRequestId() {
  char id[40];
  std::snprintf(id, sizeof id, "%s-%08llx", boot_id.c_str(),
                static_cast<unsigned long long>(++request_counter));
  return id;
}

// ---------------------------------------------------------------------------------------------
// The event loop.

void Service::State::SetInterest(Connection& connection, uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = connection.id;
  if (!connection.registered) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, connection.fd.get(), &event);
    connection.registered = true;
  } else if (connection.interest != events) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, connection.fd.get(), &event);
  }
  connection.interest = events;
}

void Service::State::Close(Connection& connection) {
  if (connection.registered) ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, connection.fd.get(), nullptr);
  const auto client = per_client.find(connection.peer);
  if (client != per_client.end() && --client->second == 0) per_client.erase(client);
  bodies_reserved -= connection.body_reserved;
  metrics.CountConnectionClosed();
  connections.erase(connection.id);  // closes the socket
}

size_t Service::State::Working() const {
  size_t working = 0;
  for (const auto& [id, connection] : connections) {
    if (connection->phase == Phase::kWorking) ++working;
  }
  return working;
}

void Service::State::Loop() {
  std::vector<epoll_event> events(256);
  auto next_sweep = SteadyClock::now();
  while (true) {
    const int ready = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 100);
    const auto now = SteadyClock::now();
    for (int i = 0; i < ready; ++i) {
      const uint64_t id = events[i].data.u64;
      if (id == kListenerId) {
        AcceptAll(now);
      } else if (id == kWakeId) {
        uint64_t count = 0;
        (void)!::read(wake_fd, &count, sizeof count);
      } else if (const auto found = connections.find(id); found != connections.end()) {
        OnEvent(*found->second, events[i].events, now);
      }
    }
    TakeReturned(now);
    while (!pipelined.empty()) {
      const uint64_t id = pipelined.front();
      pipelined.pop_front();
      const auto found = connections.find(id);
      if (found != connections.end() && found->second->phase == Phase::kReading)
        Advance(*found->second, now);
    }
    if (now >= next_sweep) {
      Sweep(now);
      next_sweep = now + std::chrono::milliseconds(100);
    }
    if (stopping.load()) {
      if (!listener_closed.exchange(true)) {
        ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listener.impl()->sockfd(), nullptr);
        listener.close();
      }
      // Connections not being answered close now; the others when their answer is written.
      std::vector<Connection*> idle;
      for (const auto& [id, connection] : connections) {
        if (connection->phase != Phase::kWorking) idle.push_back(connection.get());
      }
      for (Connection* connection : idle) Close(*connection);
      if (connections.empty() || now >= stop_deadline) break;
    }
  }
}

std::string PeerAddress(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (address.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text,
                sizeof text);
  } else if (address.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text,
                sizeof text);
  }
  return text;
}

void Service::State::AcceptAll(SteadyClock::time_point now) {
  while (true) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = ::accept4(listener.impl()->sockfd(), reinterpret_cast<sockaddr*>(&address),
                             &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: all taken; EMFILE and the like: tried again on the next event
    std::string peer = PeerAddress(address);
    if (!MakeRoom(peer)) {
      metrics.CountConnectionRefused();
      // Serialized like every other answer (the same head writer, the true length).
      static const std::string kBusy = [] {
        Response busy = ErrorResponse(503, "too_many_connections",
                                      "the service is at its connection bound; retry shortly");
        busy.headers.emplace_back("Retry-After", "5");
        return ResponseHead(busy, "", busy.body.size(), false, 1) + busy.body;
      }();
      if (!tls) (void)!::send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL);
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const uint64_t id = next_connection_id++;
    auto connection = std::make_unique<Connection>(id, fd, peer, tls.get(), limits);
    connection->opened = now;
    // Until the first byte of a request: the idle deadline; the TLS handshake has the head's.
    connection->deadline =
        now + std::chrono::seconds(tls ? config().head_seconds_max : config().keep_alive_seconds);
    ++per_client[peer];
    metrics.CountConnectionOpened();
    Connection& added = *connection;
    connections.emplace(id, std::move(connection));
    SetInterest(added, EPOLLIN | EPOLLRDHUP);
  }
}

// Makes room for one more connection from `peer`: closes the oldest idle keep-alive connection
// (no byte of a request yet), else the oldest still sending its head, among all connections when
// the total bound is reached, or among the peer's when its own is. False when nothing can go.
bool Service::State::MakeRoom(const std::string& peer) {
  const auto count = per_client.find(peer);
  const bool peer_full =
      count != per_client.end() && count->second >= config().connections_per_client_max;
  const bool all_full = connections.size() >= config().connections_max;
  if (!peer_full && !all_full) return true;
  Connection* idle = nullptr;
  Connection* slow = nullptr;
  for (const auto& [id, connection] : connections) {
    if (connection->phase != Phase::kReading) continue;
    if (peer_full && !all_full && connection->peer != peer) continue;
    const bool handshaken = connection->transport.handshake_done();
    const auto state = connection->parser.state();
    Connection** pick = nullptr;
    if (handshaken && state == HttpRequestParser::State::kIdle) {
      pick = &idle;
    } else if (!handshaken || state == HttpRequestParser::State::kHead) {
      pick = &slow;
    } else if (state == HttpRequestParser::State::kBody &&
               SteadyClock::now() - connection->last_read > kStalledBody) {
      pick = &slow;  // a body that stopped coming holds its place no better than a slow head
    } else {
      continue;  // a body that is arriving: left alone
    }
    if (*pick == nullptr || connection->opened < (*pick)->opened) *pick = connection.get();
  }
  Connection* victim = idle != nullptr ? idle : slow;
  if (victim == nullptr) return false;
  metrics.CountConnectionEvicted();
  Close(*victim);
  return true;
}

void Service::State::OnEvent(Connection& connection, uint32_t events, SteadyClock::time_point now) {
  if (connection.phase == Phase::kWorking) return;  // not ours until the handler gives it back
  if (connection.phase == Phase::kLingering) {
    char buffer[4096];
    while (true) {
      const ssize_t got = ::recv(connection.fd.get(), buffer, sizeof buffer, 0);
      if (got > 0) {
        connection.lingered_bytes += static_cast<size_t>(got);
        if (connection.lingered_bytes > kLingerBytesMax) return Close(connection);
        continue;
      }
      if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return Close(connection);
      return;
    }
  }
  const bool answering = connection.phase == Phase::kAnswering;
  const uint64_t id = connection.id;  // `connection` is gone once Close erased it
  if (!connection.output.empty() && ((events & EPOLLOUT) != 0 || answering)) {
    FlushOutput(connection, now);
    if (connections.count(id) == 0 || connection.phase != Phase::kReading) return;
  }
  if (connection.phase != Phase::kReading) return;
  if (!ReadInput(connection)) return;  // closed
  Advance(connection, now);
}

// Reads what the socket has (at most a few chunks per event, so that one fast client cannot
// starve the others). False when the connection was closed here.
bool Service::State::ReadInput(Connection& connection) {
  char buffer[kReadChunkBytes];
  for (int round = 0; round < 4; ++round) {
    // Never hold more than a request head's or a body's worth unparsed.
    if (connection.input.size() > limits.head_bytes_max + kReadChunkBytes * 4) break;
    size_t count = 0;
    const IoResult result = connection.transport.Read(buffer, sizeof buffer, count);
    if (result == IoResult::kDone) {
      connection.input.append(buffer, count);
      connection.last_read = SteadyClock::now();
      continue;
    }
    if (result == IoResult::kWantRead) {
      SetInterest(connection, EPOLLIN | EPOLLRDHUP);
      return true;
    }
    if (result == IoResult::kWantWrite) {
      SetInterest(connection, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
      return true;
    }
    // The peer closed (or the socket failed): what was begun is a truncated request.
    // What arrived before the close is answered first (Advance ends the connection when the
    // input is used up: FinishInput).
    if (connection.transport.handshake_done() && result == IoResult::kClosed) {
      connection.peer_closed = true;
      Advance(connection, SteadyClock::now());
      return false;
    }
    Close(connection);
    return false;
  }
  return true;
}

void Service::State::Advance(Connection& connection, SteadyClock::time_point now) {
  while (connection.phase == Phase::kReading) {
    HttpRequestParser& parser = connection.parser;
    const bool was_started = parser.started();
    const size_t used = parser.Consume(connection.input);
    connection.input.erase(0, used);
    if (!was_started && parser.started()) {
      connection.request_started = now;
      connection.deadline = now + std::chrono::seconds(config().head_seconds_max);
    }
    switch (parser.state()) {
      case HttpRequestParser::State::kFailed: {
        const auto& error = parser.error();
        connection.route_label = "framing";
        return Refuse(connection, ErrorResponse(error.status, error.code, error.message), true);
      }
      case HttpRequestParser::State::kHeadComplete: {
        if (auto refusal = Prepare(connection)) {
          // The body (if any) is never read: the connection cannot go on after it.
          return Refuse(connection, std::move(*refusal), parser.head().HasBody());
        }
        if (parser.head().expect_continue && parser.head().HasBody()) {
          connection.output += "HTTP/1.1 100 Continue\r\n\r\n";
          const uint64_t id = connection.id;  // `connection` is gone once Close erased it
          FlushOutput(connection, now);
          if (connections.count(id) == 0) return;
        }
        if (!ReserveBody(connection, parser.head().content_length.value_or(0))) return;
        parser.StartBody();
        connection.deadline = now + std::chrono::seconds(config().body_seconds_max);
        continue;
      }
      case HttpRequestParser::State::kComplete:
        if (parser.head().chunked && !ReserveBody(connection, parser.body_bytes())) return;
        connection.request.body = parser.TakeBody();
        return Dispatch(connection);
      default:
        // A chunked body grows as it comes: it counts against the bound as it does.
        if (parser.state() == HttpRequestParser::State::kBody && parser.head().chunked &&
            !ReserveBody(connection, parser.body_bytes()))
          return;
        if (connection.peer_closed) return FinishInput(connection);
        return;  // more bytes needed
    }
  }
}

// Everything that can be decided from the head: the target, the route, the credentials, the
// role, and the province named in the path. A refusal is returned; nothing of the body is read.
std::optional<Response> Service::State::Prepare(Connection& connection) {
  const service::HttpHead& head = connection.parser.head();
  Request& request = connection.request;
  request = Request();
  request.request_id = NewRequestId();
  request.method = head.method;
  connection.route = nullptr;
  connection.route_label = "unmatched";
  connection.minor_version = head.minor_version;
  connection.keep_alive = head.keep_alive;
  auto target = service::ParseTarget(head.target);
  if (!target.ok()) return ErrorResponse(400, "bad_target", target.status().message());
  request.path = target->path;
  for (auto& [name, value] : target->query) {
    if (!request.query.emplace(name, std::move(value)).second) {
      return ErrorResponse(400, "bad_target",
                           "the query parameter " + QuoteText(name) + " is given twice");
    }
  }
  const auto field = [&](std::string_view name) {
    const std::string* value = head.Field(name);
    return value ? *value : std::string();
  };
  request.content_type = MediaType(field("content-type"));
  request.accept = field("accept");
  request.idempotency_key = field("idempotency-key");
  if (request.path == "/healthz" || request.path == "/metrics") {
    connection.route_label = request.path;
    if (request.method == "GET") return std::nullopt;
    Response response = ErrorResponse(405, "method_not_allowed", "use GET");
    response.headers.emplace_back("Allow", "GET");
    return response;
  }
  std::string allowed;
  for (const CompiledRoute& route : routes) {
    std::map<std::string, std::string> params;
    if (!route.Matches(target->segments, params)) continue;
    if (route.route.method != request.method) {
      allowed += (allowed.empty() ? "" : ", ") + route.route.method;
      continue;
    }
    connection.route = &route;
    connection.route_label = route.route.pattern;
    request.params = std::move(params);
    break;
  }
  if (connection.route == nullptr) {
    if (!allowed.empty()) {
      Response response = ErrorResponse(405, "method_not_allowed",
                                        request.method + " is not allowed here; use " + allowed);
      response.headers.emplace_back("Allow", allowed);
      return response;
    }
    // The path as sent: the decoded one would show "110000%2Fpositions" as a route's shape.
    const std::string_view raw_path =
        std::string_view(head.target).substr(0, head.target.find('?'));
    return ErrorResponse(404, "not_found",
                         "no endpoint " + QuoteText(raw_path, 200) + " (see docs/openapi.yaml)");
  }
  return service::Authorize(connection.route->route, field("authorization"), *dependencies.tokens,
                            request);
}

// The peer closed its side and every byte it sent is taken: a request begun is a truncated one
// (400, nothing recorded); otherwise the connection simply ends.
void Service::State::FinishInput(Connection& connection) {
  connection.parser.EndOfInput();
  if (connection.parser.state() != HttpRequestParser::State::kFailed) return Close(connection);
  const auto& error = connection.parser.error();
  connection.route_label = "framing";
  Refuse(connection, ErrorResponse(error.status, error.code, error.message), true);
}

void Service::State::Refuse(Connection& connection, Response response, bool close) {
  if (connection.request.request_id.empty()) connection.request.request_id = NewRequestId();
  if (connection.request.method.empty()) connection.request.method = "-";
  connection.keep_alive =
      connection.keep_alive && !close && !stopping.load() && !LastOnConnection(connection);
  const auto now = SteadyClock::now();
  connection.output += ResponseHead(response, connection.request.request_id, response.body.size(),
                                    connection.keep_alive, connection.minor_version);
  connection.output += response.body;
  connection.close_after_output = !connection.keep_alive;
  connection.phase = Phase::kAnswering;
  const double seconds =
      connection.parser.started()
          ? std::chrono::duration<double>(now - connection.request_started).count()
          : 0.0;
  Log(connection, response, seconds);
  FlushOutput(connection, now);
}

// Writes what the loop has to say without blocking; once all is out, the connection lingers
// and closes, or reads its next request.
void Service::State::FlushOutput(Connection& connection, SteadyClock::time_point now) {
  while (connection.output_sent < connection.output.size()) {
    size_t count = 0;
    const IoResult result = connection.transport.Write(
        std::string_view(connection.output).substr(connection.output_sent), count);
    if (result == IoResult::kDone) {
      connection.output_sent += count;
      continue;
    }
    if (result == IoResult::kWantWrite || result == IoResult::kWantRead) {
      // While answering, the loop reads nothing more: waiting for input too would spin on a
      // client that keeps sending.
      const bool answering = connection.phase == Phase::kAnswering;
      const uint32_t wanted = result == IoResult::kWantRead ? EPOLLIN : EPOLLOUT;
      SetInterest(connection, answering ? wanted | EPOLLRDHUP : EPOLLIN | EPOLLOUT | EPOLLRDHUP);
      if (answering) connection.deadline = now + std::chrono::seconds(config().timeout_seconds);
      return;
    }
    return Close(connection);
  }
  connection.output.clear();
  connection.output_sent = 0;
  SetInterest(connection, EPOLLIN | EPOLLRDHUP);
  if (connection.phase != Phase::kAnswering) return;  // a 100 Continue: go on reading
  if (connection.close_after_output) return Linger(connection, now);
  Rearm(connection, now);
}

void Service::State::Linger(Connection& connection, SteadyClock::time_point now) {
  connection.transport.ShutdownWrite();
  connection.phase = Phase::kLingering;
  connection.deadline = now + kLingerTime;
  SetInterest(connection, EPOLLIN | EPOLLRDHUP);
}

// Counts `bytes` of this request's body (in all) against request_bodies_bytes_max; refuses the
// request with 503 (and closes) when all bodies together would exceed it.
bool Service::State::ReserveBody(Connection& connection, uint64_t bytes) {
  if (bytes <= connection.body_reserved) return true;
  const uint64_t more = bytes - connection.body_reserved;
  if (bodies_reserved + more > config().request_bodies_bytes_max) {
    Response busy = ErrorResponse(503, "busy",
                                  "the request bodies being read and answered have reached "
                                  "service.request_bodies_bytes_max; retry with the same "
                                  "Idempotency-Key shortly");
    busy.headers.emplace_back("Retry-After", "1");
    Refuse(connection, std::move(busy), true);
    return false;
  }
  bodies_reserved += more;
  connection.body_reserved = bytes;
  return true;
}

void Service::State::ReleaseBody(Connection& connection) {
  bodies_reserved -= connection.body_reserved;
  connection.body_reserved = 0;
}

// The connection's last request (keep_alive_requests_max): its answer says "Connection: close",
// so that a client does not send the next one into a connection about to be closed (RFC 9112
// §9.6).
bool Service::State::LastOnConnection(const Connection& connection) const {
  return connection.requests + 1 >= config().keep_alive_requests_max;
}

// Ready for the next request on a kept-alive connection (possibly already in the input).
void Service::State::Rearm(Connection& connection, SteadyClock::time_point now) {
  ReleaseBody(connection);
  ++connection.requests;
  if (connection.requests >= config().keep_alive_requests_max || stopping.load() ||
      (connection.peer_closed && connection.input.empty())) {
    return Close(connection);
  }
  connection.phase = Phase::kReading;
  connection.parser.Reset();
  connection.route = nullptr;
  connection.request = Request();
  connection.deadline = now + std::chrono::seconds(config().keep_alive_seconds);
  SetInterest(connection, EPOLLIN | EPOLLRDHUP);
  // Pipelined bytes are taken by the loop, not from here: a refused request's answer rearms the
  // connection from inside Advance, and recursing would let a pipeline of thousands of small
  // refused requests exhaust the stack.
  if (!connection.input.empty()) pipelined.push_back(connection.id);
}

void Service::State::Dispatch(Connection& connection) {
  {
    std::lock_guard lock(queue_mutex);
    if (queue.size() < config().queue_max) {
      if (connection.registered) {
        ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, connection.fd.get(), nullptr);
        connection.registered = false;
        connection.interest = 0;
      }
      connection.phase = Phase::kWorking;
      queue.push_back(&connection);
      queue_ready.notify_one();
      return;
    }
  }
  Response busy = ErrorResponse(503, "busy",
                                "every handler thread is busy and the queue is full; retry with "
                                "the same Idempotency-Key shortly");
  busy.headers.emplace_back("Retry-After", "1");
  Refuse(connection, std::move(busy), true);
}

void Service::State::TakeReturned(SteadyClock::time_point now) {
  std::vector<Connection*> back;
  {
    std::lock_guard lock(returned_mutex);
    back.swap(returned);
  }
  for (Connection* connection : back) {
    if (connection->write_failed || !connection->keep_alive || stopping.load()) {
      if (connection->write_failed) {
        Close(*connection);
      } else {
        connection->phase = Phase::kAnswering;
        Linger(*connection, now);
      }
      continue;
    }
    Rearm(*connection, now);
  }
}

// Deadlines: an idle keep-alive connection past keep_alive_seconds, a head or body past its
// whole-phase deadline (408), a lingering close past its time, an answer the client does not read.
void Service::State::Sweep(SteadyClock::time_point now) {
  std::vector<Connection*> late;
  for (const auto& [id, connection] : connections) {
    if (connection->phase != Phase::kWorking && now >= connection->deadline)
      late.push_back(connection.get());
  }
  for (Connection* connection : late) {
    const auto state = connection->parser.state();
    const bool in_request =
        connection->phase == Phase::kReading && connection->transport.handshake_done() &&
        (state == HttpRequestParser::State::kHead || state == HttpRequestParser::State::kBody);
    if (!in_request) {
      Close(*connection);
      continue;
    }
    metrics.CountConnectionTimedOut();
    connection->route_label = "framing";
    const bool head = state == HttpRequestParser::State::kHead;
    Refuse(*connection,
           ErrorResponse(408, "request_timeout",
                         head ? "the request head did not arrive within " +
                                    std::to_string(config().head_seconds_max) + " s"
                              : "the request body did not arrive within " +
                                    std::to_string(config().body_seconds_max) +
                                    " s; nothing was recorded"),
           true);
  }
}

// ---------------------------------------------------------------------------------------------
// Handler threads.

void Service::State::WorkerLoop() {
  while (true) {
    Connection* connection = nullptr;
    {
      std::unique_lock lock(queue_mutex);
      queue_ready.wait(lock, [&] { return workers_stop || !queue.empty(); });
      if (queue.empty()) return;
      connection = queue.front();
      queue.pop_front();
    }
    Work(*connection);
    {
      std::lock_guard lock(returned_mutex);
      returned.push_back(connection);
    }
    const uint64_t one = 1;
    (void)!::write(wake_fd, &one, sizeof one);
  }
}

bool Service::State::WriteAll(Connection& connection, std::string_view data,
                              SteadyClock::time_point deadline) {
  while (!data.empty()) {
    size_t count = 0;
    const IoResult result = connection.transport.Write(data, count);
    if (result == IoResult::kDone) {
      data.remove_prefix(count);
      continue;
    }
    if (result != IoResult::kWantWrite && result != IoResult::kWantRead) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd wait{connection.fd.get(),
                static_cast<short>(result == IoResult::kWantWrite ? POLLOUT : POLLIN), 0};
    if (::poll(&wait, 1, static_cast<int>(left.count())) <= 0) return false;
  }
  return true;
}

void Service::State::Work(Connection& connection) {
  Response response;
  // In flight: being handled. Counted down before the answer is written, so that a client that
  // has its answer never sees its own request still counted.
  ++in_flight;
  try {
    response = Answer(connection);
  } catch (const std::exception& error) {
    response =
        ErrorResponse(500, "internal", "internal error; quote the request id to the operator");
    response.internal_detail = std::string("exception: ") + error.what();
  }
  --in_flight;
  if (stopping.load() || LastOnConnection(connection)) connection.keep_alive = false;
  // Logged and counted when the answer is ready, before it is written: a client that has its
  // answer finds its request in the log and the metrics.
  Log(connection, response,
      std::chrono::duration<double>(SteadyClock::now() - connection.request_started).count());
  const auto timeout = std::chrono::seconds(config().timeout_seconds);
  const Request& request = connection.request;
  bool written = true;
  if (response.stream && connection.minor_version == 1) {
    written =
        WriteAll(connection,
                 ResponseHead(response, request.request_id, std::nullopt, connection.keep_alive, 1),
                 SteadyClock::now() + timeout);
    const Status streamed = written ? response.stream([&](std::string_view chunk) {
      if (chunk.empty()) return Status::Ok();
      char size[24];
      std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
      const auto deadline = SteadyClock::now() + timeout;
      const bool ok = WriteAll(connection, size, deadline) &&
                      WriteAll(connection, chunk, deadline) &&
                      WriteAll(connection, "\r\n", deadline);
      return ok ? Status::Ok() : Status::IoError("the client stopped reading");
    })
                                    : Status::IoError("the client stopped reading");
    written = streamed.ok() && WriteAll(connection, "0\r\n\r\n", SteadyClock::now() + timeout);
    if (!streamed.ok()) {
      dependencies.logger->warn("request id={} streamed response cut short: {}", request.request_id,
                                streamed.ToString());
    }
  } else {
    if (response.stream) {  // HTTP/1.0 has no chunked coding: gather the whole body
      std::string body;
      const Status gathered = response.stream([&](std::string_view chunk) {
        body.append(chunk);
        return Status::Ok();
      });
      response.stream = nullptr;
      response.body = gathered.ok() ? std::move(body) : std::string();
    }
    written = WriteAll(connection,
                       ResponseHead(response, request.request_id, response.body.size(),
                                    connection.keep_alive, connection.minor_version) +
                           response.body,
                       SteadyClock::now() + timeout);
  }
  connection.write_failed = !written;
}

Response Service::State::Health() const {
  const LedgerHead head = dependencies.ledger->Head();
  auto body = NewJsonObject();
  body->set("status", "ok");
  body->set("ledger_sequence", static_cast<Poco::UInt64>(head.sequence));
  body->set("ledger_hash", DigestToHex(head.hash));
  body->set("now", dependencies.clock->Now().ToString());
  return service::JsonResponse(200, body);
}

Response Service::State::Answer(Connection& connection) {
  Request& request = connection.request;
  if (connection.route == nullptr) {
    if (request.path == "/healthz") return Health();
    Response response;
    response.content_type = "text/plain; version=0.0.4";
    response.body = metrics.Render(dependencies.ledger->Head().sequence, in_flight.load());
    return response;
  }
  if (request.method == "POST") return WithIdempotency(*connection.route, request);
  return View(*connection.route, request);
}

// A GET: a view kept at the ledger's version (and CST date) is answered again; anything else is
// computed. The version and the date are read before the handler runs, so that an answer kept
// under them is never older than they are.
Response Service::State::View(const CompiledRoute& route, const Request& request) {
  const service::ViewCaching caching = route.route.caching;
  if (caching == service::ViewCaching::kNone || config().view_cache_bytes_max == 0)
    return route.route.handler(request, *domain);
  const std::string key = service::ViewCache::KeyOf(request);
  const uint64_t version = dependencies.ledger->Version();
  const int64_t day = caching == service::ViewCaching::kLedgerAndDay
                          ? dependencies.clock->Now().CstDate().days_since_epoch()
                          : 0;
  if (const auto kept = views->Find(key, version, day)) {
    metrics.CountView(true);
    return *kept;
  }
  metrics.CountView(false);
  Response response = route.route.handler(request, *domain);
  views->Store(key, version, day, response);
  return response;
}

Response Service::State::WithIdempotency(const CompiledRoute& route, Request& request) {
  if (!PrintableKey(request.idempotency_key)) {
    return ErrorResponse(400, "idempotency_key_required",
                         "every POST needs an Idempotency-Key header: 1–128 printable ASCII "
                         "characters, new for each new operation");
  }
  // Recorded answers belong to the credential (principal.id), never to a reusable name.
  const std::string& owner = request.principal.id;
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

void Service::State::Log(const Connection& connection, const Response& response, double seconds) {
  const Request& request = connection.request;
  // The method label is bounded: a client may send any token as a method.
  static constexpr std::string_view kMethods[] = {"GET",  "POST",    "PUT",  "DELETE",
                                                  "HEAD", "OPTIONS", "PATCH"};
  const bool known =
      std::find(std::begin(kMethods), std::end(kMethods), request.method) != std::end(kMethods);
  metrics.CountRequest(known ? request.method : "other", connection.route_label, response.status,
                       seconds);
  const std::string principal = request.principal.name.empty() ? "-" : request.principal.Actor();
  auto& logger = *dependencies.logger;
  if (response.status >= 500 && response.status != 503) {
    logger.error(
        "request id={} client={} principal={} method={} route={} status={} duration_ms={:.3f} "
        "error={} detail=\"{}\"",
        request.request_id, connection.peer, principal, request.method, connection.route_label,
        response.status, seconds * 1e3, response.error_code, response.internal_detail);
  } else {
    logger.info(
        "request id={} client={} principal={} method={} route={} status={} duration_ms={:.3f}{}{}",
        request.request_id, connection.peer, principal, request.method, connection.route_label,
        response.status, seconds * 1e3,
        response.error_code.empty() ? "" : " error=", response.error_code);
  }
}

// ---------------------------------------------------------------------------------------------

namespace {

bool IsLoopback(const std::string& address) {
  try {
    const Poco::Net::IPAddress ip(address);
    return ip.isLoopback();
  } catch (const Poco::Exception&) {
    return address == "localhost";
  }
}

}  // namespace

Service::Service(std::unique_ptr<State> state) : state_(std::move(state)) {}

Service::~Service() { Stop(); }

uint16_t Service::port() const { return state_->port; }

Result<std::unique_ptr<Service>> Service::Start(const ServiceDependencies& dependencies) {
  if (!dependencies.ledger || !dependencies.config || !dependencies.calendar ||
      !dependencies.clock || !dependencies.tokens || !dependencies.logger)
    return Status::InvalidArgument(
        "the service needs a ledger, config, calendar, clock, tokens "
        "and a logger");
  const ServiceConfig& config = dependencies.config->service;
  auto state = std::make_unique<State>();
  state->dependencies = dependencies;
  if (!config.tls_certificate_file.empty()) {
    XCLEAR_ASSIGN_OR_RETURN(state->tls, service::TlsContext::Load(config));
  } else if (!IsLoopback(config.listen_address)) {
    return Status::InvalidArgument(
        "service.listen_address " + config.listen_address +
        " is not a loopback address: plain HTTP is served only on loopback; set "
        "service.tls_certificate_file and service.tls_private_key_file for HTTPS");
  }
  state->domain =
      std::make_unique<Domain>(*dependencies.ledger, *dependencies.config, *dependencies.calendar,
                               *dependencies.clock, state->metrics);
  state->idempotency = std::make_unique<service::IdempotencyStore>(*dependencies.ledger);
  state->views = std::make_unique<service::ViewCache>(state->config().view_cache_bytes_max);
  for (Route& route : service::AllRoutes()) {
    // A pattern is split like a request target ({names} hold no '%', so nothing is decoded).
    std::vector<std::string> segments = service::ParseTarget(route.pattern).value().segments;
    state->routes.push_back({std::move(route), std::move(segments)});
  }
  state->limits.body_bytes_max = config.request_body_bytes_max;
  unsigned char random[4];
  if (RAND_bytes(random, sizeof random) != 1) return Status::Internal("no random bytes");
  char boot[9];
  std::snprintf(boot, sizeof boot, "%02x%02x%02x%02x", random[0], random[1], random[2], random[3]);
  state->boot_id = boot;
  try {
    state->listener.bind(Poco::Net::SocketAddress(config.listen_address, config.port), true);
    state->listener.listen(static_cast<int>(std::min<uint32_t>(config.connections_max, 4096)));
    state->listener.setBlocking(false);
    state->port = state->listener.address().port();
  } catch (const Poco::Exception& error) {
    return Status::IoError("cannot listen on " + config.listen_address + ":" +
                           std::to_string(config.port) + ": " + error.displayText());
  }
  state->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  state->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (state->epoll_fd < 0 || state->wake_fd < 0) return Status::IoError("epoll/eventfd failed");
  for (const auto& [fd, id] : {std::pair{state->listener.impl()->sockfd(), kListenerId},
                               std::pair{state->wake_fd, kWakeId}}) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = id;
    ::epoll_ctl(state->epoll_fd, EPOLL_CTL_ADD, fd, &event);
  }
  State* raw = state.get();
  for (uint32_t i = 0; i < config.threads_max; ++i)
    state->workers.emplace_back([raw] { raw->WorkerLoop(); });
  state->loop_thread = std::thread([raw] { raw->Loop(); });
  dependencies.logger->info(
      "listening on {}:{} ({}) threads_max={} queue_max={} body_max={} connections_max={}",
      config.listen_address, state->port, state->tls ? "https" : "http", config.threads_max,
      config.queue_max, config.request_body_bytes_max, config.connections_max);
  return std::unique_ptr<Service>(new Service(std::move(state)));
}

void Service::Stop() {
  if (!state_ || state_->stopped) return;
  State& state = *state_;
  state.stopped = true;
  // No new connections; requests being answered finish (at most shutdown_seconds_max); idle
  // keep-alive connections are closed at once.
  state.dependencies.logger->info("stopping: {} request(s) in flight", state.in_flight.load());
  state.stop_deadline =
      SteadyClock::now() + std::chrono::seconds(state.config().shutdown_seconds_max);
  state.stopping = true;
  const uint64_t one = 1;
  (void)!::write(state.wake_fd, &one, sizeof one);
  state.loop_thread.join();
  {
    std::lock_guard lock(state.queue_mutex);
    state.workers_stop = true;
  }
  state.queue_ready.notify_all();
  for (std::thread& worker : state.workers) worker.join();
  const size_t abandoned = state.connections.size();
  state.connections.clear();
  ::close(state.epoll_fd);
  ::close(state.wake_fd);
  if (!state.listener_closed.exchange(true)) state.listener.close();
  state.dependencies.logger->info("stopped; {} connection(s) still open at the deadline",
                                  abandoned);
  state.dependencies.logger->flush();
}

}  // namespace xclear
