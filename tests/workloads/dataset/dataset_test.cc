// The dataset spec and sample contents: parsing, canonical JSON, sizes and verification.
#include "workloads/dataset/dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <numeric>

#include "harness/base/errors.h"
#include "tests/support/error_message.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/profile.h"

namespace feedbench {
namespace {

using testing::ErrorMessage;
using ::testing::HasSubstr;

DatasetSpec Spec(uint64_t samples, std::string_view size, uint64_t seed = 1) {
  DatasetSpec spec;
  spec.samples = samples;
  spec.sizes = ParseSizeSpec(size);
  spec.seed = seed;
  return spec;
}

TEST(SizeSpec, ParsesFixedSize) {
  const SizeDistribution d = ParseSizeSpec("64KiB");
  EXPECT_EQ(d.kind, SizeDistributionKind::kFixed);
  EXPECT_EQ(d.fixed_bytes, 65536u);
  EXPECT_EQ(DescribeSizes(d), "64KiB");
}

TEST(SizeSpec, ParsesUniform) {
  const SizeDistribution d = ParseSizeSpec("uniform:16KiB:1MiB");
  EXPECT_EQ(d.kind, SizeDistributionKind::kUniform);
  EXPECT_EQ(d.min_bytes, 16384u);
  EXPECT_EQ(d.max_bytes, 1048576u);
}

TEST(SizeSpec, ParsesLognormalWithDefaultAndExplicitClip) {
  const SizeDistribution d = ParseSizeSpec("lognormal:96KiB:0.6");
  EXPECT_EQ(d.kind, SizeDistributionKind::kLognormal);
  EXPECT_EQ(d.median_bytes, 96u * 1024);
  EXPECT_DOUBLE_EQ(d.sigma, 0.6);
  EXPECT_EQ(d.min_bytes, kSampleHeaderBytes);
  EXPECT_EQ(d.max_bytes, 64u * 96 * 1024);
  const SizeDistribution clipped = ParseSizeSpec("lognormal:96KiB:0.6:4KiB:1.5MiB");
  EXPECT_EQ(clipped.min_bytes, 4096u);
  EXPECT_EQ(clipped.max_bytes, 1536u * 1024);
}

TEST(SizeSpec, RejectsUnknownDistribution) {
  EXPECT_THAT(ErrorMessage<UsageError>([] { ParseSizeSpec("pareto:1KiB:2"); }),
              HasSubstr("unknown size distribution 'pareto'"));
}

TEST(SizeSpec, RejectsSizeWithoutUnitOrWithUnknownUnit) {
  EXPECT_THAT(ErrorMessage<UsageError>([] { ParseSizeSpec("65536"); }), HasSubstr("no unit"));
  EXPECT_THAT(ErrorMessage<UsageError>([] { ParseSizeSpec("64K"); }), HasSubstr("unknown unit"));
  EXPECT_THAT(ErrorMessage<UsageError>([] { ParseSizeSpec("uniform:16KiB:1024"); }),
              HasSubstr("no unit"));
}

TEST(SizeSpec, RejectsMinGreaterThanMax) {
  EXPECT_THAT(ErrorMessage<UsageError>([] { ParseSizeSpec("uniform:1MiB:16KiB"); }),
              HasSubstr("min 1MiB is greater than max 16KiB"));
  EXPECT_THAT(ErrorMessage<UsageError>([] { ParseSizeSpec("lognormal:96KiB:0.6:1MiB:4KiB"); }),
              HasSubstr("greater than max"));
}

TEST(SizeSpec, RejectsSizesBelowTheHeaderOrBadSigma) {
  EXPECT_THAT(ErrorMessage<UsageError>([] { ParseSizeSpec("16B"); }),
              HasSubstr("32-byte sample header"));
  EXPECT_THAT(ErrorMessage<UsageError>([] { ParseSizeSpec("lognormal:96KiB:0"); }),
              HasSubstr("sigma"));
  EXPECT_THAT(ErrorMessage<UsageError>([] { ParseSizeSpec("lognormal:96KiB:x"); }),
              HasSubstr("not a number"));
  EXPECT_THAT(ErrorMessage<UsageError>([] { ParseSizeSpec("uniform:16KiB"); }),
              HasSubstr("uniform:MIN:MAX"));
}

TEST(SizeSpec, HistogramFileMustExistAndHoldAHistogram) {
  testing::TempDir dir;
  EXPECT_THAT(
      ErrorMessage<UsageError>([&] { ParseSizeSpec("histogram:" + (dir / "none.json").string()); }),
      HasSubstr("none.json"));
  std::ofstream(dir / "fixed.json") << ToJson(Spec(10, "64KiB")).dump();
  EXPECT_THAT(ErrorMessage<UsageError>(
                  [&] { ParseSizeSpec("histogram:" + (dir / "fixed.json").string()); }),
              HasSubstr("expected \"histogram\""));
}

TEST(SpecJson, RoundTripsEveryDistribution) {
  for (const char* size : {"64KiB", "uniform:16KiB:1MiB", "lognormal:96KiB:0.6:4KiB:4MiB"}) {
    const DatasetSpec spec = Spec(1234, size, 42);
    const DatasetSpec back = DatasetSpecFromJson(ToJson(spec), "test");
    EXPECT_EQ(back, spec) << size;
    EXPECT_EQ(SpecHash(back), SpecHash(spec));
  }
  DatasetSpec histogram = Spec(10, "1KiB");
  histogram.sizes = {};
  histogram.sizes.kind = SizeDistributionKind::kHistogram;
  histogram.sizes.buckets = {{1000, 1100, 3}, {50000, 60000, 7}};
  EXPECT_EQ(DatasetSpecFromJson(ToJson(histogram), "test"), histogram);
}

TEST(SpecJson, CanonicalFormIsStable) {
  EXPECT_EQ(ToJson(Spec(20000, "64KiB")).dump(),
            R"({"files_per_dir":1000,"samples":20000,"seed":1,)"
            R"("sizes":{"bytes":65536,"distribution":"fixed"}})");
}

TEST(SpecJson, AcceptsSizesWithUnitsAndDefaults) {
  const auto json = nlohmann::json::parse(
      R"({"samples": 100, "sizes": {"distribution": "uniform", "min_bytes": "16KiB",
          "max_bytes": 1048576}})");
  const DatasetSpec spec = DatasetSpecFromJson(json, "suite.json: dataset");
  EXPECT_EQ(spec.sizes.min_bytes, 16384u);
  EXPECT_EQ(spec.seed, 1u);
  EXPECT_EQ(spec.files_per_dir, 1000u);
}

TEST(SpecJson, RejectsUnknownKeysWrongTypesAndBadValuesNamingWhereAndKey) {
  auto parse = [](const char* text) {
    return ErrorMessage<UsageError>(
        [&] { DatasetSpecFromJson(nlohmann::json::parse(text), "suite.json"); });
  };
  EXPECT_THAT(parse(R"({"samples":1,"sizes":{"distribution":"fixed","bytes":4096},"color":1})"),
              HasSubstr("suite.json: key 'color': unknown key"));
  EXPECT_THAT(parse(R"({"samples":1,"sizes":{"distribution":"fixed","bytes":4096,"x":1}})"),
              HasSubstr("key 'sizes.x': unknown key"));
  EXPECT_THAT(parse(R"({"samples":"many","sizes":{"distribution":"fixed","bytes":4096}})"),
              HasSubstr("key 'samples': expected a non-negative integer"));
  EXPECT_THAT(parse(R"({"samples":-5,"sizes":{"distribution":"fixed","bytes":4096}})"),
              HasSubstr("key 'samples': expected a non-negative integer"));
  EXPECT_THAT(parse(R"({"samples":0,"sizes":{"distribution":"fixed","bytes":4096}})"),
              HasSubstr("key 'samples': expected at least 1 sample"));
  EXPECT_THAT(parse(R"({"sizes":{"distribution":"fixed","bytes":4096}})"),
              HasSubstr("key 'samples': missing"));
  EXPECT_THAT(parse(R"({"samples":1,"sizes":{"distribution":"zipf"}})"),
              HasSubstr("unknown distribution \"zipf\""));
  EXPECT_THAT(parse(R"({"samples":1,"sizes":{"distribution":"fixed","bytes":"64K"}})"),
              HasSubstr("unknown unit"));
  EXPECT_THAT(parse(R"([1,2])"), HasSubstr("expected a dataset spec object"));
}

TEST(SpecHash, DependsOnEveryField) {
  const DatasetSpec base = Spec(100, "64KiB");
  EXPECT_EQ(SpecHash(base).size(), 16u);
  EXPECT_EQ(SpecHash(base), SpecHash(Spec(100, "64KiB")));
  EXPECT_NE(SpecHash(base), SpecHash(Spec(101, "64KiB")));
  EXPECT_NE(SpecHash(base), SpecHash(Spec(100, "64KiB", 2)));
  EXPECT_NE(SpecHash(base), SpecHash(Spec(100, "65KiB")));
  DatasetSpec fan = base;
  fan.files_per_dir = 10;
  EXPECT_NE(SpecHash(base), SpecHash(fan));
}

struct Stats {
  double mean = 0, median = 0;
  uint64_t min = 0, max = 0;
};

Stats SizeStats(const DatasetSpec& spec) {
  std::vector<uint64_t> sizes;
  for (uint64_t i = 0; i < spec.samples; ++i) sizes.push_back(SampleBytes(spec, i));
  std::sort(sizes.begin(), sizes.end());
  Stats s;
  s.mean = std::accumulate(sizes.begin(), sizes.end(), 0.0) / static_cast<double>(sizes.size());
  s.median = static_cast<double>(sizes[sizes.size() / 2]);
  s.min = sizes.front();
  s.max = sizes.back();
  return s;
}

TEST(SampleBytes, IsDeterministicAndFixedForFixed) {
  const DatasetSpec spec = Spec(1000, "uniform:1KiB:1MiB", 7);
  for (uint64_t i = 0; i < 1000; ++i) EXPECT_EQ(SampleBytes(spec, i), SampleBytes(spec, i));
  EXPECT_EQ(SampleBytes(Spec(10, "64KiB"), 3), 65536u);
  EXPECT_EQ(TotalBytes(Spec(10, "64KiB")), 655360u);
}

TEST(SampleBytes, UniformStatisticsMatchTheSpec) {
  const Stats s = SizeStats(Spec(50000, "uniform:16KiB:1MiB"));
  const double lo = 16384, hi = 1048576;
  EXPECT_GE(s.min, 16384u);
  EXPECT_LE(s.max, 1048576u);
  EXPECT_NEAR(s.mean, (lo + hi) / 2, 0.01 * (lo + hi) / 2);
  EXPECT_NEAR(s.median, (lo + hi) / 2, 0.02 * (lo + hi) / 2);
  EXPECT_LT(static_cast<double>(s.min), lo + 0.001 * (hi - lo));
  EXPECT_GT(static_cast<double>(s.max), hi - 0.001 * (hi - lo));
}

TEST(SampleBytes, LognormalStatisticsMatchTheSpec) {
  const double median = 96 * 1024, sigma = 0.6;
  const Stats s = SizeStats(Spec(50000, "lognormal:96KiB:0.6"));
  EXPECT_NEAR(s.median, median, 0.02 * median);
  // E[X] = median * exp(sigma^2 / 2) for a lognormal.
  EXPECT_NEAR(s.mean, median * std::exp(sigma * sigma / 2), 0.02 * median);
  const Stats clipped = SizeStats(Spec(50000, "lognormal:96KiB:0.6:64KiB:128KiB"));
  EXPECT_EQ(clipped.min, 65536u);
  EXPECT_EQ(clipped.max, 131072u);
}

TEST(SampleBytes, HistogramReplaysBucketProportions) {
  DatasetSpec spec = Spec(40000, "1KiB");
  spec.sizes = {};
  spec.sizes.kind = SizeDistributionKind::kHistogram;
  spec.sizes.buckets = {{1000, 1000, 1}, {50000, 59999, 3}};
  uint64_t small = 0;
  for (uint64_t i = 0; i < spec.samples; ++i) {
    const uint64_t bytes = SampleBytes(spec, i);
    if (bytes == 1000) {
      ++small;
    } else {
      EXPECT_GE(bytes, 50000u);
      EXPECT_LE(bytes, 59999u);
    }
  }
  EXPECT_NEAR(static_cast<double>(small) / 40000, 0.25, 0.01);
}

TEST(SizeBounds, BoundAndAverageWhatSampleBytesDraws) {
  DatasetSpec histogram = Spec(50000, "1KiB");
  histogram.sizes = {};
  histogram.sizes.kind = SizeDistributionKind::kHistogram;
  // The first bucket reaches below the header: those draws come out as the header's 32 bytes.
  histogram.sizes.buckets = {{0, 100, 2}, {50000, 59999, 3}};
  std::vector<DatasetSpec> specs = {Spec(50000, "64KiB"), Spec(50000, "uniform:16KiB:1MiB"),
                                    Spec(50000, "lognormal:96KiB:0.6"),
                                    Spec(50000, "lognormal:96KiB:1.5:64KiB:256KiB"), histogram};
  for (const DatasetSpec& spec : specs) {
    SCOPED_TRACE(DescribeSizes(spec.sizes));
    const SampleSizeBounds bounds = SizeBounds(spec.sizes);
    const Stats drawn = SizeStats(spec);
    EXPECT_LE(bounds.min_bytes, drawn.min);
    EXPECT_GE(bounds.max_bytes, drawn.max);
    EXPECT_NEAR(bounds.mean_bytes, drawn.mean, 0.01 * drawn.mean);
  }
  EXPECT_EQ(SizeBounds(histogram.sizes).min_bytes, kSampleHeaderBytes);
}

TEST(SizeBounds, AnswerForTwoToTheFortySamplesWithoutAPassOverThem) {
  // SizeBounds takes the distribution alone: nothing in it scales with the sample count.
  const DatasetSpec spec = Spec(kMaxSamples, "uniform:16KiB:1MiB");
  EXPECT_NO_THROW(ValidateSpec(spec, "test"));
  EXPECT_EQ(SizeBounds(spec.sizes).min_bytes, 16384u);
  EXPECT_EQ(SizeBounds(spec.sizes).max_bytes, 1048576u);
}

TEST(ValidateSpec, TooManySamplesSaysHowMany) {
  DatasetSpec spec = Spec(1, "4KiB");
  spec.samples = kMaxSamples + 1;
  EXPECT_THAT(ErrorMessage<UsageError>([&] { ValidateSpec(spec, "suite.json: dataset"); }),
              HasSubstr("1099511627777 samples is more than 2^40"));
}

std::vector<std::byte> Sample(const DatasetSpec& spec, uint64_t index) {
  std::vector<std::byte> data(SampleBytes(spec, index));
  FillSample(spec, index, data);
  return data;
}

TEST(SampleContent, SameSeedAndIndexGiveIdenticalBytesAndCheckPasses) {
  const DatasetSpec spec = Spec(100, "uniform:33B:100KiB", 9);
  for (uint64_t i = 0; i < 100; ++i) {
    const auto a = Sample(spec, i);
    EXPECT_EQ(a, Sample(spec, i));
    EXPECT_EQ(CheckSample(a, i), std::nullopt) << i;
  }
}

TEST(SampleContent, DifferentSeedOrIndexGiveDifferentBytes) {
  const auto a = Sample(Spec(10, "4KiB", 1), 3);
  const auto b = Sample(Spec(10, "4KiB", 2), 3);
  const auto c = Sample(Spec(10, "4KiB", 1), 4);
  const auto payload = [](const std::vector<std::byte>& v) {
    return std::vector<std::byte>(v.begin() + kSampleHeaderBytes, v.end());
  };
  EXPECT_NE(payload(a), payload(b));
  EXPECT_NE(payload(a), payload(c));
}

TEST(SampleContent, IsIncompressible) {
  // Shannon entropy of the payload's bytes: a compressor cannot go below it.
  const auto data = Sample(Spec(1, "1MiB"), 0);
  std::array<double, 256> counts{};
  for (size_t i = kSampleHeaderBytes; i < data.size(); ++i) ++counts[static_cast<uint8_t>(data[i])];
  double entropy_bits = 0;
  const double n = static_cast<double>(data.size() - kSampleHeaderBytes);
  for (double c : counts) {
    if (c > 0) entropy_bits -= c / n * std::log2(c / n);
  }
  EXPECT_GT(entropy_bits, 7.99);
}

TEST(SampleContent, CheckCatchesFlippedByteTruncationAndWrongIndex) {
  const DatasetSpec spec = Spec(10, "4KiB");
  auto data = Sample(spec, 5);
  EXPECT_THAT(CheckSample(data, 6).value_or(""), HasSubstr("header says sample 5"));
  auto truncated = data;
  truncated.resize(4000);
  EXPECT_THAT(CheckSample(truncated, 5).value_or(""),
              HasSubstr("length 4000 bytes, header says 4096"));
  data[1000] ^= std::byte{0x01};
  EXPECT_THAT(CheckSample(data, 5).value_or(""), HasSubstr("checksum"));
  EXPECT_THAT(CheckSample(std::span(data).first(10), 5).value_or(""), HasSubstr("shorter"));
}

TEST(SampleDigest, IsOrderIndependentSumOverSamples) {
  const DatasetSpec spec = Spec(4, "4KiB");
  uint64_t forward = 0, backward = 0;
  for (uint64_t i = 0; i < 4; ++i) forward += SampleDigest(Sample(spec, i), i);
  for (uint64_t i = 4; i-- > 0;) backward += SampleDigest(Sample(spec, i), i);
  EXPECT_EQ(forward, backward);
  EXPECT_NE(SampleDigest(Sample(spec, 0), 0), SampleDigest(Sample(spec, 1), 1));
}

}  // namespace
}  // namespace feedbench
