// Fuzzes users' .fio job files as `feedbench fio --profile FILE` and suites read them
// (LoadFioJobFile, workloads/fio/fio_profiles.h: parse, the allow-list, the path checks against a
// scratch data directory) and the job file's durations (FioJobFileSeconds: runtime= and ramp_time=
// with fio's time units). A refused job file is a UsageError; one that is accepted must render to
// a job file that parses to the same sections, and its duration must not be negative.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "workloads/fio/fio_profiles.h"

namespace fb = feedbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fb::fuzz::WriteInput("job.fio", data, size);
  fb::fuzz::ExpectOnly<fb::UsageError>([&] {
    const fb::FioJobFile job = fb::LoadFioJobFile(path, fb::fuzz::ScratchDir());
    const std::optional<double> seconds = fb::FioJobFileSeconds(job);
    fb::fuzz::Require(!seconds || *seconds >= 0, "FioJobFileSeconds is negative");
    const fb::FioJobFile again = fb::ParseFioJobFile(fb::RenderFioJobFile(job), "round trip");
    fb::fuzz::Require(again.sections.size() == job.sections.size(),
                      "RenderFioJobFile/ParseFioJobFile round trip changed the sections");
  });
  return 0;
}
