// Parsing the aggregate cpu line of /proc/stat.
#include "harness/os/cpu_times.h"

#include <gtest/gtest.h>

namespace feedbench {
namespace {

// The first lines of /proc/stat on this 2-vCPU VM (kernel 6.18).
constexpr std::string_view kCapture =
    "cpu  349852 0 56701 111676 27793 0 2576 86 0 0\n"
    "cpu0 169137 0 24288 66455 15036 0 208 37 0 0\n"
    "cpu1 180715 0 32413 45220 12757 0 2368 49 0 0\n"
    "intr 123 0 0\n";

TEST(CpuTimes, ParsesTheAggregateLineNotAPerCpuOne) {
  const auto t = ParseCpuTimes(kCapture);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->user_ticks, 349852u);
  EXPECT_EQ(t->system_ticks, 56701u);
  EXPECT_EQ(t->idle_ticks, 111676u);
  EXPECT_EQ(t->iowait_ticks, 27793u);
  EXPECT_EQ(t->softirq_ticks, 2576u);
  EXPECT_EQ(t->steal_ticks, 86u);
  // 349852 + 0 + 56701 + 111676 + 27793 + 0 + 2576 + 86 (guest columns are inside user).
  EXPECT_EQ(t->total_ticks(), 548684u);
}

TEST(CpuTimes, AnOldKernelWithoutStealHasNone) {
  const auto t = ParseCpuTimes("cpu  10 0 5 100 2 0 1\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->steal_ticks, 0u);
  EXPECT_EQ(t->total_ticks(), 118u);
}

TEST(CpuTimes, TextWithoutTheAggregateLineIsNothing) {
  EXPECT_FALSE(ParseCpuTimes("cpu0 1 2 3 4 5 6 7 8\n").has_value());
  EXPECT_FALSE(ParseCpuTimes("cpu  1 2\n").has_value());
  EXPECT_FALSE(ParseCpuTimes("cpu  1 x 3 4\n").has_value());
  EXPECT_FALSE(ParseCpuTimes("").has_value());
}

TEST(CpuTimes, ThisNodeHasThem) { EXPECT_TRUE(ReadCpuTimes().has_value()); }

// /proc/self/stat of `cat` on this VM; fields 14-17 (utime stime cutime cstime) set by hand.
TEST(ProcessCpuTicks, ReadsUtimeStimeCutimeCstime) {
  const auto t = ParseProcessCpuTicks(
      "25251 (cat) R 25249 25249 8139 0 -1 4194304 102 0 0 0 12 5 30 4 20 0 1 0 2056685 "
      "3133440 394 18446744073709551615 0 0 0 0\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->self_ticks, 17u);
  EXPECT_EQ(t->children_ticks, 34u);
  EXPECT_EQ(t->total_ticks(), 51u);
}

TEST(ProcessCpuTicks, ACommandNameWithBlanksAndParenthesesIsSkippedWhole) {
  const auto t = ParseProcessCpuTicks("7 (a) b (c)) S 1 7 1 0 -1 0 0 0 0 0 1 2 3 4 20 0\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->self_ticks, 3u);
  EXPECT_EQ(t->children_ticks, 7u);
}

TEST(ProcessCpuTicks, ShortOrGarbledLinesAreNothing) {
  EXPECT_FALSE(ParseProcessCpuTicks("").has_value());
  EXPECT_FALSE(ParseProcessCpuTicks("7 cat S 1 7 1 0 -1 0 0 0 0 0 1 2 3 4").has_value());
  EXPECT_FALSE(ParseProcessCpuTicks("7 (cat) S 1 7 1 0 -1 0 0 0 0 0 1 2 3").has_value());
  EXPECT_FALSE(ParseProcessCpuTicks("7 (cat) S 1 7 1 0 -1 0 0 0 0 0 1 -2 3 4").has_value());
  EXPECT_FALSE(ParseProcessCpuTicks("7 (cat) S 1 7 1 0 -1 0 0 0 0 0 1 2x 3 4").has_value());
}

}  // namespace
}  // namespace feedbench
