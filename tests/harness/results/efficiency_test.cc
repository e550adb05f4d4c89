#include "harness/results/efficiency.h"

#include <gtest/gtest.h>

namespace feedbench {
namespace {

using nlohmann::json;

WorkloadSummary Summary(std::string name, double bytes_per_sec) {
  WorkloadSummary s;
  s.name = std::move(name);
  s.median["bytes_per_second"] = bytes_per_sec;
  return s;
}

TEST(Efficiency, FilesRandomAgainstSmallfileAndLmdbSequentialAgainstSeqRead) {
  const json workloads = json::parse(R"([
    {"name": "files-random", "kind": "reader", "layout": "files", "order": "random"},
    {"name": "lmdb-sequential", "kind": "reader", "layout": "lmdb", "order": "sequential"},
    {"name": "tmpfs-random", "kind": "reader", "layout": "tmpfs", "order": "random"},
    {"name": "files-sequential", "kind": "reader", "layout": "files", "order": "sequential"},
    {"name": "fio-smallfile", "kind": "fio", "profile": "smallfile"},
    {"name": "fio-seq", "kind": "fio", "profile": "seq-read"}
  ])");
  const std::vector<WorkloadSummary> summaries{
      Summary("files-random", 300e6), Summary("lmdb-sequential", 900e6),
      Summary("tmpfs-random", 3e9),   Summary("files-sequential", 500e6),
      Summary("fio-smallfile", 400e6), Summary("fio-seq", 1000e6)};
  const auto e = ComputeEfficiencies(workloads, summaries);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].workload, "files-random");
  EXPECT_EQ(e[0].ceiling, "fio-smallfile");
  EXPECT_DOUBLE_EQ(e[0].ratio, 0.75);  // 300 / 400
  EXPECT_EQ(e[1].workload, "lmdb-sequential");
  EXPECT_EQ(e[1].ceiling, "fio-seq");
  EXPECT_DOUBLE_EQ(e[1].ratio, 0.9);  // 900 / 1000
  EXPECT_EQ(ToJson(e)[1]["efficiency"], 0.9);
}

TEST(Efficiency, NoCeilingInTheResultsMeansNoFigure) {
  const json workloads = json::parse(R"([
    {"name": "files-random", "kind": "reader", "layout": "files", "order": "random"}])");
  EXPECT_TRUE(ComputeEfficiencies(workloads, {Summary("files-random", 1e6)}).empty());
  EXPECT_EQ(CeilingProfileFor("tmpfs", "random"), "");
  EXPECT_EQ(CeilingProfileFor("lmdb", "random"), "");
}

}  // namespace
}  // namespace feedbench
