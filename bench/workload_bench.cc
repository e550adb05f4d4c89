// workload_bench: one data-loading workload on an existing dataset, as Google Benchmark
// repetitions, for the side-by-side scripts (bench/reader_vs_fio.sh). Each --workers value is one
// benchmark "<layout>/<order>/workers:<N>"; a repetition is one PreparedDataset::RunOnce (cold by
// default) with its wall time as the manual time and the engine's and device's figures as
// counters. Google Benchmark's own flags (--benchmark_format=json, --benchmark_out=FILE, ...)
// pass through.
//
//   workload_bench --dir D --layout files|lmdb|tmpfs [--order random|sequential]
//                  [--workers 1,2,4,8] [--batch-size 32] [--prefetch 2] [--cache cold|warm]
//                  [--evict-only] [--repetitions 3] [--interval-ms 200] [--tmpfs-dir /dev/shm]
//                  [--compute-ms 0] [--no-verify] [benchmark flags]
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "harness/base/errors.h"
#include "workloads/reader/workload.h"

namespace {

using namespace feedbench;

struct Args {
  std::string dir;
  Layout layout = Layout::kFiles;
  Order order = Order::kRandom;
  std::vector<int> workers{1};
  int batch_size = 32;
  int prefetch = 2;
  double compute_ms = 0;
  CacheMode cache = CacheMode::kCold;
  bool evict_only = false;
  bool verify = true;
  int repetitions = 3;
  int interval_ms = 200;
  std::string tmpfs_dir = "/dev/shm";
};

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "workload_bench: %s\n", why.c_str());
  std::exit(2);
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--dir") {
      a.dir = value();
    } else if (flag == "--layout") {
      a.layout = ParseLayout(value());
    } else if (flag == "--order") {
      a.order = ParseOrder(value());
    } else if (flag == "--workers") {
      a.workers.clear();
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');) a.workers.push_back(std::stoi(item));
    } else if (flag == "--batch-size") {
      a.batch_size = std::stoi(value());
    } else if (flag == "--prefetch") {
      a.prefetch = std::stoi(value());
    } else if (flag == "--compute-ms") {
      a.compute_ms = std::stod(value());
    } else if (flag == "--cache") {
      a.cache = ParseCacheMode(value());
    } else if (flag == "--evict-only") {
      a.evict_only = true;
    } else if (flag == "--no-verify") {
      a.verify = false;
    } else if (flag == "--repetitions") {
      a.repetitions = std::stoi(value());
    } else if (flag == "--interval-ms") {
      a.interval_ms = std::stoi(value());
    } else if (flag == "--tmpfs-dir") {
      a.tmpfs_dir = value();
    } else {
      Usage("unknown flag " + flag);
    }
  }
  if (a.dir.empty()) Usage("--dir is required");
  return a;
}

void RunWorkload(benchmark::State& state, PreparedDataset* prepared, WorkloadOptions options) {
  for (auto _ : state) {
    const WorkloadResult r = prepared->RunOnce(options);
    state.SetIterationTime(r.reader.wall_sec);
    if (r.reader.verify_error) state.SkipWithError(r.reader.verify_error->c_str());
    if (r.cache_contaminated) state.SkipWithError("cache contaminated");
    auto& c = state.counters;
    c["samples_per_second"] = r.reader.samples_per_sec;
    c["bytes_per_second"] = r.reader.bytes_per_sec;
    c["lat_p50_us"] = r.reader.lat_p50_us;
    c["lat_p99_us"] = r.reader.lat_p99_us;
    c["au_pct"] = r.reader.au_pct;
    if (r.device_summary) {
      c["device_read_bytes"] = static_cast<double>(r.device_summary->read_bytes);
      c["r_await_ms"] = r.device_summary->figures.r_await_ms;
      c["r_per_second"] = r.device_summary->figures.r_per_sec;
      c["rareq_kb"] = r.device_summary->figures.rareq_kb;
      c["aqu_sz"] = r.device_summary->figures.aqu_sz;
      c["util_pct"] = r.device_summary->figures.util_pct;
    }
    if (r.device_read_ratio) c["device_read_ratio"] = *r.device_read_ratio;
    state.SetLabel(r.cache_method + (r.device ? " " + *r.device : std::string(" no-device")));
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  try {
    const Args a = ParseArgs(argc, argv);
    StagingOptions staging;
    staging.tmpfs_dir = a.tmpfs_dir;
    PreparedDataset prepared(a.dir, a.layout, staging);
    for (const int workers : a.workers) {
      WorkloadOptions options;
      options.cache = a.cache;
      options.evict_only = a.evict_only;
      options.sample_interval = std::chrono::milliseconds(a.interval_ms);
      options.reader.order = a.order;
      options.reader.workers = workers;
      options.reader.batch_size = a.batch_size;
      options.reader.prefetch = a.prefetch;
      options.reader.compute_ms_per_batch = a.compute_ms;
      options.reader.verify = a.verify;
      const std::string name =
          fmt::format("{}/{}/workers:{}", LayoutName(a.layout), OrderName(a.order), workers);
      benchmark::RegisterBenchmark(name.c_str(), RunWorkload, &prepared, options)
          ->UseManualTime()
          ->Iterations(1)
          ->Repetitions(a.repetitions)
          ->Unit(benchmark::kMillisecond);
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "workload_bench: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "workload_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
