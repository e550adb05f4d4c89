// Microbenchmarks of the engine's own hot paths: what a sample costs the harness, not the disk.
// Generating and checking a sample must be far faster than any storage reads it (GB/s), and a
// latency record must cost nanoseconds.
#include <benchmark/benchmark.h>

#include <vector>

#include "harness/measure/latency_histogram.h"
#include "workloads/dataset/dataset.h"
#include "workloads/reader/reader.h"

namespace feedbench {
namespace {

DatasetSpec Spec(std::string_view size) {
  DatasetSpec spec;
  spec.samples = 1'000'000;
  spec.sizes = ParseSizeSpec(size);
  return spec;
}

void BM_FillSample(benchmark::State& state) {
  const DatasetSpec spec = Spec(std::to_string(state.range(0)) + "KiB");
  std::vector<std::byte> buffer(SampleBytes(spec, 0));
  uint64_t index = 0;
  for (auto _ : state) {
    FillSample(spec, index++ % spec.samples, buffer);
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buffer.size()));
}
BENCHMARK(BM_FillSample)->Arg(4)->Arg(64)->Arg(1024);

void BM_CheckSample(benchmark::State& state) {
  const DatasetSpec spec = Spec(std::to_string(state.range(0)) + "KiB");
  std::vector<std::byte> buffer(SampleBytes(spec, 7));
  FillSample(spec, 7, buffer);
  for (auto _ : state) benchmark::DoNotOptimize(CheckSample(buffer, 7));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buffer.size()));
}
BENCHMARK(BM_CheckSample)->Arg(4)->Arg(64)->Arg(1024);

void BM_SampleBytes(benchmark::State& state, std::string_view size) {
  const DatasetSpec spec = Spec(size);
  uint64_t index = 0;
  for (auto _ : state) benchmark::DoNotOptimize(SampleBytes(spec, index++ % spec.samples));
}
BENCHMARK_CAPTURE(BM_SampleBytes, uniform, "uniform:16KiB:1MiB");
BENCHMARK_CAPTURE(BM_SampleBytes, lognormal, "lognormal:96KiB:0.6");

void BM_LatencyRecord(benchmark::State& state) {
  LatencyHistogram histogram;
  uint64_t value = 12345;
  for (auto _ : state) {
    histogram.Record(value);
    value = value * 6364136223846793005ULL + 1442695040888963407ULL;
    value >>= 36;  // up to ~268 ms
  }
  benchmark::DoNotOptimize(histogram.count());
}
BENCHMARK(BM_LatencyRecord);

void BM_EpochOrderShuffle(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        EpochOrder(static_cast<uint64_t>(state.range(0)), Order::kRandom, 1, 0));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EpochOrderShuffle)->Arg(1'000'000);

}  // namespace
}  // namespace feedbench
