// The metric registry against what the workload kinds really write: every figure a kind sets has
// a row with a meaning for that kind, derived from the kinds' own code, not from a list here.
#include "harness/results/metrics.h"

#include <gtest/gtest.h>

#include <set>

#include "harness/base/atomic_file.h"
#include "workloads/fio/fio.h"
#include "workloads/fio/fio_workload.h"
#include "workloads/reader/reader_workload.h"

namespace feedbench {
namespace {

std::set<Metric> SetIn(const Figures& figures) {
  std::set<Metric> set;
  for (size_t i = 0; i < kMetricCount; ++i) {
    if (figures.Has(static_cast<Metric>(i))) set.insert(static_cast<Metric>(i));
  }
  return set;
}

TEST(Metrics, EveryMetricHasOneRowInEnumOrderWithAUniqueName) {
  std::set<std::string_view> names;
  ASSERT_EQ(KnownMetrics().size(), kMetricCount);
  for (size_t i = 0; i < kMetricCount; ++i) {
    const MetricInfo& m = KnownMetrics()[i];
    EXPECT_EQ(static_cast<size_t>(m.id), i);
    EXPECT_EQ(&InfoOf(m.id), &m);
    EXPECT_EQ(FindMetric(m.name), &m);
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    EXPECT_FALSE(m.description.empty()) << m.name;
  }
}

TEST(Metrics, EveryFigureTheReaderWritesMeansSomethingForTheReader) {
  WorkloadResult r;
  r.reader.samples = 10;
  r.reader.bytes = 1000;
  r.cache_method = "drop_caches";
  r.device = "vda";
  WindowSummary summary;
  summary.device = "vda";
  summary.read_bytes = 1000;
  r.device_summary = summary;
  r.device_read_ratio = 1.0;
  const std::set<Metric> written = SetIn(ToMeasurement(r).figures);
  EXPECT_TRUE(written.contains(Metric::kLatP99Us));
  for (const Metric m : written) {
    EXPECT_FALSE(InfoOf(m).reader_meaning.empty()) << InfoOf(m).name;
  }
}

TEST(Metrics, EveryFigureFioWritesMeansSomethingForFio) {
  FioMeasurement m;
  m.run.report = ParseFioOutput(
      ReadWholeFile(std::string(FEEDBENCH_FIXTURES) + "/fio/fio-3.33-seq-read.json"), "fixture");
  m.reads = SummarizeReads(m.run.report);
  WindowSummary window;
  window.device = "vda";
  window.duration_sec = 10;
  m.device_windows = {window};
  FioDiskUtil disk;
  disk.name = "vda";
  disk.read_ios = 100;
  m.fio_disk = disk;
  const std::set<Metric> written = SetIn(m.ToFigures());
  EXPECT_TRUE(written.contains(Metric::kFioDiskUtilPct));
  for (const Metric metric : written) {
    EXPECT_FALSE(InfoOf(metric).fio_meaning.empty()) << InfoOf(metric).name;
  }
}

TEST(Metrics, TheSameNameSaysWhatItMeansPerKind) {
  const MetricInfo& p99 = *FindMetric("lat_p99_us");
  EXPECT_NE(p99.reader_meaning, p99.fio_meaning);
  EXPECT_NE(p99.reader_meaning.find("open+read+close"), std::string_view::npos);
  EXPECT_NE(p99.fio_meaning.find("clat"), std::string_view::npos);
}

}  // namespace
}  // namespace feedbench
