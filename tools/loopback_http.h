// A keep-alive HTTP/1.1 client for xcleard on loopback, shared by the load drivers
// (bench/api_bench, tools/stress), over plain HTTP or HTTPS. Header-only; needs Poco::Net and
// Poco::NetSSL. Not thread-safe: one per thread.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>

#include <cstdint>
#include <exception>
#include <iterator>
#include <memory>
#include <string>

namespace xclear::loopback {

// HTTPS for every Http made after this is set: the service's certificate (a PEM file) is the
// one trusted CA, and the certificate must name "localhost" or 127.0.0.1. Empty: plain HTTP.
inline std::string& TlsCaFile() {
  static std::string file;
  return file;
}

inline std::unique_ptr<Poco::Net::HTTPClientSession> NewSession(uint16_t port) {
  if (TlsCaFile().empty()) return std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port);
  static const Poco::Net::Context::Ptr context = [] {
    Poco::Net::Context::Params params;
    params.caLocation = TlsCaFile();
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
    params.loadDefaultCAs = false;
    Poco::Net::Context::Ptr made =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    made->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    return made;
  }();
  return std::make_unique<Poco::Net::HTTPSClientSession>("localhost", port, context);
}

struct Reply {
  int status = 0;  // 0: the connection failed (the server is gone or reset it)
  std::string body;
};

class Http {
 public:
  explicit Http(uint16_t port, int timeout_seconds = 120) : session_(NewSession(port)) {
    session_->setKeepAlive(true);
    session_->setTimeout(Poco::Timespan(timeout_seconds, 0));
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
      session_->sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      std::istream& in = session_->receiveResponse(response);
      reply.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      reply.status = static_cast<int>(response.getStatus());
    } catch (const std::exception&) {  // Poco::Exception derives from std::exception
      session_->reset();
      reply.status = 0;
    }
    return reply;
  }

 private:
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

}  // namespace xclear::loopback
