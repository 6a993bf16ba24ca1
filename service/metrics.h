// Prometheus metrics of the HTTP service: request counts and latency histograms by route and
// status, claims declared, and the ledger's sequence at scrape time. Thread-safe; the label
// sets are bounded by the route table (an unknown path counts under route "unmatched").
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace xclear::service {

class Metrics {
 public:
  // Upper bounds of the latency histogram buckets, in seconds.
  static constexpr std::array<double, 13> kBucketSeconds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

  void CountRequest(const std::string& method, const std::string& route, int status,
                    double seconds);
  void CountClaimsDeclared(uint64_t claims) { claims_declared_ += claims; }
  // Connections: opened and closed (the difference is open now), refused at the bound, closed
  // to make room (idle keep-alive first), and requests timed out in their head or body (408).
  void CountConnectionOpened() { ++connections_opened_; }
  void CountConnectionClosed() { ++connections_closed_; }
  void CountConnectionRefused() { ++connections_refused_; }
  void CountConnectionEvicted() { ++connections_evicted_; }
  void CountConnectionTimedOut() { ++connections_timed_out_; }
  // Read views answered from the view cache, and computed (and kept when they could be).
  void CountView(bool kept) { ++(kept ? views_kept_ : views_computed_); }
  // The exposition text (text/plain; version=0.0.4).
  std::string Render(uint64_t ledger_sequence, size_t in_flight) const;

 private:
  struct Series {
    uint64_t count = 0;
    double seconds_sum = 0;
    std::array<uint64_t, kBucketSeconds.size()> buckets{};  // cumulative at render
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::map<int, uint64_t>> counts_;  // (method,
                                                                                   // route)
  std::map<std::pair<std::string, std::string>, Series> latency_;
  std::atomic<uint64_t> claims_declared_{0};
  std::atomic<uint64_t> connections_opened_{0};
  std::atomic<uint64_t> connections_closed_{0};
  std::atomic<uint64_t> connections_refused_{0};
  std::atomic<uint64_t> connections_evicted_{0};
  std::atomic<uint64_t> connections_timed_out_{0};
  std::atomic<uint64_t> views_kept_{0};
  std::atomic<uint64_t> views_computed_{0};
};

}  // namespace xclear::service
