#include "workloads/fio/fio_workload.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "harness/base/errors.h"
#include "harness/base/unique_fd.h"
#include "harness/base/units.h"
#include "harness/measure/disturbance.h"
#include "harness/measure/sampled_window.h"
#include "workloads/fio/fio_profiles.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// splitmix64: a fast stream of incompressible bytes, so no compressing or deduplicating layer
// can make the test file cheaper to read than real data.
uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

[[noreturn]] void WriteFailed(const fs::path& path, std::string_view step, int err) {
  throw EnvironmentError(fmt::format("cannot lay out the fio test file {}: {} failed: {}",
                                     path.string(), step, std::strerror(err)));
}

[[noreturn]] void BadSuiteOption(std::string_view where, const std::string& key,
                                 const nlohmann::json& value, std::string_view expected) {
  throw UsageError(fmt::format("{}.{}: {} given; expected {}", where, key, value.dump(), expected));
}

// A bad fio option: named by its flag and value as typed when it came from one
// ("--runtime-s 0: expected ..."), else by where.key.
[[noreturn]] void BadFioOption(std::string_view where, const std::string& key,
                               const nlohmann::json& value, std::string_view expected,
                               const std::string* flag) {
  if (flag == nullptr) BadSuiteOption(where, key, value, expected);
  const std::string typed = value.is_string()         ? value.get<std::string>()
                            : value.is_number_float() ? fmt::format("{:g}", value.get<double>())
                                                      : value.dump();
  throw UsageError(fmt::format("{} {}: expected {}", *flag, typed, expected));
}

}  // namespace

bool PrepareFioTestFile(const fs::path& path, uint64_t bytes) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      throw UsageError(fmt::format(
          "fio test file {} exists and is not a regular file; remove it or choose another data "
          "directory",
          path.string()));
    }
    if (static_cast<uint64_t>(st.st_size) == bytes) return false;
  }
  const fs::path dir = path.parent_path();
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) != 0) WriteFailed(path, "statvfs", errno);
  const uint64_t existing = ::lstat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  const uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize + existing;
  const uint64_t margin = 64ULL << 20;
  // A filesystem that reports no size at all (ramfs) cannot be checked beforehand.
  if (vfs.f_blocks != 0 && free_bytes < bytes + margin) {
    throw EnvironmentError(fmt::format(
        "no space for the fio test file {}: it needs {} (plus 64 MiB headroom), {} is free; "
        "choose a smaller test file size or another data directory",
        path.string(), FormatBytesIec(static_cast<double>(bytes)),
        FormatBytesIec(static_cast<double>(free_bytes))));
  }
  std::string tmpl = (dir / fmt::format(".{}.tmp.XXXXXX", path.filename().string())).string();
  UniqueFd fd(::mkstemp(tmpl.data()));
  if (fd.get() < 0) WriteFailed(path, "creating a temporary file", errno);
  const fs::path tmp_path = tmpl;
  auto fail = [&](std::string_view step, int err) {
    ::unlink(tmp_path.c_str());
    WriteFailed(path, step, err);
  };
  constexpr size_t kChunk = 1 << 20;
  std::vector<uint64_t> buf(kChunk / sizeof(uint64_t));
  uint64_t state = 0x66656564 ^ bytes;  // deterministic per size
  uint64_t written = 0;
  while (written < bytes) {
    for (auto& w : buf) w = SplitMix64(state);
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, bytes - written));
    const char* p = reinterpret_cast<const char*>(buf.data());
    size_t left = n;
    while (left > 0) {
      const ssize_t w = ::pwrite(fd.get(), p, left, static_cast<off_t>(written + (n - left)));
      if (w < 0) {
        if (errno == EINTR) continue;
        fail("write", errno);
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
    written += n;
  }
  if (::fsync(fd.get()) != 0) fail("fsync", errno);
  if (::close(fd.release()) != 0) fail("close", errno);
  if (::rename(tmp_path.c_str(), path.c_str()) != 0) fail("rename", errno);
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
  return true;
}

bool SupportsDirectIo(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == EINVAL) return false;
    throw EnvironmentError(fmt::format("cannot open {} to check O_DIRECT support: {}",
                                       file.string(), std::strerror(errno)));
  }
  // Some filesystems accept the flag at open and refuse the read.
  constexpr size_t kAlign = 4096;
  std::unique_ptr<void, FreeDeleter> buf(std::aligned_alloc(kAlign, kAlign));
  ssize_t n = 0;
  do {
    n = ::pread(fd.get(), buf.get(), kAlign, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EINVAL) return false;
    throw EnvironmentError(fmt::format("cannot read {} to check O_DIRECT support: {}",
                                       file.string(), std::strerror(errno)));
  }
  return true;
}

FilesLayoutScan ScanFilesLayout(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(fmt::format(
        "smallfile: dataset directory {} does not exist or is not a directory; expected the data "
        "directory of a files-layout dataset",
        dir.string()));
  }
  FilesLayoutScan scan;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    std::error_code ec2;
    if (!it->is_regular_file(ec2)) continue;
    const uint64_t size = it->file_size(ec2);
    if (ec2) continue;
    if (scan.files == 0) {
      scan.first_file = it->path();
      scan.min_file_bytes = scan.max_file_bytes = size;
    }
    ++scan.files;
    scan.total_bytes += size;
    scan.min_file_bytes = std::min(scan.min_file_bytes, size);
    scan.max_file_bytes = std::max(scan.max_file_bytes, size);
    scan.file_bytes.push_back(size);
  }
  if (ec) {
    throw UsageError(
        fmt::format("smallfile: cannot list dataset directory {}: {}", dir.string(), ec.message()));
  }
  if (scan.files == 0) {
    throw UsageError(fmt::format(
        "smallfile: dataset directory {} holds no files; generate a files-layout dataset first",
        dir.string()));
  }
  return scan;
}

uint64_t AutoSmallfileBlockBytes(const FilesLayoutScan& scan) {
  const uint64_t floor_pow2 = scan.min_file_bytes == 0 ? 0 : std::bit_floor(scan.min_file_bytes);
  return std::clamp<uint64_t>(floor_pow2, 4096, 1 << 20);
}

double SmallfileCoverage(const FilesLayoutScan& scan, uint64_t block_bytes) {
  if (scan.total_bytes == 0 || block_bytes == 0) return 0;
  uint64_t covered = 0;
  for (uint64_t size : scan.file_bytes) covered += size / block_bytes * block_bytes;
  return static_cast<double>(covered) / static_cast<double>(scan.total_bytes);
}

std::chrono::milliseconds FioDefaultTimeLimit(double job_sec) {
  return std::chrono::milliseconds(static_cast<int64_t>((job_sec + 120.0) * 1000));
}

void SetFioReadFigures(const FioReadSummary& reads, Figures& f) {
  auto set = [&](Metric metric, const std::optional<double>& v) {
    if (v) f.Set(metric, *v);
  };
  f.Set(Metric::kBytesPerSecond, reads.bytes_per_sec);
  f.Set(Metric::kIops, reads.iops);
  set(Metric::kClatMeanUs, reads.clat.mean);
  set(Metric::kClatP99Us, reads.clat.p99);
  set(Metric::kClatP99_9Us, reads.clat.p99_9);
  set(Metric::kLatP50Us, reads.clat.p50);
  set(Metric::kLatP95Us, reads.clat.p95);
  set(Metric::kLatP99Us, reads.clat.p99);
  set(Metric::kUsrCpuPct, reads.usr_cpu_pct);
  set(Metric::kSysCpuPct, reads.sys_cpu_pct);
}

Figures FioMeasurement::ToFigures() const {
  Figures f;
  SetFioReadFigures(reads, f);
  if (!device_windows.empty()) {
    const WindowSummary& w = device_windows.front();
    f.Set(Metric::kDeviceReadBytes, static_cast<double>(w.read_bytes));
    f.Set(Metric::kRPerSecond, w.figures.r_per_sec);
    f.Set(Metric::kRareqKb, w.figures.rareq_kb);
    f.Set(Metric::kRAwaitMs, w.figures.r_await_ms);
    f.Set(Metric::kAquSz, w.figures.aqu_sz);
    f.Set(Metric::kUtilPct, w.figures.util_pct);
    if (fio_disk && w.duration_sec > 0) {
      // iostat's definitions applied to fio's counters: r_await = read ticks / reads,
      // aqu-sz = weighted queue time / window.
      f.Set(Metric::kFioDiskRPerSecond, static_cast<double>(fio_disk->read_ios) / w.duration_sec);
      f.Set(Metric::kFioDiskRAwaitMs, fio_disk->read_ios == 0
                                          ? 0.0
                                          : static_cast<double>(fio_disk->read_ticks_ms) /
                                                static_cast<double>(fio_disk->read_ios));
      f.Set(Metric::kFioDiskAquSz,
            static_cast<double>(fio_disk->in_queue_ms) / (w.duration_sec * 1000.0));
      f.Set(Metric::kFioDiskUtilPct, fio_disk->util_pct);
    }
  }
  // Foreign reads are not applicable to fio yet: on this node (kernel 6.18), /proc/self/io after
  // reaping fio held only 28-71% of the device's read bytes over fio's window, but other engineers'
  // benchmarks were reading the same disk then, so whether every fio job process's reads reach
  // this process's counters is unconfirmed; until it is measured on a quiet node, fio records no
  // own or foreign reads rather than marking its repetitions disturbed on a guess. Foreign CPU
  // time rests on the same question (fio's job processes' CPU time reaching this process's
  // cutime/cstime once reaped), so it is left out too. Steal and pressure do not depend on it.
  NodeActivity node = activity;
  node.own_read_bytes.reset();
  node.foreign_cpu_pct.reset();
  node.foreign_cpu_sec.reset();
  AddNodeActivityFigures(node, std::nullopt, f);
  return f;
}

RepetitionMeasurement FioMeasurement::ToMeasurement(
    const std::optional<std::string>& device) const {
  RepetitionMeasurement out;
  out.wall_sec = run.wall_sec;
  out.figures = ToFigures();
  out.label = std::string("fio ") + (direct ? "direct" : "buffered") +
              (device ? " " + *device : std::string(" no-device"));
  out.timeline = timeline;
  out.tool_run = ToolRun{.direct = direct,
                         .notes = notes,
                         .job_file = run.job_path.string(),
                         .output_file = run.output_path.string()};
  MarkIfDisturbed(out);
  return out;
}

RepetitionMeasurement FioWorkload::RunOnce(int /*repetition*/) {
  const std::optional<std::string> device =
      options_.devices.empty() ? std::nullopt
                               : std::optional<std::string>(options_.devices.front());
  return MeasureFioProfile(options_).ToMeasurement(device);
}

void ApplyFioSuiteOptions(const nlohmann::json& options, std::string_view where,
                          FioWorkloadOptions& out,
                          const std::map<std::string, std::string>& flag_of_key) {
  if (!options.is_object()) {
    throw UsageError(fmt::format("{}: expected an object of fio options", where));
  }
  // Where a value came from, for messages: its flag when it came from one, else where.key.
  auto flag = [&](const std::string& key) -> const std::string* {
    const auto it = flag_of_key.find(key);
    return it == flag_of_key.end() ? nullptr : &it->second;
  };
  auto fail = [&](const std::string& key, std::string_view expected) {
    BadFioOption(where, key, options[key], expected, flag(key));
  };
  auto what = [&](const std::string& key) {
    const std::string* name = flag(key);
    return name ? *name : fmt::format("{}.{}", where, key);
  };
  auto seconds = [&](const std::string& key, double min, double max) {
    const auto& v = options[key];
    if (!v.is_number() || !(v.get<double>() >= min && v.get<double>() <= max)) {
      fail(key, fmt::format("a number of seconds from {:g} to {:g}", min, max));
    }
    return v.get<double>();
  };
  auto bytes = [&](const std::string& key) -> uint64_t {
    const auto& v = options[key];
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_string()) return ParseBytes(v.get<std::string>(), what(key));
    BadFioOption(where, key, v, "a size with a unit (\"1GiB\") or a whole number of bytes",
                 flag(key));
  };
  for (const auto& [key, value] : options.items()) {
    if (key == "runtime_s") {
      out.runtime_sec = seconds(key, 1, 86400);
    } else if (key == "ramp_s") {
      out.ramp_sec = seconds(key, 0, 86400);
    } else if (key == "time_limit_s") {
      out.time_limit = std::chrono::milliseconds(
          static_cast<int64_t>(std::llround(seconds(key, 1, 172800) * 1000)));
    } else if (key == "size") {
      out.test_file_bytes = bytes(key);
      if (out.test_file_bytes < (1u << 20)) fail(key, "at least 1MiB");
    } else if (key == "jobs") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 256) {
        fail(key, "an integer from 1 to 256");
      }
      out.smallfile_jobs = value.get<int>();
    } else if (key == "block_size") {
      out.smallfile_block_bytes = bytes(key);
      if (out.smallfile_block_bytes == 0 || out.smallfile_block_bytes % 4096 != 0) {
        fail(key, "a multiple of 4KiB");
      }
    } else {
      throw UsageError(fmt::format(
          "{}: unknown fio option '{}'; expected runtime_s, ramp_s, size, block_size, jobs or "
          "time_limit_s",
          where, key));
    }
  }
}

namespace {

// What fio will run for `options`: the job file, a warm-up run where the profile needs one, and
// fio's shared-memory pool size; notes and O_DIRECT go into `m`. Lays out the test file.
struct PreparedFioJob {
  FioJobFile job;
  std::optional<FioJobFile> warmup;
  uint64_t alloc_size_kib = 0;
};

PreparedFioJob PrepareBuiltinProfile(const FioWorkloadOptions& options, const fs::path& work_dir,
                                     FioMeasurement& m) {
  PreparedFioJob p;
  FioProfileSettings settings;
  settings.ramp_sec = options.ramp_sec;
  settings.runtime_sec = options.runtime_sec;
  fs::path probe_file;
  if (FioProfileUsesTestFile(options.profile)) {
    settings.test_file = work_dir / kFioTestFileName;
    settings.test_file_bytes = options.test_file_bytes;
    MakeFioProfile(options.profile, settings);  // validate before laying out a large file
    if (PrepareFioTestFile(settings.test_file, options.test_file_bytes)) {
      m.notes.push_back(fmt::format("laid out the fio test file {} ({})",
                                    settings.test_file.string(),
                                    FormatBytesIec(static_cast<double>(options.test_file_bytes))));
    }
    probe_file = settings.test_file;
    settings.direct = SupportsDirectIo(probe_file);
    if (!settings.direct) {
      m.notes.push_back(fmt::format(
          "the filesystem holding {} does not support O_DIRECT; fio ran buffered (direct=0) "
          "with invalidate=1, dropping the file's cached pages when it opens it",
          probe_file.string()));
    }
  } else {
    if (options.dataset_dir.empty()) {
      throw UsageError("fio profile smallfile needs a files-layout dataset directory");
    }
    const FilesLayoutScan scan = ScanFilesLayout(options.dataset_dir);
    p.alloc_size_kib = FioAllocSizeKib(scan.files, static_cast<uint64_t>(options.smallfile_jobs));
    settings.smallfile_dir = fs::absolute(options.dataset_dir);
    settings.smallfile_jobs = options.smallfile_jobs;
    settings.smallfile_block_bytes = options.smallfile_block_bytes != 0
                                         ? options.smallfile_block_bytes
                                         : AutoSmallfileBlockBytes(scan);
    const double coverage = SmallfileCoverage(scan, settings.smallfile_block_bytes);
    m.notes.push_back(fmt::format(
        "smallfile reads {} files ({} to {}) with {} jobs, each one file at a time in whole {} "
        "blocks, buffered with each file's cache dropped at open; fio counts whole blocks only, "
        "{:.1f}% of the dataset's {}",
        scan.files, FormatBytesIec(static_cast<double>(scan.min_file_bytes)),
        FormatBytesIec(static_cast<double>(scan.max_file_bytes)), settings.smallfile_jobs,
        FormatBytesExact(settings.smallfile_block_bytes), coverage * 100.0,
        FormatBytesIec(static_cast<double>(scan.total_bytes))));
    settings.direct = false;  // smallfile reads through the page cache, as a loader does
  }
  m.direct = settings.direct;
  p.job = MakeFioProfile(options.profile, settings);
  p.warmup = MakeFioWarmup(options.profile, settings);
  return p;
}

PreparedFioJob PrepareFioJob(const FioWorkloadOptions& options, const fs::path& work_dir,
                             FioMeasurement& m) {
  if (IsBuiltinFioProfile(options.profile)) return PrepareBuiltinProfile(options, work_dir, m);
  std::error_code ec;
  const fs::path path(options.profile);
  if (!path.has_extension() && path.parent_path().empty() && !fs::exists(path, ec)) {
    MakeFioProfile(options.profile, {});  // throws: unknown profile, listing the built-in ones
  }
  PreparedFioJob p;
  p.job = LoadFioJobFile(path, work_dir);
  const std::string direct = FioOption(p.job, p.job.sections.back().name, "direct");
  m.direct = direct == "1" || direct == "true";
  // fio runs --readonly and so never lays out a file itself: a job that reads the test file
  // (filename=fio-testfile, from fio's working directory) gets it laid out here, as the device
  // profiles do.
  const fs::path test_file = work_dir / kFioTestFileName;
  if (FioJobNamesFile(p.job, test_file, work_dir) &&
      PrepareFioTestFile(test_file, options.test_file_bytes)) {
    m.notes.push_back(fmt::format("laid out the fio test file {} ({})", test_file.string(),
                                  FormatBytesIec(static_cast<double>(options.test_file_bytes))));
  }
  return p;
}

}  // namespace

FioMeasurement MeasureFioProfile(const FioWorkloadOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(options.data_dir, ec)) {
    throw UsageError(
        fmt::format("fio: data directory {} does not exist", options.data_dir.string()));
  }
  const fs::path work_dir = fs::absolute(options.data_dir) / kFioSubdir;
  fs::create_directories(work_dir, ec);
  if (ec) {
    throw EnvironmentError(fmt::format("cannot create {}: {}", work_dir.string(), ec.message()));
  }

  FioMeasurement m;
  const PreparedFioJob prepared = PrepareFioJob(options, work_dir, m);
  const FioJobFile& job = prepared.job;
  const std::optional<FioJobFile>& warmup = prepared.warmup;
  m.profile = job.profile;

  FioRunOptions run_options;
  run_options.work_dir = work_dir;
  run_options.name = job.profile;
  run_options.fio_program = options.fio_program;
  run_options.alloc_size_kib = prepared.alloc_size_kib;
  if (!IsBuiltinFioProfile(options.profile)) {
    run_options.read_only_hint = fmt::format(
        "a job file of your own can read feedbench's test file as filename={} (laid out in {} "
        "before the job runs, at the test file size: --size, or a suite's \"size\" option; leave "
        "size= out to read all of it)",
        kFioTestFileName, work_dir.string());
  }
  // Default limit: what the job asks for, plus FioDefaultTimeLimit's two minutes.
  const double job_sec =
      IsBuiltinFioProfile(options.profile)
          ? options.ramp_sec + options.runtime_sec
          : FioJobFileSeconds(job).value_or(options.ramp_sec + options.runtime_sec);
  run_options.time_limit =
      options.time_limit.count() > 0 ? options.time_limit : FioDefaultTimeLimit(job_sec);

  if (warmup) {
    FioRunOptions warmup_options = run_options;
    warmup_options.name = warmup->profile;
    warmup_options.time_limit = FioDefaultTimeLimit(options.ramp_sec);
    RunFio(*warmup, warmup_options);
    m.notes.push_back(fmt::format(
        "{} ramped up in a separate {:g} s fio run before the measured one (fio's ramp_time "
        "hangs with file_service_type=random)",
        m.profile, options.ramp_sec));
  }
  const SampledWindow window = RunSampled(options.devices, options.sample_interval,
                                          [&] { m.run = RunFio(job, run_options); });
  m.activity = window.activity;
  if (!options.devices.empty()) {
    m.device_windows = window.summaries;
    m.timeline = window.rows;
    for (const auto& d : m.run.report.disk_util) {
      if (d.name == options.devices.front()) m.fio_disk = d;
    }
    m.notes.push_back(
        "device figures cover the fio process's whole life (startup, ramp and runtime) and "
        "every process's I/O on the device, as fio's own disk_util does; fio's bytes/s, IOPS "
        "and latencies cover its own I/O after ramp_time only");
  }
  m.reads = SummarizeReads(m.run.report);
  if (!m.run.report.preamble.empty()) {
    m.notes.push_back("fio said: " + m.run.report.preamble);
  }
  if (!m.run.report.non_finite_keys.empty()) {
    m.notes.push_back(fmt::format("fio wrote non-finite values (ignored) at {}",
                                  fmt::join(m.run.report.non_finite_keys, ", ")));
  }
  if (m.reads.io_bytes == 0) {
    throw RunError(
        fmt::format("fio profile {} read no data in {:.1f} s{}; {}", m.profile, m.run.wall_sec,
                    m.profile == "smallfile" ? " (every file is shorter than the block size?)" : "",
                    FioFailureNote(m.run)));
  }
  return m;
}

}  // namespace feedbench
