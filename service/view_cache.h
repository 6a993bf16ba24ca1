// Answers of read views kept by ledger version (SPEC §12: a view computed at version N holds
// until N + 1). A view is a GET answer computed from the ledger alone (positions, statements,
// settlement, payments), or from the ledger and the CST date (deadlines and reports: days
// overdue change at midnight). Its key is everything the handler reads from the request: the
// path, the query, the Accept header and who asks (role and province). Only complete 200 answers
// are kept, at most bytes_max in all (the oldest go first); a newer version replaces an entry.
// Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "routes.h"

namespace xclear::service {

class ViewCache {
 public:
  explicit ViewCache(uint64_t bytes_max) : bytes_max_(bytes_max) {}

  // The key of `request`'s answer.
  static std::string KeyOf(const Request& request);

  // The answer kept under `key` for exactly this version and day, if any.
  std::shared_ptr<const Response> Find(const std::string& key, uint64_t version, int64_t day);
  // Keeps `response` (a 200 without a stream) as the answer at `version` and `day`, read before
  // the answer was computed.
  void Store(const std::string& key, uint64_t version, int64_t day, const Response& response);

  uint64_t bytes() const;

 private:
  struct Entry {
    uint64_t version = 0;
    int64_t day = 0;
    uint64_t bytes = 0;
    std::shared_ptr<const Response> response;
  };
  void EvictOldest();

  const uint64_t bytes_max_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::string> order_;  // keys in the order stored (one each)
  uint64_t bytes_ = 0;
};

}  // namespace xclear::service
