// libFuzzer target: the configuration loader and the working-day calendar parser. Any text is
// either a configuration whose values are within their documented ranges, or an error naming
// the key; never a crash.
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "xclear/calendar.h"
#include "xclear/config.h"

using xclear::fuzzing::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto config = xclear::ParseConfig(text, "/nonexistent-xclear-fuzz");
  if (config.ok()) {
    Check(config->participants.size() >= 2, "config->participants.size() >= 2");
    Check(
        config->rules.declaration_deadline_day >= 1 && config->rules.declaration_deadline_day <= 28,
        "config->rules.declaration_deadline_day >= 1 && config->rules.declaration_deadline_day <= "
        "28");
    Check(config->rules.usage_yellow_hundredths <= config->rules.usage_red_hundredths,
          "config->rules.usage_yellow_hundredths <= config->rules.usage_red_hundredths");
    Check(config->rules.claim_amount_max.is_positive(),
          "config->rules.claim_amount_max.is_positive()");
    Check(config->storage.write_group_entries_max >= 1,
          "config->storage.write_group_entries_max >= 1");
    Check(config->service.request_body_bytes_max > 0, "config->service.request_body_bytes_max > 0");
    // The same text gives the same configuration.
    const auto again = xclear::ParseConfig(text, "/nonexistent-xclear-fuzz");
    Check(again.ok() && again->participants.size() == config->participants.size(),
          "again.ok() && again->participants.size() == config->participants.size()");
  } else {
    Check(!config.status().message().empty(), "!config.status().message().empty()");
  }
  const auto year = xclear::WorkingCalendar::ParseYear(text);
  if (!year.ok()) Check(!year.status().message().empty(), "!year.status().message().empty()");
  return 0;
}
