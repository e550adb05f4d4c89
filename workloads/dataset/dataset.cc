#include "workloads/dataset/dataset.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numbers>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/units.h"
#include "workloads/dataset/profile.h"

namespace feedbench {
namespace {

static_assert(std::endian::native == std::endian::little,
              "sample headers are written little-endian by memcpy");

constexpr char kMagic[8] = {'F', 'B', 'S', 'A', 'M', 'P', 'L', '1'};
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

// splitmix64's output function (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
constexpr uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Element `n` of the splitmix64 sequence started at `state`.
constexpr uint64_t SplitMixAt(uint64_t state, uint64_t n) {
  return Mix64(state + (n + 1) * kGolden);
}

// A uniform double in [0, 1) from the top 53 bits.
double UnitInterval(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

// Independent streams per purpose: sizes and contents must not correlate.
uint64_t StreamState(uint64_t seed, uint64_t purpose) { return Mix64(seed ^ Mix64(purpose)); }

// xoshiro256** (Blackman, Vigna 2018): the content stream of one sample.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    for (int i = 0; i < 4; ++i) s_[i] = SplitMixAt(seed, i);
  }
  uint64_t Next() {
    const uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

 private:
  uint64_t s_[4];
};

uint64_t LoadLe64(const std::byte* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
void StoreLe64(std::byte* p, uint64_t v) { std::memcpy(p, &v, 8); }

[[noreturn]] void Bad(std::string_view where, std::string_view key, std::string_view expected) {
  if (key.empty()) throw UsageError(fmt::format("{}: {}", where, expected));
  throw UsageError(fmt::format("{}: key '{}': {}", where, key, expected));
}

std::string_view KindName(SizeDistributionKind kind) {
  switch (kind) {
    case SizeDistributionKind::kFixed:
      return "fixed";
    case SizeDistributionKind::kUniform:
      return "uniform";
    case SizeDistributionKind::kLognormal:
      return "lognormal";
    case SizeDistributionKind::kHistogram:
      return "histogram";
  }
  return "?";
}

void CheckSampleSize(uint64_t bytes, std::string_view where, std::string_view key) {
  if (bytes < kSampleHeaderBytes) {
    Bad(where, key,
        fmt::format("{} bytes is smaller than the {}-byte sample header; use at least {}", bytes,
                    kSampleHeaderBytes, FormatBytesExact(kSampleHeaderBytes)));
  }
  if (bytes > kMaxSampleBytes) {
    Bad(where, key,
        fmt::format("{} exceeds the largest sample size, {}", FormatBytesExact(bytes),
                    FormatBytesExact(kMaxSampleBytes)));
  }
}

void ValidateSizes(const SizeDistribution& d, std::string_view where) {
  switch (d.kind) {
    case SizeDistributionKind::kFixed:
      CheckSampleSize(d.fixed_bytes, where, "sizes.bytes");
      break;
    case SizeDistributionKind::kUniform:
      CheckSampleSize(d.min_bytes, where, "sizes.min_bytes");
      CheckSampleSize(d.max_bytes, where, "sizes.max_bytes");
      if (d.min_bytes > d.max_bytes) {
        Bad(where, "sizes",
            fmt::format("uniform min {} is greater than max {}", FormatBytesExact(d.min_bytes),
                        FormatBytesExact(d.max_bytes)));
      }
      break;
    case SizeDistributionKind::kLognormal:
      CheckSampleSize(d.median_bytes, where, "sizes.median_bytes");
      CheckSampleSize(d.min_bytes, where, "sizes.min_bytes");
      CheckSampleSize(d.max_bytes, where, "sizes.max_bytes");
      if (!(d.sigma > 0) || !std::isfinite(d.sigma) || d.sigma > 10) {
        Bad(where, "sizes.sigma",
            fmt::format("sigma {} is not in (0, 10]: it is the standard deviation of ln(size)",
                        d.sigma));
      }
      if (d.min_bytes > d.max_bytes) {
        Bad(where, "sizes",
            fmt::format("lognormal min {} is greater than max {}", FormatBytesExact(d.min_bytes),
                        FormatBytesExact(d.max_bytes)));
      }
      if (d.median_bytes < d.min_bytes || d.median_bytes > d.max_bytes) {
        Bad(where, "sizes.median_bytes",
            fmt::format("median {} is outside [min {}, max {}]", FormatBytesExact(d.median_bytes),
                        FormatBytesExact(d.min_bytes), FormatBytesExact(d.max_bytes)));
      }
      break;
    case SizeDistributionKind::kHistogram: {
      if (d.buckets.empty()) Bad(where, "sizes.buckets", "expected at least one bucket");
      uint64_t total = 0;
      for (size_t i = 0; i < d.buckets.size(); ++i) {
        const auto& b = d.buckets[i];
        const std::string key = fmt::format("sizes.buckets[{}]", i);
        if (b.min_bytes > b.max_bytes) {
          Bad(where, key,
              fmt::format("min_bytes {} is greater than max_bytes {}", b.min_bytes, b.max_bytes));
        }
        if (b.max_bytes > kMaxSampleBytes) {
          Bad(where, key,
              fmt::format("max_bytes {} exceeds the largest sample size, {}", b.max_bytes,
                          kMaxSampleBytes));
        }
        if (b.count == 0) Bad(where, key, "count must be at least 1");
        total += b.count;
      }
      if (total == 0) Bad(where, "sizes.buckets", "expected a non-zero total count");
      break;
    }
  }
}

// ---- strict JSON helpers ----

void RejectUnknownKeys(const nlohmann::json& object, std::initializer_list<std::string_view> known,
                       std::string_view where, std::string_view prefix) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (auto k : known) list += fmt::format("{}{}", list.empty() ? "" : ", ", k);
      Bad(where, fmt::format("{}{}", prefix, key),
          fmt::format("unknown key; expected one of: {}", list));
    }
  }
}

const nlohmann::json& Require(const nlohmann::json& object, std::string_view key,
                              std::string_view where, std::string_view prefix) {
  const auto it = object.find(std::string(key));
  if (it == object.end()) Bad(where, fmt::format("{}{}", prefix, key), "missing");
  return *it;
}

uint64_t AsUint(const nlohmann::json& v, std::string_view where, std::string_view key) {
  if (!v.is_number_unsigned()) {
    Bad(where, key, fmt::format("expected a non-negative integer, got {}", v.dump()));
  }
  return v.get<uint64_t>();
}

// A byte count: an integer, or a string with a unit.
uint64_t AsBytes(const nlohmann::json& v, std::string_view where, std::string_view key) {
  if (v.is_string()) {
    return ParseBytes(v.get<std::string>(), fmt::format("{}: key '{}'", where, key));
  }
  if (!v.is_number_unsigned()) {
    Bad(where, key,
        fmt::format("expected bytes as a non-negative integer or a string with a unit (\"64KiB\"), "
                    "got {}",
                    v.dump()));
  }
  return v.get<uint64_t>();
}

double AsDouble(const nlohmann::json& v, std::string_view where, std::string_view key) {
  if (!v.is_number()) Bad(where, key, fmt::format("expected a number, got {}", v.dump()));
  return v.get<double>();
}

uint64_t DefaultLognormalMax(uint64_t median_bytes) {
  const uint64_t cap = median_bytes > kMaxSampleBytes / 64 ? kMaxSampleBytes : median_bytes * 64;
  return std::min(cap, kMaxSampleBytes);
}

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = text.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

}  // namespace

SizeDistribution ParseSizeSpec(std::string_view text, std::string_view what) {
  const std::string where(what);
  SizeDistribution d;
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    d.kind = SizeDistributionKind::kFixed;
    d.fixed_bytes = ParseBytes(text, what);
    ValidateSizes(d, where);
    return d;
  }
  const std::string_view name = text.substr(0, colon);
  const std::string_view rest = text.substr(colon + 1);
  if (name == "histogram") {
    if (rest.empty())
      Bad(where, "", "histogram:FILE needs a file (from `feedbench dataset profile`)");
    const std::string file(rest);
    const std::string content = ReadWholeFile(file);
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(content);
    } catch (const nlohmann::json::exception& e) {  // syntax, or a number out of range
      throw UsageError(fmt::format("{}: {} is not valid JSON: {}", where, file, e.what()));
    }
    const DatasetSpec spec = SpecFromSpecOrProfileJson(json, file);
    if (spec.sizes.kind != SizeDistributionKind::kHistogram) {
      Bad(file, "spec.sizes.distribution",
          fmt::format("expected \"histogram\" for {}, got \"{}\"", where,
                      KindName(spec.sizes.kind)));
    }
    return spec.sizes;
  }
  const auto args = Split(rest, ':');
  if (name == "uniform") {
    if (args.size() != 2) {
      Bad(where, "", fmt::format("'{}': expected uniform:MIN:MAX, e.g. uniform:16KiB:1MiB", text));
    }
    d.kind = SizeDistributionKind::kUniform;
    d.min_bytes = ParseBytes(args[0], what);
    d.max_bytes = ParseBytes(args[1], what);
  } else if (name == "lognormal") {
    if (args.size() != 2 && args.size() != 4) {
      Bad(where, "",
          fmt::format("'{}': expected lognormal:MEDIAN:SIGMA[:MIN:MAX], e.g. lognormal:96KiB:0.6",
                      text));
    }
    d.kind = SizeDistributionKind::kLognormal;
    d.median_bytes = ParseBytes(args[0], what);
    const std::string sigma_text(args[1]);
    char* end = nullptr;
    d.sigma = std::strtod(sigma_text.c_str(), &end);
    if (sigma_text.empty() || end != sigma_text.c_str() + sigma_text.size()) {
      Bad(where, "", fmt::format("'{}': sigma '{}' is not a number", text, sigma_text));
    }
    if (args.size() == 4) {
      d.min_bytes = ParseBytes(args[2], what);
      d.max_bytes = ParseBytes(args[3], what);
    } else {
      d.min_bytes = kSampleHeaderBytes;
      d.max_bytes = DefaultLognormalMax(d.median_bytes);
    }
  } else {
    Bad(where, "",
        fmt::format("unknown size distribution '{}' in '{}'; expected SIZE (fixed), "
                    "uniform:MIN:MAX, lognormal:MEDIAN:SIGMA[:MIN:MAX] or histogram:FILE",
                    name, text));
  }
  ValidateSizes(d, where);
  return d;
}

std::string DescribeSizes(const SizeDistribution& d) {
  switch (d.kind) {
    case SizeDistributionKind::kFixed:
      return FormatBytesExact(d.fixed_bytes);
    case SizeDistributionKind::kUniform:
      return fmt::format("uniform:{}:{}", FormatBytesExact(d.min_bytes),
                         FormatBytesExact(d.max_bytes));
    case SizeDistributionKind::kLognormal:
      return fmt::format("lognormal:{}:{}:{}:{}", FormatBytesExact(d.median_bytes), d.sigma,
                         FormatBytesExact(d.min_bytes), FormatBytesExact(d.max_bytes));
    case SizeDistributionKind::kHistogram:
      return fmt::format("histogram({} buckets)", d.buckets.size());
  }
  return "?";
}

void ValidateSpec(const DatasetSpec& spec, std::string_view where) {
  if (spec.samples == 0) Bad(where, "samples", "expected at least 1 sample, got 0");
  if (spec.samples > kMaxSamples) {
    Bad(where, "samples",
        fmt::format("{} samples is more than 2^40 ({}), the most one dataset holds", spec.samples,
                    kMaxSamples));
  }
  if (spec.files_per_dir == 0) Bad(where, "files_per_dir", "expected at least 1, got 0");
  ValidateSizes(spec.sizes, where);
}

nlohmann::json ToJson(const SizeDistribution& d) {
  nlohmann::json j;
  j["distribution"] = KindName(d.kind);
  switch (d.kind) {
    case SizeDistributionKind::kFixed:
      j["bytes"] = d.fixed_bytes;
      break;
    case SizeDistributionKind::kUniform:
      j["min_bytes"] = d.min_bytes;
      j["max_bytes"] = d.max_bytes;
      break;
    case SizeDistributionKind::kLognormal:
      j["median_bytes"] = d.median_bytes;
      j["sigma"] = d.sigma;
      j["min_bytes"] = d.min_bytes;
      j["max_bytes"] = d.max_bytes;
      break;
    case SizeDistributionKind::kHistogram: {
      auto buckets = nlohmann::json::array();
      for (const auto& b : d.buckets) {
        buckets.push_back(
            {{"min_bytes", b.min_bytes}, {"max_bytes", b.max_bytes}, {"count", b.count}});
      }
      j["buckets"] = std::move(buckets);
      break;
    }
  }
  return j;
}

nlohmann::json ToJson(const DatasetSpec& spec) {
  return {{"samples", spec.samples},
          {"sizes", ToJson(spec.sizes)},
          {"seed", spec.seed},
          {"files_per_dir", spec.files_per_dir}};
}

SizeDistribution SizeDistributionFromJson(const nlohmann::json& j, std::string_view where) {
  if (!j.is_object()) Bad(where, "sizes", fmt::format("expected an object, got {}", j.dump()));
  const auto& dist = Require(j, "distribution", where, "sizes.");
  if (!dist.is_string()) Bad(where, "sizes.distribution", "expected a string");
  const std::string name = dist.get<std::string>();
  SizeDistribution d;
  if (name == "fixed") {
    RejectUnknownKeys(j, {"distribution", "bytes"}, where, "sizes.");
    d.kind = SizeDistributionKind::kFixed;
    d.fixed_bytes = AsBytes(Require(j, "bytes", where, "sizes."), where, "sizes.bytes");
  } else if (name == "uniform") {
    RejectUnknownKeys(j, {"distribution", "min_bytes", "max_bytes"}, where, "sizes.");
    d.kind = SizeDistributionKind::kUniform;
    d.min_bytes = AsBytes(Require(j, "min_bytes", where, "sizes."), where, "sizes.min_bytes");
    d.max_bytes = AsBytes(Require(j, "max_bytes", where, "sizes."), where, "sizes.max_bytes");
  } else if (name == "lognormal") {
    RejectUnknownKeys(j, {"distribution", "median_bytes", "sigma", "min_bytes", "max_bytes"}, where,
                      "sizes.");
    d.kind = SizeDistributionKind::kLognormal;
    d.median_bytes =
        AsBytes(Require(j, "median_bytes", where, "sizes."), where, "sizes.median_bytes");
    d.sigma = AsDouble(Require(j, "sigma", where, "sizes."), where, "sizes.sigma");
    d.min_bytes = j.contains("min_bytes") ? AsBytes(j["min_bytes"], where, "sizes.min_bytes")
                                          : kSampleHeaderBytes;
    d.max_bytes = j.contains("max_bytes") ? AsBytes(j["max_bytes"], where, "sizes.max_bytes")
                                          : DefaultLognormalMax(d.median_bytes);
  } else if (name == "histogram") {
    RejectUnknownKeys(j, {"distribution", "buckets"}, where, "sizes.");
    d.kind = SizeDistributionKind::kHistogram;
    const auto& buckets = Require(j, "buckets", where, "sizes.");
    if (!buckets.is_array()) Bad(where, "sizes.buckets", "expected an array");
    for (size_t i = 0; i < buckets.size(); ++i) {
      const std::string prefix = fmt::format("sizes.buckets[{}].", i);
      const auto& b = buckets[i];
      if (!b.is_object()) Bad(where, prefix.substr(0, prefix.size() - 1), "expected an object");
      RejectUnknownKeys(b, {"min_bytes", "max_bytes", "count"}, where, prefix);
      d.buckets.push_back(
          {AsBytes(Require(b, "min_bytes", where, prefix), where, prefix + "min_bytes"),
           AsBytes(Require(b, "max_bytes", where, prefix), where, prefix + "max_bytes"),
           AsUint(Require(b, "count", where, prefix), where, prefix + "count")});
    }
  } else {
    Bad(where, "sizes.distribution",
        fmt::format("unknown distribution \"{}\"; expected fixed, uniform, lognormal or histogram",
                    name));
  }
  ValidateSizes(d, where);
  return d;
}

DatasetSpec DatasetSpecFromJson(const nlohmann::json& j, std::string_view where) {
  if (!j.is_object())
    Bad(where, "", fmt::format("expected a dataset spec object, got {}", j.dump()));
  RejectUnknownKeys(j, {"samples", "sizes", "seed", "files_per_dir"}, where, "");
  DatasetSpec spec;
  spec.samples = AsUint(Require(j, "samples", where, ""), where, "samples");
  spec.sizes = SizeDistributionFromJson(Require(j, "sizes", where, ""), where);
  if (j.contains("seed")) spec.seed = AsUint(j["seed"], where, "seed");
  if (j.contains("files_per_dir")) {
    const uint64_t fpd = AsUint(j["files_per_dir"], where, "files_per_dir");
    if (fpd > UINT32_MAX) Bad(where, "files_per_dir", "expected at most 4294967295");
    spec.files_per_dir = static_cast<uint32_t>(fpd);
  }
  ValidateSpec(spec, where);
  return spec;
}

std::string SpecHash(const DatasetSpec& spec) {
  const std::string canonical = ToJson(spec).dump();
  return fmt::format("{:016x}", XXH3_64bits(canonical.data(), canonical.size()));
}

uint64_t SampleBytes(const DatasetSpec& spec, uint64_t index) {
  const SizeDistribution& d = spec.sizes;
  const uint64_t state = StreamState(spec.seed, 0x53495a45 /* "SIZE" */);
  const uint64_t r1 = SplitMixAt(state, 2 * index);
  const uint64_t r2 = SplitMixAt(state, 2 * index + 1);
  switch (d.kind) {
    case SizeDistributionKind::kFixed:
      return d.fixed_bytes;
    case SizeDistributionKind::kUniform: {
      const uint64_t span = d.max_bytes - d.min_bytes + 1;
      return d.min_bytes + static_cast<uint64_t>(UnitInterval(r1) * static_cast<double>(span));
    }
    case SizeDistributionKind::kLognormal: {
      // Box-Muller: z ~ N(0,1); ln(size) ~ N(ln(median), sigma).
      const double u1 = 1.0 - UnitInterval(r1);  // (0, 1]
      const double u2 = UnitInterval(r2);
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
      const double bytes = std::round(static_cast<double>(d.median_bytes) * std::exp(d.sigma * z));
      return static_cast<uint64_t>(
          std::clamp(bytes, static_cast<double>(d.min_bytes), static_cast<double>(d.max_bytes)));
    }
    case SizeDistributionKind::kHistogram: {
      uint64_t total = 0;
      for (const auto& b : d.buckets) total += b.count;
      uint64_t rank = static_cast<uint64_t>(UnitInterval(r1) * static_cast<double>(total));
      const HistogramBucket* chosen = &d.buckets.back();
      for (const auto& b : d.buckets) {
        if (rank < b.count) {
          chosen = &b;
          break;
        }
        rank -= b.count;
      }
      const uint64_t span = chosen->max_bytes - chosen->min_bytes + 1;
      const uint64_t bytes =
          chosen->min_bytes + static_cast<uint64_t>(UnitInterval(r2) * static_cast<double>(span));
      return std::max(bytes, kSampleHeaderBytes);
    }
  }
  return kSampleHeaderBytes;
}

namespace {

// Φ, the standard normal distribution function.
double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

// E[max(U, kSampleHeaderBytes)] for U uniform on the integers [lo, hi]: SampleBytes' histogram
// draw inside one bucket.
double ClampedUniformMean(uint64_t lo, uint64_t hi) {
  const double h = static_cast<double>(kSampleHeaderBytes);
  if (hi <= kSampleHeaderBytes) return h;
  if (lo >= kSampleHeaderBytes) return (static_cast<double>(lo) + static_cast<double>(hi)) / 2;
  const double below = static_cast<double>(kSampleHeaderBytes - lo);  // values lo..31 → 32
  const double above = static_cast<double>(hi - kSampleHeaderBytes + 1);
  const double above_sum = (h + static_cast<double>(hi)) / 2 * above;
  return (below * h + above_sum) / (below + above);
}

}  // namespace

SampleSizeBounds SizeBounds(const SizeDistribution& d) {
  SampleSizeBounds b;
  switch (d.kind) {
    case SizeDistributionKind::kFixed:
      b.min_bytes = b.max_bytes = d.fixed_bytes;
      b.mean_bytes = static_cast<double>(d.fixed_bytes);
      break;
    case SizeDistributionKind::kUniform:
      b.min_bytes = d.min_bytes;
      b.max_bytes = d.max_bytes;
      b.mean_bytes = (static_cast<double>(d.min_bytes) + static_cast<double>(d.max_bytes)) / 2;
      break;
    case SizeDistributionKind::kLognormal: {
      b.min_bytes = d.min_bytes;
      b.max_bytes = d.max_bytes;
      // E[clamp(X, a, c)] for ln X ~ N(ln m, σ²), with α = ln(a/m)/σ and γ = ln(c/m)/σ:
      // a·Φ(α) + m·e^(σ²/2)·(Φ(γ − σ) − Φ(α − σ)) + c·(1 − Φ(γ)).
      const double m = static_cast<double>(d.median_bytes);
      const double a = static_cast<double>(d.min_bytes);
      const double c = static_cast<double>(d.max_bytes);
      const double alpha = std::log(a / m) / d.sigma;
      const double gamma = std::log(c / m) / d.sigma;
      b.mean_bytes = a * NormalCdf(alpha) +
                     m * std::exp(d.sigma * d.sigma / 2) *
                         (NormalCdf(gamma - d.sigma) - NormalCdf(alpha - d.sigma)) +
                     c * (1 - NormalCdf(gamma));
      b.mean_bytes = std::clamp(b.mean_bytes, a, c);
      break;
    }
    case SizeDistributionKind::kHistogram: {
      b.min_bytes = UINT64_MAX;
      double weighted = 0;
      double total = 0;
      for (const auto& bucket : d.buckets) {
        b.min_bytes = std::min(b.min_bytes, std::max(bucket.min_bytes, kSampleHeaderBytes));
        b.max_bytes = std::max(b.max_bytes, std::max(bucket.max_bytes, kSampleHeaderBytes));
        const double count = static_cast<double>(bucket.count);
        weighted += count * ClampedUniformMean(bucket.min_bytes, bucket.max_bytes);
        total += count;
      }
      if (d.buckets.empty()) b.min_bytes = kSampleHeaderBytes;
      b.mean_bytes = total > 0 ? weighted / total : static_cast<double>(kSampleHeaderBytes);
      break;
    }
  }
  return b;
}

uint64_t TotalBytes(const DatasetSpec& spec) {
  if (spec.sizes.kind == SizeDistributionKind::kFixed) return spec.samples * spec.sizes.fixed_bytes;
  uint64_t total = 0;
  for (uint64_t i = 0; i < spec.samples; ++i) total += SampleBytes(spec, i);
  return total;
}

void FillSample(const DatasetSpec& spec, uint64_t index, std::span<std::byte> out) {
  std::byte* const p = out.data();
  const size_t n = out.size();
  Xoshiro256 rng(Mix64(StreamState(spec.seed, 0x44415441 /* "DATA" */) ^ Mix64(index + 1)));
  size_t i = kSampleHeaderBytes;
  for (; i + 8 <= n; i += 8) StoreLe64(p + i, rng.Next());
  if (i < n) {
    const uint64_t last = rng.Next();
    std::memcpy(p + i, &last, n - i);
  }
  std::memcpy(p, kMagic, 8);
  StoreLe64(p + 8, index);
  StoreLe64(p + 16, n);
  StoreLe64(p + 24, XXH3_64bits_withSeed(p + kSampleHeaderBytes, n - kSampleHeaderBytes, index));
}

std::optional<std::string> CheckSample(std::span<const std::byte> data, uint64_t expected_index) {
  if (data.size() < kSampleHeaderBytes) {
    return fmt::format("{} bytes, shorter than the {}-byte header", data.size(),
                       kSampleHeaderBytes);
  }
  const std::byte* const p = data.data();
  if (std::memcmp(p, kMagic, 8) != 0) return std::string("bad header magic");
  const uint64_t index = LoadLe64(p + 8);
  if (index != expected_index) return fmt::format("header says sample {}", index);
  const uint64_t length = LoadLe64(p + 16);
  if (length != data.size()) {
    return fmt::format("length {} bytes, header says {}", data.size(), length);
  }
  const uint64_t want = LoadLe64(p + 24);
  const uint64_t got =
      XXH3_64bits_withSeed(p + kSampleHeaderBytes, data.size() - kSampleHeaderBytes, index);
  if (want != got) return fmt::format("payload checksum {:016x}, header says {:016x}", got, want);
  return std::nullopt;
}

uint64_t SampleDigest(std::span<const std::byte> data, uint64_t index) {
  const size_t head = std::min<size_t>(data.size(), kSampleHeaderBytes);
  return XXH3_64bits_withSeed(data.data(), head, index ^ Mix64(data.size()));
}

}  // namespace feedbench
