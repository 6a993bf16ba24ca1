#include "metrics.h"

#include <cstdio>
#include <tuple>

namespace xclear::service {
namespace {

std::string Seconds(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", value);
  return text;
}

std::string Bound(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

void Metrics::CountRequest(const std::string& method, const std::string& route, int status,
                           double seconds) {
  std::lock_guard lock(mutex_);
  const auto key = std::make_pair(method, route);
  ++counts_[key][status];
  Series& series = latency_[key];
  ++series.count;
  series.seconds_sum += seconds;
  for (size_t i = 0; i < kBucketSeconds.size(); ++i) {
    if (seconds <= kBucketSeconds[i]) {
      ++series.buckets[i];
      break;
    }
  }
}

std::string Metrics::Render(uint64_t ledger_sequence, size_t in_flight) const {
  std::string out =
      "# HELP xclear_http_requests_total HTTP requests answered, by route and status.\n"
      "# TYPE xclear_http_requests_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [key, by_status] : counts_) {
    for (const auto& [status, count] : by_status) {
      out += "xclear_http_requests_total{method=\"" + key.first + "\",route=\"" + key.second +
             "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(count) + "\n";
    }
  }
  out +=
      "# HELP xclear_http_request_duration_seconds Time from the request's arrival to its answer "
      "being ready to write.\n"
      "# TYPE xclear_http_request_duration_seconds histogram\n";
  for (const auto& [key, series] : latency_) {
    const std::string labels = "method=\"" + key.first + "\",route=\"" + key.second + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBucketSeconds.size(); ++i) {
      cumulative += series.buckets[i];
      out += "xclear_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
             Bound(kBucketSeconds[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "xclear_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(series.count) + "\n";
    out += "xclear_http_request_duration_seconds_sum{" + labels + "} " +
           Seconds(series.seconds_sum) + "\n";
    out += "xclear_http_request_duration_seconds_count{" + labels + "} " +
           std::to_string(series.count) + "\n";
  }
  out +=
      "# HELP xclear_claims_declared_total Claims recorded through the API since the start.\n"
      "# TYPE xclear_claims_declared_total counter\n"
      "xclear_claims_declared_total " +
      std::to_string(claims_declared_.load()) +
      "\n# HELP xclear_ledger_sequence The ledger's last entry sequence number.\n"
      "# TYPE xclear_ledger_sequence gauge\n"
      "xclear_ledger_sequence " +
      std::to_string(ledger_sequence) +
      "\n# HELP xclear_http_requests_in_flight Requests being handled now.\n"
      "# TYPE xclear_http_requests_in_flight gauge\n"
      "xclear_http_requests_in_flight " +
      std::to_string(in_flight) + "\n";
  const uint64_t opened = connections_opened_.load();
  const uint64_t closed = connections_closed_.load();
  out +=
      "# HELP xclear_http_connections_open Client connections open now.\n"
      "# TYPE xclear_http_connections_open gauge\n"
      "xclear_http_connections_open " +
      std::to_string(opened >= closed ? opened - closed : 0) + "\n";
  for (const auto& [name, help, value] :
       {std::tuple{"opened", "accepted", connections_opened_.load()},
        std::tuple{"refused", "refused at the connection bound", connections_refused_.load()},
        std::tuple{"evicted", "closed to make room (idle or slow in their head)",
                   connections_evicted_.load()},
        std::tuple{"timed_out", "whose request head or body missed its deadline (408)",
                   connections_timed_out_.load()}}) {
    const std::string metric = std::string("xclear_http_connections_") + name + "_total";
    out += "# HELP " + metric + " Client connections " + help + ".\n# TYPE " + metric +
           " counter\n" + metric + " " + std::to_string(value) + "\n";
  }
  out +=
      "# HELP xclear_http_views_total Cacheable read views answered: from the view cache "
      "(kept) or computed.\n"
      "# TYPE xclear_http_views_total counter\n"
      "xclear_http_views_total{source=\"kept\"} " +
      std::to_string(views_kept_.load()) + "\nxclear_http_views_total{source=\"computed\"} " +
      std::to_string(views_computed_.load()) + "\n";
  return out;
}

}  // namespace xclear::service
