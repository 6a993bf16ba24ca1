#include "xclear/csv_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xclear {

Result<std::unique_ptr<CsvReader>> CsvReader::OpenFile(const std::filesystem::path& path,
                                                       size_t buffer_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound("cannot open " + path.string() + ": " + std::strerror(errno));
  std::unique_ptr<CsvReader> reader(new CsvReader());
  reader->fd_ = fd;
  reader->buffer_.resize(buffer_bytes);
  struct stat info {};
  if (::fstat(fd, &info) == 0) reader->bytes_total_ = static_cast<uint64_t>(info.st_size);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return reader;
}

std::unique_ptr<CsvReader> CsvReader::FromString(std::string_view text) {
  std::unique_ptr<CsvReader> reader(new CsvReader());
  reader->from_memory_ = true;
  reader->memory_ = text;
  reader->eof_ = true;
  reader->end_ = text.size();
  reader->bytes_total_ = text.size();
  return reader;
}

CsvReader::~CsvReader() {
  if (fd_ >= 0) ::close(fd_);
}

// Moves the unconsumed tail to the front and reads more. False when nothing more can be read.
bool CsvReader::Refill() {
  if (eof_) return false;
  const size_t remaining = end_ - begin_;
  if (remaining >= record_bytes_max_) {
    status_ = Status::InvalidArgument("row " + std::to_string(record_number_ + 1) +
                                      ": a record is longer than " +
                                      std::to_string(record_bytes_max_) + " bytes");
    return false;
  }
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, remaining);
    begin_ = 0;
    end_ = remaining;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  while (true) {
    const ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status_ = Status::IoError(std::string("reading the file failed: ") + std::strerror(errno));
      return false;
    }
    if (n == 0) eof_ = true;
    end_ += static_cast<size_t>(n);
    return n > 0;
  }
}

bool CsvReader::Next(std::vector<std::string_view>& fields) {
  if (!status_.ok()) return false;
  while (true) {
    bool need_more = false;
    if (ParseRecord(fields, need_more)) return true;
    if (!status_.ok()) return false;
    if (!need_more) return false;  // clean end of input
    if (!Refill() && !eof_) return false;
    if (!status_.ok()) return false;
  }
}

// Parses one record starting at begin_. Returns true with `fields` set; or false with need_more
// when the buffer ends inside the record (and more input may exist), or false at the end.
bool CsvReader::ParseRecord(std::vector<std::string_view>& fields, bool& need_more) {
  const char* data = from_memory_ ? memory_.data() : buffer_.data();
  if (at_start_ && end_ - begin_ >= 3 && std::memcmp(data + begin_, "\xEF\xBB\xBF", 3) == 0) {
    begin_ += 3;
    consumed_total_ += 3;
  }
  if (at_start_ && (end_ - begin_ >= 3 || eof_)) at_start_ = false;
  if (begin_ >= end_) {
    need_more = !eof_;
    return false;
  }
  fields.clear();
  scratch_.clear();
  scratch_spans_.clear();
  size_t position = begin_;
  while (true) {
    if (position < end_ && data[position] == '"') {
      // Quoted field: unescape into scratch_.
      const size_t scratch_start = scratch_.size();
      ++position;
      while (true) {
        const void* quote = std::memchr(data + position, '"', end_ - position);
        if (quote == nullptr) {
          need_more = !eof_;
          if (eof_)
            status_ = Status::InvalidArgument("row " + std::to_string(record_number_ + 1) +
                                              ": a quoted field is not closed");
          return false;
        }
        const size_t at = static_cast<size_t>(static_cast<const char*>(quote) - data);
        scratch_.append(data + position, at - position);
        if (at + 1 >= end_ && !eof_) {
          need_more = true;
          return false;
        }
        if (at + 1 < end_ && data[at + 1] == '"') {
          scratch_ += '"';
          position = at + 2;
          continue;
        }
        position = at + 1;
        break;
      }
      scratch_spans_.emplace_back(fields.size(), scratch_start);
      fields.emplace_back(nullptr, scratch_.size() - scratch_start);
      if (position < end_ && data[position] != ',' && data[position] != '\n' &&
          data[position] != '\r') {
        status_ = Status::InvalidArgument("row " + std::to_string(record_number_ + 1) +
                                          ": text after a closing quote");
        return false;
      }
    } else {
      size_t stop = position;
      while (stop < end_ && data[stop] != ',' && data[stop] != '\n' && data[stop] != '\r') {
        if (data[stop] == '"') {
          status_ = Status::InvalidArgument("row " + std::to_string(record_number_ + 1) +
                                            ": a quote inside an unquoted field");
          return false;
        }
        ++stop;
      }
      if (stop == end_ && !eof_) {
        need_more = true;
        return false;
      }
      fields.emplace_back(data + position, stop - position);
      position = stop;
    }
    if (position >= end_) break;  // end of input ends the last record
    if (data[position] == ',') {
      ++position;
      if (position == end_ && !eof_) {
        need_more = true;
        return false;
      }
      continue;
    }
    if (data[position] == '\r') {
      if (position + 1 >= end_ && !eof_) {
        need_more = true;
        return false;
      }
      ++position;
      if (position < end_ && data[position] == '\n') ++position;
    } else {
      ++position;  // '\n'
    }
    break;
  }
  for (const auto& [index, start] : scratch_spans_) {
    fields[index] = std::string_view(scratch_.data() + start, fields[index].size());
  }
  if (position - begin_ > record_bytes_max_) {  // text in memory: the same bound as a file's
    status_ = Status::InvalidArgument("row " + std::to_string(record_number_ + 1) +
                                      ": a record is longer than " +
                                      std::to_string(record_bytes_max_) + " bytes");
    return false;
  }
  consumed_total_ += position - begin_;
  const std::string_view record(data + begin_, position - begin_);
  begin_ = position;
  ++record_number_;
  if (!IsValidUtf8(record)) {
    status_ = Status::InvalidArgument("row " + std::to_string(record_number_) +
                                      ": the text is not valid UTF-8 (save the file as UTF-8)");
    return false;
  }
  return true;
}

}  // namespace xclear
