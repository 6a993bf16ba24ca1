#include "http_parser.h"

#include <algorithm>
#include <cctype>

#include "xclear/text.h"

namespace xclear::service {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr size_t kChunkLineBytesMax = 1024;

// RFC 9110 §5.6.2 tchar.
bool IsTokenChar(unsigned char c) {
  if (std::isalnum(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return IsTokenChar(static_cast<unsigned char>(c));
  });
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The comma-separated elements of a field value, trimmed and in lower case.
std::vector<std::string> ListElements(std::string_view value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t end = std::min(value.find(',', start), value.size());
    const std::string_view element = TrimOws(value.substr(start, end - start));
    if (!element.empty()) out.push_back(Lower(element));
    start = end + 1;
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string* HttpHead::Field(std::string_view lower_name) const {
  for (const auto& [name, value] : fields) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

bool HttpRequestParser::Fail(int status, std::string code, std::string message) {
  state_ = State::kFailed;
  error_ = {status, std::move(code), std::move(message)};
  return false;
}

void HttpRequestParser::Reset() {
  state_ = State::kIdle;
  head_bytes_.clear();
  head_ = HttpHead();
  body_.clear();
  chunk_remaining_ = 0;
  chunk_state_ = ChunkState::kSize;
  line_.clear();
  trailer_bytes_ = 0;
  error_ = HttpFramingError();
}

size_t HttpRequestParser::Consume(std::string_view data) {
  switch (state_) {
    case State::kIdle:
    case State::kHead:
      return ConsumeHead(data);
    case State::kBody:
      return ConsumeBody(data);
    case State::kHeadComplete:
    case State::kComplete:
    case State::kFailed:
      return 0;
  }
  return 0;
}

void HttpRequestParser::EndOfInput() {
  if (state_ == State::kHead || state_ == State::kHeadComplete) {
    Fail(400, "request_truncated", "the connection closed before the end of the request head");
  } else if (state_ == State::kBody) {
    std::string expected =
        head_.chunked ? "the last chunk" : std::to_string(*head_.content_length) + " bytes";
    Fail(400, "request_truncated",
         "the connection closed after " + std::to_string(body_.size()) + " byte(s) of the body, " +
             "before " + expected + "; nothing was recorded");
  }
}

size_t HttpRequestParser::ConsumeHead(std::string_view data) {
  size_t used = 0;
  // Empty lines before a request line are skipped (RFC 9112 §2.2).
  if (state_ == State::kIdle) {
    while (used < data.size() && (data[used] == '\r' || data[used] == '\n')) ++used;
    if (used == data.size()) return used;
    state_ = State::kHead;
  }
  // The terminator may straddle reads: search from a little before the bytes already held.
  const size_t search_from = head_bytes_.size() >= 3 ? head_bytes_.size() - 3 : 0;
  const size_t room = limits_.head_bytes_max + 4 - head_bytes_.size();
  const std::string_view piece = data.substr(used, room);
  head_bytes_.append(piece);
  const size_t end = head_bytes_.find("\r\n\r\n", search_from);
  if (end == std::string::npos) {
    if (head_bytes_.size() > limits_.head_bytes_max) {
      const size_t line_end = head_bytes_.find(kCrlf);
      if (line_end == std::string::npos || line_end > limits_.request_line_bytes_max) {
        Fail(414, "uri_too_long",
             "the request line exceeds " + std::to_string(limits_.request_line_bytes_max) +
                 " bytes");
      } else {
        Fail(431, "header_too_large",
             "the request head exceeds " + std::to_string(limits_.head_bytes_max) + " bytes");
      }
    }
    return used + piece.size();
  }
  // Give back what belongs to the body or to the next request.
  const size_t head_end = end + 4;
  const size_t surplus = head_bytes_.size() - head_end;
  head_bytes_.resize(head_end);
  used += piece.size() - surplus;
  if (ParseHead()) state_ = State::kHeadComplete;
  return used;
}

bool HttpRequestParser::ParseHead() {
  std::string_view rest(head_bytes_);
  rest.remove_suffix(2);  // the empty line's CRLF
  const size_t line_end = rest.find(kCrlf);
  if (line_end > limits_.request_line_bytes_max) {
    return Fail(
        414, "uri_too_long",
        "the request line exceeds " + std::to_string(limits_.request_line_bytes_max) + " bytes");
  }
  if (!ParseRequestLine(rest.substr(0, line_end))) return false;
  rest.remove_prefix(line_end + 2);
  while (!rest.empty()) {
    const size_t end = rest.find(kCrlf);
    if (!ParseField(rest.substr(0, end))) return false;
    rest.remove_prefix(end + 2);
  }
  return ApplyFraming();
}

bool HttpRequestParser::ParseRequestLine(std::string_view line) {
  const size_t first = line.find(' ');
  const size_t last = line.rfind(' ');
  if (first == std::string_view::npos || first == last) {
    return Fail(400, "bad_request_line",
                "the request line must be METHOD SP /path SP HTTP/1.1, got " + QuoteText(line, 60));
  }
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, last - first - 1);
  const std::string_view version = line.substr(last + 1);
  if (!IsToken(method) || method.size() > 32) {
    return Fail(400, "bad_request_line", "the method " + QuoteText(method) + " is not a token");
  }
  const bool visible = std::all_of(target.begin(), target.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (target.empty() || !visible) {
    return Fail(
        400, "bad_request_line",
        "the request target must be visible ASCII without spaces, got " + QuoteText(target, 60));
  }
  if (version == "HTTP/1.1") {
    head_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    head_.minor_version = 0;
  } else if (version.size() == 8 && version.starts_with("HTTP/") && std::isdigit(version[5]) &&
             version[6] == '.' && std::isdigit(version[7])) {
    return Fail(400, "http_version_not_supported",
                "only HTTP/1.1 and HTTP/1.0 are served, not " + QuoteText(version));
  } else {
    return Fail(400, "bad_request_line",
                "the request line must end with HTTP/1.1, got " + QuoteText(version));
  }
  head_.method.assign(method);
  head_.target.assign(target);
  return true;
}

bool HttpRequestParser::ParseField(std::string_view line) {
  if (head_.fields.size() >= limits_.header_fields_max) {
    return Fail(431, "header_too_large",
                "more than " + std::to_string(limits_.header_fields_max) + " header fields");
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    return Fail(400, "bad_header", "folded header lines (obs-fold) are not accepted");
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return Fail(400, "bad_header", "the header line " + QuoteText(line, 60) + " has no colon");
  }
  const std::string_view name = line.substr(0, colon);
  if (!IsToken(name)) {
    return Fail(400, "bad_header",
                "the header name " + QuoteText(name, 60) +
                    " is not a token (no space is allowed before the colon)");
  }
  const std::string_view value = TrimOws(line.substr(colon + 1));
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
      return Fail(400, "bad_header",
                  "the header " + QuoteText(name, 60) + " contains a control character");
    }
  }
  head_.fields.emplace_back(Lower(name), std::string(value));
  return true;
}

bool HttpRequestParser::ApplyFraming() {
  const std::string* length = nullptr;
  const std::string* coding = nullptr;
  size_t hosts = 0;
  for (const auto& [name, value] : head_.fields) {
    if (name == "content-length") {
      if (length) {
        return Fail(400, "bad_framing",
                    "Content-Length appears more than once; send it once (RFC 9112 §6.3)");
      }
      length = &value;
    } else if (name == "transfer-encoding") {
      if (coding) return Fail(400, "bad_framing", "Transfer-Encoding appears more than once");
      coding = &value;
    } else if (name == "host") {
      ++hosts;
    } else if (name == "authorization" && head_.Field("authorization") != &value) {
      return Fail(400, "bad_header", "Authorization appears more than once");
    }
  }
  if (head_.minor_version == 1 && hosts != 1) {
    return Fail(400, "bad_header", "an HTTP/1.1 request needs exactly one Host header");
  }
  if (length && coding) {
    return Fail(400, "bad_framing",
                "Content-Length and Transfer-Encoding together are refused (RFC 9112 §6.1)");
  }
  if (coding) {
    if (head_.minor_version == 0) {
      return Fail(400, "bad_framing", "Transfer-Encoding is not allowed in HTTP/1.0");
    }
    if (Lower(*coding) != "chunked") {
      return Fail(400, "bad_framing",
                  "only Transfer-Encoding: chunked is accepted, not " + QuoteText(*coding, 60));
    }
    head_.chunked = true;
  }
  if (length) {
    const bool digits =
        !length->empty() && length->size() <= 19 &&
        std::all_of(length->begin(), length->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) {
      return Fail(400, "bad_framing",
                  "Content-Length " + QuoteText(*length, 40) + " is not a decimal byte count");
    }
    head_.content_length = std::stoull(*length);
    if (*head_.content_length > limits_.body_bytes_max) {
      return Fail(413, "body_too_large",
                  "the request body exceeds " + std::to_string(limits_.body_bytes_max) +
                      " bytes (service.request_body_bytes_max); split the declaration");
    }
  }
  // Only a POST carries a body here: a GET with one would hold the connection (and memory) for
  // a route that needs no token, such as /healthz.
  if ((coding || head_.content_length.value_or(0) > 0) && head_.method != "POST") {
    return Fail(400, "bad_framing",
                "a " + QuoteText(head_.method, 16) + " request carries no body");
  }
  if (!length && !coding && head_.method == "POST") {
    return Fail(411, "length_required",
                "a POST needs a Content-Length (send Content-Length: 0 for an empty body)");
  }
  std::vector<std::string> connection;
  if (const std::string* value = head_.Field("connection")) connection = ListElements(*value);
  const auto has = [&](std::string_view token) {
    return std::find(connection.begin(), connection.end(), token) != connection.end();
  };
  head_.keep_alive = head_.minor_version == 1 ? !has("close") : has("keep-alive");
  if (const std::string* expect = head_.Field("expect")) {
    if (Lower(*expect) != "100-continue") {
      return Fail(417, "expectation_failed",
                  "only Expect: 100-continue is understood, not " + QuoteText(*expect, 40));
    }
    head_.expect_continue = head_.minor_version == 1;
  }
  return true;
}

void HttpRequestParser::StartBody() {
  if (state_ != State::kHeadComplete) return;
  state_ = head_.HasBody() ? State::kBody : State::kComplete;
  if (head_.content_length) body_.reserve(static_cast<size_t>(*head_.content_length));
}

size_t HttpRequestParser::ConsumeBody(std::string_view data) {
  if (head_.chunked) return ConsumeChunked(data);
  const uint64_t missing = *head_.content_length - body_.size();
  const size_t take = static_cast<size_t>(std::min<uint64_t>(missing, data.size()));
  body_.append(data.substr(0, take));
  if (body_.size() == *head_.content_length) state_ = State::kComplete;
  return take;
}

bool HttpRequestParser::ParseChunkSize(std::string_view line) {
  const size_t extension = line.find(';');
  const std::string_view digits = line.substr(0, extension);
  if (digits.empty() || digits.size() > 15) {
    return Fail(400, "bad_framing", "the chunk size " + QuoteText(digits, 20) + " is not hex");
  }
  uint64_t size = 0;
  for (const char c : digits) {
    const int value = HexValue(c);
    if (value < 0) {
      return Fail(400, "bad_framing", "the chunk size " + QuoteText(digits, 20) + " is not hex");
    }
    size = size << 4 | static_cast<uint64_t>(value);
  }
  if (body_.size() + size > limits_.body_bytes_max) {
    return Fail(413, "body_too_large",
                "the request body exceeds " + std::to_string(limits_.body_bytes_max) +
                    " bytes (service.request_body_bytes_max); split the declaration");
  }
  chunk_remaining_ = size;
  chunk_state_ = size == 0 ? ChunkState::kTrailer : ChunkState::kData;
  return true;
}

size_t HttpRequestParser::ConsumeChunked(std::string_view data) {
  size_t used = 0;
  while (used < data.size() && state_ == State::kBody) {
    if (chunk_state_ == ChunkState::kData) {
      const size_t take =
          static_cast<size_t>(std::min<uint64_t>(chunk_remaining_, data.size() - used));
      body_.append(data.substr(used, take));
      used += take;
      chunk_remaining_ -= take;
      if (chunk_remaining_ == 0) chunk_state_ = ChunkState::kDataEnd;
      continue;
    }
    // A line: a chunk size, the CRLF after a chunk's data, or a trailer field.
    const size_t newline = data.find('\n', used);
    const size_t end = newline == std::string_view::npos ? data.size() : newline + 1;
    line_.append(data.substr(used, end - used));
    used = end;
    const size_t line_max =
        chunk_state_ == ChunkState::kTrailer ? limits_.head_bytes_max : kChunkLineBytesMax;
    if (line_.size() > line_max) {
      Fail(400, "bad_framing", "a chunk line is longer than " + std::to_string(line_max));
      break;
    }
    if (newline == std::string_view::npos) break;
    if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
      Fail(400, "bad_framing", "a chunk line does not end with CRLF");
      break;
    }
    const std::string line = line_.substr(0, line_.size() - 2);
    line_.clear();
    if (chunk_state_ == ChunkState::kDataEnd) {
      if (!line.empty()) {
        Fail(400, "bad_framing", "a chunk's data is longer than its size");
        break;
      }
      chunk_state_ = ChunkState::kSize;
    } else if (chunk_state_ == ChunkState::kSize) {
      if (!ParseChunkSize(line)) break;
    } else {  // trailer fields are read and dropped; the empty line ends the body
      trailer_bytes_ += line.size() + 2;
      if (trailer_bytes_ > limits_.head_bytes_max) {
        Fail(431, "header_too_large", "the chunked trailer is too large");
        break;
      }
      if (line.empty()) {
        state_ = State::kComplete;
      } else if (line.find(':') == std::string::npos) {
        Fail(400, "bad_framing", "a trailer line has no colon");
      }
    }
  }
  return used;
}

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return Status::InvalidArgument("bad percent-encoding " + QuoteText(text.substr(i, 3)) +
                                     ": '%' must be followed by two hex digits");
    }
    const int upper = HexValue(text[i + 1]);
    const int lower = HexValue(text[i + 2]);
    if (upper < 0 || lower < 0) {
      return Status::InvalidArgument("bad percent-encoding " + QuoteText(text.substr(i, 3)) +
                                     ": '%' must be followed by two hex digits");
    }
    const char byte = static_cast<char>(upper << 4 | lower);
    if (byte == '\0') return Status::InvalidArgument("a percent-encoded NUL (%00) is not allowed");
    out.push_back(byte);
    i += 2;
  }
  return out;
}

Result<HttpTarget> ParseTarget(std::string_view target) {
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() &&
        Lower(target.substr(0, scheme.size())) == scheme) {  // absolute-form: drop the authority
      const size_t path = target.find('/', scheme.size());
      target = path == std::string_view::npos ? std::string_view("/") : target.substr(path);
    }
  }
  if (target.empty() || target.front() != '/') {
    return Status::InvalidArgument("the request target must be a path beginning with '/'");
  }
  HttpTarget out;
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  size_t start = 1;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    auto segment = PercentDecode(path.substr(start, end - start));
    if (!segment.ok()) return segment.status().WithContext("path");
    out.path += "/" + *segment;
    out.segments.push_back(std::move(*segment));
    start = end + 1;
  }
  if (question == std::string_view::npos) return out;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    auto name = PercentDecode(pair.substr(0, equals));
    if (!name.ok()) return name.status().WithContext("query");
    std::string value;
    if (equals != std::string_view::npos) {
      auto decoded = PercentDecode(pair.substr(equals + 1));
      if (!decoded.ok()) return decoded.status().WithContext("query");
      value = std::move(*decoded);
    }
    out.query.emplace_back(std::move(*name), std::move(value));
  }
  return out;
}

}  // namespace xclear::service
