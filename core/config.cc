#include "xclear/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "xclear/json.h"

namespace xclear {
namespace {

using Poco::JSON::Object;

const std::vector<Participant>& DefaultUnits() {
  static const std::vector<Participant> units = {
      {110000, "Beijing", "北京市"},
      {120000, "Tianjin", "天津市"},
      {130000, "Hebei", "河北省"},
      {140000, "Shanxi", "山西省"},
      {150000, "Inner Mongolia", "内蒙古自治区"},
      {210000, "Liaoning", "辽宁省"},
      {220000, "Jilin", "吉林省"},
      {230000, "Heilongjiang", "黑龙江省"},
      {310000, "Shanghai", "上海市"},
      {320000, "Jiangsu", "江苏省"},
      {330000, "Zhejiang", "浙江省"},
      {340000, "Anhui", "安徽省"},
      {350000, "Fujian", "福建省"},
      {360000, "Jiangxi", "江西省"},
      {370000, "Shandong", "山东省"},
      {410000, "Henan", "河南省"},
      {420000, "Hubei", "湖北省"},
      {430000, "Hunan", "湖南省"},
      {440000, "Guangdong", "广东省"},
      {450000, "Guangxi", "广西壮族自治区"},
      {460000, "Hainan", "海南省"},
      {500000, "Chongqing", "重庆市"},
      {510000, "Sichuan", "四川省"},
      {520000, "Guizhou", "贵州省"},
      {530000, "Yunnan", "云南省"},
      {540000, "Tibet", "西藏自治区"},
      {610000, "Shaanxi", "陕西省"},
      {620000, "Gansu", "甘肃省"},
      {630000, "Qinghai", "青海省"},
      {640000, "Ningxia", "宁夏回族自治区"},
      {650000, "Xinjiang", "新疆维吾尔自治区"},
      {660000, "XPCC", "新疆生产建设兵团"},
  };
  return units;
}

std::map<std::string, std::string> DefaultMedTypes() {
  return {{"11", "outpatient"}, {"14", "chronic"}, {"21", "inpatient"}, {"41", "pharmacy"}};
}

bool IsCategory(const std::string& text) {
  return text == "inpatient" || text == "outpatient" || text == "chronic" || text == "pharmacy";
}

// Refuses keys that the section does not define: a typo must not silently fall back to a default.
Status CheckKeys(const Object& object, const std::set<std::string>& allowed,
                 const std::string& section) {
  for (const auto& [key, unused] : object) {
    if (allowed.count(key) == 0) {
      return Status::InvalidArgument(section + ": unknown key \"" + key + "\"");
    }
  }
  return Status::Ok();
}

// Reads an integer in [min, max] if present.
Status ReadInt(const Object& object, const std::string& key, const std::string& section, int min,
               int max, int& out) {
  if (!object.has(key)) return Status::Ok();
  const Poco::Dynamic::Var value = object.get(key);
  if (!value.isInteger())
    return Status::InvalidArgument(section + "." + key + ": expected an integer");
  const int64_t number = value.convert<int64_t>();
  if (number < min || number > max) {
    return Status::InvalidArgument(section + "." + key + ": " + std::to_string(number) +
                                   " is outside " + std::to_string(min) + ".." +
                                   std::to_string(max));
  }
  out = static_cast<int>(number);
  return Status::Ok();
}

Status ReadUint(const Object& object, const std::string& key, const std::string& section,
                uint64_t min, uint64_t max, uint64_t& out) {
  if (!object.has(key)) return Status::Ok();
  const Poco::Dynamic::Var value = object.get(key);
  if (!value.isInteger() || value.convert<int64_t>() < 0) {
    return Status::InvalidArgument(section + "." + key + ": expected a non-negative integer");
  }
  const uint64_t number = value.convert<uint64_t>();
  if (number < min || number > max) {
    return Status::InvalidArgument(section + "." + key + ": " + std::to_string(number) +
                                   " is outside " + std::to_string(min) + ".." +
                                   std::to_string(max));
  }
  out = number;
  return Status::Ok();
}

Status ReadPercent(const Object& object, const std::string& key, const std::string& section,
                   int64_t& out) {
  if (!object.has(key)) return Status::Ok();
  const Poco::Dynamic::Var value = object.get(key);
  if (!value.isString()) {
    return Status::InvalidArgument(section + "." + key +
                                   ": write percentages as strings such as \"70.00\"");
  }
  auto hundredths = ParseHundredths(value.extract<std::string>(), 100'00);
  if (!hundredths.ok()) return hundredths.status().WithContext(section + "." + key);
  if (*hundredths == 0) return Status::InvalidArgument(section + "." + key + ": must be above 0");
  out = *hundredths;
  return Status::Ok();
}

Status ReadBool(const Object& object, const std::string& key, const std::string& section,
                bool& out) {
  if (!object.has(key)) return Status::Ok();
  const Poco::Dynamic::Var value = object.get(key);
  if (!value.isBoolean())
    return Status::InvalidArgument(section + "." + key + ": expected true or false");
  out = value.convert<bool>();
  return Status::Ok();
}

Status ReadString(const Object& object, const std::string& key, const std::string& section,
                  std::string& out) {
  if (!object.has(key)) return Status::Ok();
  const Poco::Dynamic::Var value = object.get(key);
  if (!value.isString())
    return Status::InvalidArgument(section + "." + key + ": expected a string");
  out = value.extract<std::string>();
  return Status::Ok();
}

Result<Participants> ParseParticipants(const Poco::JSON::Array::Ptr& array) {
  std::vector<Participant> units;
  for (size_t i = 0; i < array->size(); ++i) {
    const std::string where = "participants[" + std::to_string(i) + "]";
    auto object = array->getObject(static_cast<unsigned>(i));
    if (!object) return Status::InvalidArgument(where + ": expected an object");
    XCLEAR_RETURN_IF_ERROR(CheckKeys(*object, {"code", "short_name", "name"}, where));
    std::string code, short_name, name;
    XCLEAR_RETURN_IF_ERROR(ReadString(*object, "code", where, code));
    XCLEAR_RETURN_IF_ERROR(ReadString(*object, "short_name", where, short_name));
    XCLEAR_RETURN_IF_ERROR(ReadString(*object, "name", where, name));
    if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string::npos) {
      return Status::InvalidArgument(where + ".code: \"" + code + "\" is not a six-digit code");
    }
    if (short_name.empty() || name.empty()) {
      return Status::InvalidArgument(where + ": short_name and name must not be empty");
    }
    units.push_back({static_cast<uint32_t>(std::stoul(code)), short_name, name});
  }
  return Participants::Create(std::move(units));
}

Status ParseRules(const Object& rules, RuleConfig& out) {
  const std::string s = "rules";
  XCLEAR_RETURN_IF_ERROR(CheckKeys(
      rules,
      {"declaration_deadline_day", "year_end_cutoff", "settle_within_months",
       "confirmation_working_days", "payment_working_days", "usage_yellow_line", "usage_red_line",
       "prepayment_months", "topup_target_usage", "topup_payment_working_days", "settlement_mode",
       "claim_amount_max", "med_type_categories", "national_reversal_column"},
      s));
  XCLEAR_RETURN_IF_ERROR(
      ReadInt(rules, "declaration_deadline_day", s, 1, 28, out.declaration_deadline_day));
  XCLEAR_RETURN_IF_ERROR(
      ReadInt(rules, "settle_within_months", s, 1, 12, out.settle_within_months));
  XCLEAR_RETURN_IF_ERROR(
      ReadInt(rules, "confirmation_working_days", s, 1, 60, out.confirmation_working_days));
  XCLEAR_RETURN_IF_ERROR(
      ReadInt(rules, "payment_working_days", s, 1, 60, out.payment_working_days));
  XCLEAR_RETURN_IF_ERROR(ReadInt(rules, "prepayment_months", s, 0, 12, out.prepayment_months));
  XCLEAR_RETURN_IF_ERROR(
      ReadInt(rules, "topup_payment_working_days", s, 1, 60, out.topup_payment_working_days));
  XCLEAR_RETURN_IF_ERROR(ReadPercent(rules, "usage_yellow_line", s, out.usage_yellow_hundredths));
  XCLEAR_RETURN_IF_ERROR(ReadPercent(rules, "usage_red_line", s, out.usage_red_hundredths));
  XCLEAR_RETURN_IF_ERROR(
      ReadPercent(rules, "topup_target_usage", s, out.topup_target_usage_hundredths));
  if (out.usage_yellow_hundredths >= out.usage_red_hundredths) {
    return Status::InvalidArgument("rules: usage_yellow_line must be below usage_red_line");
  }
  std::string cutoff = "03-31";
  XCLEAR_RETURN_IF_ERROR(ReadString(rules, "year_end_cutoff", s, cutoff));
  auto cutoff_date = Date::Parse("2001-" + cutoff);  // a non-leap year: no 29 February cut-off
  if (cutoff.size() != 5 || !cutoff_date.ok()) {
    return Status::InvalidArgument("rules.year_end_cutoff: \"" + cutoff + "\" is not MM-DD");
  }
  out.year_end_cutoff_month = cutoff_date->month();
  out.year_end_cutoff_day = cutoff_date->day();
  std::string mode = "gross";
  XCLEAR_RETURN_IF_ERROR(ReadString(rules, "settlement_mode", s, mode));
  if (mode != "gross" && mode != "net") {
    return Status::InvalidArgument("rules.settlement_mode: \"" + mode + "\" is not gross or net");
  }
  out.settlement_mode = mode == "net" ? SettlementMode::kNet : SettlementMode::kGross;
  if (rules.has("claim_amount_max")) {
    std::string text;
    XCLEAR_RETURN_IF_ERROR(ReadString(rules, "claim_amount_max", s, text));
    auto max = Money::Parse(text);
    if (!max.ok()) return max.status().WithContext("rules.claim_amount_max");
    if (!max->is_positive())
      return Status::InvalidArgument("rules.claim_amount_max: must be above 0");
    if (max->fen() > Fen(1) << 56) {  // claims are stored as 64-bit fen
      return Status::InvalidArgument("rules.claim_amount_max: at most " +
                                     Money::FromFen(Fen(1) << 56).ToString() + " CNY");
    }
    out.claim_amount_max = *max;
  }
  XCLEAR_RETURN_IF_ERROR(
      ReadString(rules, "national_reversal_column", s, out.national_reversal_column));
  if (out.national_reversal_column.empty() ||
      out.national_reversal_column.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return Status::InvalidArgument("rules.national_reversal_column: \"" +
                                   out.national_reversal_column +
                                   "\" is not a column name (letters, digits and '_')");
  }
  if (rules.has("med_type_categories")) {
    auto map = rules.getObject("med_type_categories");
    if (!map) return Status::InvalidArgument("rules.med_type_categories: expected an object");
    out.med_type_categories.clear();
    for (const auto& [code, value] : *map) {
      if (!value.isString() || !IsCategory(value.extract<std::string>())) {
        return Status::InvalidArgument("rules.med_type_categories." + code +
                                       ": must be inpatient, outpatient, chronic or pharmacy");
      }
      out.med_type_categories[code] = value.extract<std::string>();
    }
  }
  return Status::Ok();
}

Status ParseStorage(const Object& storage, const std::filesystem::path& config_dir,
                    StorageConfig& out) {
  const std::string s = "storage";
  XCLEAR_RETURN_IF_ERROR(CheckKeys(storage,
                                   {"data_dir", "backup_dir", "sync_wal", "write_group_entries_max",
                                    "write_buffer_bytes", "background_jobs"},
                                   s));
  std::string data_dir;
  XCLEAR_RETURN_IF_ERROR(ReadString(storage, "data_dir", s, data_dir));
  if (!data_dir.empty()) out.data_dir = config_dir / data_dir;
  std::string backup_dir;
  XCLEAR_RETURN_IF_ERROR(ReadString(storage, "backup_dir", s, backup_dir));
  if (!backup_dir.empty()) out.backup_dir = config_dir / backup_dir;
  XCLEAR_RETURN_IF_ERROR(ReadBool(storage, "sync_wal", s, out.sync_wal));
  uint64_t group = out.write_group_entries_max;
  XCLEAR_RETURN_IF_ERROR(ReadUint(storage, "write_group_entries_max", s, 1, 1'000'000, group));
  out.write_group_entries_max = static_cast<uint32_t>(group);
  XCLEAR_RETURN_IF_ERROR(
      ReadUint(storage, "write_buffer_bytes", s, 1ull << 20, 4ull << 30, out.write_buffer_bytes));
  XCLEAR_RETURN_IF_ERROR(ReadInt(storage, "background_jobs", s, 1, 64, out.background_jobs));
  return Status::Ok();
}

Status ParseLimits(const Object& limits, LimitConfig& out) {
  const std::string s = "limits";
  XCLEAR_RETURN_IF_ERROR(
      CheckKeys(limits, {"entry_postings_max", "text_field_bytes_max", "memo_bytes_max"}, s));
  uint64_t value = out.entry_postings_max;
  XCLEAR_RETURN_IF_ERROR(ReadUint(limits, "entry_postings_max", s, 2, 1'000'000, value));
  out.entry_postings_max = static_cast<uint32_t>(value);
  value = out.text_field_bytes_max;
  XCLEAR_RETURN_IF_ERROR(ReadUint(limits, "text_field_bytes_max", s, 16, 65'536, value));
  out.text_field_bytes_max = static_cast<uint32_t>(value);
  value = out.memo_bytes_max;
  XCLEAR_RETURN_IF_ERROR(ReadUint(limits, "memo_bytes_max", s, 16, 1'048'576, value));
  out.memo_bytes_max = static_cast<uint32_t>(value);
  return Status::Ok();
}

Status ParseService(const Object& service, const std::filesystem::path& config_dir,
                    ServiceConfig& out) {
  const std::string s = "service";
  XCLEAR_RETURN_IF_ERROR(CheckKeys(service,
                                   {"listen_address",
                                    "port",
                                    "threads_max",
                                    "queue_max",
                                    "request_body_bytes_max",
                                    "request_bodies_bytes_max",
                                    "head_seconds_max",
                                    "body_seconds_max",
                                    "timeout_seconds",
                                    "connections_max",
                                    "connections_per_client_max",
                                    "keep_alive_seconds",
                                    "keep_alive_requests_max",
                                    "shutdown_seconds_max",
                                    "claims_page_max",
                                    "view_cache_bytes_max",
                                    "token_file",
                                    "log_file",
                                    "tls_certificate_file",
                                    "tls_private_key_file"},
                                   s));
  XCLEAR_RETURN_IF_ERROR(ReadString(service, "listen_address", s, out.listen_address));
  if (out.listen_address.empty())
    return Status::InvalidArgument("service.listen_address: must not be empty");
  uint64_t value = out.port;
  XCLEAR_RETURN_IF_ERROR(ReadUint(service, "port", s, 0, 65'535, value));
  out.port = static_cast<uint16_t>(value);
  const auto read_u32 = [&](const char* key, uint64_t min, uint64_t max, uint32_t& field) {
    uint64_t number = field;
    Status status = ReadUint(service, key, s, min, max, number);
    field = static_cast<uint32_t>(number);
    return status;
  };
  XCLEAR_RETURN_IF_ERROR(read_u32("threads_max", 1, 1024, out.threads_max));
  XCLEAR_RETURN_IF_ERROR(read_u32("queue_max", 1, 100'000, out.queue_max));
  XCLEAR_RETURN_IF_ERROR(
      ReadUint(service, "request_body_bytes_max", s, 1024, 4ull << 30, out.request_body_bytes_max));
  XCLEAR_RETURN_IF_ERROR(ReadUint(service, "request_bodies_bytes_max", s, 1024, 1ull << 40,
                                  out.request_bodies_bytes_max));
  if (out.request_bodies_bytes_max < out.request_body_bytes_max) {
    return Status::InvalidArgument(
        "service.request_bodies_bytes_max must be at least service.request_body_bytes_max");
  }
  XCLEAR_RETURN_IF_ERROR(read_u32("head_seconds_max", 1, 600, out.head_seconds_max));
  XCLEAR_RETURN_IF_ERROR(read_u32("body_seconds_max", 1, 3600, out.body_seconds_max));
  XCLEAR_RETURN_IF_ERROR(read_u32("timeout_seconds", 1, 3600, out.timeout_seconds));
  XCLEAR_RETURN_IF_ERROR(read_u32("connections_max", 16, 1'000'000, out.connections_max));
  XCLEAR_RETURN_IF_ERROR(
      read_u32("connections_per_client_max", 2, 1'000'000, out.connections_per_client_max));
  XCLEAR_RETURN_IF_ERROR(read_u32("keep_alive_seconds", 1, 3600, out.keep_alive_seconds));
  XCLEAR_RETURN_IF_ERROR(
      read_u32("keep_alive_requests_max", 1, 10'000'000, out.keep_alive_requests_max));
  XCLEAR_RETURN_IF_ERROR(read_u32("shutdown_seconds_max", 1, 3600, out.shutdown_seconds_max));
  XCLEAR_RETURN_IF_ERROR(read_u32("claims_page_max", 1, 1'000'000, out.claims_page_max));
  XCLEAR_RETURN_IF_ERROR(
      ReadUint(service, "view_cache_bytes_max", s, 0, 64ull << 30, out.view_cache_bytes_max));
  std::string path;
  XCLEAR_RETURN_IF_ERROR(ReadString(service, "token_file", s, path));
  if (!path.empty()) out.token_file = config_dir / path;
  path.clear();
  XCLEAR_RETURN_IF_ERROR(ReadString(service, "log_file", s, path));
  if (!path.empty()) out.log_file = config_dir / path;
  for (const auto& [key, field] : {std::pair{"tls_certificate_file", &out.tls_certificate_file},
                                   std::pair{"tls_private_key_file", &out.tls_private_key_file}}) {
    path.clear();
    XCLEAR_RETURN_IF_ERROR(ReadString(service, key, s, path));
    if (!path.empty()) *field = config_dir / path;
  }
  if (out.tls_certificate_file.empty() != out.tls_private_key_file.empty()) {
    return Status::InvalidArgument(
        "service: tls_certificate_file and tls_private_key_file go together (both or neither)");
  }
  return Status::Ok();
}

Status ParseSections(const Object& root, Config& config) {
  XCLEAR_RETURN_IF_ERROR(CheckKeys(root,
                                   {"participants", "rules", "storage", "limits", "service",
                                    "calendar_dir", "allow_now_override"},
                                   "config"));
  if (root.has("participants")) {
    auto array = root.getArray("participants");
    if (!array) return Status::InvalidArgument("participants: expected an array");
    XCLEAR_ASSIGN_OR_RETURN(config.participants, ParseParticipants(array));
  }
  if (root.has("rules")) {
    auto rules = root.getObject("rules");
    if (!rules) return Status::InvalidArgument("rules: expected an object");
    XCLEAR_RETURN_IF_ERROR(ParseRules(*rules, config.rules));
  }
  if (root.has("storage")) {
    auto storage = root.getObject("storage");
    if (!storage) return Status::InvalidArgument("storage: expected an object");
    XCLEAR_RETURN_IF_ERROR(ParseStorage(*storage, config.config_dir, config.storage));
  }
  if (root.has("limits")) {
    auto limits = root.getObject("limits");
    if (!limits) return Status::InvalidArgument("limits: expected an object");
    XCLEAR_RETURN_IF_ERROR(ParseLimits(*limits, config.limits));
  }
  if (root.has("service")) {
    auto service = root.getObject("service");
    if (!service) return Status::InvalidArgument("service: expected an object");
    XCLEAR_RETURN_IF_ERROR(ParseService(*service, config.config_dir, config.service));
  }
  std::string calendar_dir;
  XCLEAR_RETURN_IF_ERROR(ReadString(root, "calendar_dir", "config", calendar_dir));
  if (!calendar_dir.empty()) config.calendar_dir = config.config_dir / calendar_dir;
  return ReadBool(root, "allow_now_override", "config", config.allow_now_override);
}

}  // namespace

Result<Participants> Participants::Create(std::vector<Participant> units) {
  if (units.size() < 2)
    return Status::InvalidArgument("participants: at least two units are needed");
  Participants out;
  for (size_t i = 0; i < units.size(); ++i) {
    const uint32_t code = units[i].code;
    if (code < 110000 || code > 999999 || code % 10000 != 0) {
      return Status::InvalidArgument("participants[" + std::to_string(i) +
                                     "].code: " + std::to_string(code) +
                                     " is not a provincial code (six digits ending in 0000)");
    }
    if (!out.index_.emplace(code, i).second) {
      return Status::InvalidArgument("participants: code " + std::to_string(code) +
                                     " is listed twice");
    }
  }
  out.units_ = std::move(units);
  return out;
}

const Participants& Participants::Default() {
  static const Participants participants = Create(DefaultUnits()).value();
  return participants;
}

const Participant* Participants::Find(uint32_t code) const {
  const auto it = index_.find(code);
  return it == index_.end() ? nullptr : &units_[it->second];
}

Result<uint32_t> Participants::ParseCode(std::string_view text, bool truncate_to_province) const {
  if (text.size() != 6 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return Status::InvalidArgument("province code \"" + std::string(text.substr(0, 20)) +
                                   "\" is not six digits");
  }
  uint32_t code = 0;
  for (const char c : text) code = code * 10 + static_cast<uint32_t>(c - '0');
  if (truncate_to_province) code = code / 10000 * 10000;
  if (!Contains(code)) {
    return Status::InvalidArgument("province code " + std::to_string(code) +
                                   " is not a configured participant");
  }
  return code;
}

std::string_view SettlementModeName(SettlementMode mode) {
  return mode == SettlementMode::kNet ? "net" : "gross";
}

Config DefaultConfig(const std::filesystem::path& config_dir) {
  Config config;
  config.config_dir = config_dir;
  config.calendar_dir = config_dir / "calendar";
  config.participants = Participants::Default();
  config.rules.med_type_categories = DefaultMedTypes();
  config.storage.data_dir = config_dir / "data";
  config.storage.backup_dir = config_dir / "backups";
  config.service.token_file = config_dir / "tokens.json";
  return config;
}

Result<Config> ParseConfig(const std::string& json_text, const std::filesystem::path& config_dir) {
  Config config = DefaultConfig(config_dir);
  auto read = ParseJson(json_text);
  if (!read.ok()) return read.status().WithContext("config");
  const Poco::Dynamic::Var parsed = *read;
  if (parsed.type() != typeid(Object::Ptr) || !parsed.extract<Object::Ptr>()) {
    return Status::InvalidArgument("config must be a JSON object");
  }
  const Object::Ptr root = parsed.extract<Object::Ptr>();
  try {
    XCLEAR_RETURN_IF_ERROR(ParseSections(*root, config));
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("config has a value of the wrong type: " + e.displayText());
  }
  return config;
}

Result<Config> LoadConfig(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return Status::NotFound("cannot open config file " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  auto config = ParseConfig(text.str(), file.parent_path());
  if (!config.ok()) return config.status().WithContext(file.string());
  return config;
}

}  // namespace xclear
