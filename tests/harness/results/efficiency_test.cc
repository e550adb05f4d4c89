#include "harness/results/efficiency.h"

#include <gtest/gtest.h>

namespace feedbench {
namespace {

SuiteWorkload Reader(std::string name, Layout layout, Order order) {
  SuiteWorkload w;
  w.name = std::move(name);
  w.kind = WorkloadKind::kReader;
  w.layout = layout;
  w.order = order;
  return w;
}

SuiteWorkload Fio(std::string name, std::string profile) {
  SuiteWorkload w;
  w.name = std::move(name);
  w.kind = WorkloadKind::kFio;
  w.profile = std::move(profile);
  return w;
}

WorkloadSummary Summary(std::string name, double bytes_per_sec) {
  WorkloadSummary s;
  s.name = std::move(name);
  s.median["bytes_per_second"] = bytes_per_sec;
  return s;
}

TEST(Efficiency, FilesRandomAgainstSmallfileAndLmdbSequentialAgainstSeqRead) {
  const std::vector<SuiteWorkload> workloads{
      Reader("files-random", Layout::kFiles, Order::kRandom),
      Reader("lmdb-sequential", Layout::kLmdb, Order::kSequential),
      Reader("tmpfs-random", Layout::kTmpfs, Order::kRandom),
      Reader("files-sequential", Layout::kFiles, Order::kSequential),
      Fio("fio-smallfile", "smallfile"),
      Fio("fio-seq", "seq-read")};
  const std::vector<WorkloadSummary> summaries{
      Summary("files-random", 300e6),  Summary("lmdb-sequential", 900e6),
      Summary("tmpfs-random", 3e9),    Summary("files-sequential", 500e6),
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
  const std::vector<SuiteWorkload> workloads{
      Reader("files-random", Layout::kFiles, Order::kRandom)};
  EXPECT_TRUE(ComputeEfficiencies(workloads, {Summary("files-random", 1e6)}).empty());
  EXPECT_EQ(CeilingProfileFor(Layout::kTmpfs, Order::kRandom), "");
  EXPECT_EQ(CeilingProfileFor(Layout::kLmdb, Order::kRandom), "");
  EXPECT_EQ(CeilingProfileFor(Layout::kRecords, Order::kRandom), "");
}

TEST(Efficiency, PackedLayoutsThatStreamAreSetAgainstSequentialReads) {
  EXPECT_EQ(CeilingProfileFor(Layout::kShards, Order::kRandom), "seq-read");
  EXPECT_EQ(CeilingProfileFor(Layout::kShards, Order::kSequential), "seq-read");
  EXPECT_EQ(CeilingProfileFor(Layout::kRecords, Order::kSequential), "seq-read");
}

}  // namespace
}  // namespace feedbench
