// The packed layouts (shards, records): plan, generation, reading through the store, verification
// of damage, GNU tar's view of the shards, determinism and bad shard sizes.
#include "workloads/dataset/packed_layout.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "tests/support/error_message.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/dataset/record_index.h"
#include "workloads/dataset/sample_store.h"
#include "workloads/dataset/shard_store.h"
#include "workloads/dataset/tar_format.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::ErrorMessage;
using ::testing::HasSubstr;
using testing::TempDir;

DatasetSpec Spec(uint64_t samples = 300) {
  DatasetSpec spec;
  spec.samples = samples;
  spec.sizes = ParseSizeSpec("lognormal:8KiB:0.6:1KiB:64KiB");
  spec.seed = 7;
  spec.files_per_dir = 64;
  return spec;
}

constexpr uint64_t kShardBytes = 256 << 10;

EnsureOptions Options(uint64_t shard_bytes = kShardBytes) {
  EnsureOptions options;
  options.progress = false;
  options.threads = 2;
  options.shard_bytes = shard_bytes;
  return options;
}

// Every sample read through the dataset's store: each checked, and the digest of all.
uint64_t ReadAllThroughStore(const fs::path& dir, StoreAccess access) {
  const Manifest manifest = OpenDataset(dir);
  const std::unique_ptr<SampleStore> store = OpenDatasetStore(dir, manifest, access);
  const std::unique_ptr<SampleStore::Cursor> cursor = store->OpenCursor();
  std::vector<std::byte> buffer;
  uint64_t digest = 0;
  for (uint64_t i = 0; i < manifest.spec.samples; ++i) {
    cursor->Read(i, SampleBytes(manifest.spec, i), buffer);
    EXPECT_EQ(CheckSample(buffer, i), std::nullopt) << "sample " << i;
    EXPECT_EQ(buffer.size(), SampleBytes(manifest.spec, i));
    digest += SampleDigest(buffer, i);
  }
  return digest;
}

void FlipByte(const fs::path& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x20);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

TEST(PackPlan, ContainersHoldWholeSamplesWithinTheShardSize) {
  const DatasetSpec spec = Spec(1000);
  for (const PackFormat format : {PackFormat::kTar, PackFormat::kRecords}) {
    const PackPlan plan = PlanPack(spec, format, kShardBytes);
    ASSERT_GT(plan.containers(), 1u);
    EXPECT_EQ(plan.first_sample.front(), 0u);
    EXPECT_EQ(plan.first_sample.back(), spec.samples);
    for (uint64_t k = 0; k < plan.containers(); ++k) {
      EXPECT_LE(plan.container_bytes[k], kShardBytes);
      EXPECT_LT(plan.first_sample[k], plan.first_sample[k + 1]);  // at least one sample each
      uint64_t bytes = format == PackFormat::kTar ? kTarEndBytes : 0;
      for (uint64_t i = plan.first_sample[k]; i < plan.first_sample[k + 1]; ++i) {
        EXPECT_EQ(plan.ContainerOf(i), k);
        bytes += format == PackFormat::kTar ? TarMemberBytes(SampleBytes(spec, i))
                                            : SampleBytes(spec, i);
      }
      EXPECT_EQ(bytes, plan.container_bytes[k]);
    }
  }
}

TEST(PackPlan, ShardSizeBelowTheLargestSampleIsBadInputNamingTheKeyAndTheSampleSize) {
  const DatasetSpec spec = Spec();  // samples up to 64 KiB
  const std::string message = ErrorMessage<UsageError>(
      [&] { CheckShardBytes(spec, PackFormat::kTar, 32 << 10, "suite.json: workloads[2].shard_bytes"); });
  EXPECT_THAT(message, HasSubstr("workloads[2].shard_bytes"));
  EXPECT_THAT(message, HasSubstr("smaller than a sample"));
  EXPECT_THAT(message, HasSubstr("64KiB"));
  EXPECT_THAT(ErrorMessage<UsageError>([&] {
                CheckShardBytes(spec, PackFormat::kRecords, 0, "--shard-bytes");
              }),
              HasSubstr("--shard-bytes"));
  // A data file needs the sample only; a shard needs its header and the end blocks too.
  EXPECT_NO_THROW(CheckShardBytes(spec, PackFormat::kRecords, 64 << 10, "x"));
  EXPECT_THROW(CheckShardBytes(spec, PackFormat::kTar, 64 << 10, "x"), UsageError);
  TempDir dir;
  EXPECT_THROW(EnsureDataset(dir / "s", spec, Layout::kShards, Options(32 << 10)), UsageError);
  EXPECT_FALSE(fs::exists(dir / "s" / kManifestName));
}

TEST(PackedLayouts, EverySampleReadsBackAsInTheFilesLayout) {
  TempDir dir;
  const DatasetSpec spec = Spec();
  EnsureDataset(dir / "files", spec, Layout::kFiles, Options());
  const uint64_t files_digest = ReadAllThroughStore(dir / "files", StoreAccess::kRandom);
  for (const Layout layout : {Layout::kShards, Layout::kRecords}) {
    const EnsureResult r =
        EnsureDataset(dir / std::string(LayoutName(layout)), spec, layout, Options());
    EXPECT_TRUE(r.manifest.complete);
    EXPECT_EQ(r.manifest.shard_bytes, kShardBytes);
    EXPECT_GT(r.manifest.containers, 1u);
    EXPECT_GE(r.manifest.disk_bytes, r.manifest.total_bytes);
    for (const StoreAccess access : {StoreAccess::kRandom, StoreAccess::kSequential}) {
      EXPECT_EQ(ReadAllThroughStore(dir / std::string(LayoutName(layout)), access), files_digest)
          << LayoutName(layout);
    }
    EXPECT_EQ(VerifyDataset(dir / std::string(LayoutName(layout)), 2), std::nullopt);
  }
}

TEST(PackedLayouts, ShardStreamsDeliverEveryMemberInStorageOrder) {
  TempDir dir;
  const DatasetSpec spec = Spec();
  EnsureDataset(dir / "s", spec, Layout::kShards, Options());
  const Manifest m = OpenDataset(dir / "s");
  const auto store = OpenDatasetStore(dir / "s", m, StoreAccess::kSequential);
  const ShardSource* shards = store->shard_source();
  ASSERT_NE(shards, nullptr);
  ASSERT_EQ(shards->shards(), m.containers);
  uint64_t next = 0;
  std::vector<std::byte> buffer;
  for (uint64_t k = 0; k < shards->shards(); ++k) {
    const auto stream = shards->OpenStream(k);
    while (const auto index = stream->Next(buffer)) {
      EXPECT_EQ(*index, next++);
      EXPECT_EQ(CheckSample(buffer, *index), std::nullopt);
    }
    EXPECT_EQ(next, shards->EndSample(k));
  }
  EXPECT_EQ(next, spec.samples);
}

TEST(PackedLayouts, SameSpecGivesByteIdenticalShardsAndRecords) {
  TempDir dir;
  const DatasetSpec spec = Spec();
  for (const Layout layout : {Layout::kShards, Layout::kRecords}) {
    const std::string name(LayoutName(layout));
    EnsureDataset(dir / (name + "-a"), spec, layout, Options());
    EnsureOptions one_thread = Options();
    one_thread.threads = 1;
    EnsureDataset(dir / (name + "-b"), spec, layout, one_thread);
    const fs::path sub = layout == Layout::kShards ? "shards" : "records";
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir / (name + "-a") / sub)) {
      const fs::path twin = dir / (name + "-b") / sub / entry.path().filename();
      EXPECT_EQ(ReadWholeFile(entry.path()), ReadWholeFile(twin)) << entry.path();
      ++files;
    }
    EXPECT_GT(files, 1u);
  }
}

TEST(PackedLayouts, GnuTarListsAndExtractsAShardAsFillSampleWroteIt) {
  if (testing::RunCommand("tar --version").exit_code != 0) GTEST_SKIP() << "no tar on PATH";
  TempDir dir;
  const DatasetSpec spec = Spec();
  EnsureDataset(dir / "s", spec, Layout::kShards, Options());
  const PackPlan plan = PlanPack(spec, PackFormat::kTar, kShardBytes);
  const fs::path shard = ShardPath(dir / "s", 1);
  const testing::CommandResult list =
      testing::RunCommand("tar -tf " + testing::ShellQuote(shard.string()));
  ASSERT_EQ(list.exit_code, 0) << list.output;
  std::string expected;
  for (uint64_t i = plan.first_sample[1]; i < plan.first_sample[2]; ++i) {
    expected += ShardMemberName(i) + "\n";
  }
  EXPECT_EQ(list.output, expected);
  fs::create_directories(dir / "x");
  const testing::CommandResult extract = testing::RunCommand(
      "tar -xf " + testing::ShellQuote(shard.string()) + " -C " +
      testing::ShellQuote((dir / "x").string()));
  ASSERT_EQ(extract.exit_code, 0) << extract.output;
  for (uint64_t i = plan.first_sample[1]; i < plan.first_sample[2]; ++i) {
    std::vector<std::byte> want(SampleBytes(spec, i));
    FillSample(spec, i, want);
    const std::string got = ReadWholeFile(dir / "x" / ShardMemberName(i));
    ASSERT_EQ(got.size(), want.size()) << i;
    EXPECT_EQ(0, std::memcmp(got.data(), want.data(), want.size())) << i;
  }
}

TEST(PackedLayouts, VerifyNamesTheShardMemberAndSampleOfAFlippedPayloadByte) {
  TempDir dir;
  const DatasetSpec spec = Spec();
  EnsureDataset(dir / "s", spec, Layout::kShards, Options());
  const PackPlan plan = PlanPack(spec, PackFormat::kTar, kShardBytes);
  const uint64_t victim = plan.first_sample[2] + 3;
  FlipByte(ShardPath(dir / "s", 2), plan.offset[victim] + SampleBytes(spec, victim) - 1);
  const std::optional<std::string> problem = VerifyDataset(dir / "s", 2);
  ASSERT_TRUE(problem);
  EXPECT_THAT(*problem, HasSubstr(fmt::format("sample {} ", victim)));
  EXPECT_THAT(*problem, HasSubstr("shard-000002.tar"));
  EXPECT_THAT(*problem, HasSubstr(ShardMemberName(victim)));
  EXPECT_THAT(*problem, HasSubstr("checksum"));
}

TEST(PackedLayouts, VerifyFindsADamagedTarHeaderPaddingOrEnd) {
  const DatasetSpec spec = Spec();
  const PackPlan plan = PlanPack(spec, PackFormat::kTar, kShardBytes);
  const uint64_t victim = plan.first_sample[1] + 1;
  // Header, padding after a sample that has some, and the archive's end blocks.
  uint64_t padded = victim;
  while (SampleBytes(spec, padded) % kTarBlockBytes == 0) ++padded;
  const struct {
    uint64_t offset;
    std::string expect;
  } cases[] = {
      {plan.offset[victim] - kTarBlockBytes + 3, "tar header checksum"},
      {plan.offset[padded] + SampleBytes(spec, padded), "padding"},
      {plan.container_bytes[1] - 10, "end"},
  };
  for (const auto& c : cases) {
    TempDir dir;
    EnsureDataset(dir / "s", spec, Layout::kShards, Options());
    FlipByte(ShardPath(dir / "s", 1), c.offset);
    const std::optional<std::string> problem = VerifyDataset(dir / "s", 2);
    ASSERT_TRUE(problem) << c.expect;
    EXPECT_THAT(*problem, HasSubstr("shard-000001.tar")) << *problem;
    EXPECT_THAT(*problem, HasSubstr(c.expect)) << *problem;
  }
}

TEST(PackedLayouts, VerifyNamesTheRecordOfAFlippedByte) {
  TempDir dir;
  const DatasetSpec spec = Spec();
  EnsureDataset(dir / "r", spec, Layout::kRecords, Options());
  const PackPlan plan = PlanPack(spec, PackFormat::kRecords, kShardBytes);
  const uint64_t victim = plan.first_sample[1] + 2;
  FlipByte(RecordFilePath(dir / "r", 1), plan.offset[victim] + 40);
  const std::optional<std::string> problem = VerifyDataset(dir / "r", 2);
  ASSERT_TRUE(problem);
  EXPECT_THAT(*problem, HasSubstr(fmt::format("sample {} ", victim)));
  EXPECT_THAT(*problem, HasSubstr("data-000001.rec"));
  EXPECT_THAT(*problem, HasSubstr(fmt::format("record {}", victim)));
}

TEST(PackedLayouts, AnIndexThatDoesNotMatchItsDataIsRefusedAndNamed) {
  TempDir dir;
  const DatasetSpec spec = Spec();
  EnsureDataset(dir / "r", spec, Layout::kRecords, Options());
  const Manifest m = OpenDataset(dir / "r");
  // A flipped byte in the index: its checksum.
  FlipByte(RecordIndexPath(dir / "r"), 100);
  EXPECT_THAT(ErrorMessage<UsageError>([&] { OpenDatasetStore(dir / "r", m, StoreAccess::kRandom); }),
              HasSubstr("index.bin: corrupt records index: checksum"));
  EXPECT_THAT(VerifyDataset(dir / "r", 2).value_or(""), HasSubstr("index.bin"));
  FlipByte(RecordIndexPath(dir / "r"), 100);  // whole again
  EXPECT_EQ(VerifyDataset(dir / "r", 2), std::nullopt);
  // A data file of another length than its records.
  std::ofstream(RecordFilePath(dir / "r", 0), std::ios::app | std::ios::binary) << "x";
  const std::string message =
      ErrorMessage<UsageError>([&] { OpenDatasetStore(dir / "r", m, StoreAccess::kRandom); });
  EXPECT_THAT(message, HasSubstr("does not match data-000000.rec"));
  EXPECT_THAT(VerifyDataset(dir / "r", 2).value_or(""), HasSubstr("does not match"));
}

TEST(PackedLayouts, AKilledGenerationIsRecognisedAndRedone) {
  TempDir dir;
  const DatasetSpec spec = Spec();
  for (const Layout layout : {Layout::kShards, Layout::kRecords}) {
    const fs::path d = dir / std::string(LayoutName(layout));
    EnsureDataset(d, spec, layout, Options());
    // What a kill between the first manifest and the last leaves: complete=false, partial data.
    Manifest m = *ReadManifest(d);
    m.complete = false;
    WriteFileAtomic(d / kManifestName, ToJson(m).dump());
    fs::resize_file(layout == Layout::kShards ? ShardPath(d, 0) : RecordFilePath(d, 0), 1000);
    EXPECT_THROW(OpenDataset(d), UsageError);
    const EnsureResult again = EnsureDataset(d, spec, layout, Options());
    EXPECT_FALSE(again.reused);
    EXPECT_EQ(VerifyDataset(d, 2), std::nullopt);
    // Another shard size is another dataset: regenerated, not reused.
    EXPECT_FALSE(EnsureDataset(d, spec, layout, Options(kShardBytes * 2)).reused);
    EXPECT_EQ(ReadManifest(d)->shard_bytes, kShardBytes * 2);
    EXPECT_TRUE(EnsureDataset(d, spec, layout, Options(kShardBytes * 2)).reused);
    EXPECT_EQ(RemoveDataset(d), 0u);
  }
}

TEST(PackedLayouts, LayoutNamesParseAndUnknownOnesListTheKnown) {
  EXPECT_EQ(ParseLayout("shards"), Layout::kShards);
  EXPECT_EQ(ParseLayout("records"), Layout::kRecords);
  const std::string message = ErrorMessage<UsageError>([] { ParseLayout("webdataset", "--layout"); });
  for (const Layout layout : kAllLayouts) EXPECT_THAT(message, HasSubstr(LayoutName(layout)));
  EXPECT_THAT(message, HasSubstr("--layout"));
}

TEST(PackedLayouts, BackingFilesAreEveryShardOrDataFileAndTheIndex) {
  TempDir dir;
  const DatasetSpec spec = Spec();
  EnsureDataset(dir / "r", spec, Layout::kRecords, Options());
  const Manifest m = OpenDataset(dir / "r");
  const auto files = OpenDatasetStore(dir / "r", m, StoreAccess::kRandom)->BackingFiles();
  size_t on_disk = 0;
  for (const auto& entry : fs::directory_iterator(dir / "r" / "records")) {
    ++on_disk;
    EXPECT_NE(std::find(files.begin(), files.end(), entry.path()), files.end()) << entry.path();
  }
  EXPECT_EQ(files.size(), on_disk);
}

}  // namespace
}  // namespace feedbench
