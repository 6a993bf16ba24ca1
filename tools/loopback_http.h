// A keep-alive HTTP/1.1 client for xcleard on loopback, shared by the load drivers
// (bench/api_bench, tools/stress). Header-only; needs Poco::Net. Not thread-safe: one per thread.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <cstdint>
#include <exception>
#include <iterator>
#include <string>

namespace xclear::loopback {

struct Reply {
  int status = 0;  // 0: the connection failed (the server is gone or reset it)
  std::string body;
};

class Http {
 public:
  explicit Http(uint16_t port, int timeout_seconds = 120) : session_("127.0.0.1", port) {
    session_.setKeepAlive(true);
    session_.setTimeout(Poco::Timespan(timeout_seconds, 0));
  }
  // A bearer-token request; POSTs carry the body, its type and the Idempotency-Key.
  Reply Send(const std::string& method, const std::string& path, const std::string& token,
             const std::string& body = "", const std::string& type = "application/json",
             const std::string& key = "") {
    Reply reply;
    try {
      Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
      request.set("Authorization", "Bearer " + token);
      if (method == "POST") {
        request.set("Idempotency-Key", key);
        request.setContentType(type);
        request.setContentLength64(static_cast<Poco::UInt64>(body.size()));
      }
      session_.sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      std::istream& in = session_.receiveResponse(response);
      reply.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      reply.status = static_cast<int>(response.getStatus());
    } catch (const std::exception&) {  // Poco::Exception derives from std::exception
      session_.reset();
      reply.status = 0;
    }
    return reply;
  }

 private:
  Poco::Net::HTTPClientSession session_;
};

}  // namespace xclear::loopback
