// A streaming RFC 4180 CSV reader over large buffers.
//
// Fields are returned as string_views into the reader's buffer, valid until the next call to
// Next(); quoted fields with doubled quotes are unescaped into a scratch area. Accepts CRLF or LF
// line ends, a UTF-8 byte order mark at the start, and line breaks inside quoted fields. Memory
// is bounded by the buffer size and the longest record (limited by record_bytes_max).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "xclear/status.h"
#include "xclear/text.h"  // IsValidUtf8: records are checked as they are read

namespace xclear {

class CsvReader {
 public:
  static constexpr size_t kDefaultBufferBytes = 4 << 20;
  static constexpr size_t kDefaultRecordBytesMax = 1 << 20;

  // Reads a file. Fails when it cannot be opened.
  static Result<std::unique_ptr<CsvReader>> OpenFile(const std::filesystem::path& path,
                                                     size_t buffer_bytes = kDefaultBufferBytes);
  // Reads from memory (the HTTP body); `text` must outlive the reader.
  static std::unique_ptr<CsvReader> FromString(std::string_view text);
  ~CsvReader();

  // Reads the next record into `fields`. Returns false at the end of input (status() ok) or on
  // an error (status() not ok: malformed quoting, a record over the limit, invalid UTF-8, I/O).
  bool Next(std::vector<std::string_view>& fields);
  const Status& status() const { return status_; }
  // The 1-based number of the record last returned (the header is record 1).
  uint64_t record_number() const { return record_number_; }
  uint64_t bytes_consumed() const { return consumed_total_; }
  uint64_t bytes_total() const { return bytes_total_; }  // 0 when unknown

 private:
  CsvReader() = default;
  bool Refill();
  bool ParseRecord(std::vector<std::string_view>& fields, bool& need_more);

  int fd_ = -1;
  std::string_view memory_;
  bool from_memory_ = false;
  std::string buffer_;
  size_t begin_ = 0;  // first unconsumed byte in buffer_
  size_t end_ = 0;    // one past the last valid byte
  bool eof_ = false;
  bool at_start_ = true;
  std::string scratch_;
  std::vector<std::pair<size_t, size_t>> scratch_spans_;
  Status status_;
  uint64_t record_number_ = 0;
  uint64_t consumed_total_ = 0;
  uint64_t bytes_total_ = 0;
  size_t record_bytes_max_ = kDefaultRecordBytesMax;
};

}  // namespace xclear
