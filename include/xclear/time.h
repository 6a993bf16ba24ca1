// Dates, months and instants in China Standard Time (Asia/Shanghai: UTC+8, no DST), and the
// injectable clock.
//
// An Instant is milliseconds since the Unix epoch (UTC). A Date is a CST calendar day. Policy
// deadlines are "end of day" instants: 23:59:59.999 CST of a Date, inclusive. All types here are
// plain values and thread-safe; SystemClock is thread-safe; ManualClock is safe for concurrent
// reads and writes.
#pragma once

#include <atomic>
#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "xclear/status.h"

namespace xclear {

inline constexpr int64_t kMillisPerSecond = 1000;
inline constexpr int64_t kMillisPerDay = 86'400'000;
inline constexpr int64_t kCstOffsetMillis = 8 * 3'600'000;

enum class Weekday { kMonday = 1, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };

class Date {
 public:
  constexpr Date() = default;
  static Date FromDaysSinceEpoch(int32_t days) { return Date(days); }
  // Valid years are 1900..9999; anything else is InvalidArgument.
  static Result<Date> FromYmd(int year, int month, int day);
  // Strict "YYYY-MM-DD".
  static Result<Date> Parse(std::string_view text);

  int32_t days_since_epoch() const { return days_; }
  int year() const;
  int month() const;
  int day() const;
  Weekday weekday() const;
  bool is_weekend() const;
  Date AddDays(int32_t days) const { return Date(days_ + days); }
  std::string ToString() const;  // "YYYY-MM-DD"

  auto operator<=>(const Date&) const = default;

 private:
  constexpr explicit Date(int32_t days) : days_(days) {}
  int32_t days_ = 0;
};

// A calendar month, e.g. the service month of a claim.
class YearMonth {
 public:
  constexpr YearMonth() = default;
  static Result<YearMonth> FromYm(int year, int month);
  static Result<YearMonth> Parse(std::string_view text);  // strict "YYYY-MM"
  static YearMonth Of(const Date& date);

  int year() const { return year_; }
  int month() const { return month_; }
  YearMonth AddMonths(int months) const;  // 2026-12 + 2 = 2027-02
  Date FirstDay() const;
  Date LastDay() const;
  int DaysInMonth() const;
  std::string ToString() const;  // "YYYY-MM"
  // Compact ordinal (year × 12 + month − 1), monotonic; used in storage keys.
  int32_t Ordinal() const { return year_ * 12 + month_ - 1; }
  static YearMonth FromOrdinal(int32_t ordinal);

  auto operator<=>(const YearMonth&) const = default;

 private:
  constexpr YearMonth(int year, int month) : year_(year), month_(month) {}
  int year_ = 1970;
  int month_ = 1;
};

class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant FromUnixMillis(int64_t millis) { return Instant(millis); }
  // The instant at the given CST wall-clock time on `date`.
  static Instant FromCst(const Date& date, int hour, int minute, int second, int millis);
  // 00:00:00.000 CST of date.
  static Instant StartOfDay(const Date& date) { return FromCst(date, 0, 0, 0, 0); }
  // 23:59:59.999 CST of date: the last instant at which "by <date>" is still met.
  static Instant EndOfDay(const Date& date) { return FromCst(date, 23, 59, 59, 999); }
  // Accepts "YYYY-MM-DD" (start of that CST day), "YYYY-MM-DDTHH:MM:SS[.mmm]" and the same with
  // a space instead of 'T' (CST wall time), optionally followed by "+08:00" or "Z" (UTC).
  static Result<Instant> Parse(std::string_view text);

  int64_t unix_millis() const { return millis_; }
  Date CstDate() const;
  // "2026-10-20T23:59:59.999+08:00"
  std::string ToString() const;
  Instant AddMillis(int64_t millis) const { return Instant(millis_ + millis); }

  auto operator<=>(const Instant&) const = default;

 private:
  constexpr explicit Instant(int64_t millis) : millis_(millis) {}
  int64_t millis_ = 0;
};

// Whole days from `from` to `to` (positive when `to` is later).
int32_t DaysBetween(const Date& from, const Date& to);

// Where "now" comes from. Inject it; never read the wall clock in domain code.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

// The production clock: the system's real time.
class SystemClock final : public Clock {
 public:
  Instant Now() const override;
};

// A clock that starts at a given instant and then runs with real time: the dev/test-only
// `xcleard --now` (config allow_now_override), so that a rehearsal can stand on any date.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(Instant start);
  Instant Now() const override;

 private:
  int64_t start_millis_;
  std::chrono::steady_clock::time_point started_;
};

// A clock that stands still until told otherwise: tests and the dev-only --now override.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant now) : millis_(now.unix_millis()) {}
  Instant Now() const override { return Instant::FromUnixMillis(millis_.load()); }
  void Set(Instant now) { millis_.store(now.unix_millis()); }
  void Advance(int64_t millis) { millis_.fetch_add(millis); }

 private:
  std::atomic<int64_t> millis_;
};

}  // namespace xclear
