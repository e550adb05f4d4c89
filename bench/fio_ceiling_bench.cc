// The fio profiles as Google Benchmark entries, run the way the runner runs a workload: one
// iteration per repetition, manual time = the fio process's wall time, figures as user counters
// (fio's, feedbench's sampled diskstats, and fio's own disk_util side by side).
//
// Settings come from the environment, so bench/fio_profiles.sh can drive it:
//   FEEDBENCH_FIO_DATA_DIR   data directory (default /var/tmp/feedbench-fio-bench); the test file
//                            goes to <dir>/fio/fio-testfile and is kept for the next run
//   FEEDBENCH_FIO_DATASET    files-layout directory for smallfile (default <dir>/dataset/data,
//                            generated when missing: FEEDBENCH_FIO_DATASET_FILES files of
//                            16 KiB..128 KiB, default 8192)
//   FEEDBENCH_FIO_SIZE       test file size (default 1GiB)
//   FEEDBENCH_FIO_RAMP_S / FEEDBENCH_FIO_RUNTIME_S   (defaults 2 and 15)
//   FEEDBENCH_FIO_INTERVAL_MS  sampling interval (default 1000)
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "harness/base/atomic_file.h"
#include "harness/os/device.h"
#include "workloads/fio/fio.h"
#include "workloads/fio/fio_workload.h"
#include "harness/results/metrics.h"
#include "harness/base/units.h"
#include "workloads/fio/fio_profiles.h"

namespace {

namespace fs = std::filesystem;
using namespace feedbench;

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

void EnsureDataset(const fs::path& dir, int files) {
  if (fs::exists(dir)) return;
  std::fprintf(stderr, "generating %d files under %s\n", files, dir.c_str());
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<uint64_t> size(16 * 1024, 128 * 1024);
  std::string buf;
  for (int i = 0; i < files; ++i) {
    const fs::path shard = dir / fmt::format("{:06}", i / 1000);
    fs::create_directories(shard);
    buf.resize(size(rng));
    for (auto& c : buf) c = static_cast<char>(rng());
    WriteFileAtomic(shard / fmt::format("{:010}.sample", i), buf);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path data_dir = Env("FEEDBENCH_FIO_DATA_DIR", "/var/tmp/feedbench-fio-bench");
  fs::create_directories(data_dir);
  const fs::path dataset = Env("FEEDBENCH_FIO_DATASET", (data_dir / "dataset" / "data").string());
  EnsureDataset(dataset, std::stoi(Env("FEEDBENCH_FIO_DATASET_FILES", "8192")));

  FioWorkloadOptions base;
  base.data_dir = data_dir;
  base.dataset_dir = dataset;
  base.test_file_bytes = ParseBytes(Env("FEEDBENCH_FIO_SIZE", "1GiB"), "FEEDBENCH_FIO_SIZE");
  base.ramp_sec = std::stod(Env("FEEDBENCH_FIO_RAMP_S", "2"));
  base.runtime_sec = std::stod(Env("FEEDBENCH_FIO_RUNTIME_S", "15"));
  base.sample_interval =
      std::chrono::milliseconds(std::stoi(Env("FEEDBENCH_FIO_INTERVAL_MS", "1000")));
  const PathDevice pd = ResolvePath(data_dir);
  if (pd.device) base.devices = {pd.device->name};
  std::fprintf(stderr, "data dir %s on %s\n", data_dir.c_str(),
               pd.device ? pd.device->name.c_str() : pd.no_device_reason.c_str());

  for (auto name : BuiltinFioProfiles()) {
    FioWorkloadOptions options = base;
    options.profile = std::string(name);
    benchmark::RegisterBenchmark(options.profile.c_str(),
                                 [options](benchmark::State& state) {
                                   FioMeasurement m;
                                   for (auto _ : state) {
                                     try {
                                       m = MeasureFioProfile(options);
                                     } catch (const std::exception& e) {
                                       state.SkipWithError(e.what());
                                       return;
                                     }
                                     state.SetIterationTime(m.run.wall_sec);
                                   }
                                   const Figures figures = m.ToFigures();
                                   for (const MetricInfo& metric : KnownMetrics()) {
                                     if (const auto v = figures.Get(metric.id)) {
                                       state.counters[std::string(metric.name)] = *v;
                                     }
                                   }
                                   state.SetLabel(m.direct ? "direct" : "buffered");
                                 })
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kSecond);
  }
  benchmark::AddCustomContext("fio_version", FioVersion());
  benchmark::AddCustomContext("data_dir", data_dir.string());
  benchmark::AddCustomContext("device", base.devices.empty() ? "" : base.devices.front());
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
