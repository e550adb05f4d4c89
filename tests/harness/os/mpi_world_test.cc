#include "harness/os/mpi_world.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "tests/support/mpirun.h"
#include "tests/support/subprocess.h"

namespace feedbench {
namespace {

using testing::Mpirun;
using testing::MpirunPath;
using testing::MpirunPrefix;
using testing::RankLsanEnv;
using testing::RunCommand;

std::optional<MpiLaunch> DetectFrom(const std::map<std::string, std::string>& env) {
  return DetectMpiLaunch([&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(MpiWorldTest, NoMpirunEnvironmentIsNoLaunch) {
  EXPECT_FALSE(DetectFrom({}).has_value());
  EXPECT_FALSE(DetectFrom({{"OMPI_COMM_WORLD_RANK", "0"}}).has_value());
}

TEST(MpiWorldTest, ReadsRankSizeAndLocalRankFromMpirunEnvironment) {
  const auto launch = DetectFrom({{"OMPI_COMM_WORLD_SIZE", "8"},
                                  {"OMPI_COMM_WORLD_RANK", "5"},
                                  {"OMPI_COMM_WORLD_LOCAL_RANK", "1"}});
  ASSERT_TRUE(launch.has_value());
  EXPECT_EQ(launch->size, 8);
  EXPECT_EQ(launch->rank, 5);
  EXPECT_EQ(launch->local_rank, 1);
}

TEST(MpiWorldTest, MalformedMpirunEnvironmentIsAnEnvironmentErrorNamingTheVariable) {
  try {
    DetectFrom({{"OMPI_COMM_WORLD_SIZE", "four"},
                {"OMPI_COMM_WORLD_RANK", "0"},
                {"OMPI_COMM_WORLD_LOCAL_RANK", "0"}});
    FAIL() << "accepted a size that is not a number";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find("OMPI_COMM_WORLD_SIZE=four"), std::string::npos);
  }
  EXPECT_THROW(DetectFrom({{"OMPI_COMM_WORLD_SIZE", "2"},
                           {"OMPI_COMM_WORLD_RANK", "2"},
                           {"OMPI_COMM_WORLD_LOCAL_RANK", "0"}}),
               EnvironmentError);
  EXPECT_THROW(DetectFrom({{"OMPI_COMM_WORLD_SIZE", "2"}, {"OMPI_COMM_WORLD_RANK", "1"}}),
               EnvironmentError);
}

TEST(MpiWorldTest, PlacementGroupsRanksByNodeName) {
  const RankPlacement placement{{"a", "b", "a", "b", "c"}};
  EXPECT_EQ(placement.NodeCount(), 3);
  EXPECT_EQ(placement.NodeIndexOf(0), 0);
  EXPECT_EQ(placement.NodeIndexOf(3), 1);
  EXPECT_EQ(placement.NodeIndexOf(4), 2);
  EXPECT_EQ(placement.LocalRankOf(0), 0);
  EXPECT_EQ(placement.LocalRankOf(2), 1);
  EXPECT_EQ(placement.LocalRankOf(3), 1);
  EXPECT_EQ(placement.NodeLeaders(), (std::vector<int>{0, 1, 4}));
}

TEST(MpiWorldTest, WithoutMpirunTheWorldIsThisProcessAlone) {
  MpiWorld& world = MpiWorld::Process();
  EXPECT_FALSE(world.Launched());
  EXPECT_EQ(world.Rank(), 0);
  EXPECT_EQ(world.Size(), 1);
  EXPECT_EQ(world.NodeCount(), 1);
  EXPECT_TRUE(world.NodeLeader());
  EXPECT_EQ(world.Barrier("nothing", 1), 0);
  EXPECT_EQ(world.GatherToRoot("mine"), std::vector<std::string>{"mine"});
  EXPECT_EQ(world.BroadcastFromRoot("root"), "root");
  EXPECT_FALSE(world.FirstRankDiffering(7).has_value());
}

class MpiWorldUnderMpirunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (MpirunPath().empty()) GTEST_SKIP() << "mpirun (Open MPI, openmpi-bin) is not on PATH";
  }
  static std::string Probe(const std::string& args) {
    return std::string(FEEDBENCH_MPI_WORLD_PROBE) + " " + args;
  }
};

TEST_F(MpiWorldUnderMpirunTest, FourRanksOnOneNodeOneLeader) {
  const auto result = RunCommand(MpirunPrefix(4) + " " + Probe("place"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (int r = 0; r < 4; ++r) {
    EXPECT_NE(result.output.find(fmt::format("rank {} of 4 ", r)), std::string::npos)
        << result.output;
    EXPECT_NE(
        result.output.find(fmt::format("index 0 of 1 local {}{}", r, r == 0 ? " leader" : "\n")),
        std::string::npos)
        << result.output;
  }
}

TEST_F(MpiWorldUnderMpirunTest, NodeNamesFromTheEnvironmentMakeTwoNodesWithALeaderEach) {
  const std::string node_a =
      "-np 2 env " + RankLsanEnv() + " FEEDBENCH_MPI_NODE=fake-a " + Probe("place");
  const std::string node_b =
      "-np 2 env " + RankLsanEnv() + " FEEDBENCH_MPI_NODE=fake-b " + Probe("place");
  const auto result = RunCommand(Mpirun() + " " + node_a + " : " + node_b);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("rank 0 of 4 node fake-a index 0 of 2 local 0 leader"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("rank 1 of 4 node fake-a index 0 of 2 local 1\n"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("rank 2 of 4 node fake-b index 1 of 2 local 0 leader"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("rank 3 of 4 node fake-b index 1 of 2 local 1\n"), std::string::npos)
      << result.output;
}

TEST_F(MpiWorldUnderMpirunTest, GathersEveryRanksBytesToRankZeroInRankOrder) {
  const auto result = RunCommand(MpirunPrefix(4) + " " + Probe("exchange"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const size_t first = result.output.find(
      "gathered: bytes of rank 0\ngathered: bytes of rank 1\n"
      "gathered: bytes of rank 2\ngathered: bytes of rank 3\n");
  EXPECT_NE(first, std::string::npos) << result.output;
  for (int r = 0; r < 4; ++r) {
    EXPECT_NE(result.output.find(fmt::format("rank {} received: from rank 0", r)),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find(fmt::format("rank {} differing: -1", r)), std::string::npos)
        << result.output;
  }
}

TEST_F(MpiWorldUnderMpirunTest, EveryRankLearnsWhichRankHashDiffers) {
  const auto result = RunCommand(MpirunPrefix(4) + " " + Probe("differ 2"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (int r = 0; r < 4; ++r) {
    EXPECT_NE(result.output.find(fmt::format("rank {} differing: 2", r)), std::string::npos)
        << result.output;
  }
}

TEST_F(MpiWorldUnderMpirunTest, ARankThatNeverArrivesEndsTheJobNamingIt) {
  const auto start = std::chrono::steady_clock::now();
  const auto result = RunCommand(MpirunPrefix(4) + " " + Probe("hang 3"));
  const double took_sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_NE(result.output.find("rank 3 (on "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("did not reach the first repetition within 2 s"), std::string::npos)
      << result.output;
  // The job ended at rank 0's deadline, not after the hanging rank's 60 s.
  EXPECT_LT(took_sec, 50) << result.output;
}

}  // namespace
}  // namespace feedbench
