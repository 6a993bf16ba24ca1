#include "xclear/access.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "xclear/json.h"
#include "xclear/sha256.h"

namespace xclear {
namespace {

constexpr std::string_view kTokenPrefix = "xct_";
constexpr size_t kTokenRandomBytes = 32;
constexpr size_t kNameBytesMax = 64;

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kNameBytesMax) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string TokenHashHex(std::string_view token) { return DigestToHex(Sha256Of(token)); }

Result<TokenRecord> ParseRecord(const Poco::JSON::Object& object, const Participants& participants,
                                const std::string& where) {
  TokenRecord record;
  for (const auto& [key, value] : object) {
    if (key != "name" && key != "role" && key != "province" && key != "sha256" &&
        key != "issued_at")
      return Status::InvalidArgument(where + ": unknown key \"" + key + "\"");
    if (!value.isString())
      return Status::InvalidArgument(where + "." + key + ": expected a string");
  }
  record.principal.name = object.optValue<std::string>("name", "");
  if (!ValidName(record.principal.name))
    return Status::InvalidArgument(where + ".name: 1–64 of [A-Za-z0-9_.-] expected");
  auto role = ParseRole(object.optValue<std::string>("role", ""));
  if (!role.ok()) return role.status().WithContext(where + ".role");
  record.principal.role = *role;
  const std::string province = object.optValue<std::string>("province", "");
  if (*role == Role::kProvince) {
    auto code = participants.ParseCode(province);
    if (!code.ok()) return code.status().WithContext(where + ".province");
    record.principal.province = *code;
  } else if (!province.empty()) {
    return Status::InvalidArgument(where + ".province: only a province token names a province");
  }
  record.sha256_hex = object.optValue<std::string>("sha256", "");
  Digest digest{};
  if (!DigestFromHex(record.sha256_hex, digest))
    return Status::InvalidArgument(where + ".sha256: 64 hex digits expected");
  auto issued = Instant::Parse(object.optValue<std::string>("issued_at", ""));
  if (!issued.ok()) return issued.status().WithContext(where + ".issued_at");
  record.issued_at = *issued;
  return record;
}

Status SaveTokenFile(const std::filesystem::path& file, const std::vector<TokenRecord>& records) {
  std::string text = "{\"tokens\": [\n";
  for (size_t i = 0; i < records.size(); ++i) {
    const TokenRecord& record = records[i];
    Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
    object.set("name", record.principal.name);
    object.set("role", std::string(RoleName(record.principal.role)));
    if (record.principal.role == Role::kProvince)
      object.set("province", std::to_string(record.principal.province));
    object.set("sha256", record.sha256_hex);
    object.set("issued_at", record.issued_at.ToString());
    std::ostringstream line;
    object.stringify(line);
    text += "  " + line.str() + (i + 1 < records.size() ? ",\n" : "\n");
  }
  text += "]}\n";
  const std::filesystem::path partial = file.string() + ".partial";
  std::FILE* out = std::fopen(partial.c_str(), "wb");
  if (out == nullptr) return Status::IoError("cannot write " + partial.string());
  ::chmod(partial.c_str(), 0600);
  const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (std::fclose(out) != 0 || !written) {
    std::remove(partial.c_str());
    return Status::IoError("cannot write " + partial.string());
  }
  if (std::rename(partial.c_str(), file.c_str()) != 0) {
    std::remove(partial.c_str());
    return Status::IoError("cannot rename " + partial.string() + " to " + file.string());
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<TokenRecord>> LoadTokenFile(const std::filesystem::path& file,
                                               const Participants& participants) {
  std::vector<TokenRecord> records;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code error;
    if (!std::filesystem::exists(file, error)) return records;
    return Status::IoError("cannot read the token file " + file.string());
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string where = "token file " + file.string();
  auto read = ParseJson(text.str());
  if (!read.ok()) return read.status().WithContext(where);
  const Poco::Dynamic::Var parsed = *read;
  const auto root = parsed.extract<Poco::JSON::Object::Ptr>();
  if (root.isNull() || !root->has("tokens") || root->getArray("tokens").isNull())
    return Status::InvalidArgument(where + ": expected {\"tokens\": [...]}");
  const auto array = root->getArray("tokens");
  std::map<std::string, bool> names;
  for (size_t i = 0; i < array->size(); ++i) {
    const std::string item = where + ": tokens[" + std::to_string(i) + "]";
    const auto object = array->getObject(static_cast<unsigned>(i));
    if (object.isNull()) return Status::InvalidArgument(item + ": expected an object");
    XCLEAR_ASSIGN_OR_RETURN(TokenRecord record, ParseRecord(*object, participants, item));
    if (!names.emplace(record.principal.name, true).second)
      return Status::InvalidArgument(item + ": the name \"" + record.principal.name +
                                     "\" is listed twice");
    records.push_back(std::move(record));
  }
  return records;
}

Result<std::string> IssueToken(const std::filesystem::path& file, const Participants& participants,
                               const Principal& principal, const Instant& now) {
  if (!ValidName(principal.name))
    return Status::InvalidArgument("name \"" + principal.name.substr(0, 80) +
                                   "\": 1–64 of [A-Za-z0-9_.-] expected");
  if (principal.role == Role::kProvince && !participants.Contains(principal.province))
    return Status::InvalidArgument("a province token needs a configured province");
  if (principal.role != Role::kProvince && principal.province != 0)
    return Status::InvalidArgument("only a province token names a province");
  XCLEAR_ASSIGN_OR_RETURN(std::vector<TokenRecord> records, LoadTokenFile(file, participants));
  for (const TokenRecord& record : records) {
    if (record.principal.name == principal.name)
      return Status::AlreadyExists("a token named \"" + principal.name +
                                   "\" exists; revoke it first");
  }
  unsigned char random[kTokenRandomBytes];
  if (RAND_bytes(random, sizeof random) != 1)
    return Status::Internal("the system random generator failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token(kTokenPrefix);
  for (const unsigned char byte : random) {
    token += kHex[byte >> 4];
    token += kHex[byte & 15];
  }
  records.push_back({principal, TokenHashHex(token), now});
  XCLEAR_RETURN_IF_ERROR(SaveTokenFile(file, records));
  return token;
}

Status RevokeToken(const std::filesystem::path& file, const Participants& participants,
                   const std::string& name) {
  XCLEAR_ASSIGN_OR_RETURN(std::vector<TokenRecord> records, LoadTokenFile(file, participants));
  const size_t before = records.size();
  std::erase_if(records, [&](const TokenRecord& record) { return record.principal.name == name; });
  if (records.size() == before) return Status::NotFound("no token named \"" + name + "\"");
  return SaveTokenFile(file, records);
}

TokenStore::TokenStore(std::filesystem::path file, const Participants& participants)
    : file_(std::move(file)),
      participants_(participants),
      by_hash_(std::make_shared<std::map<std::string, Principal>>()) {}

Status TokenStore::Load() {
  std::error_code error;
  const auto mtime = std::filesystem::last_write_time(file_, error);
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<TokenRecord> records,
                          LoadTokenFile(file_, participants_));
  auto map = std::make_shared<std::map<std::string, Principal>>();
  for (const TokenRecord& record : records) {
    Principal principal = record.principal;
    principal.id =
        "t-" + DigestToHex(Sha256Of("xclear principal id\n" + record.sha256_hex)).substr(0, 32);
    map->emplace(record.sha256_hex, std::move(principal));
  }
  std::lock_guard lock(mutex_);
  by_hash_ = std::move(map);
  loaded_mtime_ = error ? std::filesystem::file_time_type{} : mtime;
  return Status::Ok();
}

void TokenStore::ReloadIfChanged() {
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now < next_check_) return;
    next_check_ = now + std::chrono::seconds(1);
    std::error_code error;
    const auto mtime = std::filesystem::last_write_time(file_, error);
    if (!error && mtime == loaded_mtime_) return;
    if (error && loaded_mtime_ == std::filesystem::file_time_type{}) return;
  }
  // A malformed file in the middle of an edit keeps the tokens already loaded.
  (void)Load().ok();
}

std::optional<Principal> TokenStore::Authenticate(std::string_view token) {
  if (token.size() != kTokenPrefix.size() + 2 * kTokenRandomBytes ||
      token.substr(0, kTokenPrefix.size()) != kTokenPrefix)
    return std::nullopt;
  ReloadIfChanged();
  std::shared_ptr<const std::map<std::string, Principal>> map;
  {
    std::lock_guard lock(mutex_);
    map = by_hash_;
  }
  const auto found = map->find(TokenHashHex(token));
  if (found == map->end()) return std::nullopt;
  return found->second;
}

size_t TokenStore::size() const {
  std::lock_guard lock(mutex_);
  return by_hash_->size();
}

}  // namespace xclear
