// A RocksDB file system that behaves like a disk that fills up: while `full` is set, every write,
// sync and file creation fails with "No space left on device", as ENOSPC would. Used to show that
// a commit that cannot be written fails cleanly and that the ledger works again once space
// returns.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace xclear::testing_support {

class FillableFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FillableFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  static const char* kClassName() { return "FillableFileSystem"; }
  const char* Name() const override { return kClassName(); }

  void SetFull(bool full) { full_ = full; }
  uint64_t failures() const { return failures_; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* debug) override {
    if (full_) return NoSpace();
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, &file, debug);
    if (status.ok()) result->reset(new File(std::move(file), *this));
    return status;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* debug) override {
    if (full_) return NoSpace();
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus status = target()->ReopenWritableFile(name, options, &file, debug);
    if (status.ok()) result->reset(new File(std::move(file), *this));
    return status;
  }

 private:
  rocksdb::IOStatus NoSpace() {
    ++failures_;
    rocksdb::IOStatus status = rocksdb::IOStatus::NoSpace("No space left on device (injected)");
    return status;
  }

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile>&& file, FillableFileSystem& fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      if (fs_.full_) return fs_.NoSpace();
      return target()->Append(data, options, debug);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* debug) override {
      if (fs_.full_) return fs_.NoSpace();
      return target()->Append(data, options, info, debug);
    }
    rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* debug) override {
      if (fs_.full_) return fs_.NoSpace();
      return target()->Flush(options, debug);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
      if (fs_.full_) return fs_.NoSpace();
      return target()->Sync(options, debug);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* debug) override {
      if (fs_.full_) return fs_.NoSpace();
      return target()->Fsync(options, debug);
    }

   private:
    FillableFileSystem& fs_;
  };

  std::atomic<bool> full_{false};
  std::atomic<uint64_t> failures_{0};
};

// An Env over a FillableFileSystem, to pass as LedgerOptions::env.
struct FillableEnv {
  std::shared_ptr<FillableFileSystem> fs = std::make_shared<FillableFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
};

}  // namespace xclear::testing_support
