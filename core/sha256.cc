#include "xclear/sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace xclear {
namespace {

// OpenSSL 3 looks the algorithm up on every EVP_sha256()-based call unless it is fetched once;
// a fetched algorithm and a per-thread context make one-shot digests of short inputs cheap.
const EVP_MD* FetchedSha256() {
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm;
}

}  // namespace

struct Sha256::State {
  EVP_MD_CTX* context = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->context = EVP_MD_CTX_new();
  if (state_->context == nullptr ||
      EVP_DigestInit_ex2(state_->context, FetchedSha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 is unavailable");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(state_->context); }

void Sha256::Update(const void* data, size_t size) {
  EVP_DigestUpdate(state_->context, data, size);
}

Digest Sha256::Finish() {
  Digest digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context, digest.data(), &length);
  EVP_DigestInit_ex2(state_->context, FetchedSha256(), nullptr);
  return digest;
}

Digest Sha256Of(std::string_view bytes) {
  struct Context {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(context); }
  };
  thread_local Context local;
  Digest digest{};
  unsigned int length = 0;
  if (EVP_DigestInit_ex2(local.context, FetchedSha256(), nullptr) != 1 ||
      EVP_DigestUpdate(local.context, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(local.context, digest.data(), &length) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  return digest;
}

std::string DigestToHex(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (const uint8_t byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  }
  return out;
}

bool DigestFromHex(std::string_view hex, Digest& out) {
  if (hex.size() != 64) return false;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    const int high = nibble(hex[2 * i]);
    const int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

void AddDigest(Digest& sum, const Digest& digest) {
  unsigned carry = 0;
  for (int i = 31; i >= 0; --i) {
    const unsigned total = sum[i] + digest[i] + carry;
    sum[i] = static_cast<uint8_t>(total & 0xFF);
    carry = total >> 8;
  }
}

void SubtractDigest(Digest& sum, const Digest& digest) {
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    const int difference = int{sum[i]} - int{digest[i]} - borrow;
    sum[i] = static_cast<uint8_t>(difference & 0xFF);
    borrow = difference < 0 ? 1 : 0;
  }
}

}  // namespace xclear
