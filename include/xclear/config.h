// Configuration: the participating units, the policy parameters, storage options and limits.
//
// Loaded from config/xclear.json (format in docs/configuration.md). Every value is validated on
// load; an unknown key is an error (it is usually a typo that would otherwise be ignored).
// Thread safety: immutable after loading.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "xclear/money.h"
#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

// A provincial-level unit: 31 provinces and the Xinjiang Production and Construction Corps.
struct Participant {
  uint32_t code = 0;       // GB/T 2260 six-digit division code, e.g. 110000
  std::string short_name;  // "Beijing"
  std::string name;        // "北京市"
};

class Participants {
 public:
  Participants() = default;
  // Fails on a malformed or repeated code (a provincial code is six digits ending in "0000").
  static Result<Participants> Create(std::vector<Participant> units);
  // The 32 units of SPEC §2.
  static const Participants& Default();

  const std::vector<Participant>& units() const { return units_; }
  size_t size() const { return units_.size(); }
  bool Contains(uint32_t code) const { return index_.count(code) > 0; }
  // nullptr when the code is not configured.
  const Participant* Find(uint32_t code) const;
  // Parses "110000" (or a sub-provincial code such as "411302" when `truncate_to_province`)
  // into a configured provincial code.
  Result<uint32_t> ParseCode(std::string_view text, bool truncate_to_province = false) const;

 private:
  std::vector<Participant> units_;
  std::map<uint32_t, size_t> index_;
};

enum class SettlementMode { kGross, kNet };
std::string_view SettlementModeName(SettlementMode mode);

// The policy parameters of SPEC §3–§9. Percent values are held in hundredths (70.00 % → 7000).
struct RuleConfig {
  int declaration_deadline_day = 20;  // claims of M are due by this day of M+1
  int year_end_cutoff_month = 3;      // late claims of year Y until this day of Y+1 …
  int year_end_cutoff_day = 31;
  int settle_within_months = 2;  // month M fully settled by the last day of M+this
  int confirmation_working_days = 5;
  int payment_working_days = 10;
  int64_t usage_yellow_hundredths = 7000;
  int64_t usage_red_hundredths = 9000;
  int prepayment_months = 2;  // annual target = months × base / 12
  int64_t topup_target_usage_hundredths = 5000;
  int topup_payment_working_days = 10;
  SettlementMode settlement_mode = SettlementMode::kGross;
  Money claim_amount_max = Money::FromFen(Fen(1'000'000'000));  // 10 000 000.00 CNY
  std::map<std::string, std::string> med_type_categories;  // national med_type code → category
  // The column of a national-header export that names the settlement a reversal cancels (the
  // SPEC header's column is reversal_of).
  std::string national_reversal_column = "init_setl_id";
};

struct StorageConfig {
  std::filesystem::path data_dir = "data";
  std::filesystem::path backup_dir = "backups";  // where `xclear backup` and the service put copies
  bool sync_wal = true;                          // fsync the WAL on every commit
  uint32_t write_group_entries_max = 10'000;     // journal entries in one atomic write batch
  uint64_t write_buffer_bytes = 64ull << 20;
  int background_jobs = 2;
};

struct LimitConfig {
  uint32_t entry_postings_max = 4'096;  // postings in one journal entry
  uint32_t text_field_bytes_max = 256;  // actor, idempotency key, source reference
  uint32_t memo_bytes_max = 4'096;
};

// The HTTP service (xcleard). Every queue and body has a bound (docs/service.md).
struct ServiceConfig {
  std::string listen_address = "127.0.0.1";
  uint16_t port = 8420;
  uint32_t threads_max = 16;                       // request handler threads
  uint32_t queue_max = 256;                        // complete requests waiting for a thread
  uint64_t request_body_bytes_max = 64ull << 20;   // larger bodies: 413
  uint64_t request_bodies_bytes_max = 1ull << 30;  // all bodies being read or answered: 503
  uint32_t head_seconds_max = 10;   // the whole request head, from its first byte: else 408
  uint32_t body_seconds_max = 120;  // the whole body, from the end of the head: else 408
  uint32_t timeout_seconds = 30;    // writing one whole answer (a report: each piece)
  uint32_t connections_max = 4096;  // open connections in all (beyond: idle ones closed)
  uint32_t connections_per_client_max = 512;         // open connections from one address
  uint32_t keep_alive_seconds = 15;                  // idle keep-alive connection lifetime
  uint32_t keep_alive_requests_max = 10'000;         // requests on one connection
  uint32_t shutdown_seconds_max = 30;                // SIGTERM: wait this long for in-flight work
  uint32_t claims_page_max = 10'000;                 // claims in one JSON page
  uint64_t view_cache_bytes_max = 64ull << 20;       // answers of read views kept (0: none kept)
  std::filesystem::path token_file = "tokens.json";  // relative paths: against the config dir
  std::filesystem::path log_file;                    // empty: standard output
  // HTTPS (both set): PEM files; TLS 1.2 or later. Without them the service listens only on a
  // loopback address (plain HTTP elsewhere is refused at start).
  std::filesystem::path tls_certificate_file;
  std::filesystem::path tls_private_key_file;
};

struct Config {
  std::filesystem::path config_dir;    // where the file was loaded from
  std::filesystem::path calendar_dir;  // default: <config_dir>/calendar
  Participants participants;
  RuleConfig rules;
  StorageConfig storage;
  LimitConfig limits;
  ServiceConfig service;
  bool allow_now_override = false;  // dev/test only: CLI --now
};

// Parses configuration JSON. Relative paths in it are resolved against `config_dir`.
Result<Config> ParseConfig(const std::string& json_text, const std::filesystem::path& config_dir);
// Reads and parses a configuration file.
Result<Config> LoadConfig(const std::filesystem::path& file);
// The built-in defaults (used when a key is absent), with the default participants.
Config DefaultConfig(const std::filesystem::path& config_dir);

}  // namespace xclear
