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

// Options that run programs, change the system, delete files or write outside the data directory.
constexpr std::array<std::string_view, 14> kRefusedOptions = {
    "exec_prerun",  "exec_postrun",     "ioscheduler",    "replay_redirect", "write_iolog",
    "write_bw_log", "write_lat_log",    "write_iops_log", "write_hist_log",  "cgroup",
    "unlink",       "unlink_each_loop", "fill_device",    "fill_fs"};

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
    const std::string_view line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_number;
    if (line.empty() || line.front() == ';' || line.front() == '#') continue;
    if (line.front() == '[') {
      if (line.back() != ']' || Trim(line.substr(1, line.size() - 2)).empty()) {
        throw UsageError(
            fmt::format("{}:{}: '{}' is not a [section] header", source, line_number, line));
      }
      job.sections.push_back({std::string(Trim(line.substr(1, line.size() - 2))), {}});
      continue;
    }
    if (Lower(line).starts_with("include ") || Lower(line) == "include") {
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

// The directory a relative filename of `section` is taken from: its own directory= option, else
// [global]'s, else `base_dir` (relative directories are under `base_dir`).
fs::path FileBase(const FioJobSection* global, const FioJobSection& section,
                  const fs::path& base_dir) {
  std::string directory;
  for (const auto* s : {global, &section}) {
    if (s == nullptr) continue;
    for (const auto& [key, value] : s->options) {
      if (key == "directory") directory = value;
    }
  }
  if (directory.empty()) return base_dir;
  const fs::path first(SplitFioPaths(directory).front());
  return first.is_absolute() ? first : base_dir / first;
}

// Checks one option of `section`; throws UsageError naming the source, section, key and value.
void CheckFioOption(const std::string& key, const std::string& value, std::string_view source,
                    const FioJobSection& section, const fs::path& file_base,
                    const fs::path& base_dir) {
  auto refuse = [&](std::string_view why) {
    throw UsageError(fmt::format("{}: [{}] {}={}: {}", source, section.name, key, value, why));
  };
  const bool names_paths =
      key == "filename" || key == "directory" || key == "opendir" || key == "filename_format";
  if (names_paths && value.find('$') != std::string::npos && key != "filename_format") {
    refuse("variables in paths are expanded by fio unchecked; write the path out");
  }
  if (key == "filename_format" && value.find("${") != std::string::npos) {
    refuse("environment variables in paths are expanded by fio unchecked");
  }
  if (key == "filename" || key == "directory") {
    for (const auto& p : SplitFioPaths(value)) {
      if (p.empty()) continue;
      const fs::path path(p);
      const fs::path base = key == "filename" ? file_base : base_dir;
      CheckPath(path.is_absolute() ? path : base / path, source, section, key);
    }
  } else if (key == "opendir") {
    const fs::path path(value);
    CheckPath(path.is_absolute() ? path : base_dir / path, source, section, key);
  } else if (key == "filename_format") {
    const fs::path path(value);
    CheckPath(path.is_absolute() ? path : file_base / path, source, section, key);
  } else if (key == "rw" || key == "readwrite") {
    const std::string mode = Lower(value.substr(0, value.find(':')));
    if (mode != "read" && mode != "randread") {
      refuse("profiles only read; expected rw=read or rw=randread");
    }
  } else if (key == "ioengine") {
    const std::string engine = Lower(value.substr(0, value.find(':')));
    if (std::find(kAllowedEngines.begin(), kAllowedEngines.end(), engine) ==
        kAllowedEngines.end()) {
      refuse(fmt::format("expected one of the file I/O engines: {}",
                         fmt::join(kAllowedEngines, ", ")));
    }
  } else if (std::find(kRefusedOptions.begin(), kRefusedOptions.end(), key) !=
             kRefusedOptions.end()) {
    const bool harmless = (key == "unlink" || key == "unlink_each_loop" || key == "fill_device" ||
                           key == "fill_fs") &&
                          IsFalse(value);
    if (!harmless) {
      refuse(
          "not allowed in a feedbench profile (it runs programs, changes the system, deletes "
          "files or writes outside the data directory)");
    }
  }
}

}  // namespace

void CheckFioJobTargets(const FioJobFile& job, std::string_view source, const fs::path& base_dir) {
  const FioJobSection* global = nullptr;
  for (const auto& section : job.sections) {
    if (section.name == "global") global = &section;
  }
  for (const auto& section : job.sections) {
    const fs::path file_base = FileBase(global, section, base_dir);
    for (const auto& [key, value] : section.options) {
      CheckFioOption(key, value, source, section, file_base, base_dir);
    }
  }
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
