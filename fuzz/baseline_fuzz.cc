// Fuzzes baseline files as `feedbench compare`, `run --compare` and `baseline` read them
// (ReadBaselineFile, harness/gate/baseline.h), bytes written to a file. Bad input is a
// UsageError; a baseline that parses must write back to JSON that parses to the same baseline,
// and the gate's reference lookups must stay inside its runs.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "harness/gate/baseline.h"

namespace fb = feedbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fb::fuzz::WriteInput("baseline.json", data, size);
  fb::fuzz::ExpectOnly<fb::UsageError>([&] {
    const fb::Baseline baseline = fb::ReadBaselineFile(path);
    const nlohmann::json written = fb::BaselineToJson(baseline);
    fb::fuzz::Require(fb::BaselineToJson(fb::ParseBaseline(written, "round trip")) == written,
                      "BaselineToJson/ParseBaseline round trip changed the baseline");
    for (const auto& [workload, counters] : baseline.Latest().workloads) {
      for (const auto& [metric, values] : counters) {
        (void)baseline.RunMedians(workload, metric);
        for (const size_t i : baseline.ReferenceRunIndices(workload, metric, 3)) {
          fb::fuzz::Require(i < baseline.runs.size(), "reference run index out of range");
        }
      }
    }
  });
  return 0;
}
