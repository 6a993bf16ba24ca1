#include "tls.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/SSLException.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <cerrno>
#include <filesystem>

namespace xclear::service {

TlsContext::TlsContext(std::unique_ptr<Poco::Net::Context> context)
    : context_(std::move(context)) {}
TlsContext::~TlsContext() = default;

SSL_CTX* TlsContext::ssl_context() const { return context_->sslContext(); }

Result<std::unique_ptr<TlsContext>> TlsContext::Load(const ServiceConfig& config) {
  for (const auto& [key, path] : {std::pair{"tls_certificate_file", config.tls_certificate_file},
                                  std::pair{"tls_private_key_file", config.tls_private_key_file}}) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
      return Status::IoError(std::string("service.") + key + ": cannot read " + path.string());
    }
  }
  try {
    Poco::Net::Context::Params params;
    params.privateKeyFile = config.tls_private_key_file.string();
    params.certificateFile = config.tls_certificate_file.string();
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // clients bring bearer tokens
    params.loadDefaultCAs = false;
    params.cipherList = kTlsCipherList;
    auto context = std::make_unique<Poco::Net::Context>(Poco::Net::Context::TLS_SERVER_USE, params);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    context->enableSessionCache(false);
    SSL_CTX_set_options(context->sslContext(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    return std::unique_ptr<TlsContext>(new TlsContext(std::move(context)));
  } catch (const Poco::Exception& error) {
    return Status::InvalidArgument("service TLS: " + error.displayText());
  }
}

Transport::Transport(int fd, const TlsContext* tls) : fd_(fd) {
  if (tls == nullptr) {
    handshake_done_ = true;
    return;
  }
  ssl_ = SSL_new(tls->ssl_context());
  SSL_set_fd(ssl_, fd);
  SSL_set_accept_state(ssl_);
}

Transport::~Transport() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

IoResult Transport::SslResult(int returned) {
  const int error = SSL_get_error(ssl_, returned);
  ERR_clear_error();
  switch (error) {
    case SSL_ERROR_WANT_READ:
      return IoResult::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return IoResult::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return IoResult::kClosed;
    case SSL_ERROR_SYSCALL:
      return returned == 0 ? IoResult::kClosed : IoResult::kFailed;
    default:
      return IoResult::kFailed;
  }
}

IoResult Transport::Handshake() {
  if (handshake_done_) return IoResult::kDone;
  const int returned = SSL_do_handshake(ssl_);
  if (returned == 1) {
    handshake_done_ = true;
    return IoResult::kDone;
  }
  return SslResult(returned);
}

IoResult Transport::Read(char* out, size_t size, size_t& count) {
  if (ssl_ != nullptr) {
    if (!handshake_done_) {
      const IoResult step = Handshake();
      if (step != IoResult::kDone) return step;
    }
    const int returned = SSL_read(ssl_, out, static_cast<int>(size));
    if (returned > 0) {
      count = static_cast<size_t>(returned);
      return IoResult::kDone;
    }
    return SslResult(returned);
  }
  const ssize_t returned = ::recv(fd_, out, size, 0);
  if (returned > 0) {
    count = static_cast<size_t>(returned);
    return IoResult::kDone;
  }
  if (returned == 0) return IoResult::kClosed;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return IoResult::kWantRead;
  return IoResult::kFailed;
}

IoResult Transport::Write(std::string_view data, size_t& count) {
  if (ssl_ != nullptr) {
    const int returned = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
    if (returned > 0) {
      count = static_cast<size_t>(returned);
      return IoResult::kDone;
    }
    return SslResult(returned);
  }
  const ssize_t returned = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
  if (returned >= 0) {
    count = static_cast<size_t>(returned);
    return IoResult::kDone;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return IoResult::kWantWrite;
  return IoResult::kFailed;
}

void Transport::ShutdownWrite() {
  if (ssl_ != nullptr && handshake_done_) {
    SSL_shutdown(ssl_);
    ERR_clear_error();
  }
  ::shutdown(fd_, SHUT_WR);
}

}  // namespace xclear::service
