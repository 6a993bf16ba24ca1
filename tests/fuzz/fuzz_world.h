// The world a fuzz target runs against: the project's configuration and calendar, and a real
// ledger (RocksDB, WAL not synced: a fuzz run is not about durability) in a fresh directory under
// /dev/shm (or the temp dir), removed at exit. The clock stands on 2026-10-25 10:00 CST, after
// September's declaration deadline, with a few September claims declared and cleared, so that
// confirmations and payments meet a real statement.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "fuzz_check.h"
#include "xclear/calendar.h"
#include "xclear/clearing.h"
#include "xclear/config.h"
#include "xclear/declarations.h"
#include "xclear/ledger.h"

namespace xclear::fuzzing {

struct World {
  Config config;
  WorkingCalendar calendar;
  ManualClock clock{Instant::Parse("2026-10-10T10:00:00").value()};
  std::filesystem::path dir;
  std::unique_ptr<Ledger> ledger;

  World() {
    auto loaded = LoadConfig(XCLEAR_SOURCE_DIR "/config/xclear.json");
    Check(loaded.ok(), "the project's configuration loads");
    config = *loaded;
    auto days = WorkingCalendar::LoadDirectory(config.calendar_dir);
    Check(days.ok(), "the project's calendar loads");
    calendar = *days;
    const std::filesystem::path base =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    dir = base / ("xclear-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    config.storage.data_dir = dir / "data";
    config.storage.backup_dir = dir / "backups";
    config.storage.sync_wal = false;
    LedgerOptions options;
    options.data_dir = config.storage.data_dir;
    options.create_if_missing = true;
    options.storage = config.storage;
    options.limits = config.limits;
    auto opened = OpenLedger(options, config.participants, clock);
    Check(opened.ok(), "the fuzz ledger opens");
    ledger = std::move(*opened);
    Declarations declarations(*ledger, config, clock);
    const auto seeded = declarations.DeclareCsvText(
        110000,
        "claim_id,treatment_province,insured_province,settled_on,category,total_amount,"
        "fund_amount\n"
        "SEED-1,110000,130000,2026-09-03,inpatient,1500.00,1200.00\n"
        "SEED-2,110000,310000,2026-09-04,outpatient,80.00,40.50\n",
        "province:110000/seed", "fuzz-seed");
    Check(seeded.ok() && seeded->accepted, "the seed claims are declared");
    clock.Set(Instant::Parse("2026-10-25T10:00:00").value());
    Clearing clearing(*ledger, config, clock);
    Check(clearing.Clear(YearMonth::Parse("2026-09").value(), "operator/seed").ok(),
          "September is cleared");
  }
  ~World() {
    ledger.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

// One world per fuzz process, created on first use and removed at exit.
inline World& TheWorld() {
  static World* world = [] {
    auto* created = new World();
    std::atexit([] { delete &TheWorld(); });
    return created;
  }();
  return *world;
}

}  // namespace xclear::fuzzing
