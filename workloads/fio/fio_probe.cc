#include "workloads/fio/fio_probe.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <system_error>
#include <vector>

#include "harness/base/errors.h"
#include "harness/base/units.h"
#include "harness/measure/diskstats.h"
#include "harness/measure/sampler.h"
#include "workloads/dataset/packed_layout.h"
#include "workloads/fio/fio.h"
#include "workloads/fio/fio_workload.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kSectorBytes = 512;
// fio's limit on an option's value is 4096 bytes; kept under it.
constexpr size_t kMaxFioValueBytes = 4000;

// The device's read sectors now; nullopt when /proc/diskstats has no line of it.
std::optional<uint64_t> SectorsRead(DiskstatsReader& reader, const std::string& device) {
  const DiskstatsSnapshot snapshot = ParseDiskstats(reader.Read());
  for (const DiskCounters& c : snapshot.devices) {
    if (c.name == device) return c.read_sectors;
  }
  return std::nullopt;
}
constexpr uint64_t kMaxRandomBlock = 4ULL << 20;

std::string Millis(double seconds) {
  return fmt::format("{}ms", static_cast<int64_t>(std::llround(seconds * 1000)));
}

void CheckTarget(const ProbeTarget& target, double seconds) {
  if (const auto why = ProbeNotApplicable(target.layout)) {
    throw UsageError("probe: " + *why);
  }
  if (target.jobs < 1 || target.jobs > 256) {
    throw UsageError(fmt::format("probe: {} jobs; expected 1 to 256 (the workload's workers)",
                                 target.jobs));
  }
  CheckProbeSeconds(seconds);
}

// Options every probe shares: read only what is there, through the page cache, dropping each
// file's cached pages when it is opened, for at most `seconds`. time_based only where every read
// opens its file anew (files): a job that loops over a file it keeps open would read the file's
// second pass from the page cache.
std::vector<std::pair<std::string, std::string>> CommonOptions(double seconds, bool time_based) {
  std::vector<std::pair<std::string, std::string>> options{
      {"allow_file_create", "0"}, {"direct", "0"}, {"invalidate", "1"}};
  if (time_based) options.emplace_back("time_based", "1");
  options.emplace_back("runtime", Millis(seconds));
  options.emplace_back("group_reporting", "1");
  return options;
}

ProbeJob FilesProbe(const ProbeTarget& target, double seconds) {
  const fs::path dir = fs::absolute(target.dataset_dir) / "data";
  const FilesLayoutScan scan = ScanFilesLayout(dir);
  const uint64_t bs = AutoSmallfileBlockBytes(scan);
  const bool random = target.order == ProbeOrder::kRandom;
  const int jobs = std::min(4 * target.jobs, 256);
  ProbeJob p;
  p.job.profile = "probe-files";
  p.job.comments = {"feedbench probe: the files layout's own pattern, right before a repetition"};
  FioJobSection global{"global", {{"opendir", dir.string()}}};
  for (auto& option : CommonOptions(seconds, true)) global.options.push_back(std::move(option));
  // One file open at a time per job, read through before the next (random:N keeps a file for up
  // to N I/Os; plain "random" makes fio spin on its file picker: see fio_profiles.cc).
  FioJobSection section{"probe",
                        {{"ioengine", "psync"},
                         {"rw", "read"},
                         {"bs", std::to_string(bs)},
                         {"openfiles", "1"},
                         {"file_service_type", random ? "random:1048576" : "sequential"},
                         {"numjobs", std::to_string(jobs)}}};
  p.job.sections = {std::move(global), std::move(section)};
  p.alloc_size_kib = FioAllocSizeKib(scan.files, static_cast<uint64_t>(jobs));
  p.counted_share = SmallfileCoverage(scan, bs);
  p.description = fmt::format(
      "fio psync buffered, {} jobs (4 x {} workers), whole files in {} order at bs {}, {:g} s, "
      "before each repetition",
      jobs, target.jobs, random ? "random" : "directory", FormatBytesExact(bs), seconds);
  return p;
}

ProbeJob LmdbProbe(const ProbeTarget& target, double seconds) {
  const fs::path file = fs::absolute(LmdbEnvPath(target.dataset_dir)) / "data.mdb";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    throw UsageError(fmt::format("probe: {} is not there; is {} an lmdb dataset?", file.string(),
                                 target.dataset_dir.string()));
  }
  const bool random = target.order == ProbeOrder::kRandom;
  const uint64_t bs =
      random ? std::clamp((target.mean_sample_bytes + kPage - 1) / kPage * kPage, kPage,
                          kMaxRandomBlock)
             : (1ULL << 20);
  const int jobs = std::min(target.jobs, 256);
  ProbeJob p;
  p.job.profile = "probe-lmdb";
  p.job.comments = {"feedbench probe: the lmdb layout's own pattern, right before a repetition"};
  FioJobSection global{"global", {{"filename", file.string()}}};
  for (auto& option : CommonOptions(seconds, false)) global.options.push_back(std::move(option));
  FioJobSection section{"probe",
                        {{"ioengine", "psync"},
                         {"rw", random ? "randread" : "read"},
                         {"bs", std::to_string(bs)},
                         {"numjobs", std::to_string(jobs)}}};
  // The jobs split the file: each reads its part once (in order, or at random offsets without
  // repeats: fio's random map), so no block is read twice and none comes from the page cache.
  const int share_pct = std::max(1, 100 / jobs);
  section.options.emplace_back("size", fmt::format("{}%", share_pct));
  section.options.emplace_back("offset_increment", fmt::format("{}%", share_pct));
  // Pass after pass until the runtime is spent: fio closes the file after each pass and drops its
  // cached pages again when it reopens it (invalidate=1), so every pass reads the device
  // (measured: fio's bytes and the device's agree within 3%).
  section.options.emplace_back("loops", "100000");
  p.job.sections = {std::move(global), std::move(section)};
  p.description = fmt::format(
      "fio psync buffered, {} job{} each over 1/{} of data.mdb {} at bs {}, cold passes for {:g} s, "
      "before each repetition",
      jobs, jobs == 1 ? "" : "s", jobs, random ? "at random offsets" : "in order", FormatBytesExact(bs),
      seconds);
  if (!random) {
    // In order, a stream through data.mdb, counted by the device's reads as well (see
    // ProbeJob::stream_device_share), in the file's bytes: the loader's mapping faults in pages
    // before and after its timed window (a 64 KiB-sample dataset's loader read only 96% of its
    // samples' bytes from the device inside its window, for a file 6% larger than the samples),
    // so in the samples' bytes the probe would stand 6-11% under what the loader reports.
    p.stream_device_share = 1;
    p.description += " (the larger of fio's count and the device's reads over its runtime)";
  }
  return p;
}

// The containers of a packed dataset (shard-*.tar or data-*.rec), in storage order, and their
// bytes in all.
struct Containers {
  std::vector<fs::path> paths;
  FilesLayoutScan scan;  // their sizes (file_bytes, in the order of `paths`) and total_bytes
};

// The block of a stream through whole containers: the largest power of two from 1 MiB (the
// shard stream's read) down to 4 KiB whose whole blocks cover at least 99% of the bytes (a
// container that does not end on a block leaves fio its tail).
uint64_t StreamBlockBytes(const Containers& c) {
  for (uint64_t bs = uint64_t{1} << 20; bs > kPage; bs /= 2) {
    if (SmallfileCoverage(c.scan, bs) >= 0.99) {
      return bs;
    }
  }
  return kPage;
}

Containers ScanContainers(const fs::path& dir, std::string_view extension,
                          const fs::path& dataset_dir, Layout layout) {
  Containers c;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != extension) continue;
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    c.paths.push_back(it->path());
  }
  if (c.paths.empty()) {
    throw UsageError(fmt::format("probe: no *{} files in {}; is {} a {} dataset?", extension,
                                 dir.string(), dataset_dir.string(), LayoutName(layout)));
  }
  std::sort(c.paths.begin(), c.paths.end());
  for (const fs::path& path : c.paths) {
    c.scan.file_bytes.push_back(fs::file_size(path));
    c.scan.total_bytes += c.scan.file_bytes.back();
  }
  c.scan.files = c.paths.size();
  return c;
}

// shards: each job a disjoint list of whole shards (job k: shards k, k + jobs, ...), at most one
// job per shard as the reader has at most one worker per shard; each shard read front to back in
// blocks of up to 1 MiB (the stream's read size; StreamBlockBytes), the next at random (random
// order) or in storage order. records: each job over its own part of the data files — whole files
// (job k: files k, k + jobs, ...) when there are at least as many as workers, else each file split
// into equal parts among ceil(workers / files) jobs — read at random offsets at the mean sample
// size rounded up to 4 KiB (random) or in order as a stream. Both pass after pass for the runtime:
// fio closes each file after its pass and drops its pages again when it reopens it.
ProbeJob PackedProbe(const ProbeTarget& target, double seconds) {
  const bool shards = target.layout == Layout::kShards;
  const bool random = target.order == ProbeOrder::kRandom;
  const fs::path dir = fs::absolute(shards ? ShardsDir(target.dataset_dir)
                                           : RecordsDir(target.dataset_dir));
  const Containers containers =
      ScanContainers(dir, shards ? ".tar" : ".rec", target.dataset_dir, target.layout);
  const auto files = static_cast<int>(std::min<size_t>(containers.paths.size(), 256));
  const bool stream = shards || !random;
  const uint64_t bs =
      stream ? StreamBlockBytes(containers)
             : std::clamp((target.mean_sample_bytes + kPage - 1) / kPage * kPage, kPage,
                          kMaxRandomBlock);
  ProbeJob p;
  p.job.profile = shards ? "probe-shards" : "probe-records";
  p.job.comments = {fmt::format(
      "feedbench probe: the {} layout's own pattern, right before a repetition",
      LayoutName(target.layout))};
  // The jobs name their containers relative to `directory`: fio refuses an option value longer
  // than 4096 bytes ("value exceeds max length of 4096").
  FioJobSection global{"global", {{"directory", JoinFioPaths({dir})}}};
  for (auto& option : CommonOptions(seconds, false)) global.options.push_back(std::move(option));
  global.options.emplace_back("ioengine", "psync");
  global.options.emplace_back("rw", stream ? "read" : "randread");
  global.options.emplace_back("bs", std::to_string(bs));
  global.options.emplace_back("loops", "100000");
  p.job.sections.push_back(std::move(global));
  int jobs = 0;
  size_t listed = 0;  // containers named in the jobs (fewer than all when capped)
  const int lists = std::min(target.jobs, static_cast<int>(containers.paths.size()));
  if (shards || static_cast<int>(containers.paths.size()) >= target.jobs) {
    // Disjoint lists of whole containers, one job each.
    for (int k = 0; k < lists; ++k) {
      // At most as many names as fit in one option value: a probe of seconds reads a few of
      // them at most.
      std::vector<fs::path> mine;
      size_t value_bytes = 0;
      for (size_t i = static_cast<size_t>(k); i < containers.paths.size();
           i += static_cast<size_t>(lists)) {
        const fs::path name = containers.paths[i].filename();
        value_bytes += name.string().size() + 1;
        if (value_bytes > kMaxFioValueBytes) break;
        mine.push_back(name);
      }
      listed += mine.size();
      FioJobSection section{fmt::format("probe-{}", k), {{"filename", JoinFioPaths(mine)}}};
      if (shards) {
        // One shard open at a time, read through before the next (random:N keeps a file for up
        // to N I/Os; see FilesProbe).
        section.options.emplace_back("openfiles", "1");
        section.options.emplace_back("file_service_type",
                                     random ? "random:1048576" : "sequential");
      } else {
        section.options.emplace_back("file_service_type", random ? "roundrobin" : "sequential");
      }
      p.job.sections.push_back(std::move(section));
    }
    jobs = lists;
  } else {
    // Fewer data files than workers: each file split among `parts` jobs, as the lmdb probe splits
    // data.mdb.
    const int parts = (target.jobs + files - 1) / files;
    const int share_pct = std::max(1, 100 / parts);
    for (int f = 0; f < files; ++f) {
      p.job.sections.push_back(
          {fmt::format("probe-{}", f),
           {{"filename", JoinFioPaths({containers.paths[static_cast<size_t>(f)].filename()})},
            {"numjobs", std::to_string(parts)},
            {"size", fmt::format("{}%", share_pct)},
            {"offset_increment", fmt::format("{}%", share_pct)}}});
    }
    jobs = files * parts;
    listed = static_cast<size_t>(files);
  }
  // A stream reads its containers whole (the kernel's readahead takes the tail fio leaves) while
  // fio counts whole blocks; the reader counts its samples' bytes, and a shard also holds a
  // 512-byte header and padding per member and the end blocks. fio's bytes per byte the reader
  // counts: covered ÷ payload (shards), covered ÷ file bytes (records in order, nothing between
  // records). At random, each read is a whole block: 1.
  if (stream) {
    const uint64_t reader_bytes =
        shards && target.payload_bytes > 0 ? target.payload_bytes : containers.scan.total_bytes;
    p.counted_share = SmallfileCoverage(containers.scan, bs) *
                      static_cast<double>(containers.scan.total_bytes) /
                      static_cast<double>(reader_bytes);
    p.stream_device_share =
        static_cast<double>(reader_bytes) / static_cast<double>(containers.scan.total_bytes);
  }
  const std::string how_many =
      listed < containers.paths.size()
          ? fmt::format("{} of the {}", listed, containers.paths.size())  // capped: see above
          : fmt::format("{}", containers.paths.size());
  p.description = fmt::format(
      "fio psync buffered, {} job{} over {} {} {} at bs {}, cold passes for {:g} s, before each "
      "repetition",
      jobs, jobs == 1 ? "" : "s", how_many,
      shards ? (containers.paths.size() == 1 ? "shard" : "shards")
             : (containers.paths.size() == 1 ? "data file" : "data files"),
      shards ? (random ? "whole, in random order" : "whole, in storage order")
             : (random ? "at random offsets" : "in order"),
      FormatBytesExact(bs), seconds);
  if (stream) {
    p.description += " (the larger of fio's count and the device's reads over its runtime)";
  }
  return p;
}

}  // namespace

void CheckProbeSeconds(double seconds) {
  if (!(seconds >= kMinProbeSeconds && seconds <= kMaxProbeSeconds)) {
    throw UsageError(fmt::format("--probe-seconds {}: expected {} to {} seconds", seconds,
                                 kMinProbeSeconds, kMaxProbeSeconds));
  }
}

std::optional<std::string> ProbeNotApplicable(Layout layout) {
  if (layout == Layout::kTmpfs) {
    return "the tmpfs layout reads memory: no device pattern to bound";
  }
  return std::nullopt;
}

ProbeJob MakeProbeJob(const ProbeTarget& target, double seconds) {
  CheckTarget(target, seconds);
  switch (target.layout) {
    case Layout::kLmdb:
      return LmdbProbe(target, seconds);
    case Layout::kShards:
    case Layout::kRecords:
      return PackedProbe(target, seconds);
    default:
      return FilesProbe(target, seconds);
  }
}

ProbeResult RunProbe(const ProbeJob& job, const ProbeOptions& options) {
  std::optional<DiskstatsReader> diskstats;
  std::optional<uint64_t> sectors_before;
  if (job.stream_device_share > 0 && !options.device.empty()) {
    diskstats.emplace(options.diskstats_path);
    sectors_before = SectorsRead(*diskstats, options.device);
  }
  FioRunOptions run;
  run.work_dir = options.work_dir;
  run.name = options.name;
  run.fio_program = options.fio_program;
  run.alloc_size_kib = job.alloc_size_kib;
  run.time_limit =
      std::chrono::milliseconds(static_cast<int64_t>((options.seconds + 60.0) * 1000.0));
  const FioRun fio = RunFio(job.job, run);
  const FioReadSummary reads = SummarizeReads(fio.report);
  if (reads.io_bytes == 0 || !(reads.bytes_per_sec > 0)) {
    throw RunError(fmt::format("the probe read no data in {:.1f} s; job file {}", fio.wall_sec,
                               fio.job_path.string()));
  }
  ProbeResult result;
  result.bytes_per_second =
      job.counted_share > 0 ? reads.bytes_per_sec / job.counted_share : reads.bytes_per_sec;
  result.bytes = reads.io_bytes;
  result.runtime_sec = reads.runtime_ms / 1000.0;
  result.wall_sec = fio.wall_sec;
  if (sectors_before && result.runtime_sec > 0) {
    if (const auto sectors_after = SectorsRead(*diskstats, options.device)) {
      if (*sectors_after >= *sectors_before) {
        result.device_bytes_per_second = static_cast<double>(*sectors_after - *sectors_before) *
                                         kSectorBytes * job.stream_device_share /
                                         result.runtime_sec;
        result.bytes_per_second =
            std::max(result.bytes_per_second, result.device_bytes_per_second);
      }
    }
  }
  return result;
}

}  // namespace feedbench
