// A load client for xcleard over loopback (bench/api_bench.sh starts the server).
//
//   api_bench --port N --tokens FILE [--clients 8] [--batches 50] [--batch-claims 1000]
//             [--format csv|json] [--month YYYY-MM] [--day DD] [--readers 8] [--reads 5000]
//             [--read-province 110000] [--tls-ca CERT.pem]
//
// (a) declarations: `clients` threads, each a different treatment province, each POSTs
//     `batches` declarations of `batch-claims` claims (keep-alive, one Idempotency-Key per
//     batch); prints claims/s.
// (b) reads: `readers` threads GET /v1/provinces/P/positions `reads` times in all; prints
//     requests/s and the p50 / p99 / max latency.
// (c) the same for GET /v1/claims/{id}: random claims of those declared in (a), each asked by
//     its treatment province; an answer that does not hold the claim's id counts as an error.
// TOKENS: lines "CODE TOKEN" (the province tokens bench/api_bench.sh issued).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../tools/loopback_http.h"

namespace {

using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> ParseFlags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i + 1 < argc; i += 2) flags[std::string(argv[i]).substr(2)] = argv[i + 1];
  return flags;
}

// One keep-alive connection; the HTTP status of each request (0: the connection failed).
struct Session {
  explicit Session(int port) : http(static_cast<uint16_t>(port)) {}
  int Send(const std::string& method, const std::string& path, const std::string& token,
           const std::string& body, const std::string& type, const std::string& key) {
    return http.Send(method, path, token, body, type, key).status;
  }
  xclear::loopback::Http http;
};

std::string Batch(const std::string& format, const std::string& treatment,
                  const std::vector<std::string>& codes, const std::string& prefix, int claims,
                  const std::string& settled_on) {
  std::string body = format == "csv"
                         ? "claim_id,treatment_province,insured_province,settled_on,category,"
                           "total_amount,fund_amount\n"
                         : "[";
  static const char* kCategories[] = {"inpatient", "outpatient", "chronic", "pharmacy"};
  size_t insured_index = 0;
  for (int i = 0; i < claims; ++i) {
    std::string insured;
    do insured = codes[insured_index++ % codes.size()];
    while (insured == treatment);
    const std::string id = prefix + std::to_string(i);
    const std::string fund =
        std::to_string(100 + (i * 7919) % 90000) + "." + std::to_string(10 + i % 90);
    const char* category = kCategories[i % 4];
    if (format == "csv") {
      body += id + "," + treatment + "," + insured + "," + settled_on + "," + category + "," +
              fund + "," + fund + "\n";
    } else {
      body += std::string(i ? "," : "") + "{\"claim_id\":\"" + id + "\",\"treatment_province\":\"" +
              treatment + "\",\"insured_province\":\"" + insured + "\",\"settled_on\":\"" +
              settled_on + "\",\"category\":\"" + category + "\",\"total_amount\":\"" + fund +
              "\",\"fund_amount\":\"" + fund + "\"}";
    }
  }
  if (format != "csv") body += "]";
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  auto flags = ParseFlags(argc, argv);
  const auto get = [&](const std::string& key, const std::string& fallback) {
    return flags.count(key) ? flags[key] : fallback;
  };
  const int port = std::stoi(get("port", "8420"));
  const int clients = std::stoi(get("clients", "8"));
  const int batches = std::stoi(get("batches", "50"));
  const int batch_claims = std::stoi(get("batch-claims", "1000"));
  const std::string format = get("format", "csv");
  const std::string month = get("month", "2026-11");
  const std::string settled_on = month + "-" + get("day", "01");
  const int readers = std::stoi(get("readers", "8"));
  const int reads = std::stoi(get("reads", "5000"));
  const std::string read_province = get("read-province", "110000");
  xclear::loopback::TlsCaFile() = get("tls-ca", "");  // HTTPS, trusting this certificate
  std::vector<std::string> codes;
  std::map<std::string, std::string> tokens;
  std::ifstream file(get("tokens", "tokens.txt"));
  std::string code, token;
  while (file >> code >> token) {
    codes.push_back(code);
    tokens[code] = token;
  }
  if (codes.size() < static_cast<size_t>(clients) || clients < 1) {
    std::fprintf(stderr, "api_bench: need %d province tokens, have %zu\n", clients, codes.size());
    return 2;
  }
  const std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch() /
                                         std::chrono::milliseconds(1));

  // (a) declarations. Bodies are built before the clock starts: we measure the service.
  std::vector<std::vector<std::string>> bodies(static_cast<size_t>(clients));
  for (int c = 0; c < clients; ++c) {
    for (int b = 0; b < batches; ++b) {
      bodies[static_cast<size_t>(c)].push_back(
          Batch(format, codes[static_cast<size_t>(c)], codes,
                "R" + run + "-" + std::to_string(c) + "-" + std::to_string(b) + "-", batch_claims,
                settled_on));
    }
  }
  std::atomic<int> errors{0};
  const auto declare_start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Session session(port);
      const std::string& treatment = codes[static_cast<size_t>(c)];
      for (int b = 0; b < batches; ++b) {
        const int status =
            session.Send("POST", "/v1/provinces/" + treatment + "/declarations", tokens[treatment],
                         bodies[static_cast<size_t>(c)][static_cast<size_t>(b)],
                         format == "csv" ? "text/csv" : "application/json",
                         "bench-" + run + "-" + std::to_string(b));
        if (status != 200) ++errors;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double declare_seconds =
      std::chrono::duration<double>(Clock::now() - declare_start).count();
  const double claims = static_cast<double>(clients) * batches * batch_claims;
  std::printf(
      "declarations (%s): %d clients x %d batches x %d claims = %.0f claims in %.2f s "
      "-> %.0f claims/s, %.1f batches/s, %d non-200\n",
      format.c_str(), clients, batches, batch_claims, claims, declare_seconds,
      claims / declare_seconds, clients * batches / declare_seconds, errors.load());

  // (b) reads of one province's positions, (c) reads of one claim each (a random one of those
  // declared, as its treatment province; the answer must name it).
  std::atomic<int> read_errors{0};
  const auto read_load = [&](const std::string& what,
                             const std::function<int(Session&, std::mt19937_64&)>& request) {
    std::vector<std::vector<double>> latencies(static_cast<size_t>(readers));
    threads.clear();
    const auto read_start = Clock::now();
    for (int r = 0; r < readers; ++r) {
      threads.emplace_back([&, r] {
        Session session(port);
        std::mt19937_64 random(static_cast<uint64_t>(r) + 1);
        const int count = reads / readers + (r < reads % readers ? 1 : 0);
        for (int i = 0; i < count; ++i) {
          const auto start = Clock::now();
          const int status = request(session, random);
          latencies[static_cast<size_t>(r)].push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - start).count());
          if (status != 200) ++read_errors;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    const double read_seconds = std::chrono::duration<double>(Clock::now() - read_start).count();
    std::vector<double> all;
    for (const auto& list : latencies) all.insert(all.end(), list.begin(), list.end());
    std::sort(all.begin(), all.end());
    const auto percentile = [&](double p) {
      return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
    };
    std::printf(
        "reads: %s x %zu from %d clients in %.2f s -> %.0f requests/s; latency p50 %.2f ms, "
        "p99 %.2f ms, max %.2f ms; %d non-200 so far\n",
        what.c_str(), all.size(), readers, read_seconds, all.size() / read_seconds,
        percentile(0.50), percentile(0.99), all.empty() ? 0.0 : all.back(), read_errors.load());
  };
  read_load("GET /v1/provinces/" + read_province + "/positions",
            [&](Session& session, std::mt19937_64&) {
              return session.Send("GET", "/v1/provinces/" + read_province + "/positions",
                                  tokens[read_province], "", "", "");
            });
  if (batches > 0 && batch_claims > 0) {
    read_load("GET /v1/claims/{id}", [&](Session& session, std::mt19937_64& random) {
      const size_t c = random() % static_cast<size_t>(clients);
      const std::string id = "R" + run + "-" + std::to_string(c) + "-" +
                             std::to_string(random() % static_cast<uint64_t>(batches)) + "-" +
                             std::to_string(random() % static_cast<uint64_t>(batch_claims));
      const auto answer =
          session.http.Send("GET", "/v1/claims/" + id, tokens[codes[c]], "", "", "");
      if (answer.body.find("\"" + id + "\"") == std::string::npos) return 0;  // not the claim
      return answer.status;
    });
  }
  return errors.load() == 0 && read_errors.load() == 0 ? 0 : 1;
}
