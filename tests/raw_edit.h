// Edits a stored record behind the ledger's back, for tamper tests. Needs RocksDB linked.
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace xclear::testing_support {

// Applies `edit` to the value stored under `key` in column family `family` of the closed
// database in `dir`.
inline void EditRaw(const std::filesystem::path& dir, const std::string& family,
                    const std::string& key, const std::function<void(std::string&)>& edit) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::Open(rocksdb::Options(), dir.string(), descriptors, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* target = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == family) target = handles[i];
  }
  ASSERT_NE(target, nullptr);
  std::string value;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), target, key, &value).ok());
  edit(value);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), target, key, value).ok());
  for (auto* handle : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  ASSERT_TRUE(db->Close().ok());
}

}  // namespace xclear::testing_support
