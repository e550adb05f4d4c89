// Fuzzes the /proc/diskstats parser the sampler uses (harness/measure/diskstats.h). It never
// throws (but bad_alloc), so any exception is a finding; the per-device parse must agree with the
// whole-text parse, and iostat's figures between any two readable lines must be computed without
// undefined behaviour.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "harness/measure/diskstats.h"

namespace fb = feedbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fb::fuzz::AsText(data, size);
  fb::fuzz::ExpectOnly<>([&] {
    const fb::DiskstatsSnapshot snapshot = fb::ParseDiskstats(text);

    static fb::DiskstatsSnapshot reused;  // the sampler's path: capacity reused across parses
    fb::ParseDiskstatsInto(text, reused);
    fb::fuzz::Require(reused.devices.size() == snapshot.devices.size() &&
                          reused.problems.size() == snapshot.problems.size(),
                      "ParseDiskstatsInto differs from ParseDiskstats");

    // On a well-formed text with one line per device (what the kernel prints), the sampler's
    // per-device parse must read what the whole-text parse read.
    std::vector<std::string> names;
    for (const auto& d : snapshot.devices) names.push_back(d.name);
    std::sort(names.begin(), names.end());
    const bool unique = std::adjacent_find(names.begin(), names.end()) == names.end();
    if (unique && snapshot.problems.empty()) {
      std::vector<fb::DiskCounters> picked;
      std::vector<fb::LineProblem> problems;
      fb::ParseDiskstatsDevices(text, names, picked, problems);
      fb::fuzz::Require(picked.size() == names.size() && problems.empty(),
                        "ParseDiskstatsDevices: one entry per name, no problems");
      for (size_t i = 0; i < names.size(); ++i) {
        const fb::DiskCounters* whole = fb::FindDevice(snapshot.devices, names[i]);
        fb::fuzz::Require(picked[i].name == names[i] && picked[i].read_ios == whole->read_ios &&
                              picked[i].time_in_queue_ms == whole->time_in_queue_ms &&
                              picked[i].flush_ticks_ms == whole->flush_ticks_ms,
                          "ParseDiskstatsDevices differs from ParseDiskstats");
      }
    }

    for (size_t i = 1; i < snapshot.devices.size(); ++i) {
      const fb::CounterDelta delta =
          fb::DeltaCounters(snapshot.devices[i - 1], snapshot.devices[i]);
      (void)fb::BackwardsCounterNames(delta);
      (void)fb::ComputeIostat(delta, 1000.0);
    }
  });
  return 0;
}
