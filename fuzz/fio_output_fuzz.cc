// Fuzzes fio's JSON output as feedbench reads it after every fio run (ParseFioOutput,
// workloads/fio/fio.h; it takes the text, so no file is needed). Unusable output is a RunError;
// a report that parses is summarised as `feedbench fio` and the probe summarise it.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "workloads/fio/fio.h"

namespace fb = feedbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fb::fuzz::ExpectOnly<fb::RunError>([&] {
    const fb::FioReport report = fb::ParseFioOutput(fb::fuzz::AsText(data, size), "fuzz.json");
    (void)fb::FioJobFailure(report);
    (void)fb::SummarizeReads(report);
  });
  return 0;
}
