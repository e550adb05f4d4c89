// `feedbench fio --clients HOSTFILE` end to end: real `fio --server`s on 127.0.0.1 (ports picked
// free, loopback only), each reading a test file of its own in a scratch directory; the aggregate
// against the servers' own figures, the servers' files removed or kept, and the bad-input and
// environment exits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness/base/atomic_file.h"
#include "harness/base/json_non_finite.h"
#include "harness/results/gbench_adapter.h"
#include "tests/support/fio_server.h"
#include "tests/support/gate_helpers.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using testing::RunFeedbench;
using testing::ShellQuote;

class FioClientsCli : public ::testing::Test {
 protected:
  // A hostfile of `servers`, each with a directory of its own under the scratch directory.
  fs::path Hostfile(const std::vector<const testing::FioServerProcess*>& servers) {
    std::string text = "# loopback fio servers\n";
    for (size_t i = 0; i < servers.size(); ++i) {
      text += "127.0.0.1:" + std::to_string(servers[i]->port()) + " " + ServerDir(i).string() +
              "\n";
    }
    const fs::path path = dir_ / "hosts.txt";
    WriteFileAtomic(path, text);
    return path;
  }
  fs::path ServerDir(size_t i) const { return dir_ / ("server" + std::to_string(i + 1)); }

  static json Load(const fs::path& path) {
    return json::parse(NonFiniteToNull(ReadWholeFile(path)));
  }
  // The repetitions of `workload` in the results, in order.
  static std::vector<json> Repetitions(const json& results, const std::string& workload) {
    std::vector<json> out;
    for (const auto& b : results["benchmarks"]) {
      if (WorkloadNameOf(b) == workload && b.value("run_type", "") == "iteration") {
        out.push_back(b);
      }
    }
    return out;
  }

  testing::ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

TEST_F(FioClientsCli, TheAggregateIsTheServersSumAndTheirTestFilesGoAfterwards) {
  testing::FioServerProcess a(dir_ / "a.log"), b(dir_ / "b.log");
  const fs::path hosts = Hostfile({&a, &b});
  const fs::path out = dir_ / "results" / "clients.json";
  const auto r = RunFeedbench("fio --clients " + ShellQuote(hosts.string()) +
                              " --profile seq-read --profile rand-read-4k-qd1 --size 16MiB "
                              "--runtime-s 1 --ramp-s 0 --repetitions 2 --out " +
                              ShellQuote(out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("checking 2 fio servers"));
  EXPECT_THAT(r.output, HasSubstr("[4/4] rand-read-4k-qd1 repetition 2/2 on 2 fio servers"));
  EXPECT_THAT(r.output, HasSubstr("per server"));
  const json results = Load(out);
  const json& context = results["context"]["feedbench"];
  const std::string pa = "127.0.0.1:" + std::to_string(a.port());
  const std::string pb = "127.0.0.1:" + std::to_string(b.port());
  EXPECT_EQ(context["machine"]["fio_servers"], pa + ", " + pb);
  const json& clients = context["fio_clients"];
  ASSERT_EQ(clients["servers"].size(), 2u);
  EXPECT_EQ(clients["servers"][0]["server"], pa);
  EXPECT_EQ(clients["servers"][1]["test_file"], (ServerDir(1) / "feedbench-fio-testfile").string());
  for (const std::string workload : {"seq-read", "rand-read-4k-qd1"}) {
    SCOPED_TRACE(workload);
    const std::vector<json> reps = Repetitions(results, workload);
    ASSERT_EQ(reps.size(), 2u);
    for (size_t i = 0; i < reps.size(); ++i) {
      const json& per_server = clients["workloads"][workload][i]["servers"];
      ASSERT_EQ(per_server.size(), 2u);
      const double sum = per_server[0]["bytes_per_second"].get<double>() +
                         per_server[1]["bytes_per_second"].get<double>();
      EXPECT_GT(per_server[0]["bytes_per_second"].get<double>(), 0);
      EXPECT_GT(per_server[1]["bytes_per_second"].get<double>(), 0);
      EXPECT_DOUBLE_EQ(reps[i]["bytes_per_second"].get<double>(), sum);
      EXPECT_DOUBLE_EQ(reps[i]["iops"].get<double>(), per_server[0]["iops"].get<double>() +
                                                          per_server[1]["iops"].get<double>());
      // p99: the larger server's (an upper bound of the pooled percentile).
      EXPECT_DOUBLE_EQ(reps[i]["lat_p99_us"].get<double>(),
                       std::max(per_server[0]["lat_p99_us"].get<double>(),
                                per_server[1]["lat_p99_us"].get<double>()));
    }
  }
  // fio laid out each server's test file in its own directory, and the last run removed them.
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(fs::is_directory(ServerDir(i)));
    EXPECT_FALSE(fs::exists(ServerDir(i) / "feedbench-fio-testfile"));
  }
  // fio's job files (one per server) and output stay beside the results.
  EXPECT_TRUE(fs::exists(dir_ / "results" / "clients.fio-clients" / "seq-read-1.1.fio"));
  EXPECT_TRUE(fs::exists(dir_ / "results" / "clients.fio-clients" / "seq-read-1.2.fio"));
}

TEST_F(FioClientsCli, KeepDataLeavesTheServersTestFilesForTheNextRun) {
  testing::FioServerProcess a(dir_ / "a.log");
  const fs::path hosts = Hostfile({&a});
  const auto r = RunFeedbench("fio --clients " + ShellQuote(hosts.string()) +
                              " --profile rand-read-4k-qd1 --size 8MiB --runtime-s 1 --ramp-s 0 "
                              "--keep-data --quiet --out " + ShellQuote((dir_ / "k.json").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(fs::file_size(ServerDir(0) / "feedbench-fio-testfile"), 8u << 20);
  // One server: its figures are the aggregate.
  const json results = Load(dir_ / "k.json");
  const auto reps = Repetitions(results, "rand-read-4k-qd1");
  ASSERT_EQ(reps.size(), 1u);
  EXPECT_DOUBLE_EQ(
      reps[0]["bytes_per_second"].get<double>(),
      results["context"]["feedbench"]["fio_clients"]["workloads"]["rand-read-4k-qd1"][0]
             ["servers"][0]["bytes_per_second"]
                 .get<double>());
}

TEST_F(FioClientsCli, AServerThatDoesNotAnswerEndsTheRunAtOnceNamed) {
  testing::FioServerProcess a(dir_ / "a.log");
  const uint16_t closed = testing::FreeLoopbackPort();
  const fs::path hosts = dir_ / "hosts.txt";
  WriteFileAtomic(hosts, "127.0.0.1:" + std::to_string(a.port()) + " " + ServerDir(0).string() +
                             "\n127.0.0.1:" + std::to_string(closed) + " " +
                             ServerDir(1).string() + "\n");
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = RunFeedbench("fio --clients " + ShellQuote(hosts.string()) +
                              " --profile seq-read --size 8MiB --runtime-s 1 --ramp-s 0 --out " +
                              ShellQuote((dir_ / "x.json").string()));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("127.0.0.1:" + std::to_string(closed) + " (" + hosts.string() +
                                  ":2): connection refused"));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  EXPECT_FALSE(fs::exists(dir_ / "x.json"));
  EXPECT_FALSE(fs::exists(ServerDir(0)));  // nothing ran
}

TEST_F(FioClientsCli, AServerStoppedMidRunFailsTheRepetitionAndTheRunExits1) {
  testing::FioServerProcess a(dir_ / "a.log");
  const fs::path hosts = Hostfile({&a});
  std::thread stopper([&a] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    a.Stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = RunFeedbench("fio --clients " + ShellQuote(hosts.string()) +
                              " --profile rand-read-4k-qd1 --size 8MiB --runtime-s 20 --ramp-s 0 "
                              "--out " + ShellQuote((dir_ / "s.json").string()));
  stopper.join();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("failed"));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  // The run is recorded, its repetition failed with fio's reason.
  const json results = Load(dir_ / "s.json");
  const auto reps = Repetitions(results, "rand-read-4k-qd1");
  ASSERT_EQ(reps.size(), 1u);
  EXPECT_TRUE(reps[0].value("error_occurred", false)) << reps[0].dump();
}

TEST_F(FioClientsCli, BadInputExits2NamingTheFlagOrTheLine) {
  const fs::path hosts = dir_ / "hosts.txt";
  WriteFileAtomic(hosts, "127.0.0.1:8765\nnode2:99999\n");
  const fs::path good = dir_ / "good.txt";
  WriteFileAtomic(good, "127.0.0.1:1\n");
  struct Case {
    std::string args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"fio --clients " + (dir_ / "none.txt").string(), "cannot read the hostfile"},
      {"fio --clients " + hosts.string(), hosts.string() + ":2"},
      {"fio --clients " + good.string() + " --profile smallfile", "--profile smallfile"},
      {"fio --clients " + good.string() + " --jobs 4", "--jobs: does not apply with --clients"},
      {"fio --clients " + good.string() + " --remote-dir data", "--remote-dir \"data\""},
      {"fio --clients " + good.string() + " --remote-dir /dev/shm/x", "under /dev"},
      {"fio --clients " + good.string() + " --connect-timeout-s 0", "--connect-timeout-s 0"},
      {"fio --clients " + good.string() + " --runtime-s 0", "--runtime-s 0"},
      {"fio --remote-dir /srv/x", "--remote-dir: applies only with --clients"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    const auto r = RunFeedbench(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.says));
  }
}

}  // namespace
}  // namespace feedbench
