#include "cli.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace xclear::cli {

Result<Args> Args::Parse(const std::vector<std::string>& words,
                         const std::set<std::string>& value_flags,
                         const std::set<std::string>& switches) {
  Args args;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word.rfind("--", 0) != 0) {
      args.positional_.push_back(word);
      continue;
    }
    std::string flag = word.substr(2);
    std::string value;
    const size_t equals = flag.find('=');
    const bool inline_value = equals != std::string::npos;
    if (inline_value) {
      value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
    }
    if (switches.count(flag) > 0 && !inline_value) {
      args.values_[flag] = "true";
    } else if (value_flags.count(flag) > 0) {
      if (!inline_value) {
        if (i + 1 >= words.size()) return Status::InvalidArgument("--" + flag + " needs a value");
        value = words[++i];
      }
      args.values_[flag] = value;
    } else {
      return Status::InvalidArgument("unknown option --" + flag);
    }
  }
  return args;
}

std::string Args::Get(const std::string& flag, const std::string& fallback) const {
  const auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second;
}

Result<std::unique_ptr<Ledger>> Context::OpenLedger(bool create_if_missing) const {
  LedgerOptions options;
  options.data_dir = config.storage.data_dir;
  options.create_if_missing = create_if_missing;
  options.storage = config.storage;
  options.limits = config.limits;
  // A command lives for seconds: merges it started in the background would be abandoned at exit.
  options.background_compaction = false;
  return xclear::OpenLedger(options, config.participants, *clock);
}

Result<WorkingCalendar> Context::LoadCalendar() const {
  return WorkingCalendar::LoadDirectory(config.calendar_dir);
}

void Context::Print(const std::string& text, const std::string& json_text) const {
  const std::string& out = json ? json_text : text;
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (!out.empty() && out.back() != '\n') std::fputc('\n', stdout);
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  std::stringstream content;
  content << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  return content.str();
}

Status WriteFile(const std::filesystem::path& path, const std::string& content) {
  // Write beside the target and rename, so a reader never sees a half-written report.
  const std::filesystem::path temporary = path.string() + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) return Status::IoError("cannot write " + temporary.string());
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return Status::IoError("cannot rename to " + path.string() + ": " + error.message());
  return Status::Ok();
}

Status EmitReport(const Context& context, std::string_view sheet,
                  const std::function<std::string(ReportFormat)>& render) {
  ReportFormat format = context.json ? ReportFormat::kJson : ReportFormat::kText;
  if (context.args->Has("format")) {
    XCLEAR_ASSIGN_OR_RETURN(format, ParseReportFormat(context.args->Get("format")));
  }
  const bool to_file = context.args->Has("out");
  if (format == ReportFormat::kXlsx) {
    if (!to_file) return Status::InvalidArgument("--format xlsx needs --out FILE");
    return WriteCsvAsXlsx(render(ReportFormat::kCsv), sheet, context.args->Get("out"));
  }
  const std::string report = render(format);
  if (to_file) return WriteFile(context.args->Get("out"), report);
  std::fwrite(report.data(), 1, report.size(), stdout);
  return Status::Ok();
}

Status StreamReport(const Context& context,
                    const std::function<Status(const ReportSink&)>& produce) {
  const bool to_file = context.args->Has("out");
  const std::string path = context.args->Get("out");
  const std::string partial = path + ".partial";
  std::FILE* file = to_file ? std::fopen(partial.c_str(), "wb") : stdout;
  if (file == nullptr) return Status::IoError("cannot write " + partial);
  Status status = produce([file, &partial](std::string_view chunk) {
    if (std::fwrite(chunk.data(), 1, chunk.size(), file) != chunk.size()) {
      return Status::IoError("cannot write " + partial);
    }
    return Status::Ok();
  });
  if (!to_file) return status;
  if (std::fclose(file) != 0 && status.ok()) status = Status::IoError("cannot write " + partial);
  if (status.ok() && std::rename(partial.c_str(), path.c_str()) != 0) {
    status = Status::IoError("cannot rename " + partial + " to " + path);
  }
  if (!status.ok()) std::remove(partial.c_str());
  return status;
}

Operation CommandOperation(const std::string& command) {
  static const std::map<std::string, Operation> kOperations = {
      {"init", Operation::kAdminister},           {"restore", Operation::kAdminister},
      {"token-issue", Operation::kAdminister},    {"token-list", Operation::kAdminister},
      {"token-revoke", Operation::kAdminister},   {"backup", Operation::kBackup},
      {"compact", Operation::kAdminister},        {"post", Operation::kPostManual},
      {"reverse", Operation::kPostManual},        {"declare", Operation::kActForProvince},
      {"explain", Operation::kActForProvince},    {"confirm", Operation::kActForProvince},
      {"pay", Operation::kActForProvince},        {"pay-return", Operation::kRecordPayment},
      {"clear", Operation::kRunClearing},         {"month-end", Operation::kRunClearing},
      {"adjust", Operation::kRunAdjustment},      {"topup", Operation::kRequestTopUp},
      {"topup-check", Operation::kRunTopUpCheck}, {"journal", Operation::kReadNational},
  };
  const auto found = kOperations.find(command);
  return found == kOperations.end() ? Operation::kRead : found->second;
}

}  // namespace xclear::cli
