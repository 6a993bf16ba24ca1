// TLS for xcleard (SPEC §14): Poco NetSSL_OpenSSL's Context holds the certificate, the key and the
// protocol floor (TLS 1.2); the event loop drives each connection's OpenSSL session in
// non-blocking mode itself, because a blocking TLS socket per thread is exactly what let 17 slow
// clients stop the service. Thread safety: a TlsContext is shared read-only; a TlsSession is used
// by one thread at a time.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "xclear/config.h"
#include "xclear/status.h"

namespace Poco::Net {
class Context;
}

namespace xclear::service {

// Forward secret AEAD suites only, for TLS 1.2; TLS 1.3 uses OpenSSL's own (all AEAD).
inline constexpr const char* kTlsCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

class TlsContext {
 public:
  // Loads config.tls_certificate_file / tls_private_key_file; fails naming the file.
  static Result<std::unique_ptr<TlsContext>> Load(const ServiceConfig& config);
  ~TlsContext();
  SSL_CTX* ssl_context() const;

 private:
  explicit TlsContext(std::unique_ptr<Poco::Net::Context> context);
  std::unique_ptr<Poco::Net::Context> context_;
};

// What a non-blocking read, write or handshake step came to.
enum class IoResult { kDone, kWantRead, kWantWrite, kClosed, kFailed };

// One connection's byte stream: plain TCP, or TLS over it.
class Transport {
 public:
  // `tls` may be null (plain). Takes no ownership of fd.
  Transport(int fd, const TlsContext* tls);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  bool tls() const { return ssl_ != nullptr; }
  bool handshake_done() const { return handshake_done_; }
  // Advances the TLS handshake (kDone at once for plain TCP).
  IoResult Handshake();
  // Reads up to `size` bytes into `out`; `count` is set on kDone.
  IoResult Read(char* out, size_t size, size_t& count);
  // Writes part of `data`; `count` is set on kDone.
  IoResult Write(std::string_view data, size_t& count);
  // Sends TLS close_notify (best effort) and half-closes the socket.
  void ShutdownWrite();

 private:
  IoResult SslResult(int returned);
  int fd_;
  SSL* ssl_ = nullptr;
  bool handshake_done_ = false;
};

}  // namespace xclear::service
