#include "xclear/calendar.h"

#include <gtest/gtest.h>

namespace xclear {
namespace {

Date D(const char* text) { return Date::Parse(text).value(); }

class CalendarTest : public testing::Test {
 protected:
  void SetUp() override {
    auto loaded = WorkingCalendar::LoadDirectory(XCLEAR_SOURCE_DIR "/config/calendar");
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    calendar_ = std::move(loaded).value();
  }
  bool Working(const char* date) { return calendar_.IsWorkingDay(D(date)).value(); }
  WorkingCalendar calendar_;
};

TEST_F(CalendarTest, NationalDay2026IsAHolidayWeekWithAdjustedWorkingWeekends) {
  for (const char* day : {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05",
                          "2026-10-06", "2026-10-07"}) {
    EXPECT_FALSE(Working(day)) << day;
  }
  EXPECT_TRUE(Working("2026-09-20"));  // Sunday, worked
  EXPECT_TRUE(Working("2026-10-10"));  // Saturday, worked
  EXPECT_TRUE(Working("2026-10-08"));
  EXPECT_FALSE(Working("2026-10-11"));  // an ordinary Sunday
  EXPECT_EQ(*calendar_.HolidayName(D("2026-10-01")), "国庆节 National Day");
}

TEST_F(CalendarTest, SpringFestival2025And2026) {
  EXPECT_FALSE(Working("2025-01-28"));
  EXPECT_FALSE(Working("2025-02-04"));
  EXPECT_TRUE(Working("2025-01-26"));
  EXPECT_TRUE(Working("2025-02-08"));
  EXPECT_FALSE(Working("2026-02-16"));
  EXPECT_FALSE(Working("2026-02-23"));
  EXPECT_TRUE(Working("2026-02-14"));
  EXPECT_TRUE(Working("2026-02-28"));
  EXPECT_TRUE(Working("2026-02-24"));
}

TEST_F(CalendarTest, WorkingDaysAfterADateSkipTheDayItselfAndHolidays) {
  // Issued on Wed 30 Sep 2026: 1 Oct–7 Oct off, Thu 8, Fri 9, Sat 10 (worked), Mon 12, Tue 13.
  EXPECT_EQ(calendar_.AddWorkingDays(D("2026-09-30"), 1)->ToString(), "2026-10-08");
  EXPECT_EQ(calendar_.AddWorkingDays(D("2026-09-30"), 5)->ToString(), "2026-10-13");
  // An ordinary week: Mon 23 Nov 2026 + 5 working days = Mon 30 Nov.
  EXPECT_EQ(calendar_.AddWorkingDays(D("2026-11-23"), 5)->ToString(), "2026-11-30");
  // Issued on a Saturday: the Saturday never counts.
  EXPECT_EQ(calendar_.AddWorkingDays(D("2026-11-21"), 1)->ToString(), "2026-11-23");
  EXPECT_EQ(calendar_.WorkingDaysDeadline(D("2026-09-30"), 5)->ToString(),
            "2026-10-13T23:59:59.999+08:00");
}

TEST_F(CalendarTest, AYearWithoutACalendarIsAnErrorNotAGuess) {
  auto unknown = calendar_.IsWorkingDay(D("2031-05-06"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(unknown.status().message().find("2031"), std::string::npos);
  // Counting across the end of the last known year fails too.
  if (!calendar_.HasYear(2027)) {
    EXPECT_FALSE(calendar_.AddWorkingDays(D("2026-12-28"), 10).ok());
  }
}

TEST(Calendar, RejectsMalformedYears) {
  EXPECT_FALSE(WorkingCalendar::ParseYear("{").ok());
  EXPECT_FALSE(WorkingCalendar::ParseYear(R"({"year":2026,"holidays":[]})").ok());
  auto wrong_year = WorkingCalendar::ParseYear(
      R"({"year":2026,"holidays":[{"name":"x","from":"2025-10-01","to":"2025-10-02"}],"adjusted_working_days":[]})");
  ASSERT_FALSE(wrong_year.ok());
  EXPECT_NE(wrong_year.status().message().find("not in 2026"), std::string::npos);
  auto weekday_adjusted = WorkingCalendar::ParseYear(
      R"({"year":2026,"holidays":[],"adjusted_working_days":["2026-10-09"]})");
  ASSERT_FALSE(weekday_adjusted.ok());
  EXPECT_NE(weekday_adjusted.status().message().find("not a Saturday or Sunday"),
            std::string::npos);
  auto both = WorkingCalendar::ParseYear(
      R"({"year":2026,"holidays":[{"name":"x","from":"2026-10-03","to":"2026-10-04"}],"adjusted_working_days":["2026-10-04"]})");
  EXPECT_FALSE(both.ok());
  auto reversed = WorkingCalendar::ParseYear(
      R"({"year":2026,"holidays":[{"name":"x","from":"2026-10-04","to":"2026-10-03"}],"adjusted_working_days":[]})");
  EXPECT_FALSE(reversed.ok());
  EXPECT_FALSE(WorkingCalendar().AddWorkingDays(D("2026-01-01"), 0).ok());
}

}  // namespace
}  // namespace xclear
