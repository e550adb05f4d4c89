// Fuzzes results files as `feedbench compare` and `baseline record` read them (ReadResultsFile,
// harness/results/results_reader.h), bytes written to a file. Bad input is a UsageError; what
// parses is read as the gate reads it (problems, per-counter values).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "harness/results/results_reader.h"

namespace fb = feedbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fb::fuzz::WriteInput("results.json", data, size);
  fb::fuzz::ExpectOnly<fb::UsageError>([&] {
    const fb::ResultsFile results = fb::ReadResultsFile(path);
    (void)results.Problems();
    for (const auto& workload : results.workloads) {
      fb::fuzz::Require(results.Find(workload.name) != nullptr, "Find misses a workload");
      (void)workload.Judgeable();
      (void)workload.Values("samples_per_second");
      (void)workload.Values("r_await_ms");
    }
  });
  return 0;
}
