#include "xclear/calendar.h"

#include <fstream>
#include <sstream>

#include "xclear/json.h"

namespace xclear {
namespace {

Result<Date> ParseDateField(const Poco::Dynamic::Var& value, const std::string& where) {
  if (!value.isString())
    return Status::InvalidArgument(where + ": expected a \"YYYY-MM-DD\" string");
  auto date = Date::Parse(value.extract<std::string>());
  if (!date.ok()) return date.status().WithContext(where);
  return date;
}

Status CheckInYear(const Date& date, int year, const std::string& where) {
  if (date.year() != year) {
    return Status::InvalidArgument(where + ": " + date.ToString() + " is not in " +
                                   std::to_string(year));
  }
  return Status::Ok();
}

Status ParseHolidays(const Poco::JSON::Array::Ptr& holidays, CalendarYear& out) {
  for (size_t i = 0; i < holidays->size(); ++i) {
    const std::string where = "holidays[" + std::to_string(i) + "]";
    auto holiday = holidays->getObject(static_cast<unsigned>(i));
    if (!holiday || !holiday->has("name") || !holiday->has("from") || !holiday->has("to")) {
      return Status::InvalidArgument(where + ": needs \"name\", \"from\" and \"to\"");
    }
    XCLEAR_ASSIGN_OR_RETURN(const Date from, ParseDateField(holiday->get("from"), where + ".from"));
    XCLEAR_ASSIGN_OR_RETURN(const Date to, ParseDateField(holiday->get("to"), where + ".to"));
    XCLEAR_RETURN_IF_ERROR(CheckInYear(from, out.year, where + ".from"));
    XCLEAR_RETURN_IF_ERROR(CheckInYear(to, out.year, where + ".to"));
    if (to < from) return Status::InvalidArgument(where + ": \"to\" is before \"from\"");
    const std::string name = holiday->getValue<std::string>("name");
    for (Date day = from; day <= to; day = day.AddDays(1)) {
      if (!out.holidays.emplace(day, name).second) {
        return Status::InvalidArgument(where + ": " + day.ToString() + " is listed twice");
      }
    }
  }
  return Status::Ok();
}

Status ParseAdjustedWorkingDays(const Poco::JSON::Array::Ptr& days, CalendarYear& out) {
  for (size_t i = 0; i < days->size(); ++i) {
    const std::string where = "adjusted_working_days[" + std::to_string(i) + "]";
    XCLEAR_ASSIGN_OR_RETURN(const Date day,
                            ParseDateField(days->get(static_cast<unsigned>(i)), where));
    XCLEAR_RETURN_IF_ERROR(CheckInYear(day, out.year, where));
    if (!day.is_weekend()) {
      return Status::InvalidArgument(where + ": " + day.ToString() +
                                     " is not a Saturday or Sunday, so it cannot be an adjusted "
                                     "working day");
    }
    if (out.holidays.count(day) > 0) {
      return Status::InvalidArgument(where + ": " + day.ToString() + " is also a holiday");
    }
    out.adjusted_working_days.insert(day);
  }
  return Status::Ok();
}

Status MissingYear(const Date& date) {
  return Status::FailedPrecondition("no working-day calendar for " + std::to_string(date.year()) +
                                    " (needed for " + date.ToString() + "); add config/calendar/" +
                                    std::to_string(date.year()) +
                                    ".json from the State Council's holiday notice");
}

}  // namespace

Result<CalendarYear> WorkingCalendar::ParseYear(const std::string& json_text) {
  auto read = ParseJson(json_text);
  if (!read.ok()) return read.status().WithContext("calendar");
  const Poco::Dynamic::Var parsed = *read;
  if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
    return Status::InvalidArgument("calendar must be a JSON object");
  }
  const Poco::JSON::Object::Ptr root = parsed.extract<Poco::JSON::Object::Ptr>();
  if (!root || !root->has("year") || !root->has("holidays") ||
      !root->has("adjusted_working_days")) {
    return Status::InvalidArgument(
        "calendar needs \"year\", \"holidays\" and \"adjusted_working_days\"");
  }
  CalendarYear out;
  try {
    out.year = root->getValue<int>("year");
    if (root->has("source")) out.source = root->getValue<std::string>("source");
    auto holidays = root->getArray("holidays");
    auto adjusted = root->getArray("adjusted_working_days");
    if (!holidays || !adjusted) {
      return Status::InvalidArgument("\"holidays\" and \"adjusted_working_days\" must be arrays");
    }
    XCLEAR_RETURN_IF_ERROR(ParseHolidays(holidays, out));
    XCLEAR_RETURN_IF_ERROR(ParseAdjustedWorkingDays(adjusted, out));
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("calendar field has the wrong type: " + e.displayText());
  }
  return out;
}

Result<WorkingCalendar> WorkingCalendar::LoadDirectory(const std::filesystem::path& directory) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return Status::NotFound("calendar directory " + directory.string() + " does not exist");
  }
  WorkingCalendar calendar;
  for (const auto& file : std::filesystem::directory_iterator(directory)) {
    if (file.path().extension() != ".json") continue;
    std::ifstream in(file.path());
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return Status::IoError("cannot read " + file.path().string());
    auto year = ParseYear(text.str());
    if (!year.ok()) return year.status().WithContext(file.path().string());
    if (file.path().stem().string() != std::to_string(year->year)) {
      return Status::InvalidArgument(file.path().string() + ": holds year " +
                                     std::to_string(year->year) + ", the file name says otherwise");
    }
    XCLEAR_RETURN_IF_ERROR(calendar.AddYear(std::move(year).value()));
  }
  return calendar;
}

Status WorkingCalendar::AddYear(CalendarYear year) {
  const int number = year.year;
  if (!years_.emplace(number, std::move(year)).second) {
    return Status::AlreadyExists("calendar year " + std::to_string(number) + " loaded twice");
  }
  return Status::Ok();
}

std::vector<int> WorkingCalendar::Years() const {
  std::vector<int> out;
  for (const auto& [year, unused] : years_) out.push_back(year);
  return out;
}

Result<bool> WorkingCalendar::IsWorkingDay(const Date& date) const {
  const auto year = years_.find(date.year());
  if (year == years_.end()) return MissingYear(date);
  if (year->second.holidays.count(date) > 0) return false;
  if (year->second.adjusted_working_days.count(date) > 0) return true;
  return !date.is_weekend();
}

Result<std::string> WorkingCalendar::HolidayName(const Date& date) const {
  const auto year = years_.find(date.year());
  if (year == years_.end()) return MissingYear(date);
  const auto holiday = year->second.holidays.find(date);
  return holiday == year->second.holidays.end() ? std::string() : holiday->second;
}

Result<Date> WorkingCalendar::AddWorkingDays(const Date& date, int working_days) const {
  if (working_days < 1) {
    return Status::InvalidArgument("working days must be at least 1, got " +
                                   std::to_string(working_days));
  }
  Date day = date;
  int counted = 0;
  while (counted < working_days) {
    day = day.AddDays(1);
    XCLEAR_ASSIGN_OR_RETURN(const bool working, IsWorkingDay(day));
    if (working) ++counted;
  }
  return day;
}

Result<Instant> WorkingCalendar::WorkingDaysDeadline(const Date& date, int working_days) const {
  XCLEAR_ASSIGN_OR_RETURN(const Date last, AddWorkingDays(date, working_days));
  return Instant::EndOfDay(last);
}

}  // namespace xclear
