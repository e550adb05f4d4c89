// Cost of the sampler's hot path: reading and parsing /proc/diskstats, and one sample step (read +
// parse + find + compute) for one device. Target: one sample step <= 20 us.
//
//   build/bench/diskstats_bench [--benchmark_filter=...]
//
// The CPU cost of a whole `feedbench monitor` at 100 ms is measured by bench/sampler_cpu_cost.sh.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/measure/diskstats.h"
#include "harness/measure/sampler.h"

namespace feedbench {
namespace {

std::string ProcDiskstatsText() {
  std::ifstream in("/proc/diskstats");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The device a sample step follows: the first whole disk with I/O, else the first line.
std::string StepDevice(const std::vector<DiskCounters>& snapshot) {
  for (const DiskCounters& c : snapshot) {
    if (c.read_ios + c.write_ios > 0 && c.name.rfind("loop", 0) != 0) return c.name;
  }
  return snapshot.empty() ? "" : snapshot.front().name;
}

void BM_ParseProcDiskstats(benchmark::State& state) {
  const std::string text = ProcDiskstatsText();
  DiskstatsSnapshot snapshot;
  for (auto _ : state) {
    ParseDiskstatsInto(text, snapshot);
    benchmark::DoNotOptimize(snapshot.devices.data());
  }
  state.counters["lines"] = static_cast<double>(snapshot.devices.size());
  state.counters["bytes"] = static_cast<double>(text.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseProcDiskstats);

// ParseDiskstats, allocating a new vector (and names) each time.
void BM_ParseProcDiskstatsAllocating(benchmark::State& state) {
  const std::string text = ProcDiskstatsText();
  for (auto _ : state) {
    auto parsed = ParseDiskstats(text);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_ParseProcDiskstatsAllocating);

// A storage server's worth of lines: 256 devices of 20 fields with large counters.
std::string LargeDiskstats() {
  std::string text;
  for (int i = 0; i < 256; ++i) {
    text += fmt::format(
        " 259 {:7d} nvme{}n1 123456789 2345678 98765432109 87654321 23456789 345678 8765432109 "
        "4294967000 12 3456789012 3456789012 345678 0 123456789 4567 1234567 89012\n",
        i, i);
  }
  return text;
}

void BM_ParseLargeDiskstats(benchmark::State& state) {
  const std::string text = LargeDiskstats();
  DiskstatsSnapshot snapshot;
  for (auto _ : state) {
    ParseDiskstatsInto(text, snapshot);
    benchmark::DoNotOptimize(snapshot.devices.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseLargeDiskstats);

// The sampler's parse on that server: only the one device it samples (the last line).
void BM_ParseOneDeviceOfLargeDiskstats(benchmark::State& state) {
  const std::string text = LargeDiskstats();
  const std::vector<std::string> devices{"nvme255n1"};
  std::vector<DiskCounters> current;
  std::vector<LineProblem> problems;
  for (auto _ : state) {
    ParseDiskstatsDevices(text, devices, current, problems);
    benchmark::DoNotOptimize(current.data());
  }
}
BENCHMARK(BM_ParseOneDeviceOfLargeDiskstats);

// The read alone: one pread of /proc/diskstats into the reused buffer.
void BM_ReadProcDiskstats(benchmark::State& state) {
  DiskstatsReader reader("/proc/diskstats");
  for (auto _ : state) {
    std::string_view text = reader.Read();
    benchmark::DoNotOptimize(text.data());
  }
}
BENCHMARK(BM_ReadProcDiskstats);

// One sample step as the sampler thread does it for one device: read, parse that device's line,
// compute the figures against the previous sample.
void BM_SampleStep(benchmark::State& state) {
  DiskstatsReader reader("/proc/diskstats");
  const DiskstatsSnapshot snapshot = ParseDiskstats(reader.Read());
  if (snapshot.devices.empty()) {
    state.SkipWithError("no readable line in /proc/diskstats");
    return;
  }
  const std::vector<std::string> devices{StepDevice(snapshot.devices)};
  std::vector<DiskCounters> current;
  std::vector<LineProblem> problems;
  DiskCounters prev = *FindDevice(snapshot.devices, devices[0]);
  for (auto _ : state) {
    ParseDiskstatsDevices(reader.Read(), devices, current, problems);
    if (current[0].name.empty()) {
      state.SkipWithError("the device's line went missing or unreadable");
      return;
    }
    const IostatFigures figures = ComputeIostat(prev, current[0], 100.0);
    benchmark::DoNotOptimize(figures);
    prev = current[0];
  }
  state.SetLabel(devices[0]);
}
BENCHMARK(BM_SampleStep);

// The same step parsing every line (ParseDiskstatsInto + FindDevice), for comparison.
void BM_SampleStepFullParse(benchmark::State& state) {
  DiskstatsReader reader("/proc/diskstats");
  DiskstatsSnapshot snapshot;
  ParseDiskstatsInto(reader.Read(), snapshot);
  if (snapshot.devices.empty()) {
    state.SkipWithError("no readable line in /proc/diskstats");
    return;
  }
  const std::string device = StepDevice(snapshot.devices);
  DiskCounters prev = *FindDevice(snapshot.devices, device);
  for (auto _ : state) {
    ParseDiskstatsInto(reader.Read(), snapshot);
    const DiskCounters* curr = FindDevice(snapshot.devices, device);
    if (curr == nullptr) {
      state.SkipWithError("the device's line went missing or unreadable");
      return;
    }
    const IostatFigures figures = ComputeIostat(prev, *curr, 100.0);
    benchmark::DoNotOptimize(figures);
    prev = *curr;
  }
  state.SetLabel(device);
}
BENCHMARK(BM_SampleStepFullParse);

void BM_ComputeIostat(benchmark::State& state) {
  DiskCounters prev, curr;
  curr.read_ios = 173;
  curr.read_sectors = 17896;
  curr.read_ticks_ms = 26;
  curr.write_ios = 78;
  curr.io_ticks_ms = 24;
  for (auto _ : state) {
    benchmark::DoNotOptimize(prev);
    const IostatFigures figures = ComputeIostat(prev, curr, 1000.0);
    benchmark::DoNotOptimize(figures);
  }
}
BENCHMARK(BM_ComputeIostat);

// The floor under any periodic sampler: the CPU cost of one timed sleep and wake-up (1 ms ahead)
// on this machine, for reading the sampler's CPU cost per sample against.
void BM_TimedWakeup(benchmark::State& state) {
  for (auto _ : state) {
    std::this_thread::sleep_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(1));
  }
}
BENCHMARK(BM_TimedWakeup);

}  // namespace
}  // namespace feedbench
