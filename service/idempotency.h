// Idempotency-Key on every POST: the same key and body replay the original response; the same
// key with another body is refused (422). Responses are kept in the ledger's `responses` table,
// so a replay works across restarts, keyed by the caller's principal name and the key (two
// callers never see each other's responses). Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "routes.h"
#include "xclear/ledger.h"
#include "xclear/sha256.h"

namespace xclear::service {

class IdempotencyStore {
 public:
  explicit IdempotencyStore(Ledger& ledger) : ledger_(ledger) {}

  struct Recorded {
    Digest request_digest{};
    Response response;
  };
  // The response recorded for (principal, key), if any.
  Result<std::optional<Recorded>> Find(const std::string& principal, const std::string& key) const;
  // Records a final response (anything but a 5xx, which the caller may retry).
  Status Record(const std::string& principal, const std::string& key, const Digest& request_digest,
                const Response& response);

  // Marks (principal, key) as being handled; false when a request with it is already in flight
  // (the second gets 409 instead of running the operation twice at once).
  bool Begin(const std::string& principal, const std::string& key);
  void End(const std::string& principal, const std::string& key);

  // SHA-256 over what makes two requests the same: method, path, query, content type and body.
  static Digest RequestDigest(const Request& request);

 private:
  Ledger& ledger_;
  std::mutex mutex_;
  std::set<std::string> in_flight_;
};

}  // namespace xclear::service
