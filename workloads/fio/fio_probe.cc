#include "workloads/fio/fio_probe.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <system_error>

#include "harness/base/errors.h"
#include "harness/base/units.h"
#include "workloads/fio/fio.h"
#include "workloads/fio/fio_workload.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kPage = 4096;
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
  if (layout == Layout::kShards || layout == Layout::kRecords) {
    return fmt::format("no fio pattern of the {} layout is defined yet", LayoutName(layout));
  }
  return std::nullopt;
}

ProbeJob MakeProbeJob(const ProbeTarget& target, double seconds) {
  CheckTarget(target, seconds);
  return target.layout == Layout::kLmdb ? LmdbProbe(target, seconds)
                                        : FilesProbe(target, seconds);
}

ProbeResult RunProbe(const ProbeJob& job, const ProbeOptions& options) {
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
  return result;
}

}  // namespace feedbench
