#include "harness/measure/job_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace feedbench {
namespace {

using std::chrono::system_clock;

std::vector<std::string> Texts(const std::vector<StampedLine>& lines) {
  std::vector<std::string> texts;
  for (const StampedLine& l : lines) texts.push_back(l.text);
  return texts;
}

TEST(JobLog, KeepsEveryLineInOrderWithItsStampAndMakesMarksOfMatches) {
  JobLog log(MarkPattern(R"(Epoch \d+)"));
  const auto t0 = system_clock::now();
  EXPECT_EQ(log.Add(OutputSource::kStdout, "loading", 0.01, t0), nullptr);
  const Mark* m = log.Add(OutputSource::kStdout, "Epoch 1 of 2", 0.5, t0);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->name, "Epoch 1");
  EXPECT_EQ(m->line, "Epoch 1 of 2");
  EXPECT_EQ(m->offset_sec, 0.5);
  log.Add(OutputSource::kStderr, "warning: slow", 0.6, t0);
  log.Add(OutputSource::kLogFile, "Epoch 2 of 2", 1.5, t0);
  const std::vector<StampedLine> lines = log.Lines();
  EXPECT_EQ(Texts(lines),
            (std::vector<std::string>{"loading", "Epoch 1 of 2", "warning: slow", "Epoch 2 of 2"}));
  EXPECT_EQ(lines[2].source, OutputSource::kStderr);
  EXPECT_EQ(lines[3].source, OutputSource::kLogFile);
  EXPECT_EQ(lines[3].offset_sec, 1.5);
  ASSERT_EQ(log.marks().size(), 2u);
  EXPECT_EQ(log.marks()[1].source, OutputSource::kLogFile);
  EXPECT_EQ(log.total_lines(), 4u);
  EXPECT_EQ(log.matched_lines(), 2u);
  EXPECT_EQ(log.omitted_lines(), 0u);
}

TEST(JobLog, WithoutAPatternNoLineIsAMark) {
  JobLog log(std::nullopt);
  EXPECT_EQ(log.Add(OutputSource::kStdout, "Epoch 1", 0, system_clock::now()), nullptr);
  EXPECT_TRUE(log.marks().empty());
}

TEST(JobLog, ALongLineIsKeptUpTo4096BytesAndTheRestCounted) {
  JobLog log(std::nullopt);
  log.Add(OutputSource::kStdout, std::string(5000, 'x'), 0, system_clock::now());
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text.size(), kStampedLineBytes);
  EXPECT_EQ(lines[0].cut_bytes, 5000 - kStampedLineBytes);
}

// Past keep_lines: the first half and the last half, every marked line between them, and the
// count of the others.
TEST(JobLog, AChattyJobKeepsItsStartItsEndAndEveryMark) {
  JobLog log(MarkPattern("^Epoch"), 10);
  for (int i = 0; i < 100; ++i) {
    log.Add(OutputSource::kStdout, i == 50 ? "Epoch 2" : "line " + std::to_string(i), i,
            system_clock::now());
  }
  EXPECT_EQ(Texts(log.Lines()),
            (std::vector<std::string>{"line 0", "line 1", "line 2", "line 3", "line 4", "Epoch 2",
                                      "line 95", "line 96", "line 97", "line 98", "line 99"}));
  EXPECT_EQ(log.total_lines(), 100u);
  EXPECT_EQ(log.omitted_lines(), 89u);
}

TEST(JobLog, KeepingNoLinesStillKeepsTheMarks) {
  JobLog log(MarkPattern("^Epoch"), 0);
  log.Add(OutputSource::kStdout, "line", 0, system_clock::now());
  log.Add(OutputSource::kStdout, "Epoch 1", 1, system_clock::now());
  EXPECT_EQ(Texts(log.Lines()), (std::vector<std::string>{"Epoch 1"}));
  EXPECT_EQ(log.marks().size(), 1u);
  EXPECT_EQ(log.omitted_lines(), 1u);
}

TEST(JobLog, MarksPastTheLimitAreCountedNotKept) {
  JobLog log(MarkPattern("^Epoch"), 0, 3);
  for (int i = 0; i < 5; ++i) {
    log.Add(OutputSource::kStdout, "Epoch " + std::to_string(i), i, system_clock::now());
  }
  EXPECT_EQ(log.marks().size(), 3u);
  EXPECT_EQ(log.matched_lines(), 5u);
}

}  // namespace
}  // namespace feedbench
