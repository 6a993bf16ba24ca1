// libFuzzer target: raw bytes into xcleard's connection handling (issue 15). Two properties:
// 1. The request parser gives the same result whatever pieces the bytes arrive in (each input is
//    also fed split at points taken from its own bytes): same state, same head, same body, same
//    error; it never takes more than it was given.
// 2. The real service, over a loopback socket, answers every input within its deadline: never a
//    5xx, never more answers than request heads in the input, nothing after an answer that said
//    "Connection: close", every error answer the documented JSON, and it closes the connection
//    once the client has half-closed (no hang).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../../service/http_parser.h"
#include "fuzz_check.h"
#include "fuzz_world.h"
#include "xclear/access.h"
#include "xclear/json.h"
#include "xclear/service.h"

namespace {

using xclear::fuzzing::Check;
using xclear::service::HttpRequestParser;

struct Outcome {
  HttpRequestParser::State state;
  std::string method, target, body;
  int error_status = 0;
  size_t taken = 0;
};

// Feeds `data` in the given pieces the way the service does: consume, start the body at the end
// of the head, stop at the end of one request or at an error.
Outcome Parse(std::string_view data, const std::vector<size_t>& cuts) {
  xclear::service::HttpLimits limits;
  limits.body_bytes_max = 4096;
  limits.head_bytes_max = 2048;
  limits.request_line_bytes_max = 512;
  limits.header_fields_max = 16;
  HttpRequestParser parser(limits);
  Outcome out;
  std::string pending;
  size_t next = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(data.size());
  for (const size_t end : ends) {
    if (end < next || end > data.size()) continue;
    pending.append(data.substr(next, end - next));
    next = end;
    while (!pending.empty()) {
      const size_t used = parser.Consume(pending);
      Check(used <= pending.size(), "the parser takes no more than it is given");
      pending.erase(0, used);
      out.taken += used;
      if (parser.state() == HttpRequestParser::State::kHeadComplete) {
        parser.StartBody();
        continue;
      }
      if (used == 0) break;
      if (parser.state() == HttpRequestParser::State::kComplete ||
          parser.state() == HttpRequestParser::State::kFailed)
        break;
    }
    if (parser.state() == HttpRequestParser::State::kComplete ||
        parser.state() == HttpRequestParser::State::kFailed)
      break;
  }
  out.state = parser.state();
  out.method = parser.head().method;
  out.target = parser.head().target;
  out.body = parser.TakeBody();
  out.error_status = out.state == HttpRequestParser::State::kFailed ? parser.error().status : 0;
  return out;
}

struct Server;
Server& TheServer();

struct Server {
  xclear::fuzzing::World& world = xclear::fuzzing::TheWorld();
  xclear::Config config;
  std::unique_ptr<xclear::TokenStore> tokens;
  std::unique_ptr<xclear::Service> service;
  std::string token;
  Server() {
    config = world.config;
    config.service.port = 0;
    config.service.threads_max = 4;
    config.service.head_seconds_max = 2;
    config.service.body_seconds_max = 2;
    config.service.timeout_seconds = 2;
    config.service.request_body_bytes_max = 1 << 20;
    config.service.token_file = world.dir / "tokens.json";
    token = xclear::IssueToken(config.service.token_file, config.participants,
                               xclear::Principal{"fuzz", xclear::Role::kAuditor, 0, {}},
                               world.clock.Now())
                .value();
    tokens = std::make_unique<xclear::TokenStore>(config.service.token_file, config.participants);
    Check(tokens->Load().ok(), "the token file loads");
    auto logger = std::make_shared<spdlog::logger>("fuzz-http",
                                                   std::make_shared<spdlog::sinks::null_sink_mt>());
    xclear::ServiceDependencies dependencies{world.ledger.get(), &config,      &world.calendar,
                                             &world.clock,       tokens.get(), logger};
    auto started = xclear::Service::Start(dependencies);
    Check(started.ok(), "the service starts");
    service = std::move(*started);
    // Stop the service before the world (and its ledger) goes at exit: handlers on a deleted
    // ledger would be use-after-free. atexit runs in reverse order of registration, and the
    // world registered its own when it was made, above.
    std::atexit([] {
      Server& server = TheServer();
      server.service->Stop();
      server.service.reset();
    });
  }
};

Server& TheServer() {
  static Server* server = new Server();  // lives for the process (stopped at exit, above)
  return *server;
}

// Sends `bytes`, half-closes, and reads until the service closes (at most `limit`).
std::string Exchange(uint16_t port, std::string_view bytes, std::chrono::milliseconds limit,
                     bool& closed) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  Check(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0,
        "the service accepts a connection");
  std::string out;
  size_t sent = 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  closed = false;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd wait{fd, static_cast<short>(POLLIN | (sent < bytes.size() ? POLLOUT : 0)), 0};
    // libFuzzer's timeout watchdog is a SIGALRM a second: an interrupted call is retried, not
    // taken for the end of the exchange (which read as "the service did not close").
    const int ready = ::poll(&wait, 1, 50);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    if ((wait.revents & POLLOUT) != 0 && sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) sent += static_cast<size_t>(n);
      if (n < 0) sent = bytes.size();  // the service closed its side: stop sending
      if (sent == bytes.size()) ::shutdown(fd, SHUT_WR);
    }
    if ((wait.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char buffer[65536];
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        closed = true;
        break;
      }
      out.append(buffer, static_cast<size_t>(n));
    }
    if (bytes.empty() && sent == 0) {
      ::shutdown(fd, SHUT_WR);
      sent = 1;  // nothing to send
    }
  }
  ::close(fd);
  return out;
}

size_t Count(std::string_view text, std::string_view what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1))
    ++count;
  return count;
}

void CheckAnswers(std::string_view input, std::string_view answers) {
  size_t count = 0;
  while (!answers.empty()) {
    Check(answers.starts_with("HTTP/1.1 "), "every answer starts with a status line");
    const size_t head_end = answers.find("\r\n\r\n");
    Check(head_end != std::string_view::npos, "every answer has a complete head");
    const std::string_view head = answers.substr(0, head_end);
    const int status = std::stoi(std::string(head.substr(9, 3)));
    Check(status < 500, "never a 5xx");
    const bool interim = status == 100;
    size_t length = 0;
    const size_t at = head.find("\r\nContent-Length: ");
    if (!interim) {
      if (at != std::string_view::npos) {
        length = std::stoul(std::string(head.substr(at + 18, 20)));
      } else {
        // A streamed answer (chunked): only a GET of a report could have one; stop checking.
        Check(head.find("Transfer-Encoding: chunked") != std::string_view::npos,
              "an answer without Content-Length is chunked");
        return;
      }
    }
    Check(answers.size() >= head_end + 4 + length, "every answer has its whole body");
    const std::string_view body = answers.substr(head_end + 4, length);
    if (status >= 400) {
      Check(head.find("Content-Type: application/json") != std::string_view::npos,
            "every error answer is JSON");
      Check(xclear::ParseJsonObject(body).ok(), "every error body parses as JSON");
    }
    answers.remove_prefix(head_end + 4 + length);
    if (interim) continue;
    ++count;
    if (head.find("Connection: close") != std::string_view::npos)
      Check(answers.empty(), "nothing follows an answer that closed the connection");
  }
  // One answer per request head at most; a framing error answers once and closes.
  Check(count <= Count(input, "\r\n\r\n") + 1, "never more answers than requests");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // 1. Split independence of the parser.
  const Outcome whole = Parse(input, {});
  std::vector<size_t> cuts;
  for (size_t i = 0; i < size && cuts.size() < 8; i += 1 + data[i] % 61) cuts.push_back(i);
  const Outcome pieces = Parse(input, cuts);
  Check(whole.state == pieces.state, "the parser's state does not depend on the pieces");
  Check(whole.taken == pieces.taken, "the bytes taken do not depend on the pieces");
  Check(whole.method == pieces.method && whole.target == pieces.target,
        "the head does not depend on the pieces");
  Check(whole.body == pieces.body, "the body does not depend on the pieces");
  Check(whole.error_status == pieces.error_status, "the error does not depend on the pieces");
  // 2. The real service, over loopback.
  if (size > (1 << 16)) return 0;
  Server& server = TheServer();
  std::string bytes(input);
  // Half of the inputs get a valid token where they say "TOKEN", to reach the routes.
  for (size_t at = bytes.find("TOKEN"); at != std::string::npos; at = bytes.find("TOKEN", at + 1))
    bytes.replace(at, 5, server.token);
  bool closed = false;
  const std::string answers =
      Exchange(server.service->port(), bytes, std::chrono::milliseconds(4000), closed);
  Check(closed, "the service closes a half-closed connection within its deadlines");
  CheckAnswers(bytes, answers);
  return 0;
}
