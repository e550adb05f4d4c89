// Fuzzes the size parsers behind every size flag and key (ParseBytes, harness/base/units.h) and
// --size (ParseSizeSpec, workloads/dataset/dataset.h; its histogram:FILE form reads a file and is
// fuzzed by dataset_spec_fuzz). Bad input is a UsageError; a size that parses must read back from
// its exact spelling, and a distribution's description must not fail.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.h"
#include "harness/base/units.h"
#include "workloads/dataset/dataset.h"

namespace fb = feedbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fb::fuzz::AsText(data, size);
  fb::fuzz::ExpectOnly<fb::UsageError>([&] {
    const uint64_t bytes = fb::ParseBytes(text, "--size");
    fb::fuzz::Require(fb::ParseBytes(fb::FormatBytesExact(bytes), "round trip") == bytes,
                      "FormatBytesExact does not read back");
    (void)fb::FormatBytesIec(static_cast<double>(bytes));
  });
  if (text.starts_with("histogram:")) return 0;
  fb::fuzz::ExpectOnly<fb::UsageError>([&] {
    const fb::SizeDistribution sizes = fb::ParseSizeSpec(text, "--size");
    const fb::SampleSizeBounds bounds = fb::SizeBounds(sizes);
    fb::fuzz::Require(bounds.min_bytes <= bounds.max_bytes, "SizeBounds: min above max");
    (void)fb::DescribeSizes(sizes);
    fb::DatasetSpec spec;
    spec.samples = 16;
    spec.sizes = sizes;
    for (uint64_t i = 0; i < spec.samples; ++i) {
      const uint64_t sample_bytes = fb::SampleBytes(spec, i);
      fb::fuzz::Require(sample_bytes >= bounds.min_bytes && sample_bytes <= bounds.max_bytes,
                        "SampleBytes outside SizeBounds");
    }
  });
  return 0;
}
