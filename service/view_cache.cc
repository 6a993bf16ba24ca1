#include "view_cache.h"

#include <algorithm>

namespace xclear::service {
namespace {

uint64_t BytesOf(const std::string& key, const Response& response) {
  uint64_t bytes = key.size() + response.body.size() + response.content_type.size() + 256;
  for (const auto& [name, value] : response.headers) bytes += name.size() + value.size();
  return bytes;
}

}  // namespace

std::string ViewCache::KeyOf(const Request& request) {
  // Each field is written with its length first, so that no path or query value, whatever
  // bytes its percent-encoding decodes to, can make two requests share a key.
  std::string key;
  const auto field = [&key](std::string_view text) {
    key += std::to_string(text.size());
    key += ':';
    key += text;
  };
  field(request.method);
  field(request.path);
  key += std::to_string(request.query.size());
  for (const auto& [name, value] : request.query) {  // a map: in name order
    field(name);
    field(value);
  }
  field(request.accept);
  key += std::to_string(static_cast<int>(request.principal.role));
  key += '/';
  key += std::to_string(request.principal.province);
  return key;
}

std::shared_ptr<const Response> ViewCache::Find(const std::string& key, uint64_t version,
                                                int64_t day) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(key);
  if (found == entries_.end() || found->second.version != version || found->second.day != day)
    return nullptr;
  return found->second.response;
}

void ViewCache::Store(const std::string& key, uint64_t version, int64_t day,
                      const Response& response) {
  if (response.status != 200 || response.stream) return;
  const uint64_t bytes = BytesOf(key, response);
  if (bytes > bytes_max_ / 4) return;  // one view never crowds out most of the others
  auto kept = std::make_shared<const Response>(response);
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found != entries_.end()) {
    // An answer computed at an older version (or day) never replaces a newer one.
    if (found->second.version > version ||
        (found->second.version == version && found->second.day >= day))
      return;
    bytes_ -= found->second.bytes;
    found->second = {version, day, bytes, std::move(kept)};
    bytes_ += bytes;
  } else {
    entries_.emplace(key, Entry{version, day, bytes, std::move(kept)});
    order_.push_back(key);
    bytes_ += bytes;
  }
  while (bytes_ > bytes_max_ && !order_.empty()) EvictOldest();
}

void ViewCache::EvictOldest() {
  const auto found = entries_.find(order_.front());
  if (found != entries_.end()) {
    bytes_ -= found->second.bytes;
    entries_.erase(found);
  }
  order_.pop_front();
}

uint64_t ViewCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace xclear::service
