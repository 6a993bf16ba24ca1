// The working-day calendar of the People's Republic of China.
//
// A working day is Monday–Friday, minus public holidays, plus the officially adjusted working
// weekend days (调休). The data come from the State Council's yearly notice, one JSON file a year
// (config/calendar/YYYY.json). Asking about a year that has no file is an error, never a guess.
// Thread safety: immutable after loading; safe for concurrent reads.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "xclear/status.h"
#include "xclear/time.h"

namespace xclear {

struct CalendarYear {
  int year = 0;
  std::string source;                    // the notice the data come from
  std::map<Date, std::string> holidays;  // date → holiday name
  std::set<Date> adjusted_working_days;  // weekend days that are working days
};

class WorkingCalendar {
 public:
  WorkingCalendar() = default;

  // Loads every "YYYY.json" file in `directory`. Fails with the file and the reason when a file
  // is malformed: a date outside its year, a holiday that is also a working day, an adjusted
  // working day that is not a weekend day, a year that does not match the file name.
  static Result<WorkingCalendar> LoadDirectory(const std::filesystem::path& directory);
  // Parses one year's JSON text (the file format of config/calendar/, see docs/calendar.md).
  static Result<CalendarYear> ParseYear(const std::string& json_text);

  Status AddYear(CalendarYear year);

  bool HasYear(int year) const { return years_.count(year) > 0; }
  std::vector<int> Years() const;

  // Whether `date` is a working day; FailedPrecondition when its year has no calendar.
  Result<bool> IsWorkingDay(const Date& date) const;
  // The holiday's name, or empty when `date` is not a public holiday.
  Result<std::string> HolidayName(const Date& date) const;

  // The N-th working day strictly after `date` (date itself never counts). N ≥ 1.
  Result<Date> AddWorkingDays(const Date& date, int working_days) const;
  // "Within N working days of day D": the end (23:59:59.999 CST) of AddWorkingDays(D, N).
  Result<Instant> WorkingDaysDeadline(const Date& date, int working_days) const;

 private:
  std::map<int, CalendarYear> years_;
};

}  // namespace xclear
