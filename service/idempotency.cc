// Table responses (Table::kResponses):
//   key   := principal_name ‖ 0x00 ‖ idempotency_key
//   value := request_digest:32 status:fixed32 content_type_length:fixed32 content_type
//            error_code_length:fixed32 error_code body:bytes(rest)
#include "idempotency.h"

#include <cstring>

#include "xclear/encoding.h"

using xclear::encoding::DecodeFixed32;
using xclear::encoding::PutFixed32;

namespace xclear::service {
namespace {

std::string TableKey(const std::string& principal, const std::string& key) {
  std::string out = principal;
  out.push_back('\0');
  out += key;
  return out;
}

bool ReadString(std::string_view& rest, std::string& out) {
  if (rest.size() < 4) return false;
  const uint32_t length = DecodeFixed32(rest.data());
  if (rest.size() - 4 < length) return false;
  out.assign(rest.substr(4, length));
  rest.remove_prefix(4 + length);
  return true;
}

}  // namespace

Result<std::optional<IdempotencyStore::Recorded>> IdempotencyStore::Find(
    const std::string& principal, const std::string& key) const {
  XCLEAR_ASSIGN_OR_RETURN(const auto value,
                          ledger_.Get(Table::kResponses, TableKey(principal, key)));
  if (!value) return std::optional<Recorded>();
  std::string_view rest = *value;
  Recorded recorded;
  if (rest.size() < 36) return Status::Corruption("a recorded response is malformed");
  std::memcpy(recorded.request_digest.data(), rest.data(), 32);
  recorded.response.status = static_cast<int>(DecodeFixed32(rest.data() + 32));
  rest.remove_prefix(36);
  if (!ReadString(rest, recorded.response.content_type) ||
      !ReadString(rest, recorded.response.error_code))
    return Status::Corruption("a recorded response is malformed");
  recorded.response.body.assign(rest);
  return std::optional<Recorded>(std::move(recorded));
}

Status IdempotencyStore::Record(const std::string& principal, const std::string& key,
                                const Digest& request_digest, const Response& response) {
  std::string value(reinterpret_cast<const char*>(request_digest.data()), request_digest.size());
  PutFixed32(value, static_cast<uint32_t>(response.status));
  PutFixed32(value, static_cast<uint32_t>(response.content_type.size()));
  value += response.content_type;
  PutFixed32(value, static_cast<uint32_t>(response.error_code.size()));
  value += response.error_code;
  value += response.body;
  CommitRequest commit;
  commit.writes.push_back({Table::kResponses, TableKey(principal, key), std::move(value)});
  auto committed = ledger_.Commit(commit);
  return committed.ok() ? Status::Ok() : committed.status();
}

bool IdempotencyStore::Begin(const std::string& principal, const std::string& key) {
  std::lock_guard lock(mutex_);
  return in_flight_.insert(TableKey(principal, key)).second;
}

void IdempotencyStore::End(const std::string& principal, const std::string& key) {
  std::lock_guard lock(mutex_);
  in_flight_.erase(TableKey(principal, key));
}

Digest IdempotencyStore::RequestDigest(const Request& request) {
  Sha256 hash;
  for (const std::string* part : {&request.method, &request.path, &request.content_type}) {
    hash.Update(*part);
    hash.Update(std::string_view("\0", 1));
  }
  for (const auto& [name, value] : request.query) {
    hash.Update(name);
    hash.Update(std::string_view("=", 1));
    hash.Update(value);
    hash.Update(std::string_view("\0", 1));
  }
  hash.Update(request.body);
  return hash.Finish();
}

}  // namespace xclear::service
