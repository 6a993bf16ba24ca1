// libFuzzer target: the CSV claim parser, from the raw bytes of a declaration to the ledger
// (SPEC §4). Any bytes are either declared whole (every row recorded or reported a duplicate) or
// refused whole with row errors naming row, field and reason; nothing half-written, never a
// crash, never a system failure for bad input. The reader alone is also driven to its end.
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_world.h"
#include "xclear/csv_reader.h"

using xclear::fuzzing::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    auto reader = xclear::CsvReader::FromString(text);
    std::vector<std::string_view> fields;
    uint64_t records = 0;
    while (reader->Next(fields)) {
      ++records;
      for (std::string_view field : fields) Check(field.size() <= size, "a field within the input");
    }
    Check(reader->status().ok() || !reader->status().message().empty(), "reader errors explain");
    // A record that fails (invalid UTF-8) is counted, so that the error can name its row.
    Check(reader->record_number() == records ||
              (!reader->status().ok() && reader->record_number() == records + 1),
          "records are counted");
  }
  auto& world = xclear::fuzzing::TheWorld();
  xclear::Declarations declarations(*world.ledger, world.config, world.clock);
  const uint64_t head_before = world.ledger->Head().sequence;
  const auto report = declarations.DeclareCsvText(110000, text, "province:110000/fuzz", "fuzz");
  if (!report.ok()) {
    // Only bad input can make it fail, and bad input is an InvalidArgument naming the cause.
    Check(report.status().code() == xclear::ErrorCode::kInvalidArgument, "bad CSV is 400");
    Check(!report.status().message().empty(), "the refusal explains");
    Check(world.ledger->Head().sequence == head_before, "nothing recorded on failure");
    return 0;
  }
  if (report->accepted) {
    Check(report->errors.empty(), "an accepted declaration has no row errors");
    Check(report->recorded + report->reversals + report->duplicates == report->rows,
          "every row is accounted for");
    const uint64_t head_after = world.ledger->Head().sequence;
    // At most two entries: the claims' (claims_declared) and the reversals' (claim_reversal).
    Check(head_after >= head_before && head_after <= head_before + 2, "at most two entries");
    Check(report->entry_sequence == 0 || report->entry_sequence == head_before + 1,
          "the claims' entry follows the old head");
    Check(report->reversal_entry_sequence == 0 || report->reversal_entry_sequence == head_after,
          "the reversals' entry is the new head");
    Check(static_cast<uint64_t>(report->entry_sequence != 0) +
                  static_cast<uint64_t>(report->reversal_entry_sequence != 0) ==
              head_after - head_before,
          "every new entry is the declaration's");
  } else {
    Check(!report->errors.empty() || report->error_count > 0, "a refusal lists its rows");
    for (const auto& error : report->errors) {
      Check(!error.reason.empty(), "every row error has a reason");
    }
    Check(world.ledger->Head().sequence == head_before, "nothing recorded on refusal");
  }
  return 0;
}
