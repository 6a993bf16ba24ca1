// SHA-256 digests (OpenSSL libcrypto, which uses the CPU's SHA extensions where present).
// Thread safety: Sha256 objects are not shared; the free functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace xclear {

using Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view bytes) { Update(bytes.data(), bytes.size()); }
  // Returns the digest and resets the object for reuse.
  Digest Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Digest Sha256Of(std::string_view bytes);
std::string DigestToHex(const Digest& digest);
// Parses 64 hex digits; false when malformed.
bool DigestFromHex(std::string_view hex, Digest& out);
// sum := (sum + digest) mod 2^256, both read as big-endian integers. Sums of digests do not
// depend on the order they are added in, so a set's digest can be kept up to date piecewise.
void AddDigest(Digest& sum, const Digest& digest);
// sum −= digest (mod 2^256): takes back what AddDigest added.
void SubtractDigest(Digest& sum, const Digest& digest);

}  // namespace xclear
