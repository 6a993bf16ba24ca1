// Who may call the HTTP service: bearer tokens and the principals they stand for.
//
// The token file (config `service.token_file`, JSON) stores only each token's SHA-256, never the
// token itself:
//   {"tokens": [{"name": "beijing-finance", "role": "province", "province": "110000",
//                "sha256": "<64 hex>", "issued_at": "2026-11-23T10:00:00.000+08:00"}, …]}
// A token is "xct_" followed by 64 hex digits (32 random bytes from the OS through OpenSSL);
// `xclear token issue` prints it once. Roles (SPEC §11): a province declares only as itself and
// reads only its own pairs and books; the operator runs the jobs; an auditor reads everything
// and writes nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "xclear/actor.h"
#include "xclear/config.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

struct Principal {
  std::string name;  // 1–64 of [A-Za-z0-9_.-], unique in the token file
  Role role = Role::kAuditor;
  uint32_t province = 0;  // kProvince only
  // Identifies the credential, never reused: derived from the token's SHA-256, so a name revoked
  // and issued again (even to another province) is another principal. Recorded answers
  // (Idempotency-Key replays) belong to this id, not to the name. Set by TokenStore.
  std::string id;

  // The typed actor of this principal, and its text as the ledger records it:
  // "province:110000/beijing-finance", "operator/month-end", "auditor/nao-1".
  xclear::Actor AsActor() const { return {role, province, name}; }
  std::string Actor() const { return AsActor().ToString(); }
};

struct TokenRecord {
  Principal principal;
  std::string sha256_hex;
  Instant issued_at;
};

// Reads a token file; a missing file is an empty list. Errors name the entry and field.
Result<std::vector<TokenRecord>> LoadTokenFile(const std::filesystem::path& file,
                                               const Participants& participants);
// Adds a principal with a new random token to the file (written beside it and renamed into
// place, mode 0600) and returns the token: the only time it exists outside the caller.
// Refused when the name is taken or malformed, or a province is not configured.
Result<std::string> IssueToken(const std::filesystem::path& file, const Participants& participants,
                               const Principal& principal, const Instant& now);
// Removes the principal `name` from the file; NotFound when absent.
Status RevokeToken(const std::filesystem::path& file, const Participants& participants,
                   const std::string& name);

// The service's view of the token file: authenticates bearer tokens by their SHA-256. Rereads
// the file when its modification time changes (checked at most once a second), so issuing or
// revoking a token needs no restart. Thread-safe.
class TokenStore {
 public:
  TokenStore(std::filesystem::path file, const Participants& participants);
  // Loads the file now; the service refuses to start on a malformed file.
  Status Load();
  // The principal of `token`, or nothing for an unknown or malformed token.
  std::optional<Principal> Authenticate(std::string_view token);
  size_t size() const;

 private:
  void ReloadIfChanged();

  std::filesystem::path file_;
  const Participants& participants_;
  mutable std::mutex mutex_;
  std::shared_ptr<const std::map<std::string, Principal>> by_hash_;
  std::filesystem::file_time_type loaded_mtime_{};
  std::chrono::steady_clock::time_point next_check_{};
};

}  // namespace xclear
