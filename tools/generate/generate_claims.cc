// xclear-generate: writes a realistic national month of claims as CSV, one file per treatment
// province (claims-<code>.csv), deterministic from a seed, of any size.
//
//   xclear-generate --claims N --month YYYY-MM --out DIR [--seed S] [--format spec|national]
//                   [--ids random|sequential] [--reversals PER_MILLE] [--config FILE]
//
// --reversals N follows N claims in a thousand with their reversal (结算撤销) in the same file,
// settled the same day or later in the month, with a reversal_of column (init_setl_id in the
// national header, where half of them write the amounts as negatives). Reversals draw from
// their own random stream: the claims are those of the same seed without reversals.
//
// Claim ids (--ids): `random` (the default) are what 32 provincial settlement systems send: long,
// with nothing of the province in them, in no useful order across or within files — 24
// characters [0-9A-Z] in the spec header, 30 digits as the national platform's setl_id.
// `sequential` are the old style, prefixed by the province and counting up
// (110000-202610-0000000001), which flatters a store ordered by claim id; kept to show the
// difference. Both are unique across the month: the first 13 characters (16 digits) encode a
// bijective mix of (treatment province, claim number), the rest are random.
//
// The flow is skewed the way cross-province care is: a few destinations (Beijing, Shanghai,
// Guangdong; then Jiangsu, Zhejiang, Hainan) draw most patients; neighbours (same region, the
// first digit of the division code) exchange three times as much as distant provinces; populous
// sending provinces send more. The category mix is 2024's: inpatient 6 % of claims (mean fund
// payment ~11 000 CNY, ~81 % of the money), general outpatient 65 % (~130 CNY), chronic 4 %
// (~1 000 CNY), pharmacy 25 % (~115 CNY), each with a long-tailed amount distribution. All
// arithmetic is on integers (fen); no floating point touches an amount.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "xclear/config.h"
#include "xclear/time.h"

namespace {

using namespace xclear;

// SplitMix64's finalizer: a bijection of 64-bit integers, so distinct inputs give distinct ids.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Random {  // SplitMix64: identical on every platform
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return Mix(state_ += 0x9E3779B97F4A7C15ull); }
  uint64_t Below(uint64_t bound) { return Next() % bound; }

 private:
  uint64_t state_;
};

struct CategorySpec {
  const char* name;
  const char* med_type;
  uint64_t share_per_mille;
  uint64_t mean_fen;
};
constexpr CategorySpec kCategories[] = {
    {"inpatient", "21", 60, 1'100'000},
    {"outpatient", "11", 650, 13'000},
    {"chronic", "14", 40, 100'000},
    {"pharmacy", "41", 250, 11'500},
};

// A long tail without floating point: multiplier buckets (percent of the mean) with their
// probabilities (per 10 000); Σ p·m = 1.1725 × mean, so the base is mean / 1.1725.
struct TailBucket {
  uint64_t percent;
  uint64_t weight;
};
constexpr TailBucket kTail[] = {{10, 1000},  {25, 1500}, {50, 2000}, {75, 1800}, {100, 1300},
                                {150, 1000}, {250, 700}, {400, 400}, {800, 250}, {1500, 50}};

uint64_t DestinationWeight(uint32_t code) {
  switch (code) {
    case 110000:
    case 310000:
    case 440000:
      return 600;
    case 320000:
    case 330000:
    case 460000:
      return 300;
    default:
      return 100;
  }
}

uint64_t OriginWeight(uint32_t code) {
  switch (code) {  // large sending provinces
    case 410000:
    case 510000:
    case 340000:
    case 430000:
    case 130000:
    case 360000:
    case 450000:
      return 200;
    case 540000:
    case 630000:
    case 640000:
    case 660000:
      return 40;  // small populations
    default:
      return 100;
  }
}

uint64_t ProximityWeight(uint32_t a, uint32_t b) { return a / 100000 == b / 100000 ? 3 : 1; }

uint64_t DrawFundFen(Random& random, uint64_t mean_fen) {
  uint64_t pick = random.Below(10'000);
  size_t bucket = 0;
  while (pick >= kTail[bucket].weight) pick -= kTail[bucket++].weight;
  const uint64_t base = mean_fen * 10'000 / 11'725 * kTail[bucket].percent / 100;
  return base / 2 + random.Below(base + 1);  // ± 50 % around the bucket, mean preserved
}

class Output {  // a large write buffer over a file descriptor
 public:
  explicit Output(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
    buffer_.reserve(kBufferBytes + 4096);
  }
  ~Output() {
    Flush();
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0 && !failed_; }
  void Append(const char* text, size_t size) {
    buffer_.append(text, size);
    if (buffer_.size() >= kBufferBytes) Flush();
  }
  void Flush() {
    size_t written = 0;
    while (fd_ >= 0 && written < buffer_.size()) {
      const ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
      if (n <= 0) {
        failed_ = true;
        break;
      }
      written += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

 private:
  static constexpr size_t kBufferBytes = 1 << 20;
  int fd_;
  bool failed_ = false;
  std::string buffer_;
};

size_t FormatFen(char* out, uint64_t fen) {
  return static_cast<size_t>(std::sprintf(out, "%llu.%02llu",
                                          static_cast<unsigned long long>(fen / 100),
                                          static_cast<unsigned long long>(fen % 100)));
}

// Claim numbers with this bit name the reversal of claim n (ids stay unique: n < 2^39).
constexpr uint64_t kReversalNumber = uint64_t{1} << 39;

// A random-style claim id of claim `n` of the `unit`-th treatment province into `out`: the
// unique part (the mix of unit and n, whose top bits are the seed's) then random characters.
size_t RandomClaimId(char* out, uint64_t seed, size_t unit, uint64_t n, bool national,
                     Random& random) {
  static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  // 6 bits of unit, 40 bits of claim number (10^12), 18 bits of seed: unique within a seed.
  uint64_t unique = Mix((seed & 0x3FFFF) << 46 | static_cast<uint64_t>(unit) << 40 |
                        (n & ((uint64_t{1} << 40) - 1)));
  const uint64_t base = national ? 10 : 36;
  const size_t unique_chars = national ? 20 : 13;  // ⌈64 / log2(base)⌉
  const size_t total_chars = national ? 30 : 24;
  for (size_t i = 0; i < unique_chars; ++i) {
    out[i] = kDigits[unique % base];
    unique /= base;
  }
  for (size_t i = unique_chars; i < total_chars; ++i) out[i] = kDigits[random.Below(base)];
  out[total_chars] = '\0';
  return total_chars;
}

struct Options {
  uint64_t claims = 10'000;
  YearMonth month;
  std::filesystem::path out = "claims";
  uint64_t seed = 2026;
  bool national = false;
  bool sequential_ids = false;
  uint64_t reversals_per_mille = 0;  // claims followed by their reversal, per thousand
  std::filesystem::path config = "config/xclear.json";
};

int Generate(const Options& options, const Participants& units) {
  std::filesystem::create_directories(options.out);
  const auto& list = units.units();
  // Claims per treatment province ∝ its pull × Σ over origins; then insured drawn per claim.
  std::vector<std::vector<uint64_t>> cumulative(list.size());
  std::vector<uint64_t> share(list.size(), 0);
  uint64_t grand = 0;
  for (size_t t = 0; t < list.size(); ++t) {
    uint64_t running = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      if (i != t)
        running += OriginWeight(list[i].code) * ProximityWeight(list[t].code, list[i].code);
      cumulative[t].push_back(running);
    }
    share[t] = DestinationWeight(list[t].code) * running;
    grand += share[t];
  }
  const int days = options.month.DaysInMonth();
  uint64_t written_total = 0, reversal_count = 0;
  for (size_t t = 0; t < list.size(); ++t) {
    const uint32_t treatment = list[t].code;
    uint64_t count = options.claims * share[t] / grand;
    if (t + 1 == list.size()) count = options.claims - written_total;  // exact total
    written_total += count;
    Random random(options.seed * 1'000'003 + treatment);
    // Ids draw from their own stream, so that both id styles describe the same claims.
    Random id_random(Mix(options.seed) ^ treatment);
    Output out(options.out / ("claims-" + std::to_string(treatment) + ".csv"));
    const bool reversals = options.reversals_per_mille > 0;
    Random reversal_random(Mix(options.seed ^ 0x52455645) ^ treatment);  // "REVE": its own stream
    std::string header = options.national ? "setl_id,psn_no,mdtrtarea_admvs,insuplc_admdvs,setl_"
                                            "time,med_type,medfee_sumamt,fund_pay_sumamt"
                                          : "claim_id,treatment_province,insured_province,settled_"
                                            "on,category,total_amount,fund_amount";
    if (reversals) header += options.national ? ",init_setl_id" : ",reversal_of";
    header += '\n';
    out.Append(header.data(), header.size());
    char line[256];
    for (uint64_t n = 1; n <= count; ++n) {
      const uint64_t pick = random.Below(cumulative[t].back());
      size_t insured = 0;
      while (cumulative[t][insured] <= pick) ++insured;
      uint64_t category_pick = random.Below(1000);
      size_t category = 0;
      while (category_pick >= kCategories[category].share_per_mille)
        category_pick -= kCategories[category++].share_per_mille;
      const uint64_t fund = DrawFundFen(random, kCategories[category].mean_fen);
      const uint64_t total = fund * (110 + random.Below(71)) / 100;  // the patient's own share
      const int day = 1 + static_cast<int>(random.Below(static_cast<uint64_t>(days)));
      char fund_text[32], total_text[32], id[40];
      FormatFen(fund_text, fund);
      FormatFen(total_text, total);
      if (options.sequential_ids) {
        std::snprintf(id, sizeof id, options.national ? "%u%04d%02d%010llu" : "%u-%04d%02d-%010llu",
                      treatment, options.month.year(), options.month.month(),
                      static_cast<unsigned long long>(n));
      } else {
        RandomClaimId(id, options.seed, t, n, options.national, id_random);
      }
      const char* extra = reversals ? "," : "";  // the empty reversal_of of a claim
      int length;
      uint32_t city_t = 0, city_i = 0;
      unsigned long long person = 0;
      int hour = 0, minute = 0, second = 0;
      if (options.national) {
        // Sub-provincial area codes, as the national platform exports them.
        city_t = treatment + 100 * (1 + static_cast<uint32_t>(random.Below(9))) + 1;
        city_i = list[insured].code + 100 * (1 + static_cast<uint32_t>(random.Below(9))) + 2;
        person = static_cast<unsigned long long>(random.Below(1'000'000'000));
        hour = static_cast<int>(random.Below(24));
        minute = static_cast<int>(random.Below(60));
        second = static_cast<int>(random.Below(60));
        length = std::snprintf(
            line, sizeof line, "%s,P%llu,%u,%u,%04d-%02d-%02d %02d:%02d:%02d,%s,%s,%s%s\n", id,
            person, city_t, city_i, options.month.year(), options.month.month(), day, hour, minute,
            second, kCategories[category].med_type, total_text, fund_text, extra);
      } else {
        length =
            std::snprintf(line, sizeof line, "%s,%u,%u,%04d-%02d-%02d,%s,%s,%s%s\n", id, treatment,
                          list[insured].code, options.month.year(), options.month.month(), day,
                          kCategories[category].name, total_text, fund_text, extra);
      }
      out.Append(line, static_cast<size_t>(length));
      // A reversal (结算撤销) of this claim, right after it (the same declaration), on the same day
      // or later in the month; national exports write its amounts as negatives half the time.
      if (!reversals || reversal_random.Below(1000) >= options.reversals_per_mille) continue;
      ++reversal_count;
      char reversal_id[48];
      const int reversal_day =
          day + static_cast<int>(reversal_random.Below(static_cast<uint64_t>(days - day + 1)));
      if (options.sequential_ids) {
        std::snprintf(reversal_id, sizeof reversal_id, "%sR", id);
      } else {
        RandomClaimId(reversal_id, options.seed, t, n | kReversalNumber, options.national,
                      reversal_random);
      }
      const bool negative = options.national && reversal_random.Below(2) == 0;
      if (options.national) {
        length = std::snprintf(
            line, sizeof line, "%s,P%llu,%u,%u,%04d-%02d-%02d %02d:%02d:%02d,%s,%s%s,%s%s,%s\n",
            reversal_id, person, city_t, city_i, options.month.year(), options.month.month(),
            reversal_day, hour, minute, second, kCategories[category].med_type, negative ? "-" : "",
            total_text, negative ? "-" : "", fund_text, id);
      } else {
        length = std::snprintf(line, sizeof line, "%s,%u,%u,%04d-%02d-%02d,%s,%s,%s,%s\n",
                               reversal_id, treatment, list[insured].code, options.month.year(),
                               options.month.month(), reversal_day, kCategories[category].name,
                               total_text, fund_text, id);
      }
      out.Append(line, static_cast<size_t>(length));
    }
    out.Flush();
    if (!out.ok()) {
      std::fprintf(stderr, "xclear-generate: cannot write into %s\n", options.out.c_str());
      return 1;
    }
  }
  std::printf("wrote %llu claims and %llu reversals of %s into %s (%zu files)\n",
              static_cast<unsigned long long>(written_total),
              static_cast<unsigned long long>(reversal_count), options.month.ToString().c_str(),
              options.out.c_str(), list.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  options.month = YearMonth::Parse("2026-10").value();
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help") {
      std::printf(
          "usage: xclear-generate --claims N --month YYYY-MM --out DIR [--seed S] "
          "[--format spec|national] [--ids random|sequential] [--reversals PER_MILLE] "
          "[--config FILE]\n");
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "xclear-generate: %s needs a value\n", flag.c_str());
      return 2;
    }
    const std::string value = argv[++i];
    if (flag == "--claims" && value.find_first_not_of("0123456789") == std::string::npos &&
        !value.empty()) {
      options.claims = std::stoull(value);
    } else if (flag == "--month" && YearMonth::Parse(value).ok()) {
      options.month = YearMonth::Parse(value).value();
    } else if (flag == "--out") {
      options.out = value;
    } else if (flag == "--seed" && value.find_first_not_of("0123456789") == std::string::npos &&
               !value.empty()) {
      options.seed = std::stoull(value);
    } else if (flag == "--format" && (value == "spec" || value == "national")) {
      options.national = value == "national";
    } else if (flag == "--ids" && (value == "random" || value == "sequential")) {
      options.sequential_ids = value == "sequential";
    } else if (flag == "--reversals" &&
               value.find_first_not_of("0123456789") == std::string::npos && !value.empty() &&
               std::stoull(value) <= 1000) {
      options.reversals_per_mille = std::stoull(value);
    } else if (flag == "--config") {
      options.config = value;
    } else {
      std::fprintf(stderr, "xclear-generate: bad option %s %s (see --help)\n", flag.c_str(),
                   value.c_str());
      return 2;
    }
  }
  auto config = LoadConfig(options.config);
  if (!config.ok()) {
    std::fprintf(stderr, "xclear-generate: %s\n", config.status().ToString().c_str());
    return 1;
  }
  return Generate(options, config->participants);
}
