// The synthetic dataset: what samples exist, how big each is, and what bytes each holds.
//
// A DatasetSpec names a number of samples, a size distribution, a seed and a directory fan-out.
// Everything about a sample follows deterministically from (spec, index): its size (SampleBytes)
// and its content (FillSample), so two machines generate byte-identical datasets from one spec and
// a reader can check what it got without a reference copy. Content is a fast PRNG stream
// (incompressible) behind a 32-byte header: magic, index, total length, XXH3-64 of the payload.
//
// The JSON form (ToJson / DatasetSpecFromJson) is canonical: suite files embed it, the dataset
// manifest stores it, SpecHash hashes it. Sizes in JSON are integers in bytes.
// All functions are pure and thread-safe, except ParseSizeSpec("histogram:FILE"), which reads FILE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace feedbench {

enum class SizeDistributionKind { kFixed, kUniform, kLognormal, kHistogram };

// One bucket of a measured size histogram: `count` samples with sizes in [min_bytes, max_bytes].
// Replay draws a bucket with probability count/total, then a size uniformly inside it.
struct HistogramBucket {
  uint64_t min_bytes = 0;
  uint64_t max_bytes = 0;
  uint64_t count = 0;
  bool operator==(const HistogramBucket&) const = default;
};

// Sizes are total sample bytes, header included. Fields unused by `kind` stay zero/empty.
struct SizeDistribution {
  SizeDistributionKind kind = SizeDistributionKind::kFixed;
  uint64_t fixed_bytes = 0;   // kFixed
  uint64_t min_bytes = 0;     // kUniform: lower bound; kLognormal: clip (0 = header size)
  uint64_t max_bytes = 0;     // kUniform: upper bound; kLognormal: clip (0 = 64 x median)
  uint64_t median_bytes = 0;  // kLognormal
  double sigma = 0;           // kLognormal: sigma of ln(size)
  std::vector<HistogramBucket> buckets;  // kHistogram
  bool operator==(const SizeDistribution&) const = default;
};

struct DatasetSpec {
  uint64_t samples = 0;
  SizeDistribution sizes;
  uint64_t seed = 1;
  uint32_t files_per_dir = 1000;  // files layout: samples per shard directory
  bool operator==(const DatasetSpec&) const = default;
};

// Bytes of the per-sample header; no sample is smaller.
inline constexpr uint64_t kSampleHeaderBytes = 32;
// Upper bound for one sample (LMDB and memory limits): 1 GiB.
inline constexpr uint64_t kMaxSampleBytes = 1ULL << 30;
// Upper bound for the number of samples of one dataset: 2^40.
inline constexpr uint64_t kMaxSamples = 1ULL << 40;

// Parses a --size value: "64KiB" (fixed), "uniform:16KiB:1MiB", "lognormal:96KiB:0.6",
// "lognormal:96KiB:0.6:4KiB:4MiB" (clipped), "histogram:FILE" (a `feedbench dataset profile`
// output or a spec JSON with a histogram; its buckets are embedded, the file is not referenced
// later). Sizes need explicit units (units.h). Throws UsageError naming `what` for an unknown
// distribution, a size without a unit, min > max, sigma <= 0, a size below the header or above
// kMaxSampleBytes, or an unreadable/invalid histogram file.
SizeDistribution ParseSizeSpec(std::string_view text, std::string_view what = "--size");

// The short human spelling of a distribution: "64KiB", "uniform:16KiB:1MiB",
// "lognormal:96KiB:0.6:32B:6MiB", "histogram(23 buckets)".
std::string DescribeSizes(const SizeDistribution& sizes);

// What one sample's size can be under a distribution, from its parameters alone (no pass over
// samples): the smallest and largest size SampleBytes can return, and its expected value (exact for
// fixed, uniform and histogram; for lognormal the clipped log-normal mean, which ignores rounding
// to whole bytes).
struct SampleSizeBounds {
  uint64_t min_bytes = 0;
  uint64_t max_bytes = 0;
  double mean_bytes = 0;
};
SampleSizeBounds SizeBounds(const SizeDistribution& sizes);

// Throws UsageError naming `where` when the spec cannot be generated: zero samples, more than
// kMaxSamples, zero files_per_dir, an invalid distribution (see ParseSizeSpec).
void ValidateSpec(const DatasetSpec& spec, std::string_view where);

// Canonical JSON: {"samples":N,"sizes":{"distribution":"fixed","bytes":65536},"seed":1,
// "files_per_dir":1000}. sizes for the other kinds: {"distribution":"uniform","min_bytes",
// "max_bytes"}, {"distribution":"lognormal","median_bytes","sigma","min_bytes","max_bytes"},
// {"distribution":"histogram","buckets":[{"min_bytes","max_bytes","count"},...]}.
nlohmann::json ToJson(const SizeDistribution& sizes);
nlohmann::json ToJson(const DatasetSpec& spec);

// Inverse of ToJson, validated. `where` names the file/key path for messages ("suite.json:
// dataset"). Unknown keys, missing keys, wrong types and invalid values throw UsageError naming
// `where` and the key. In "sizes", "bytes"-valued keys also accept a string with a unit ("64KiB").
// "seed" and "files_per_dir" may be omitted (defaults 1 and 1000); "samples" and "sizes" may not.
SizeDistribution SizeDistributionFromJson(const nlohmann::json& json, std::string_view where);
DatasetSpec DatasetSpecFromJson(const nlohmann::json& json, std::string_view where);

// XXH3-64 of ToJson(spec).dump(), as 16 lowercase hex digits.
std::string SpecHash(const DatasetSpec& spec);

// Total bytes of sample `index` (header included), deterministic. REQUIRES: index < spec.samples.
uint64_t SampleBytes(const DatasetSpec& spec, uint64_t index);

// Sum of SampleBytes over all samples: one pass over them unless the size is fixed. Check the
// space a spec needs with EstimateDiskBytesBounds (dataset_dir.h) first: it costs no pass.
uint64_t TotalBytes(const DatasetSpec& spec);

// Writes sample `index` into `out`. REQUIRES: out.size() == SampleBytes(spec, index).
void FillSample(const DatasetSpec& spec, uint64_t index, std::span<std::byte> out);

// Checks a sample read back: header magic, index, length == data.size(), payload checksum.
// Returns nullopt when good, else what is wrong ("length 1000, header says 65536").
std::optional<std::string> CheckSample(std::span<const std::byte> data, uint64_t expected_index);

// An order-independent digest of delivered samples: summed (mod 2^64) over samples. It hashes the
// length and the header, which carries the payload's checksum, so it costs no pass over the
// payload; combined with CheckSample (which checks that checksum) it stands for the whole content.
// Two layouts of one spec that deliver the same samples give the same sum.
uint64_t SampleDigest(std::span<const std::byte> data, uint64_t index);

}  // namespace feedbench
