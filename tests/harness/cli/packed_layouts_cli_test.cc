// `feedbench run` and `feedbench dataset` with the packed layouts (shards, records): a cold run of
// each on this machine's disk, what the results record of every dataset, and the bad inputs.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <string>

#include "harness/base/atomic_file.h"
#include "harness/base/json_non_finite.h"
#include "tests/support/background_feedbench.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/dataset/packed_layout.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using testing::RunCommand;
using testing::ShellQuote;

class PackedLayoutsCliTest : public ::testing::Test {
 protected:
  static json Suite() {
    return json::parse(R"({
      "schema_version": 1,
      "name": "packed",
      "dataset": {"samples": 600, "sizes": {"distribution": "uniform", "min_bytes": "4KiB", "max_bytes": "32KiB"}, "seed": 4},
      "defaults": {"repetitions": 1, "workers": 2, "batch_size": 16, "prefetch": 2},
      "workloads": [
        {"name": "files-random", "layout": "files"},
        {"name": "shards-random", "layout": "shards", "order": "random", "shard_bytes": "1MiB", "shuffle_buffer": 50},
        {"name": "shards-sequential", "layout": "shards", "order": "sequential", "shard_bytes": "1MiB"},
        {"name": "records-random", "layout": "records", "order": "random", "shard_bytes": "2MiB"},
        {"name": "records-sequential", "layout": "records", "order": "sequential", "shard_bytes": "2MiB"}
      ]
    })");
  }
  fs::path WriteSuite(const std::string& name, const json& suite) {
    const fs::path p = dir_ / (name + ".json");
    std::ofstream(p) << suite.dump(2);
    return p;
  }
  testing::CommandResult Feedbench(const std::string& args) {
    return RunCommand(std::string(FEEDBENCH_BINARY) + " " + args);
  }
  std::string Data() const { return " --data-dir " + ShellQuote((dir_ / "data").string()); }

  testing::TempDir tmp_;  // under /var/tmp: a disk, as cold runs need
  const fs::path dir_ = tmp_.path();
};

TEST_F(PackedLayoutsCliTest, ColdRunOfEachPackedWorkloadIsValidAndRecordsItsDatasets) {
  const fs::path out = dir_ / "r.json";
  const auto r = Feedbench("run --quiet --probe off --suite " + WriteSuite("packed", Suite()).string() +
                           Data() + " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json results = json::parse(NonFiniteToNull(ReadWholeFile(out)));
  const json& fb = results["context"]["feedbench"];
  std::set<std::string> layouts;
  for (const json& d : fb["datasets"]) {
    layouts.insert(d["layout"].get<std::string>());
    EXPECT_GE(d["disk_bytes"].get<uint64_t>(), d["total_bytes"].get<uint64_t>()) << d;
    EXPECT_GT(d["creation_samples_per_second"].get<double>(), 0) << d;
    EXPECT_GT(d["creation_bytes_per_second"].get<double>(), 0) << d;
    EXPECT_EQ(d["samples"], 600);
    if (d["layout"] != "files") {
      EXPECT_GT(d["containers"].get<uint64_t>(), 1u) << d;
      EXPECT_TRUE(d.contains("shard_bytes")) << d;
    }
  }
  EXPECT_EQ(layouts, (std::set<std::string>{"files", "shards", "records"}));
  size_t runs = 0;
  for (const json& b : results["benchmarks"]) {
    if (b.value("run_type", "") != "iteration") continue;
    ++runs;
    EXPECT_FALSE(b.value("error_occurred", false) &&
                 b.value("error_message", "").find("disturbed") == std::string::npos)
        << b.dump();
    EXPECT_EQ(b["samples"].get<double>(), 600) << b["name"];
    // Cold: the device delivered what was read (a shard's tar headers and padding on top).
    if (b.contains("device_read_ratio") && !b["device_read_ratio"].is_null()) {
      EXPECT_GE(b["device_read_ratio"].get<double>(), 0.5) << b["name"];
    }
  }
  EXPECT_GE(runs, 5u);
}

TEST_F(PackedLayoutsCliTest, BadPackedOptionsExitTwoNamingFileAndKey) {
  const auto with = [&](const std::string& name, int workload, const char* key, json value) {
    json suite = Suite();
    suite["workloads"][workload][key] = std::move(value);
    return WriteSuite(name, suite).string();
  };
  json unknown = Suite();
  unknown["workloads"][1]["layout"] = "webdataset";
  const struct {
    std::string suite, expect;
  } cases[] = {
      {with("nounit", 1, "shard_bytes", "64"), "workloads[1].shard_bytes"},
      {with("small", 1, "shard_bytes", "16KiB"), "smaller than a sample: samples are up to 32KiB"},
      {with("zero", 3, "shard_bytes", 0), "workloads[3].shard_bytes"},
      {with("negative", 3, "shard_bytes", -5), "workloads[3].shard_bytes"},
      {with("buffer0", 1, "shuffle_buffer", 0), "workloads[1].shuffle_buffer"},
      {with("bufseq", 2, "shuffle_buffer", 10), "workloads[2].shuffle_buffer"},
      {with("filesshard", 0, "shard_bytes", "1MiB"), "workloads[0].shard_bytes"},
      {WriteSuite("unknown", unknown).string(), "expected one of files, lmdb, tmpfs, shards, records"},
  };
  for (const auto& c : cases) {
    const auto r = Feedbench("run --suite " + c.suite + Data());
    EXPECT_EQ(r.exit_code, 2) << c.suite << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.expect)) << c.suite;
    EXPECT_THAT(r.output, HasSubstr(fs::path(c.suite).filename().string()));
  }
  EXPECT_FALSE(fs::exists(dir_ / "data"));
}

TEST_F(PackedLayoutsCliTest, DatasetCreateVerifyAndTheirBadInput) {
  const std::string dir = ShellQuote((dir_ / "s").string());
  auto r = Feedbench("dataset create --quiet --layout shards --dir " + dir +
                     " --samples 200 --size 8KiB --shard-bytes 64KiB");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("shards of at most 64KiB"));
  r = Feedbench("dataset info --dir " + dir);
  EXPECT_THAT(r.output, HasSubstr("on disk"));
  r = Feedbench("dataset create --quiet --layout shards --dir " + ShellQuote((dir_ / "t").string()) +
                " --samples 20 --size 8KiB --shard-bytes 8KiB");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--shard-bytes: 8KiB (8192 bytes) is smaller than a sample"));
  r = Feedbench("dataset create --quiet --layout shards --dir " + ShellQuote((dir_ / "t").string()) +
                " --samples 20 --size 8KiB --shard-bytes 65536");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--shard-bytes"));
  r = Feedbench("dataset create --quiet --layout files --dir " + ShellQuote((dir_ / "t").string()) +
                " --samples 20 --size 8KiB --shard-bytes 1MiB");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "t"));
  // A flipped byte in the middle of a member's payload.
  {
    std::fstream f(dir_ / "s" / "shards" / "shard-000001.tar",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(512 + 4000);
    f.put('\x7f');
  }
  r = Feedbench("dataset verify --dir " + dir);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("shard-000001.tar member"));
}

TEST_F(PackedLayoutsCliTest, RunRefusesARecordsDatasetWhoseIndexDoesNotMatchItsData) {
  json suite = Suite();
  suite["workloads"] = json::array({Suite()["workloads"][3]});
  const std::string path = WriteSuite("records", suite).string();
  auto r = Feedbench("run --quiet --probe off --keep-data --suite " + path + Data() + " --out " +
                     (dir_ / "a.json").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  fs::path records;
  for (const auto& entry : fs::directory_iterator(dir_ / "data")) {
    if (entry.path().filename().string().starts_with("records-")) records = entry.path();
  }
  ASSERT_FALSE(records.empty());
  std::ofstream(records / "records" / "data-000000.rec", std::ios::app) << "junk";
  r = Feedbench("run --quiet --probe off --keep-data --suite " + path + Data() + " --out " +
                (dir_ / "b.json").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("does not match data-000000.rec"));
  EXPECT_FALSE(fs::exists(dir_ / "b.json"));
  r = Feedbench("dataset verify --dir " + ShellQuote(records.string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("index.bin"));
}

// SIGINT while a packed dataset is generated: exit 130, the partial shards or records removed.
TEST_F(PackedLayoutsCliTest, InterruptedCreateOfAPackedLayoutRemovesItsPartialDataset) {
  for (const std::string layout : {"shards", "records"}) {
    const fs::path dir = dir_ / layout;
    testing::BackgroundFeedbench run(dir_,
                                     {"dataset", "create", "--layout", layout, "--dir",
                                      dir.string(), "--samples", "400000", "--size", "4KiB",
                                      "--shard-bytes", "4MiB", "--quiet"},
                                     dir_ / "create.log");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::error_code ec;
    while (!fs::exists(dir / kManifestName, ec) || !fs::exists(dir / layout, ec)) {
      ASSERT_FALSE(run.Ended()) << run.Output();
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "generation never seen";
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const std::optional<Manifest> manifest = ReadManifest(dir);
    ASSERT_TRUE(manifest && !manifest->complete) << "generation completed before the signal";
    run.Signal(SIGINT);
    EXPECT_EQ(run.Wait(std::chrono::seconds(60)), 128 + SIGINT) << run.Output();
    EXPECT_THAT(run.Output(), HasSubstr("while creating the " + layout + " dataset in " +
                                        dir.string() + "; removed the partial dataset"));
    EXPECT_FALSE(fs::exists(dir));
  }
}

}  // namespace
}  // namespace feedbench
