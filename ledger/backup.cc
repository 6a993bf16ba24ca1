// Backups: a RocksDB checkpoint of the live ledger, verified and described by a manifest, and the
// restore that brings one back. The manifest (BACKUP-MANIFEST, plain text, one record per line):
//
//   xclear-backup 1
//   head_sequence <N>
//   head_hash <64 hex>
//   head_recorded_ms <Unix ms>
//   facts <N>
//   created_ms <Unix ms>
//   file <sha256 hex> <bytes> <name>        (one line per file of the copy, sorted by name)
//
// The manifest is written last, synced, and the directory is renamed into its final name after
// it, so a backup directory without a manifest (or with a file that does not match it) is never
// mistaken for a good one.
#include <rocksdb/utilities/checkpoint.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "rocksdb_ledger.h"
#include "xclear/sha256.h"

namespace xclear::ledger_internal {
namespace {

constexpr std::string_view kManifestName = "BACKUP-MANIFEST";
constexpr std::string_view kManifestMagic = "xclear-backup 1";

struct ManifestFile {
  std::string name;
  uint64_t bytes = 0;
  Digest sha256{};
};

Result<ManifestFile> DescribeFile(const std::filesystem::path& path, std::string name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path.string());
  Sha256 sha;
  ManifestFile file;
  file.name = std::move(name);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(in.gcount());
    sha.Update(buffer.data(), got);
    file.bytes += got;
  }
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  file.sha256 = sha.Finish();
  return file;
}

// The regular files of a directory, sorted by name; sub-directories must be empty (the ledger's
// own "ingest" directory is).
Result<std::vector<std::string>> FileNames(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& item : std::filesystem::directory_iterator(directory, error)) {
    if (item.is_directory()) {
      if (!std::filesystem::is_empty(item.path(), error)) {
        return Status::Corruption(item.path().string() + " is a directory that is not empty");
      }
      continue;
    }
    names.push_back(item.path().filename().string());
  }
  if (error) return Status::IoError("cannot list " + directory.string() + ": " + error.message());
  std::sort(names.begin(), names.end());
  return names;
}

std::string ManifestText(const BackupInfo& info, const std::vector<ManifestFile>& files) {
  std::ostringstream out;
  out << kManifestMagic << "\n"
      << "head_sequence " << info.head.sequence << "\n"
      << "head_hash " << DigestToHex(info.head.hash) << "\n"
      << "head_recorded_ms " << info.head.recorded_at.unix_millis() << "\n"
      << "facts " << info.facts << "\n"
      << "created_ms " << info.created_at.unix_millis() << "\n";
  for (const ManifestFile& file : files) {
    out << "file " << DigestToHex(file.sha256) << " " << file.bytes << " " << file.name << "\n";
  }
  return out.str();
}

template <typename Integer>
bool ParseInteger(std::string_view text, Integer& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

Status ParseManifest(const std::filesystem::path& backup_dir, const std::string& text,
                     BackupInfo& info, std::vector<ManifestFile>& files) {
  const std::string where = (backup_dir / kManifestName).string();
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kManifestMagic) {
    return Status::Corruption(where + ": not an xclear backup manifest");
  }
  std::set<std::string> seen;
  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    const auto bad = [&](const std::string& reason) {
      return Status::Corruption(where + " line " + std::to_string(line_number) + ": " + reason);
    };
    const size_t space = line.find(' ');
    if (space == std::string::npos) return bad("no value");
    const std::string key = line.substr(0, space);
    const std::string_view value = std::string_view(line).substr(space + 1);
    if (!seen.insert(key).second && key != "file") return bad(key + " appears twice");
    int64_t millis = 0;
    if (key == "head_sequence") {
      if (!ParseInteger(value, info.head.sequence)) return bad("head_sequence is not a number");
    } else if (key == "head_hash") {
      if (!DigestFromHex(value, info.head.hash)) return bad("head_hash is not 64 hex digits");
    } else if (key == "head_recorded_ms") {
      if (!ParseInteger(value, millis)) return bad("head_recorded_ms is not a number");
      info.head.recorded_at = Instant::FromUnixMillis(millis);
    } else if (key == "facts") {
      if (!ParseInteger(value, info.facts)) return bad("facts is not a number");
    } else if (key == "created_ms") {
      if (!ParseInteger(value, millis)) return bad("created_ms is not a number");
      info.created_at = Instant::FromUnixMillis(millis);
    } else if (key == "file") {
      ManifestFile file;
      const size_t second = value.find(' ');
      const size_t third = second == std::string_view::npos ? second : value.find(' ', second + 1);
      if (third == std::string_view::npos) return bad("a file line needs sha256, bytes, name");
      if (!DigestFromHex(value.substr(0, second), file.sha256)) return bad("bad file sha256");
      if (!ParseInteger(value.substr(second + 1, third - second - 1), file.bytes)) {
        return bad("bad file size");
      }
      file.name = std::string(value.substr(third + 1));
      if (file.name.empty() || file.name.find('/') != std::string::npos || file.name == "." ||
          file.name == ".." || file.name == kManifestName) {
        return bad("bad file name");
      }
      files.push_back(std::move(file));
    } else {
      return bad("unknown record " + key);
    }
  }
  for (const char* key :
       {"head_sequence", "head_hash", "head_recorded_ms", "facts", "created_ms"}) {
    if (seen.count(key) == 0) return Status::Corruption(where + ": " + key + " is missing");
  }
  if (files.empty()) return Status::Corruption(where + ": lists no files");
  return Status::Ok();
}

Status WriteSynced(const std::filesystem::path& path, const std::string& content) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return Status::IoError("cannot write " + path.string());
  }
  return SyncPath(path, false);
}

std::string BackupName(const Instant& created, uint64_t sequence) {
  const int64_t seconds = created.unix_millis() / 1000;
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return std::string(stamp) + "-seq" + std::to_string(sequence);
}

std::atomic<uint64_t> backup_counter{0};

}  // namespace

Result<BackupInfo> RocksLedger::Backup(const std::filesystem::path& backups_dir) {
  std::error_code error;
  std::filesystem::create_directories(backups_dir, error);
  if (error) {
    return Status::IoError("cannot create the backup directory " + backups_dir.string() + ": " +
                           error.message());
  }
  const std::filesystem::path staging =
      backups_dir /
      (".backup-" + std::to_string(::getpid()) + "-" + std::to_string(backup_counter.fetch_add(1)));
  std::filesystem::remove_all(staging, error);
  const auto discard = [&staging] {
    std::error_code ignored;
    std::filesystem::remove_all(staging, ignored);
  };
  {
    rocksdb::Checkpoint* raw = nullptr;
    XCLEAR_RETURN_IF_ERROR(
        FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "cannot start a backup"));
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    const rocksdb::Status made = checkpoint->CreateCheckpoint(staging.string());
    if (!made.ok()) {
      discard();
      return FromRocks(made, "cannot copy the ledger into " + staging.string());
    }
  }
  // The copy is checked the way a restore will check it: opened as a ledger and verified. Its
  // head is read from the copy itself, so the manifest names exactly what the copy holds even
  // though commits went on meanwhile.
  BackupInfo info;
  info.created_at = clock_.Now();
  {
    LedgerOptions copy_options = options_;
    copy_options.data_dir = staging;
    copy_options.create_if_missing = false;
    auto opened = Open(copy_options, participants_, clock_);
    if (!opened.ok()) {
      discard();
      return opened.status().WithContext("the backup copy does not open");
    }
    auto& copy = static_cast<RocksLedger&>(*opened.value());
    auto report = copy.Verify();
    if (!report.ok() || !report.value().ok) {
      discard();
      return Status::Corruption("the backup copy does not verify: " +
                                (report.ok() ? report.value().reason : report.status().message()));
    }
    info.head = copy.Head();
    info.facts = copy.facts_head_.sequence;
  }
  std::vector<ManifestFile> files;
  auto names = FileNames(staging);
  if (!names.ok()) {
    discard();
    return names.status();
  }
  for (const std::string& name : names.value()) {
    auto file = DescribeFile(staging / name, name);
    if (!file.ok()) {
      discard();
      return file.status();
    }
    info.bytes += file.value().bytes;
    files.push_back(std::move(file.value()));
  }
  info.files = files.size();
  Status written = WriteSynced(staging / kManifestName, ManifestText(info, files));
  if (written.ok()) written = SyncPath(staging, true);
  info.directory = backups_dir / BackupName(info.created_at, info.head.sequence);
  if (written.ok() && std::filesystem::exists(info.directory, error)) {
    info.directory += "-" + std::to_string(::getpid()) + "-" + std::to_string(backup_counter++);
  }
  if (written.ok()) {
    std::filesystem::rename(staging, info.directory, error);
    if (error) {
      written = Status::IoError("cannot name the backup " + info.directory.string() + ": " +
                                error.message());
    }
  }
  if (written.ok()) written = SyncPath(backups_dir, true);
  if (!written.ok()) {
    discard();
    return written;
  }
  return info;
}

}  // namespace xclear::ledger_internal

namespace xclear {

using ledger_internal::ManifestFile;

Result<BackupInfo> CheckBackup(const std::filesystem::path& backup_dir) {
  using namespace ledger_internal;
  std::ifstream in(backup_dir / kManifestName, std::ios::binary);
  if (!in) {
    return Status::NotFound(backup_dir.string() + " is not a backup (no " +
                            std::string(kManifestName) + ")");
  }
  std::stringstream text;
  text << in.rdbuf();
  BackupInfo info;
  info.directory = backup_dir;
  std::vector<ManifestFile> files;
  XCLEAR_RETURN_IF_ERROR(ParseManifest(backup_dir, text.str(), info, files));
  XCLEAR_ASSIGN_OR_RETURN(std::vector<std::string> names, FileNames(backup_dir));
  std::set<std::string> listed;
  for (const ManifestFile& expected : files) {
    listed.insert(expected.name);
    const std::filesystem::path path = backup_dir / expected.name;
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
      return Status::Corruption("backup file " + path.string() + " is missing");
    }
    XCLEAR_ASSIGN_OR_RETURN(const ManifestFile actual, DescribeFile(path, expected.name));
    if (actual.bytes != expected.bytes || actual.sha256 != expected.sha256) {
      return Status::Corruption("backup file " + path.string() +
                                " differs from the manifest (size or SHA-256)");
    }
    info.bytes += actual.bytes;
  }
  for (const std::string& name : names) {
    if (name != kManifestName && listed.count(name) == 0) {
      return Status::Corruption("backup file " + (backup_dir / name).string() +
                                " is not in the manifest");
    }
  }
  info.files = files.size();
  return info;
}

Result<BackupInfo> RestoreLedger(const std::filesystem::path& backup_dir,
                                 const LedgerOptions& options, const Participants& participants,
                                 const Clock& clock) {
  using namespace ledger_internal;
  const std::filesystem::path target = std::filesystem::absolute(options.data_dir);
  std::error_code error;
  if (std::filesystem::exists(target, error) && !std::filesystem::is_empty(target, error)) {
    return Status::FailedPrecondition(
        target.string() +
        " is not empty; restore into a new directory (move the old ledger "
        "aside first, never over it)");
  }
  XCLEAR_ASSIGN_OR_RETURN(BackupInfo info, CheckBackup(backup_dir));
  const std::filesystem::path parent = target.parent_path();
  std::filesystem::create_directories(parent, error);
  const std::filesystem::path staging =
      parent / ("." + target.filename().string() + ".restoring-" + std::to_string(::getpid()));
  std::filesystem::remove_all(staging, error);
  const auto fail = [&staging](Status status) {
    std::error_code ignored;
    std::filesystem::remove_all(staging, ignored);
    return status;
  };
  std::filesystem::create_directories(staging, error);
  if (error) return fail(Status::IoError("cannot create " + staging.string()));
  XCLEAR_ASSIGN_OR_RETURN(std::vector<std::string> names, FileNames(backup_dir));
  for (const std::string& name : names) {
    if (name == kManifestName) continue;
    std::filesystem::copy_file(backup_dir / name, staging / name, error);
    if (error) {
      return fail(
          Status::IoError("cannot copy " + (backup_dir / name).string() + ": " + error.message()));
    }
    Status synced = SyncPath(staging / name, false);
    if (!synced.ok()) return fail(synced);
  }
  {
    LedgerOptions copy_options = options;
    copy_options.data_dir = staging;
    copy_options.create_if_missing = false;
    auto opened = OpenLedger(copy_options, participants, clock);
    if (!opened.ok()) return fail(opened.status().WithContext("the restored ledger does not open"));
    auto report = opened.value()->Verify();
    if (!report.ok()) return fail(report.status());
    if (!report.value().ok) {
      return fail(
          Status::Corruption("the restored ledger does not verify: " + report.value().reason));
    }
    const LedgerHead head = opened.value()->Head();
    if (head.sequence != info.head.sequence || head.hash != info.head.hash) {
      return fail(Status::Corruption("the restored ledger's head (" +
                                     std::to_string(head.sequence) + ") is not the manifest's (" +
                                     std::to_string(info.head.sequence) + ")"));
    }
  }
  Status synced = SyncPath(staging, true);
  if (!synced.ok()) return fail(synced);
  if (std::filesystem::exists(target, error)) std::filesystem::remove(target, error);  // empty
  std::filesystem::rename(staging, target, error);
  if (error) {
    return fail(Status::IoError("cannot move the restored ledger into " + target.string() + ": " +
                                error.message()));
  }
  XCLEAR_RETURN_IF_ERROR(SyncPath(parent, true));
  info.directory = target;
  return info;
}

}  // namespace xclear
