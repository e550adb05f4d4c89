// feedbench launched by mpirun (Open MPI): what runs as one job of several ranks, and what refuses.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/mpirun.h"
#include "tests/support/subprocess.h"

namespace feedbench {
namespace {

using testing::MpirunPath;
using testing::MpirunPrefix;
using testing::RunCommand;

class MpirunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (MpirunPath().empty()) GTEST_SKIP() << "mpirun (Open MPI, openmpi-bin) is not on PATH";
  }
};

TEST_F(MpirunTest, OneRankRunsAsWithoutMpirun) {
  const auto alone = RunCommand(std::string(FEEDBENCH_BINARY) + " metrics");
  const auto one_rank = RunCommand(MpirunPrefix(1) + " " + FEEDBENCH_BINARY + " metrics");
  ASSERT_EQ(alone.exit_code, 0) << alone.output;
  EXPECT_EQ(one_rank.exit_code, 0) << one_rank.output;
  EXPECT_EQ(one_rank.output, alone.output);
}

TEST_F(MpirunTest, ACommandThatDoesNotRunAsRanksIsRefusedOnceWithExit2) {
  const auto result = RunCommand(MpirunPrefix(2) + " " + FEEDBENCH_BINARY + " metrics");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  const std::string message = "feedbench: error: metrics: does not run as 2 MPI ranks";
  const size_t first = result.output.find(message);
  ASSERT_NE(first, std::string::npos) << result.output;
  EXPECT_EQ(result.output.find(message, first + 1), std::string::npos) << result.output;
}

}  // namespace
}  // namespace feedbench
