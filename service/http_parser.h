// The service's HTTP/1.1 request framing (RFC 9112), strict where lenient parsers let requests be
// smuggled or cut off: no sockets here, so the rules can be tested and fuzzed byte by byte.
//
// request      := *( CRLF ) request-line *( field-line ) CRLF [ body ]
// request-line := method SP request-target SP ( "HTTP/1.1" | "HTTP/1.0" ) CRLF
// field-line   := field-name ":" OWS field-value OWS CRLF   (no space before ':', no obs-fold,
//                                                           no control bytes but HTAB)
// body         := Content-Length octets | chunked (HTTP/1.1 only)
// chunked      := *( chunk-size [ ";" ext ] CRLF data CRLF ) "0" [ ";" ext ] CRLF *trailer CRLF
//
// Refused, and the connection closed after the answer: Content-Length together with
// Transfer-Encoding, Content-Length twice, a Content-Length that is not 1*DIGIT, a transfer
// coding other than "chunked", a bad chunk size, a line without a colon, a head over its bound
// (431; a request line alone: 414), a body over its bound (413), a POST with no length (411), a
// version other than 1.0/1.1 (400: no 5xx for what a client sent), a request cut off before its end
// (400), a body on anything but a POST (400), Authorization twice (400). The parser stops at the
// end of the head so that the caller can authenticate before any body is read. Thread safety: one
// parser per connection, used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xclear/status.h"

namespace xclear::service {

struct HttpLimits {
  size_t head_bytes_max = 32 * 1024;  // request line and header fields together
  size_t request_line_bytes_max = 8 * 1024;
  size_t header_fields_max = 100;
  uint64_t body_bytes_max = 64ull << 20;
};

struct HttpHead {
  std::string method;
  std::string target;  // the raw request-target, not decoded
  int minor_version = 1;
  std::vector<std::pair<std::string, std::string>> fields;  // names in lower case
  std::optional<uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;
  bool expect_continue = false;

  // The value of the first field named `lower_name`, or nullptr.
  const std::string* Field(std::string_view lower_name) const;
  // Whether a body follows the head (a length > 0, or chunked).
  bool HasBody() const { return chunked || content_length.value_or(0) > 0; }
};

// Why a request cannot be taken: the status and error code to answer before closing.
struct HttpFramingError {
  int status = 400;
  std::string code;
  std::string message;
};

class HttpRequestParser {
 public:
  enum class State { kIdle, kHead, kHeadComplete, kBody, kComplete, kFailed };

  explicit HttpRequestParser(HttpLimits limits) : limits_(limits) {}

  // Consumes bytes of `data` and returns how many it took. It stops early at the end of the
  // head (state kHeadComplete: call StartBody to go on), at the end of a request (kComplete),
  // and on a framing error (kFailed); bytes after a request belong to the next one.
  size_t Consume(std::string_view data);
  // After kHeadComplete: read the body next (kBody, or kComplete at once when there is none).
  void StartBody();
  // The peer closed its sending side. A request begun and not complete is a failure (400).
  void EndOfInput();
  // Ready for the next request on the same connection.
  void Reset();

  State state() const { return state_; }
  // True once any byte of the current request (other than leading empty lines) arrived.
  bool started() const { return state_ != State::kIdle; }
  const HttpHead& head() const { return head_; }
  std::string TakeBody() { return std::move(body_); }
  uint64_t body_bytes() const { return body_.size(); }
  const HttpFramingError& error() const { return error_; }

 private:
  enum class ChunkState { kSize, kData, kDataEnd, kTrailer };
  size_t ConsumeHead(std::string_view data);
  size_t ConsumeBody(std::string_view data);
  size_t ConsumeChunked(std::string_view data);
  bool ParseHead();
  bool ParseRequestLine(std::string_view line);
  bool ParseField(std::string_view line);
  bool ApplyFraming();
  bool ParseChunkSize(std::string_view line);
  bool Fail(int status, std::string code, std::string message);

  HttpLimits limits_;
  State state_ = State::kIdle;
  std::string head_bytes_;
  HttpHead head_;
  std::string body_;
  uint64_t chunk_remaining_ = 0;
  ChunkState chunk_state_ = ChunkState::kSize;
  std::string line_;  // a chunk-size or trailer line being collected
  size_t trailer_bytes_ = 0;
  HttpFramingError error_;
};

// A request-target split and percent-decoded exactly once: the path's segments (decoded one by
// one, so "%2F" stays inside its segment), and the query's name=value pairs. '+' is a plus.
struct HttpTarget {
  std::string path;                   // decoded, for messages and logs
  std::vector<std::string> segments;  // "/v1/claims/A1" → {"v1", "claims", "A1"}
  std::vector<std::pair<std::string, std::string>> query;
};
// Fails with invalid_argument naming the part when a '%' is not followed by two hex digits, a
// decoded byte is NUL, or the target is not origin-form ("/…") or absolute-form ("http://…/…").
Result<HttpTarget> ParseTarget(std::string_view target);

// Percent-decodes `text` once; "%zz", a lone '%', or "%00" is an error.
Result<std::string> PercentDecode(std::string_view text);

}  // namespace xclear::service
