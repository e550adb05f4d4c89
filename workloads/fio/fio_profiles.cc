#include "workloads/fio/fio_profiles.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/text.h"
#include "harness/base/units.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 4> kProfiles = {"seq-read", "rand-read-4k-qd32",
                                                       "rand-read-4k-qd1", "smallfile"};

// I/O engines a checked profile may use: ones that only do file I/O. Engines that create or
// delete files, run programs or reach the network are refused.
constexpr std::array<std::string_view, 9> kAllowedEngines = {
    "sync", "psync", "vsync", "pvsync", "pvsync2", "libaio", "io_uring", "posixaio", "mmap"};

// How the value of an allowed option is checked.
enum class FioValueRule {
  kAny,         // numbers, sizes, times, modes, CPU lists: nothing fio opens
  kPaths,       // a file or directory fio opens: no raw device, nothing under /dev, no variables
  kReadMode,    // rw: read or randread only
  kFileEngine,  // ioengine: one of kAllowedEngines, exactly
  kOffOnly,     // harmless only when off (unlink=0)
};

struct AllowedFioOption {
  std::string_view name;
  FioValueRule rule;
};

// The options a user's job file may use: an allow-list, so that an option fio adds later, or one
// that reads another file (read_iolog, include, ...), writes files (write_*_log, verify state),
// runs programs (exec_*, trigger*) or changes the system (ioscheduler, cgroup) is refused without
// being named here. fio's aliases are listed beside their option (fio 3.33 options.c).
// Each entry is one fio option name, as fio spells it (fio matches names case-sensitively; the
// parser lowers them, and the rendered job file carries the lowered names).
constexpr auto kAllowedFioOptions = std::to_array<AllowedFioOption>({
    // What is read: checked paths (fio opens files only through these and the job's name).
    {"filename", FioValueRule::kPaths},
    {"directory", FioValueRule::kPaths},
    {"opendir", FioValueRule::kPaths},
    {"filename_format", FioValueRule::kPaths},
    {"nrfiles", FioValueRule::kAny},
    {"nr_files", FioValueRule::kAny},
    {"openfiles", FioValueRule::kAny},
    {"file_service_type", FioValueRule::kAny},
    {"filesize", FioValueRule::kAny},
    {"allow_file_create", FioValueRule::kAny},
    {"unlink", FioValueRule::kOffOnly},
    {"unlink_each_loop", FioValueRule::kOffOnly},
    // The I/O pattern and sizes.
    {"rw", FioValueRule::kReadMode},
    {"readwrite", FioValueRule::kReadMode},
    {"bs", FioValueRule::kAny},
    {"blocksize", FioValueRule::kAny},
    {"ba", FioValueRule::kAny},
    {"blockalign", FioValueRule::kAny},
    {"bsrange", FioValueRule::kAny},
    {"blocksize_range", FioValueRule::kAny},
    {"bssplit", FioValueRule::kAny},
    {"bs_unaligned", FioValueRule::kAny},
    {"blocksize_unaligned", FioValueRule::kAny},
    {"bs_is_seq_rand", FioValueRule::kAny},
    {"size", FioValueRule::kAny},
    {"io_size", FioValueRule::kAny},
    {"io_limit", FioValueRule::kAny},
    {"offset", FioValueRule::kAny},
    {"fileoffset", FioValueRule::kAny},
    {"offset_increment", FioValueRule::kAny},
    {"offset_align", FioValueRule::kAny},
    {"number_ios", FioValueRule::kAny},
    {"loops", FioValueRule::kAny},
    {"norandommap", FioValueRule::kAny},
    {"randrepeat", FioValueRule::kAny},
    {"randseed", FioValueRule::kAny},
    {"random_generator", FioValueRule::kAny},
    {"random_distribution", FioValueRule::kAny},
    {"percentage_random", FioValueRule::kAny},
    // The engine, its queue and the page cache.
    {"ioengine", FioValueRule::kFileEngine},
    {"iodepth", FioValueRule::kAny},
    {"iodepth_batch", FioValueRule::kAny},
    {"iodepth_batch_submit", FioValueRule::kAny},
    {"iodepth_batch_complete", FioValueRule::kAny},
    {"iodepth_batch_complete_min", FioValueRule::kAny},
    {"iodepth_batch_complete_max", FioValueRule::kAny},
    {"iodepth_low", FioValueRule::kAny},
    {"direct", FioValueRule::kAny},
    {"buffered", FioValueRule::kAny},
    {"invalidate", FioValueRule::kAny},
    {"fadvise_hint", FioValueRule::kAny},
    {"numjobs", FioValueRule::kAny},
    {"thread", FioValueRule::kAny},
    // Timing and pacing.
    {"time_based", FioValueRule::kAny},
    {"runtime", FioValueRule::kAny},
    {"timeout", FioValueRule::kAny},
    {"ramp_time", FioValueRule::kAny},
    {"startdelay", FioValueRule::kAny},
    {"thinktime", FioValueRule::kAny},
    {"thinktime_spin", FioValueRule::kAny},
    {"thinktime_blocks", FioValueRule::kAny},
    {"rate", FioValueRule::kAny},
    {"rate_iops", FioValueRule::kAny},
    {"rate_min", FioValueRule::kAny},
    {"ratemin", FioValueRule::kAny},
    {"rate_iops_min", FioValueRule::kAny},
    {"rate_process", FioValueRule::kAny},
    {"rate_cycle", FioValueRule::kAny},
    {"ratecycle", FioValueRule::kAny},
    {"stonewall", FioValueRule::kAny},
    {"wait_for_previous", FioValueRule::kAny},
    {"new_group", FioValueRule::kAny},
    // Where fio's own processes run.
    {"cpus_allowed", FioValueRule::kAny},
    {"cpus_allowed_policy", FioValueRule::kAny},
    {"cpumask", FioValueRule::kAny},
    {"nice", FioValueRule::kAny},
    {"prio", FioValueRule::kAny},
    {"prioclass", FioValueRule::kAny},
    // Reporting into fio's JSON output only (no log files).
    {"group_reporting", FioValueRule::kAny},
    {"description", FioValueRule::kAny},
    {"kb_base", FioValueRule::kAny},
    {"unit_base", FioValueRule::kAny},
    {"percentile_list", FioValueRule::kAny},
    {"clat_percentiles", FioValueRule::kAny},
    {"lat_percentiles", FioValueRule::kAny},
    {"slat_percentiles", FioValueRule::kAny},
    {"disable_lat", FioValueRule::kAny},
    {"disable_clat", FioValueRule::kAny},
    {"disable_slat", FioValueRule::kAny},
    {"disable_bw_measurement", FioValueRule::kAny},
    {"disable_bw", FioValueRule::kAny},
    {"gtod_reduce", FioValueRule::kAny},
});

const AllowedFioOption* FindAllowedFioOption(std::string_view key) {
  const auto it = std::find_if(kAllowedFioOptions.begin(), kAllowedFioOptions.end(),
                               [&](const AllowedFioOption& o) { return o.name == key; });
  return it == kAllowedFioOptions.end() ? nullptr : &*it;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// fio separates several paths in filename= and directory= with ':'; a literal colon is "\:".
std::string EscapeFioPath(const fs::path& path) {
  std::string out;
  for (char c : path.string()) {
    if (c == ':') out += '\\';
    out += c;
  }
  return out;
}

std::vector<std::string> SplitFioPaths(std::string_view value) {
  std::vector<std::string> paths(1);
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size() && value[i + 1] == ':') {
      paths.back() += ':';
      ++i;
    } else if (value[i] == ':') {
      paths.emplace_back();
    } else {
      paths.back() += value[i];
    }
  }
  return paths;
}

// Milliseconds, which fio's time options accept ("2500ms"), so fractional seconds survive.
std::string FioMillis(double seconds) {
  return fmt::format("{}ms", static_cast<uint64_t>(std::llround(seconds * 1000.0)));
}

bool IsFalse(std::string_view value) {
  const std::string v = Lower(Trim(value));
  return v == "0" || v == "false" || v == "no" || v == "off";
}

void CheckPath(const fs::path& path, std::string_view source, const FioJobSection& section,
               std::string_view key) {
  auto refuse = [&](std::string_view why) {
    throw UsageError(fmt::format(
        "{}: [{}] {}={}: {}; feedbench runs fio only on files in its data directory or a dataset, "
        "never on a raw device",
        source, section.name, key, path.string(), why));
  };
  const fs::path normal = path.lexically_normal();
  const std::string text = normal.string();
  if (text == "/dev" || text.starts_with("/dev/")) refuse("a path under /dev");
  struct stat st {};
  if (::stat(normal.c_str(), &st) == 0) {
    if (S_ISBLK(st.st_mode)) refuse("a block device");
    if (S_ISCHR(st.st_mode)) refuse("a character device");
  }
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(normal, ec);
  if (!ec) {
    const std::string r = real.string();
    if (r == "/dev" || r.starts_with("/dev/")) refuse(fmt::format("resolves to {}", r));
  }
}

}  // namespace

std::span<const std::string_view> BuiltinFioProfiles() { return kProfiles; }

bool IsBuiltinFioProfile(std::string_view name) {
  return std::find(kProfiles.begin(), kProfiles.end(), name) != kProfiles.end();
}

bool FioProfileUsesTestFile(std::string_view name) {
  return IsBuiltinFioProfile(name) && name != "smallfile";
}

namespace {

using FioOptions = std::vector<std::pair<std::string, std::string>>;

// Throws UsageError for an unknown profile name or a ramp or runtime out of range.
void CheckProfileNameAndTimes(std::string_view name, const FioProfileSettings& s) {
  if (!IsBuiltinFioProfile(name)) {
    throw UsageError(
        fmt::format("unknown fio profile '{}'; built-in profiles: {}, or a path to a .fio job file",
                    name, fmt::join(kProfiles, ", ")));
  }
  if (!(s.ramp_sec >= 0) || s.ramp_sec > 86400) {
    throw UsageError(
        fmt::format("fio profile {}: ramp {} s; expected 0 to 86400 s", name, s.ramp_sec));
  }
  if (!(s.runtime_sec >= 1) || s.runtime_sec > 86400) {
    throw UsageError(
        fmt::format("fio profile {}: runtime {} s; expected 1 to 86400 s", name, s.runtime_sec));
  }
}

// What a profile reads: the test file (device profiles) or the dataset directory (smallfile),
// as [global] options. Throws UsageError for a missing target or settings out of range.
FioOptions TargetOptions(std::string_view name, const FioProfileSettings& s) {
  if (FioProfileUsesTestFile(name)) {
    if (s.test_file.empty()) {
      throw UsageError(fmt::format("fio profile {}: no test file given", name));
    }
    if (s.test_file_bytes < (1u << 20)) {
      throw UsageError(fmt::format("fio profile {}: test file size {}; expected at least 1MiB",
                                   name, FormatBytesExact(s.test_file_bytes)));
    }
    return {{"filename", EscapeFioPath(s.test_file)}, {"size", std::to_string(s.test_file_bytes)}};
  }
  if (s.smallfile_dir.empty()) {
    throw UsageError("fio profile smallfile: no dataset directory given");
  }
  if (s.smallfile_block_bytes == 0 || s.smallfile_block_bytes % 4096 != 0 ||
      s.smallfile_block_bytes > (64u << 20)) {
    throw UsageError(
        fmt::format("fio profile smallfile: block size {}; expected a multiple of 4KiB up to 64MiB",
                    FormatBytesExact(s.smallfile_block_bytes)));
  }
  if (s.smallfile_jobs < 1 || s.smallfile_jobs > 256) {
    throw UsageError(
        fmt::format("fio profile smallfile: {} jobs; expected 1 to 256", s.smallfile_jobs));
  }
  return {{"opendir", s.smallfile_dir.string()}};
}

// The [global] options after the target: no file creation, cache handling, and timing.
void AddCommonOptions(std::string_view name, const FioProfileSettings& s, FioOptions& g) {
  g.emplace_back("allow_file_create", "0");
  // Buffered reads: fio evicts each file's cached pages when it opens it (invalidate=1).
  const bool direct = s.direct && name != "smallfile";
  g.emplace_back("direct", direct ? "1" : "0");
  if (!direct) g.emplace_back("invalidate", "1");
  g.emplace_back("time_based", "1");
  // smallfile's ramp is a separate warm-up run (MakeFioWarmup).
  if (name != "smallfile") g.emplace_back("ramp_time", FioMillis(s.ramp_sec));
  g.emplace_back("runtime", FioMillis(s.runtime_sec));
}

// The job section's options: the I/O pattern of each profile.
FioOptions PatternOptions(std::string_view name, const FioProfileSettings& s) {
  if (name == "seq-read") {
    return {{"ioengine", "libaio"}, {"rw", "read"}, {"bs", "1048576"}, {"iodepth", "16"}};
  }
  if (name == "rand-read-4k-qd32") {
    return {{"ioengine", "libaio"},
            {"rw", "randread"},
            {"bs", "4096"},
            {"iodepth", "32"},
            {"norandommap", "1"}};
  }
  if (name == "rand-read-4k-qd1") {
    return {{"ioengine", "psync"}, {"rw", "randread"}, {"bs", "4096"}, {"norandommap", "1"}};
  }
  // smallfile. Per job, one file open at a time, picked at random, read front to back: open +
  // read + close per file, as a loader of one-file-per-sample datasets pays; numjobs jobs as
  // parallel readers, reported as one (group_reporting). fio reads whole blocks only, so a
  // file's tail shorter than bs is not counted (readahead still fetches it) and a file shorter
  // than bs is skipped. random:N keeps a file for up to N I/Os, i.e. until it is read through.
  // With plain "random" fio picks a new file for every I/O and, as only one may be open,
  // retries random picks until it draws the open one: fio 3.33 then burns a CPU (58% usr, 1.5k
  // IOPS on 8192 files, against 2.5% usr and 16.8k IOPS with random:N on the same files) and
  // measures itself, not the disk.
  return {{"ioengine", "psync"},
          {"rw", "read"},
          {"bs", std::to_string(s.smallfile_block_bytes)},
          {"openfiles", "1"},
          {"file_service_type", "random:1048576"},
          {"numjobs", std::to_string(s.smallfile_jobs)},
          {"group_reporting", "1"}};
}

}  // namespace

FioJobFile MakeFioProfile(std::string_view name, const FioProfileSettings& s) {
  CheckProfileNameAndTimes(name, s);
  FioJobFile job;
  job.profile = std::string(name);
  FioJobSection global{"global", TargetOptions(name, s)};
  AddCommonOptions(name, s, global.options);
  if (name == "smallfile") {
    job.comments.push_back(
        "ramp: a separate warm-up run (fio 3.33 hangs after ramp_time with "
        "file_service_type=random)");
  }
  FioJobSection section{std::string(name), PatternOptions(name, s)};
  job.sections = {std::move(global), std::move(section)};
  return job;
}

std::optional<FioJobFile> MakeFioWarmup(std::string_view name, const FioProfileSettings& s) {
  FioJobFile job = MakeFioProfile(name, s);
  if (name != "smallfile" || s.ramp_sec <= 0) return std::nullopt;
  job.profile = std::string(name) + "-warmup";
  job.comments = {"warm-up of smallfile: its figures are discarded"};
  for (auto& [key, value] : job.sections.front().options) {
    if (key == "runtime") value = FioMillis(s.ramp_sec);
  }
  return job;
}

std::string RenderFioJobFile(const FioJobFile& job) {
  std::string text = fmt::format("; feedbench fio profile {}\n", job.profile);
  for (const auto& comment : job.comments) text += fmt::format("; {}\n", comment);
  for (const auto& section : job.sections) {
    text += fmt::format("[{}]\n", section.name);
    for (const auto& [key, value] : section.options) {
      text += value.empty() ? key + "\n" : fmt::format("{}={}\n", key, value);
    }
  }
  return text;
}

FioJobFile ParseFioJobFile(std::string_view text, std::string_view source) {
  FioJobFile job;
  int line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    // fio cuts every line at its first ';' or '#' (parse.c strip_blank_end): "filename=a;b"
    // opens a. Checking the same text as fio reads keeps a comment from hiding the real path.
    line = Trim(line.substr(0, line.find_first_of(";#")));
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (line.back() != ']' || Trim(line.substr(1, line.size() - 2)).empty()) {
        throw UsageError(
            fmt::format("{}:{}: '{}' is not a [section] header", source, line_number, line));
      }
      job.sections.push_back({std::string(Trim(line.substr(1, line.size() - 2))), {}});
      continue;
    }
    // fio takes any option line that starts with "include" for an include of the rest of it.
    if (Lower(line).starts_with("include")) {
      throw UsageError(fmt::format(
          "{}:{}: include directives are not supported in a feedbench profile; put the options "
          "in the file itself",
          source, line_number));
    }
    if (job.sections.empty()) {
      throw UsageError(
          fmt::format("{}:{}: option '{}' before any [section]", source, line_number, line));
    }
    const size_t eq = line.find('=');
    const std::string key = Lower(Trim(line.substr(0, eq)));
    const std::string value =
        eq == std::string_view::npos ? "" : std::string(Trim(line.substr(eq + 1)));
    job.sections.back().options.emplace_back(key, value);
  }
  if (job.sections.empty()) {
    throw UsageError(fmt::format("{}: no [job] section; expected a fio job file", source));
  }
  return job;
}

namespace {

// fio takes every section whose name starts with "global" for a global one (init.c).
bool IsGlobalSection(std::string_view name) { return name.starts_with("global"); }

fs::path Resolve(const fs::path& path, const fs::path& base_dir) {
  return path.is_absolute() ? path : base_dir / path;
}

// Where fio may look for a file a job names. fio puts a job's directory= in front of every file
// name, absolute ones too (filesetup.c add_file), spreads the jobs over all of directory=a:b, and
// without a directory opens the name from its working directory (`base_dir`). So a name is
// checked as it is and under every directory the job may have: its own and any global section's
// (all of them, whatever their order: a few paths too many are checked, none too few).
std::vector<fs::path> CandidatePaths(const std::string& name, const FioJobFile& job,
                                     const FioJobSection& section, const fs::path& base_dir) {
  std::vector<fs::path> paths{Resolve(name, base_dir)};
  for (const auto& s : job.sections) {
    if (&s != &section && !IsGlobalSection(s.name)) continue;
    for (const auto& [key, value] : s.options) {
      if (key != "directory") continue;
      for (const auto& dir : SplitFioPaths(value)) {
        if (!dir.empty()) paths.emplace_back(Resolve(dir, base_dir).string() + "/" + name);
      }
    }
  }
  return paths;
}

// The file names a filename_format gives: $jobname is the name of the job (every job's when the
// format is in a global section), $jobnum, $filenum and $clientuid are numbers (init.c
// make_filename).
std::vector<std::string> ExpandFilenameFormat(const std::string& format, const FioJobFile& job,
                                              const FioJobSection& section) {
  auto replace_all = [](std::string text, std::string_view from, std::string_view to) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
    return text;
  };
  std::string numbered = format;
  for (const std::string_view keyword : {"$jobnum", "$filenum", "$clientuid"}) {
    numbered = replace_all(numbered, keyword, "0");
  }
  std::vector<std::string> names;
  for (const auto& s : job.sections) {
    const bool applies =
        &s == &section || (IsGlobalSection(section.name) && !IsGlobalSection(s.name));
    if (applies) names.push_back(replace_all(numbered, "$jobname", s.name));
  }
  if (names.empty()) names.push_back(numbered);
  return names;
}

// Checks one option of `section` against the allow-list; throws UsageError naming the source,
// section, key and value.
void CheckFioOption(const std::string& key, const std::string& value, std::string_view source,
                    const FioJobFile& job, const FioJobSection& section, const fs::path& base_dir) {
  auto refuse = [&](std::string_view why) {
    const std::string option = value.empty() ? key : fmt::format("{}={}", key, value);
    throw UsageError(fmt::format("{}: [{}] {}: {}", source, section.name, option, why));
  };
  const AllowedFioOption* allowed = FindAllowedFioOption(key);
  if (allowed == nullptr) {
    refuse(
        "not on feedbench's list of allowed options (the I/O pattern, sizes, timing, file I/O "
        "engines and reporting that writes no files; kAllowedFioOptions in "
        "workloads/fio/fio_profiles.cc); fio could read or write other files, run programs or "
        "change the system through the others");
  }
  switch (allowed->rule) {
    case FioValueRule::kAny:
      return;
    case FioValueRule::kReadMode: {
      const std::string mode = Lower(value.substr(0, value.find(':')));
      if (mode != "read" && mode != "randread") {
        refuse("profiles only read; expected rw=read or rw=randread");
      }
      return;
    }
    case FioValueRule::kFileEngine:
      // Exactly a name: fio keeps an engine name it does not know and dlopen()s it, and loads
      // the file after "external:".
      if (std::find(kAllowedEngines.begin(), kAllowedEngines.end(), value) ==
          kAllowedEngines.end()) {
        refuse(fmt::format("expected one of the file I/O engines: {}",
                           fmt::join(kAllowedEngines, ", ")));
      }
      return;
    case FioValueRule::kOffOnly:
      if (!IsFalse(value)) refuse("allowed only off (0): fio would delete the files it read");
      return;
    case FioValueRule::kPaths:
      break;
  }
  if (key == "filename_format") {
    if (value.find("${") != std::string::npos) {
      refuse("environment variables in paths are expanded by fio unchecked");
    }
    for (const auto& name : ExpandFilenameFormat(value, job, section)) {
      for (const auto& path : CandidatePaths(name, job, section, base_dir)) {
        CheckPath(path, source, section, key);
      }
    }
    return;
  }
  if (value.find('$') != std::string::npos) {
    refuse("variables in paths are expanded by fio unchecked; write the path out");
  }
  if (key == "directory") {
    for (const auto& dir : SplitFioPaths(value)) {
      if (!dir.empty()) CheckPath(Resolve(dir, base_dir), source, section, key);
    }
    return;
  }
  // filename=a:b names several files; opendir= one directory (fio reads the regular files below
  // it, each under the job's directory= as a filename would be).
  const std::vector<std::string> names =
      key == "filename" ? SplitFioPaths(value) : std::vector<std::string>{value};
  for (const auto& name : names) {
    if (name.empty()) continue;
    for (const auto& path : CandidatePaths(name, job, section, base_dir)) {
      CheckPath(path, source, section, key);
    }
  }
}

// fio names a job's files after the job (by default "<job>.<n>.<n>", or filename_format's
// $jobname), so a job name stays one plain path component.
void CheckSectionName(const FioJobSection& section, std::string_view source) {
  if (section.name.find('/') != std::string::npos || section.name == "." || section.name == "..") {
    throw UsageError(fmt::format(
        "{}: [{}]: fio names a job's files after the job, so a section name may not contain '/' "
        "or be '.' or '..'",
        source, section.name));
  }
}

}  // namespace

std::vector<std::string_view> AllowedFioOptions() {
  std::vector<std::string_view> names;
  names.reserve(kAllowedFioOptions.size());
  for (const auto& option : kAllowedFioOptions) names.push_back(option.name);
  return names;
}

void CheckFioJobTargets(const FioJobFile& job, std::string_view source, const fs::path& base_dir) {
  for (const auto& section : job.sections) {
    CheckSectionName(section, source);
    for (const auto& [key, value] : section.options) {
      CheckFioOption(key, value, source, job, section, base_dir);
    }
  }
}

bool FioJobNamesFile(const FioJobFile& job, const fs::path& file, const fs::path& base_dir) {
  const fs::path wanted = file.lexically_normal();
  for (const auto& section : job.sections) {
    for (const auto& [key, value] : section.options) {
      if (key != "filename") continue;
      for (const auto& name : SplitFioPaths(value)) {
        if (name.empty()) continue;
        for (const auto& path : CandidatePaths(name, job, section, base_dir)) {
          if (path.lexically_normal() == wanted) return true;
        }
      }
    }
  }
  return false;
}

FioJobFile LoadFioJobFile(const fs::path& path, const fs::path& base_dir) {
  FioJobFile job = ParseFioJobFile(ReadWholeFile(path), path.string());
  CheckFioJobTargets(job, path.string(), base_dir);
  job.profile = path.stem().string();
  return job;
}

std::optional<double> FioJobFileSeconds(const FioJobFile& job) {
  auto seconds = [](std::string_view text) -> std::optional<double> {
    text = Trim(text);
    size_t digits = 0;
    while (digits < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    char* end = nullptr;
    const std::string number(text.substr(0, digits));
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return std::nullopt;
    const std::string unit = Lower(text.substr(digits));
    if (unit.empty() || unit == "s") return value;
    if (unit == "us") return value / 1e6;
    if (unit == "ms") return value / 1e3;
    if (unit == "m") return value * 60;
    if (unit == "h") return value * 3600;
    if (unit == "d") return value * 86400;
    return std::nullopt;
  };
  double total = 0;
  bool any_job = false;
  for (const auto& section : job.sections) {
    if (section.name == "global") continue;
    any_job = true;
    const std::string runtime = FioOption(job, section.name, "runtime");
    if (runtime.empty()) return std::nullopt;
    const auto run = seconds(runtime);
    if (!run) return std::nullopt;
    total += *run;
    const std::string ramp = FioOption(job, section.name, "ramp_time");
    if (!ramp.empty()) {
      const auto r = seconds(ramp);
      if (!r) return std::nullopt;
      total += *r;
    }
  }
  if (!any_job) return std::nullopt;
  return total;
}

std::string JoinFioPaths(const std::vector<fs::path>& paths) {
  std::string out;
  for (const fs::path& path : paths) {
    if (!out.empty()) out += ':';
    out += EscapeFioPath(path);
  }
  return out;
}

std::string FioOption(const FioJobFile& job, std::string_view section_name, std::string_view key) {
  // fio applies a [global] section to the jobs after it; a job's own value wins.
  std::string found;
  for (const auto& section : job.sections) {
    if (section.name != "global" && section.name != section_name) continue;
    for (const auto& [k, v] : section.options) {
      if (k == key) found = v;
    }
    if (section.name == section_name) break;
  }
  return found;
}

}  // namespace feedbench
