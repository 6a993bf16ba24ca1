#include "xclear/time.h"

#include <chrono>
#include <cstdio>

#include "xclear/text.h"

namespace xclear {
namespace {

namespace chrono = std::chrono;

constexpr int kYearMin = 1900;
constexpr int kYearMax = 9999;

chrono::year_month_day ToYmd(int32_t days) {
  return chrono::year_month_day{chrono::sys_days{chrono::days{days}}};
}

bool ParseDigits(std::string_view text, size_t offset, size_t count, int& out) {
  if (offset + count > text.size()) return false;
  int value = 0;
  for (size_t i = offset; i < offset + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

std::string Quote(std::string_view text) { return QuoteText(text); }

}  // namespace

Result<Date> Date::FromYmd(int year, int month, int day) {
  if (year < kYearMin || year > kYearMax) {
    return Status::InvalidArgument("year " + std::to_string(year) + " is out of range");
  }
  const chrono::year_month_day ymd{chrono::year{year}, chrono::month{static_cast<unsigned>(month)},
                                   chrono::day{static_cast<unsigned>(day)}};
  if (month < 1 || month > 12 || day < 1 || !ymd.ok()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", year, month, day);
    return Status::InvalidArgument(std::string("date ") + buffer + " does not exist");
  }
  return Date(chrono::sys_days{ymd}.time_since_epoch().count());
}

Result<Date> Date::Parse(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ParseDigits(text, 0, 4, year) ||
      !ParseDigits(text, 5, 2, month) || !ParseDigits(text, 8, 2, day)) {
    return Status::InvalidArgument("date " + Quote(text) + " is not in the form YYYY-MM-DD");
  }
  return FromYmd(year, month, day);
}

int Date::year() const { return static_cast<int>(ToYmd(days_).year()); }
int Date::month() const { return static_cast<int>(static_cast<unsigned>(ToYmd(days_).month())); }
int Date::day() const { return static_cast<int>(static_cast<unsigned>(ToYmd(days_).day())); }

Weekday Date::weekday() const {
  const unsigned iso = chrono::weekday{chrono::sys_days{chrono::days{days_}}}.iso_encoding();
  return static_cast<Weekday>(iso);
}

bool Date::is_weekend() const {
  const Weekday w = weekday();
  return w == Weekday::kSaturday || w == Weekday::kSunday;
}

std::string Date::ToString() const {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", year(), month(), day());
  return buffer;
}

int32_t DaysBetween(const Date& from, const Date& to) {
  return to.days_since_epoch() - from.days_since_epoch();
}

Result<YearMonth> YearMonth::FromYm(int year, int month) {
  // A month's deadlines run into the next year (the two-month rule, 31 March of Y+1): its year
  // must leave room for them among the dates (a 9999-12 month had a due date in year 10000).
  if (year >= kYearMax && month >= 1 && month <= 12) {
    return Status::InvalidArgument("month " + std::to_string(year) + "-" + (month < 10 ? "0" : "") +
                                   std::to_string(month) + " is out of range: months run from " +
                                   std::to_string(kYearMin) + "-01 to " +
                                   std::to_string(kYearMax - 1) + "-12");
  }
  if (year < kYearMin || year > kYearMax || month < 1 || month > 12) {
    return Status::InvalidArgument("month " + std::to_string(year) + "-" + std::to_string(month) +
                                   " does not exist");
  }
  return YearMonth(year, month);
}

Result<YearMonth> YearMonth::Parse(std::string_view text) {
  int year = 0, month = 0;
  if (text.size() != 7 || text[4] != '-' || !ParseDigits(text, 0, 4, year) ||
      !ParseDigits(text, 5, 2, month)) {
    return Status::InvalidArgument("month " + Quote(text) + " is not in the form YYYY-MM");
  }
  return FromYm(year, month);
}

YearMonth YearMonth::Of(const Date& date) { return YearMonth(date.year(), date.month()); }

YearMonth YearMonth::FromOrdinal(int32_t ordinal) {
  return YearMonth(ordinal / 12, ordinal % 12 + 1);
}

YearMonth YearMonth::AddMonths(int months) const { return FromOrdinal(Ordinal() + months); }

Date YearMonth::FirstDay() const { return Date::FromYmd(year_, month_, 1).value(); }

int YearMonth::DaysInMonth() const {
  const chrono::year_month_day_last last{
      chrono::year{year_} / chrono::month{static_cast<unsigned>(month_)} / chrono::last};
  return static_cast<int>(static_cast<unsigned>(last.day()));
}

Date YearMonth::LastDay() const { return Date::FromYmd(year_, month_, DaysInMonth()).value(); }

std::string YearMonth::ToString() const {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d", year_, month_);
  return buffer;
}

Instant Instant::FromCst(const Date& date, int hour, int minute, int second, int millis) {
  const int64_t local = static_cast<int64_t>(date.days_since_epoch()) * kMillisPerDay +
                        ((hour * 60 + minute) * 60 + second) * kMillisPerSecond + millis;
  return Instant(local - kCstOffsetMillis);
}

Date Instant::CstDate() const {
  const int64_t local = millis_ + kCstOffsetMillis;
  int64_t days = local / kMillisPerDay;
  if (local % kMillisPerDay < 0) --days;
  return Date::FromDaysSinceEpoch(static_cast<int32_t>(days));
}

std::string Instant::ToString() const {
  const Date date = CstDate();
  const int64_t local = millis_ + kCstOffsetMillis;
  const int64_t in_day = local - static_cast<int64_t>(date.days_since_epoch()) * kMillisPerDay;
  const int hour = static_cast<int>(in_day / 3'600'000);
  const int minute = static_cast<int>(in_day / 60'000 % 60);
  const int second = static_cast<int>(in_day / 1000 % 60);
  const int millis = static_cast<int>(in_day % 1000);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%sT%02d:%02d:%02d.%03d+08:00", date.ToString().c_str(),
                hour, minute, second, millis);
  return buffer;
}

Result<Instant> Instant::Parse(std::string_view text) {
  const auto malformed = [&] {
    return Status::InvalidArgument("time " + Quote(text) +
                                   " is not in the form YYYY-MM-DD[THH:MM:SS[.mmm]][+08:00|Z]");
  };
  if (text.size() < 10) return malformed();
  auto date = Date::Parse(text.substr(0, 10));
  if (!date.ok()) return date.status();
  if (text.size() == 10) return StartOfDay(*date);
  if (text[10] != 'T' && text[10] != ' ') return malformed();
  int hour = 0, minute = 0, second = 0, millis = 0;
  if (!ParseDigits(text, 11, 2, hour) || text.size() < 19 || text[13] != ':' ||
      !ParseDigits(text, 14, 2, minute) || text[16] != ':' || !ParseDigits(text, 17, 2, second)) {
    return malformed();
  }
  size_t position = 19;
  if (position < text.size() && text[position] == '.') {
    if (!ParseDigits(text, position + 1, 3, millis)) return malformed();
    position += 4;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return Status::InvalidArgument("time " + Quote(text) + " has an impossible time of day");
  }
  const std::string_view zone = text.substr(position);
  Instant cst = FromCst(*date, hour, minute, second, millis);
  if (zone.empty() || zone == "+08:00") return cst;
  if (zone == "Z") return Instant(cst.millis_ + kCstOffsetMillis);
  return Status::InvalidArgument("time " + Quote(text) +
                                 ": only China Standard Time (+08:00) or UTC (Z) is accepted");
}

Instant SystemClock::Now() const {
  const auto now = chrono::time_point_cast<chrono::milliseconds>(chrono::system_clock::now());
  return Instant::FromUnixMillis(now.time_since_epoch().count());
}

OffsetClock::OffsetClock(Instant start)
    : start_millis_(start.unix_millis()), started_(chrono::steady_clock::now()) {}

Instant OffsetClock::Now() const {
  const auto elapsed =
      chrono::duration_cast<chrono::milliseconds>(chrono::steady_clock::now() - started_);
  return Instant::FromUnixMillis(start_millis_ + elapsed.count());
}

}  // namespace xclear
