// feedbench launched by mpirun (Open MPI): what runs as one job of several ranks, and what refuses.
#include "tests/support/mpirun.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::Mpirun;
using testing::MpirunPath;
using testing::MpirunPrefix;
using testing::RankLsanEnv;
using testing::RunCommand;
using testing::TempDir;

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

// A small suite: one cold reader workload over `samples` samples of 8 KiB.
fs::path WriteSuite(const fs::path& dir, int samples, int repetitions) {
  const fs::path path = dir / "ranks.json";
  std::ofstream(path) << fmt::format(R"({{
  "schema_version": 1, "name": "ranks", "description": "feedbench run as MPI ranks",
  "dataset": {{"samples": {}, "sizes": {{"distribution": "fixed", "bytes": "8KiB"}}, "seed": 4,
              "files_per_dir": 200}},
  "defaults": {{"repetitions": {}, "epochs": 1, "cache": "cold", "workers": 2, "batch_size": 16,
               "prefetch": 2, "compute_ms_per_batch": 0, "verify": true}},
  "workloads": [{{"name": "files-random", "layout": "files", "order": "random"}}]
}})",
                                     samples, repetitions);
  return path;
}

nlohmann::json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// The /dev/shm entries a staging would leave.
std::set<std::string> Stagings() {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator("/dev/shm")) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("feedbench-stage-")) names.insert(name);
  }
  return names;
}

class MpirunRunTest : public MpirunTest {
 protected:
  // `feedbench run ARGS` as `ranks` ranks; quiet unless `progress` (rank 0's progress lines).
  std::string Run(int ranks, const std::string& args, bool progress = false) const {
    return MpirunPrefix(ranks) + " " + FEEDBENCH_BINARY + " run " + (progress ? "" : "--quiet ") +
           args;
  }
  TempDir dir_;  // under /var/tmp: a disk, as cold repetitions need
};

TEST_F(MpirunRunTest, FourRanksWriteOneResultsFileOfTheJobWithEverySampleReadOnce) {
  const fs::path suite = WriteSuite(dir_.path(), 800, 2);
  const fs::path out = dir_.path() / "out" / "job.json";
  const auto result =
      RunCommand(Run(4, fmt::format("--suite {} --data-dir {} --out {}", suite.string(),
                                    (dir_.path() / "data").string(), out.string())));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // One results file (and its timeline), written by rank 0.
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(out.parent_path())) {
    files.insert(e.path().filename().string());
  }
  EXPECT_EQ(files, (std::set<std::string>{"job.json", "job.timeline.json"}));
  const nlohmann::json results = ReadJson(out);
  const nlohmann::json& mpi = results["context"]["feedbench"]["mpi"];
  EXPECT_EQ(mpi["ranks"], 4);
  EXPECT_EQ(mpi["node_count"], 1);
  EXPECT_EQ(mpi["rank_data"], "shard");
  EXPECT_EQ(mpi["dataset_scope"], "shared");
  int repetitions = 0;
  for (const nlohmann::json& b : results["benchmarks"]) {
    if (b.value("run_type", "") != "iteration") continue;
    const nlohmann::json& ranks = mpi["workloads"]["files-random"][repetitions];
    double samples = 0, samples_per_second = 0;
    for (const nlohmann::json& r : ranks["ranks"]) {
      EXPECT_EQ(r["samples"], 200) << r;  // its quarter of the epoch
      samples += r["samples"].get<double>();
      samples_per_second += r["samples_per_second"].get<double>();
    }
    EXPECT_EQ(samples, 800);  // every sample once in the epoch
    EXPECT_EQ(b["samples"], 800);
    EXPECT_NEAR(b["samples_per_second"].get<double>(), samples_per_second,
                1e-9 * samples_per_second);
    ++repetitions;
  }
  EXPECT_EQ(repetitions, 2);
  // The generated dataset went with the run, and the data directory the run made with it.
  EXPECT_FALSE(fs::exists(dir_.path() / "data"));
}

TEST_F(MpirunRunTest, TwoNodesEachGenerateDropTheCacheAndSampleTheirDeviceOnce) {
  const fs::path suite = WriteSuite(dir_.path(), 400, 1);
  const fs::path out = dir_.path() / "job.json";
  // Two fake nodes of two ranks each, each node with a data directory of its own.
  const auto node = [&](const std::string& name) {
    return fmt::format(
        "-np 2 env {} FEEDBENCH_MPI_NODE={} {} run --quiet --suite {} --data-dir {} --out {} "
        "--dataset-scope node",
        RankLsanEnv(), name, FEEDBENCH_BINARY, suite.string(), (dir_.path() / name).string(),
        out.string());
  };
  const auto result = RunCommand(Mpirun() + " " + node("node-a") + " : " + node("node-b"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json context = ReadJson(out)["context"]["feedbench"];
  EXPECT_EQ(context["machine"]["mpi_ranks"], 4);
  EXPECT_EQ(context["machine"]["mpi_nodes"], 2);
  const nlohmann::json& mpi = context["mpi"];
  EXPECT_EQ(mpi["node_count"], 2);
  EXPECT_EQ(mpi["nodes"][0]["name"], "node-a");
  EXPECT_EQ(mpi["nodes"][0]["leader"], 0);
  EXPECT_EQ(mpi["nodes"][1]["name"], "node-b");
  EXPECT_EQ(mpi["nodes"][1]["leader"], 2);
  const nlohmann::json& repetition = mpi["workloads"]["files-random"][0];
  for (const nlohmann::json& r : repetition["ranks"]) {
    const std::string label = r["label"];
    if (r["rank"] == 0 || r["rank"] == 2) {
      // The leader made the node cold (dropping the cache, or evicting the files).
      EXPECT_THAT(label, ::testing::AnyOf(::testing::StartsWith("drop_caches"),
                                          ::testing::StartsWith("fadvise_dontneed")));
    } else {
      EXPECT_THAT(label, ::testing::StartsWith("node_leader")) << "rank " << r["rank"];
    }
  }
  ASSERT_EQ(repetition["nodes"].size(), 2u);
  for (const nlohmann::json& n : repetition["nodes"]) {
    EXPECT_TRUE(n.contains("device_read_bytes")) << n;  // each node's device, sampled
    EXPECT_EQ(n["bytes"], 200 * 8192);                  // what its two ranks read
  }
}

TEST_F(MpirunRunTest, EachNodesLeaderStagesTmpfsOnceAndItsRanksReadThatStaging) {
  const fs::path suite = dir_.path() / "tmpfs.json";
  std::ofstream(suite) << R"({
  "schema_version": 1, "name": "ranks-tmpfs", "description": "tmpfs as MPI ranks",
  "dataset": {"samples": 400, "sizes": {"distribution": "fixed", "bytes": "8KiB"}, "seed": 4,
              "files_per_dir": 200},
  "defaults": {"repetitions": 2, "epochs": 1, "workers": 2, "batch_size": 16, "prefetch": 2,
               "compute_ms_per_batch": 0, "verify": true},
  "workloads": [{"name": "tmpfs-random", "layout": "tmpfs", "order": "random"}]
})";
  const std::set<std::string> before = Stagings();
  const fs::path out = dir_.path() / "job.json";
  // Two fake nodes of two ranks each, sharing one data directory (the shared scope).
  const auto node = [&](const std::string& name) {
    return fmt::format("-np 2 env {} FEEDBENCH_MPI_NODE={} {} run --suite {} --data-dir {} --out {}",
                       RankLsanEnv(), name, FEEDBENCH_BINARY, suite.string(),
                       (dir_.path() / "data").string(), out.string());
  };
  const auto result = RunCommand(Mpirun() + " " + node("node-a") + " : " + node("node-b"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // One staging per node (its leader's), none per rank.
  size_t staged = 0;
  for (size_t at = result.output.find("staging the files dataset"); at != std::string::npos;
       at = result.output.find("staging the files dataset", at + 1)) {
    ++staged;
  }
  EXPECT_EQ(staged, 2u) << result.output;
  const nlohmann::json results = ReadJson(out);
  const nlohmann::json& mpi = results["context"]["feedbench"]["mpi"];
  EXPECT_EQ(mpi["node_count"], 2);
  for (const nlohmann::json& repetition : mpi["workloads"]["tmpfs-random"]) {
    double samples = 0;
    for (const nlohmann::json& r : repetition["ranks"]) {
      EXPECT_EQ(r["state"], "valid") << r;  // verified: every rank read the staged samples
      samples += r["samples"].get<double>();
    }
    EXPECT_EQ(samples, 400);  // every sample once per epoch, across both nodes' stagings
  }
  // The leaders removed their stagings after the run.
  EXPECT_EQ(Stagings(), before);
}

TEST_F(MpirunRunTest, BadRankInputIsExit2WithItsMessage) {
  const fs::path data = dir_.path() / "data";
  const fs::path small = WriteSuite(dir_.path(), 3, 1);
  auto result = RunCommand(Run(
      2, fmt::format("--suite {} --data-dir {} --rank-data bogus", small.string(), data.string())));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("--rank-data bogus: expected shard or all"));

  result =
      RunCommand(Run(4, fmt::format("--suite {} --data-dir {}", small.string(), data.string())));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("--rank-data shard: 4 ranks share 3 samples per epoch"));

  // Ranks 2 and 3 were given other settings than ranks 0 and 1.
  const fs::path suite = WriteSuite(dir_.path(), 100, 1);
  const std::string args =
      fmt::format("env {} {} run --quiet --suite {} --data-dir {}", RankLsanEnv(), FEEDBENCH_BINARY,
                  suite.string(), data.string());
  result = RunCommand(Mpirun() + " -np 2 " + args + " : -np 2 " + args + " --repetitions 2");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("rank 2 on "));
  EXPECT_THAT(result.output,
              HasSubstr("its suite, dataset spec or run settings differ from rank 0's"));
  EXPECT_FALSE(fs::exists(data)) << "a refused run made its data directory";
}

// The pid of the process of rank `rank` whose command line names `marker`, or 0.
pid_t RankPid(int rank, const std::string& marker) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream environ_file(e.path() / "environ"), cmdline_file(e.path() / "cmdline");
    std::stringstream environ_text, cmdline;
    environ_text << environ_file.rdbuf();
    cmdline << cmdline_file.rdbuf();
    if (cmdline.str().find(marker) == std::string::npos) continue;
    if (cmdline.str().find("feedbench") == std::string::npos) continue;
    const std::string env = environ_text.str();
    if (env.find(fmt::format("OMPI_COMM_WORLD_RANK={}", rank) + '\0') == std::string::npos) {
      continue;
    }
    return static_cast<pid_t>(std::stol(name));
  }
  return 0;
}

// Runs a long job of four ranks in the background, does `to_rank_3` to rank 3 once the job is
// under way, and returns what mpirun said and how long the job took after that.
struct Ended {
  testing::CommandResult result;
  double after_signal_sec = 0;
};

Ended SignalRankThreeMidRun(const fs::path& dir, const std::string& mpirun_run, int signal) {
  const fs::path suite = WriteSuite(dir, 400, 200);
  const fs::path log = dir / "job.log";
  const std::string command = fmt::format(
      "{} --suite {} --data-dir {} --out {} --rank-timeout 3 >{} 2>&1", mpirun_run, suite.string(),
      (dir / "data").string(), (dir / "job.json").string(), log.string());
  auto job = std::async(std::launch::async, [command] { return RunCommand(command); });
  pid_t pid = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find("repetition 3/200") != std::string::npos) {
      pid = RankPid(3, (dir / "data").string());
      if (pid != 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Ended ended;
  if (pid == 0) {
    ended.result = job.get();
    ADD_FAILURE() << "rank 3 not found under way; log:\n" << ended.result.output;
    return ended;
  }
  const auto signalled = std::chrono::steady_clock::now();
  ::kill(pid, signal);
  ended.result.exit_code = job.get().exit_code;
  ended.after_signal_sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  ended.result.output = text.str();
  return ended;
}

TEST_F(MpirunRunTest, ARankThatStopsRespondingEndsTheJobNamingItWithinTheTimeout) {
  const std::set<std::string> before = Stagings();
  const Ended ended = SignalRankThreeMidRun(dir_.path(), Run(4, "", true), SIGSTOP);
  EXPECT_EQ(ended.result.exit_code, 3) << ended.result.output;
  EXPECT_THAT(ended.result.output, HasSubstr("rank 3 (on "));
  EXPECT_THAT(ended.result.output, HasSubstr("within 3 s (stopped, hung or failed)"));
  EXPECT_LT(ended.after_signal_sec, 30) << ended.result.output;
  EXPECT_EQ(Stagings(), before);
}

TEST_F(MpirunRunTest, ARankKilledMidRunEndsTheJobNamingIt) {
  const std::set<std::string> before = Stagings();
  const Ended ended = SignalRankThreeMidRun(dir_.path(), Run(4, "", true), SIGKILL);
  EXPECT_NE(ended.result.exit_code, 0) << ended.result.output;
  EXPECT_THAT(ended.result.output, HasSubstr("rank 3"));
  EXPECT_LT(ended.after_signal_sec, 30) << ended.result.output;
  EXPECT_FALSE(fs::exists(dir_.path() / "job.json"));
  EXPECT_EQ(Stagings(), before);
}

}  // namespace
}  // namespace feedbench
