#include "harness/base/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace feedbench {
namespace {

std::vector<std::string> FeedAll(LineSplitter& splitter, const std::vector<std::string>& reads,
                                 bool finish = true) {
  std::vector<std::string> lines;
  auto take = [&lines](std::string_view line) { lines.emplace_back(line); };
  for (const std::string& r : reads) splitter.Feed(r, take);
  if (finish) splitter.Finish(take);
  return lines;
}

TEST(LineSplitter, SplitsAtNewlinesAcrossReadsAndKeepsThePartialLastLine) {
  LineSplitter splitter;
  EXPECT_EQ(FeedAll(splitter, {"Epoch 1\nstep", " 1\n\nEpo", "ch 2\npartial"}),
            (std::vector<std::string>{"Epoch 1", "step 1", "", "Epoch 2", "partial"}));
  EXPECT_TRUE(splitter.pending().empty());
}

TEST(LineSplitter, AWholeLineWaitsForItsNewline) {
  LineSplitter splitter;
  EXPECT_TRUE(FeedAll(splitter, {"no newline yet"}, false).empty());
  EXPECT_EQ(splitter.pending(), "no newline yet");
}

TEST(LineSplitter, KeepsCarriageReturnsAndEveryOtherByte) {
  LineSplitter splitter;
  EXPECT_EQ(FeedAll(splitter, {std::string("a\r\nb\0c\n", 7)}),
            (std::vector<std::string>{"a\r", std::string("b\0c", 3)}));
}

TEST(LineSplitter, ALineLongerThanTheLimitComesInPiecesEndingAtItsNewline) {
  LineSplitter splitter(4);
  EXPECT_EQ(FeedAll(splitter, {"abcdefghij\nxyz", "w\n"}),
            (std::vector<std::string>{"abcd", "efgh", "ij", "xyzw"}));
  LineSplitter across(4);
  EXPECT_EQ(FeedAll(across, {"ab", "cdef", "gh\n"}), (std::vector<std::string>{"abcd", "efgh"}));
}

}  // namespace
}  // namespace feedbench
