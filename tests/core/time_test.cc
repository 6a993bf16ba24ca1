#include "xclear/time.h"

#include <gtest/gtest.h>

namespace xclear {
namespace {

Date D(const char* text) { return Date::Parse(text).value(); }

TEST(Time, ParsesAndFormatsDates) {
  EXPECT_EQ(D("2026-02-28").ToString(), "2026-02-28");
  EXPECT_EQ(D("2024-02-29").AddDays(1).ToString(), "2024-03-01");
  EXPECT_FALSE(Date::Parse("2026-02-29").ok());
  EXPECT_FALSE(Date::Parse("2026-13-01").ok());
  EXPECT_FALSE(Date::Parse("2026-1-01").ok());
  EXPECT_FALSE(Date::Parse("20260101").ok());
  EXPECT_FALSE(Date::Parse("2026-01-0a").ok());
  EXPECT_EQ(D("2026-11-23").weekday(), Weekday::kMonday);
  EXPECT_TRUE(D("2026-11-22").is_weekend());
}

TEST(Time, MonthArithmeticCrossesYearEnds) {
  const YearMonth december = YearMonth::Parse("2026-12").value();
  EXPECT_EQ(december.AddMonths(2).ToString(), "2027-02");
  EXPECT_EQ(december.AddMonths(1).ToString(), "2027-01");
  EXPECT_EQ(YearMonth::Parse("2027-01")->AddMonths(-1).ToString(), "2026-12");
  EXPECT_EQ(YearMonth::Parse("2026-03")->AddMonths(-15).ToString(), "2024-12");
  EXPECT_EQ(YearMonth::FromOrdinal(december.Ordinal()), december);
  EXPECT_FALSE(YearMonth::Parse("2026-00").ok());
}

TEST(Time, LastDayOfMonthKnowsFebruaryAndLeapYears) {
  EXPECT_EQ(YearMonth::Parse("2026-02")->LastDay().ToString(), "2026-02-28");
  EXPECT_EQ(YearMonth::Parse("2028-02")->LastDay().ToString(), "2028-02-29");
  EXPECT_EQ(YearMonth::Parse("2100-02")->LastDay().ToString(), "2100-02-28");
  EXPECT_EQ(YearMonth::Parse("2026-12")->LastDay().ToString(), "2026-12-31");
  EXPECT_EQ(YearMonth::Parse("2026-04")->LastDay().ToString(), "2026-04-30");
}

TEST(Time, InstantsAreChinaStandardTime) {
  const Instant end = Instant::EndOfDay(D("2026-10-20"));
  EXPECT_EQ(end.ToString(), "2026-10-20T23:59:59.999+08:00");
  EXPECT_EQ(end.CstDate(), D("2026-10-20"));
  EXPECT_EQ(end.AddMillis(1).CstDate(), D("2026-10-21"));
  // 2026-10-20 16:00 UTC is already the 21st in Beijing.
  EXPECT_EQ(Instant::Parse("2026-10-20T16:00:00Z")->CstDate(), D("2026-10-21"));
  EXPECT_EQ(Instant::Parse("2026-10-20T15:59:59.999Z")->CstDate(), D("2026-10-20"));
  EXPECT_EQ(Instant::Parse("2026-10-20 23:59:59.999")->unix_millis(), end.unix_millis());
  EXPECT_EQ(Instant::Parse("2026-10-20T23:59:59.999+08:00")->unix_millis(), end.unix_millis());
  EXPECT_EQ(*Instant::Parse("2026-10-21"), Instant::StartOfDay(D("2026-10-21")));
  EXPECT_FALSE(Instant::Parse("2026-10-20T24:00:00").ok());
  EXPECT_FALSE(Instant::Parse("2026-10-20T10:00:00+09:00").ok());
  EXPECT_FALSE(Instant::Parse("2026-10-20T10:00").ok());
}

TEST(Time, InstantsBeforeTheEpochMapToTheRightDay) {
  const Instant before = Instant::FromCst(D("1969-12-31"), 23, 0, 0, 0);
  EXPECT_EQ(before.CstDate(), D("1969-12-31"));
  EXPECT_EQ(Instant::FromUnixMillis(-1).CstDate(), D("1970-01-01"));  // 07:59:59.999 CST
}

TEST(Time, ManualClockIsInjectable) {
  ManualClock clock(Instant::EndOfDay(D("2026-10-20")));
  EXPECT_EQ(clock.Now().CstDate(), D("2026-10-20"));
  clock.Advance(1);
  EXPECT_EQ(clock.Now().CstDate(), D("2026-10-21"));
  SystemClock system;
  EXPECT_GT(system.Now().unix_millis(), Instant::StartOfDay(D("2020-01-01")).unix_millis());
}

TEST(Time, DaysBetweenCountsWholeDays) {
  EXPECT_EQ(DaysBetween(D("2026-12-31"), D("2027-01-01")), 1);
  EXPECT_EQ(DaysBetween(D("2026-03-01"), D("2026-02-01")), -28);
}

}  // namespace
}  // namespace xclear

namespace xclear {
namespace {

TEST(YearMonthRange, AMonthMustLeaveRoomForItsDeadlines) {
  // 9999-12's two-month due date would be in year 10000: refused with a reason, not a crash.
  const auto last = YearMonth::Parse("9999-12");
  ASSERT_FALSE(last.ok());
  EXPECT_NE(last.status().message().find("out of range: months run from 1900-01 to 9998-12"),
            std::string::npos)
      << last.status().message();
  EXPECT_FALSE(YearMonth::Parse("9999-01").ok());
  ASSERT_TRUE(YearMonth::Parse("9998-12").ok());
  EXPECT_EQ(YearMonth::Parse("9998-12")->AddMonths(2).LastDay().ToString(), "9999-02-28");
}

}  // namespace
}  // namespace xclear
