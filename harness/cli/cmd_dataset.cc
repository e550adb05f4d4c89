// `feedbench dataset`: profile a real tree, create, verify, describe and remove synthetic datasets.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/units.h"
#include "harness/cli/commands.h"
#include "harness/os/interrupt.h"
#include "workloads/dataset/dataset.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/dataset/profile.h"

namespace feedbench {
namespace fs = std::filesystem;
namespace {

struct DatasetArgs {
  std::string profile_dir;
  std::string out;
  std::string layout = "files";
  std::string dir;
  // Whole numbers are taken as text: CLI11 reads "-3" into an unsigned type as 2^64 - 3.
  std::string samples;
  std::string size;
  std::string seed = "1";
  std::string files_per_dir = "1000";
  std::string spec_file;
  std::string shard_bytes;  // packed layouts; empty: the default
  int threads = 0;
  bool quiet = false;
  bool json = false;
};

// A whole number from `min` to `max` given to `flag`, or UsageError naming the flag as typed
// ("--samples -3: a negative number; expected ...").
uint64_t ParseWholeFlag(std::string_view flag, const std::string& text, uint64_t min, uint64_t max,
                        std::string_view expected) {
  const std::string_view t(text);
  if (!t.empty() && t.front() == '-' && t.size() > 1 &&
      std::isdigit(static_cast<unsigned char>(t[1]))) {
    throw UsageError(fmt::format("{} {}: a negative number; expected {}", flag, text, expected));
  }
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || end != t.data() + t.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    throw UsageError(fmt::format("{} '{}': not a whole number; expected {}", flag, text, expected));
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    throw UsageError(fmt::format("{} {}: expected {}", flag, text, expected));
  }
  return value;
}

// --threads: 0 means the default; a negative count is not one.
void CheckThreads(int threads) {
  if (threads < 0 || threads > 4096) {
    throw UsageError(fmt::format(
        "--threads {}: expected 1 to 4096 threads, or 0 for the default (one per core)", threads));
  }
}

std::string Rate(uint64_t bytes, double sec) {
  return sec > 0 ? FormatRateIec(static_cast<double>(bytes) / sec) : "-";
}

std::string Summary(const Manifest& m) {
  std::string s = fmt::format("{} samples, {} ({} bytes), sizes {}, seed {}, ", m.samples,
                              FormatBytesIec(static_cast<double>(m.total_bytes)), m.total_bytes,
                              DescribeSizes(m.spec.sizes), m.spec.seed);
  if (PackFormatOf(m.layout)) {
    s += fmt::format("{} {} of at most {}", m.containers,
                     m.layout == Layout::kShards ? "shards" : "data files",
                     FormatBytesExact(m.shard_bytes));
  } else {
    s += fmt::format("{} files per directory", m.spec.files_per_dir);
  }
  if (m.disk_bytes > 0) {
    s += fmt::format(", {} on disk", FormatBytesIec(static_cast<double>(m.disk_bytes)));
  }
  return s;
}

int RunProfile(const DatasetArgs& a) {
  if (!a.out.empty()) CheckWritableDestination(a.out, "--out");
  const TreeProfile profile = ProfileTree(a.profile_dir);
  const std::string json = ToJson(profile).dump(2) + "\n";
  if (a.out.empty()) {
    std::fputs(json.c_str(), stdout);
    return kExitOk;
  }
  WriteFileAtomic(a.out, json);
  std::printf(
      "profiled %s: %llu files in %llu directories, %s; file sizes min %s, median %s, max %s; "
      "files per directory median %llu, max %llu\nwrote %s (replay with --spec %s or --size "
      "histogram:%s)\n",
      profile.source.c_str(), static_cast<unsigned long long>(profile.files),
      static_cast<unsigned long long>(profile.directories),
      FormatBytesIec(static_cast<double>(profile.total_bytes)).c_str(),
      FormatBytesIec(static_cast<double>(profile.min_file_bytes)).c_str(),
      FormatBytesIec(static_cast<double>(profile.median_file_bytes)).c_str(),
      FormatBytesIec(static_cast<double>(profile.max_file_bytes)).c_str(),
      static_cast<unsigned long long>(profile.median_files_per_dir),
      static_cast<unsigned long long>(profile.max_files_per_dir), a.out.c_str(), a.out.c_str(),
      a.out.c_str());
  return kExitOk;
}

DatasetSpec SpecFromArgs(const DatasetArgs& a) {
  if (!a.spec_file.empty()) {
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(ReadWholeFile(a.spec_file));
    } catch (const nlohmann::json::exception& e) {  // syntax, or a number out of range
      throw UsageError(fmt::format("--spec {}: not valid JSON: {}", a.spec_file, e.what()));
    }
    return SpecFromSpecOrProfileJson(json, a.spec_file);
  }
  if (a.samples.empty()) {
    throw UsageError("dataset create: give --samples and --size, or --spec FILE");
  }
  if (a.size.empty()) throw UsageError("dataset create: --size is required with --samples");
  DatasetSpec spec;
  spec.samples = ParseWholeFlag("--samples", a.samples, 1, kMaxSamples,
                                fmt::format("1 to {} samples (2^40)", kMaxSamples));
  spec.sizes = ParseSizeSpec(a.size, "--size");
  spec.seed = ParseWholeFlag("--seed", a.seed, 0, UINT64_MAX,
                             fmt::format("a seed from 0 to {}", UINT64_MAX));
  spec.files_per_dir = static_cast<uint32_t>(
      ParseWholeFlag("--files-per-dir", a.files_per_dir, 1, UINT32_MAX,
                     fmt::format("1 to {} samples per directory", UINT32_MAX)));
  ValidateSpec(spec, "command line");
  return spec;
}

// After an interrupted create: removes the incomplete dataset in `dir` (keeping the directory
// itself when it was there before) and says what it did.
std::string RemovePartialDataset(const fs::path& dir, bool dir_existed) {
  try {
    const std::optional<Manifest> manifest = ReadManifest(dir);
    if (!manifest) return "nothing to remove";
    if (manifest->complete) return fmt::format("the complete dataset {} stays", dir.string());
    const size_t left = RemoveDataset(dir);
    std::error_code ec;
    if (dir_existed && left == 0) fs::create_directory(dir, ec);
    return fmt::format("removed the partial dataset {}{}", dir.string(),
                       left == 0 ? "" : fmt::format(" ({} entries not feedbench's left)", left));
  } catch (const std::exception& e) {
    return fmt::format("could not remove the partial dataset {}: {}", dir.string(), e.what());
  }
}

int RunCreate(const DatasetArgs& a) {
  const Layout layout = ParseLayout(a.layout, "--layout");
  CheckThreads(a.threads);
  const DatasetSpec spec = SpecFromArgs(a);
  EnsureOptions options;
  options.threads = a.threads;
  options.progress = !a.quiet;
  if (const std::optional<PackFormat> format = PackFormatOf(layout)) {
    if (!a.shard_bytes.empty()) options.shard_bytes = ParseBytes(a.shard_bytes, "--shard-bytes");
    CheckShardBytes(spec, *format, options.shard_bytes, "--shard-bytes");
  } else if (!a.shard_bytes.empty()) {
    throw UsageError(fmt::format(
        "--shard-bytes {}: applies to --layout shards and records, not {}", a.shard_bytes,
        LayoutName(layout)));
  }
  std::error_code ec;
  const bool dir_existed = fs::exists(a.dir, ec);
  EnsureResult r;
  try {
    // SIGINT or SIGTERM stops the generation at its next chunk (harness/os/interrupt.h).
    InterruptScope scope;
    r = EnsureDataset(a.dir, spec, layout, options);
  } catch (const Interrupted& e) {
    throw Interrupted(e.signal(), fmt::format("{} while creating the {} dataset in {}; {}",
                                              e.what(), LayoutName(layout), a.dir,
                                              RemovePartialDataset(a.dir, dir_existed)));
  }
  if (r.reused) {
    std::printf("reused the %s dataset in %s (spec %s): %s\n", LayoutName(layout).data(),
                a.dir.c_str(), r.manifest.spec_hash.c_str(), Summary(r.manifest).c_str());
  } else {
    std::printf("created the %s dataset in %s (spec %s): %s; in %.2f s (%s, %.0f samples/s, synced)\n",
                LayoutName(layout).data(), a.dir.c_str(), r.manifest.spec_hash.c_str(),
                Summary(r.manifest).c_str(), r.generate_sec,
                Rate(r.generated_bytes, r.generate_sec).c_str(),
                r.generate_sec > 0 ? static_cast<double>(r.manifest.samples) / r.generate_sec : 0.0);
  }
  return kExitOk;
}

int RunVerify(const DatasetArgs& a) {
  CheckThreads(a.threads);
  const Manifest m = OpenDataset(a.dir);
  const auto start = std::chrono::steady_clock::now();
  const std::optional<std::string> problem = VerifyDataset(a.dir, a.threads);
  const double sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (problem) throw RunError(fmt::format("dataset verify {}: {}", a.dir, *problem));
  std::printf("verified %llu samples (%s) in %s: every header and checksum is good (%.2f s, %s)\n",
              static_cast<unsigned long long>(m.samples),
              FormatBytesIec(static_cast<double>(m.total_bytes)).c_str(), a.dir.c_str(), sec,
              Rate(m.total_bytes, sec).c_str());
  return kExitOk;
}

int RunInfo(const DatasetArgs& a) {
  const std::optional<Manifest> m = ReadManifest(a.dir);
  if (!m) {
    throw UsageError(
        fmt::format("--dir {}: not a feedbench dataset (no {})", a.dir, kManifestName));
  }
  if (a.json) {
    std::printf("%s\n", ToJson(*m).dump(2).c_str());
    return kExitOk;
  }
  std::printf(
      "dataset    %s\nlayout     %s\nspec hash  %s\nstate      %s\nsamples    %llu\ntotal      "
      "%s (%llu bytes)\nsizes      %s\nseed       %llu\nfiles/dir  %u\ncreated    %s by feedbench "
      "%s\n",
      a.dir.c_str(), LayoutName(m->layout).data(), m->spec_hash.c_str(),
      m->complete ? fmt::format("complete (generated in {:.2f} s)", m->generate_sec).c_str()
                  : "INCOMPLETE (generation was interrupted; create regenerates it)",
      static_cast<unsigned long long>(m->samples),
      FormatBytesIec(static_cast<double>(m->total_bytes)).c_str(),
      static_cast<unsigned long long>(m->total_bytes), DescribeSizes(m->spec.sizes).c_str(),
      static_cast<unsigned long long>(m->spec.seed), m->spec.files_per_dir, m->created_utc.c_str(),
      m->feedbench_version.c_str());
  if (PackFormatOf(m->layout)) {
    std::printf("shards     %llu of at most %s (%llu bytes)\n",
                static_cast<unsigned long long>(m->containers),
                FormatBytesExact(m->shard_bytes).c_str(),
                static_cast<unsigned long long>(m->shard_bytes));
  }
  if (m->disk_bytes > 0) {
    std::printf("on disk    %s (%llu bytes, %.3f x the samples' bytes)\n",
                FormatBytesIec(static_cast<double>(m->disk_bytes)).c_str(),
                static_cast<unsigned long long>(m->disk_bytes),
                m->total_bytes > 0 ? static_cast<double>(m->disk_bytes) /
                                         static_cast<double>(m->total_bytes)
                                   : 0.0);
  }
  return kExitOk;
}

int RunRemove(const DatasetArgs& a) {
  const size_t left = RemoveDataset(a.dir);
  if (left == 0) {
    std::printf("removed %s\n", a.dir.c_str());
  } else {
    std::printf("removed the dataset from %s; %zu entries that are not feedbench's were left\n",
                a.dir.c_str(), left);
  }
  return kExitOk;
}

}  // namespace

void AddDatasetCommand(CLI::App& app, CommandAction& action) {
  auto args = std::make_shared<DatasetArgs>();
  auto* dataset = app.add_subcommand(
      "dataset", "Create, verify, describe and remove synthetic datasets; profile a real one");
  dataset->require_subcommand(1);

  auto* profile = dataset->add_subcommand(
      "profile", "Measure an existing tree (size histogram, file count, fan-out) into a spec");
  profile->add_option("DIR", args->profile_dir, "Directory tree to profile")->required();
  profile->add_option("--out", args->out, "Write the profile JSON here (default: stdout)");
  profile->callback([&action, args] { action = [args] { return RunProfile(*args); }; });

  auto* create = dataset->add_subcommand("create", "Create (or reuse) a dataset directory");
  create->add_option("--layout", args->layout, "files, lmdb, shards or records (default files)");
  create->add_option("--dir", args->dir, "Dataset directory (new, empty, or a feedbench dataset)")
      ->required();
  auto* samples = create->add_option("--samples", args->samples, "Number of samples");
  auto* size = create->add_option(
      "--size", args->size,
      "64KiB | uniform:MIN:MAX | lognormal:MEDIAN:SIGMA[:MIN:MAX] | histogram:FILE");
  auto* seed = create->add_option("--seed", args->seed, "Content and size seed (default 1)");
  auto* fpd = create->add_option("--files-per-dir", args->files_per_dir,
                                 "Samples per shard directory (default 1000)");
  auto* spec = create->add_option("--spec", args->spec_file,
                                  "A dataset spec JSON or a `dataset profile` output");
  for (auto* option : {samples, size, seed, fpd}) spec->excludes(option);
  create->add_option("--shard-bytes", args->shard_bytes,
                     "shards/records: largest shard or data file, with a unit (default 256MiB)");
  create->add_option("--threads", args->threads, "Generation threads (default: all cores)");
  create->add_flag("--quiet", args->quiet, "No progress meter");
  create->callback([&action, args] { action = [args] { return RunCreate(*args); }; });

  auto* verify = dataset->add_subcommand("verify", "Read every sample back and check it");
  verify->add_option("--dir", args->dir, "Dataset directory")->required();
  verify->add_option("--threads", args->threads, "Reader threads (default: all cores)");
  verify->callback([&action, args] { action = [args] { return RunVerify(*args); }; });

  auto* info = dataset->add_subcommand("info", "Show a dataset's manifest");
  info->add_option("--dir", args->dir, "Dataset directory")->required();
  info->add_flag("--json", args->json, "Print the manifest JSON");
  info->callback([&action, args] { action = [args] { return RunInfo(*args); }; });

  auto* rm = dataset->add_subcommand("rm", "Remove a feedbench dataset directory (only those)");
  rm->add_option("--dir", args->dir, "Dataset directory")->required();
  rm->callback([&action, args] { action = [args] { return RunRemove(*args); }; });
}

}  // namespace feedbench
