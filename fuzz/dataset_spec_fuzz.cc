// Fuzzes dataset spec files: `feedbench dataset create --spec FILE` (a DatasetSpec or a profile
// JSON, SpecFromSpecOrProfileJson in workloads/dataset/profile.h) and `--size histogram:FILE`
// (ParseSizeSpec reading the same kinds of file). Bad input is a UsageError; a spec that parses
// must survive ToJson → DatasetSpecFromJson unchanged, and its size bounds must be ordered.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_support.h"
#include "harness/base/atomic_file.h"
#include "workloads/dataset/dataset.h"
#include "workloads/dataset/profile.h"

namespace fb = feedbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fb::fuzz::WriteInput("spec.json", data, size);
  fb::fuzz::ExpectOnly<fb::UsageError>([&] {
    // As cmd_dataset.cc's SpecFromArgs reads --spec FILE.
    const nlohmann::json json =
        nlohmann::json::parse(fb::ReadWholeFile(path), nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return;
    const fb::DatasetSpec spec = fb::SpecFromSpecOrProfileJson(json, path.string());
    fb::ValidateSpec(spec, "fuzz");
    fb::fuzz::Require(fb::DatasetSpecFromJson(fb::ToJson(spec), "round trip") == spec,
                      "ToJson/DatasetSpecFromJson round trip changed the spec");
    const fb::SampleSizeBounds bounds = fb::SizeBounds(spec.sizes);
    fb::fuzz::Require(bounds.min_bytes <= bounds.max_bytes, "SizeBounds: min above max");
    (void)fb::SpecHash(spec);
    (void)fb::DescribeSizes(spec.sizes);
    (void)fb::SampleBytes(spec, 0);
    (void)fb::SampleBytes(spec, spec.samples - 1);
  });
  fb::fuzz::ExpectOnly<fb::UsageError>([&] {
    const fb::SizeDistribution sizes = fb::ParseSizeSpec("histogram:" + path.string(), "--size");
    (void)fb::SizeBounds(sizes);
  });
  return 0;
}
