// `feedbench monitor`: sample block devices the way `iostat -x` does, optionally around a command.
//
//   feedbench monitor [--path P | --device D]... [--interval-ms N] [--duration S] [--csv FILE]
//                     [--json FILE] [-- COMMAND ARGS...]
//
// With a command it samples from just before the command starts until it exits, forwards SIGINT and
// SIGTERM to it, prints the window summary and exits with the command's status (128 + signal when
// the command was killed, 127 when it was not found). Without one it runs for --duration or until
// SIGINT/SIGTERM, then prints the summary and exits 0. Live rows go to stdout without a command and
// to stderr with one, so that the command's own stdout stays clean. --csv and --json are written
// atomically once the window ends; every input is checked before sampling (and the command) start.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness/atomic_file.h"
#include "harness/commands.h"
#include "harness/diskstats.h"
#include "harness/errors.h"
#include "harness/monitor_report.h"
#include "harness/sampler.h"

extern char** environ;

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct MonitorOptions {
  std::vector<std::string> paths;
  std::vector<std::string> devices;
  int64_t interval_ms = 1000;
  std::optional<double> duration_sec;
  std::string csv_path;
  std::string json_path;
  std::vector<std::string> command;
};

// The filesystem type mounted with this st_dev, from /proc/self/mountinfo ("tmpfs"), or "".
std::string FsTypeOf(dev_t dev) {
  std::ifstream in("/proc/self/mountinfo");
  const std::string want = fmt::format("{}:{}", major(dev), minor(dev));
  std::string line;
  while (std::getline(in, line)) {
    // id parent MAJ:MIN root mount-point options [optional...] - fstype source super-options
    std::istringstream fields(line);
    std::string id, parent, majmin;
    fields >> id >> parent >> majmin;
    if (majmin != want) continue;
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string type;
    tail >> type;
    return type;
  }
  return "";
}

// The /proc/diskstats name of block device MAJ:MIN via /sys/dev/block, or nullopt.
std::optional<std::string> DiskstatsNameOf(dev_t dev) {
  std::error_code ec;
  const fs::path link = fmt::format("/sys/dev/block/{}:{}", major(dev), minor(dev));
  const fs::path target = fs::canonical(link, ec);
  if (ec) return std::nullopt;
  std::string name = target.filename().string();
  std::replace(name.begin(), name.end(), '!', '/');  // sysfs spells "cciss/c0d0" "cciss!c0d0"
  return name;
}

// TODO(device): switch to ResolvePath() from harness/device.h once it lands; this is the minimal
// stat() st_dev -> /sys/dev/block/MAJ:MIN -> name resolution monitor needs meanwhile.
std::string DeviceBehindPath(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw UsageError(
        fmt::format("--path {}: cannot stat: {} (expected an existing file or "
                    "directory)",
                    path, std::strerror(errno)));
  }
  const std::optional<std::string> name =
      major(st.st_dev) == 0 ? std::nullopt : DiskstatsNameOf(st.st_dev);
  if (!name) {
    const std::string type = FsTypeOf(st.st_dev);
    throw UsageError(fmt::format("--path {}: no block device behind {} ({}); give --device", path,
                                 path, type.empty() ? "no such device in sysfs" : type));
  }
  return *name;
}

// --device accepts a diskstats name ("vda") or a device node ("/dev/vda", "/dev/mapper/x").
std::string DeviceFromFlag(const std::string& device) {
  if (device.empty() || device.front() != '/') return device;
  struct stat st {};
  if (::stat(device.c_str(), &st) != 0) {
    throw UsageError(fmt::format("--device {}: {}", device, std::strerror(errno)));
  }
  if (!S_ISBLK(st.st_mode)) {
    throw UsageError(
        fmt::format("--device {}: not a block device (give a name such as vda, or "
                    "use --path for a file or directory)",
                    device));
  }
  const std::optional<std::string> name = DiskstatsNameOf(st.st_rdev);
  if (!name) {
    throw UsageError(fmt::format("--device {}: block device {}:{} is not in /sys/dev/block", device,
                                 major(st.st_rdev), minor(st.st_rdev)));
  }
  return *name;
}

std::vector<DiskCounters> ReadProcDiskstats() {
  DiskstatsReader reader("/proc/diskstats");
  std::vector<DiskCounters> snapshot;
  if (auto error = ParseDiskstatsInto(reader.Read(), snapshot)) {
    throw EnvironmentError(
        fmt::format("/proc/diskstats: line {}: {}", error->line, error->message));
  }
  return snapshot;
}

// No --device or --path: every whole disk that has done I/O since boot, as `iostat -x` lists
// by default (partitions are not in /sys/block).
std::vector<std::string> DefaultDevices(const std::vector<DiskCounters>& snapshot) {
  std::vector<std::string> names;
  for (const DiskCounters& c : snapshot) {
    std::string sysfs_name = c.name;
    std::replace(sysfs_name.begin(), sysfs_name.end(), '/', '!');
    const bool whole_disk = fs::exists(fs::path("/sys/block") / sysfs_name);
    const bool active = c.read_ios + c.write_ios + c.discard_ios + c.flush_ios > 0;
    if (whole_disk && active) names.push_back(c.name);
  }
  if (names.empty()) {
    throw UsageError("no --device or --path given and no disk in /proc/diskstats has done I/O");
  }
  return names;
}

std::vector<std::string> ResolveDevices(const MonitorOptions& options) {
  std::vector<std::string> names;
  auto add = [&names](std::string name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  const std::vector<DiskCounters> snapshot = ReadProcDiskstats();
  for (const std::string& path : options.paths) add(DeviceBehindPath(path));
  for (const std::string& device : options.devices) {
    std::string name = DeviceFromFlag(device);
    if (FindDevice(snapshot, name) == nullptr) {
      std::vector<std::string> known;
      for (const DiskCounters& c : snapshot) known.push_back(c.name);
      throw UsageError(fmt::format("--device {}: no device '{}' in /proc/diskstats (it has: {})",
                                   device, name, fmt::join(known, ", ")));
    }
    add(std::move(name));
  }
  return names.empty() ? DefaultDevices(snapshot) : names;
}

// Blocks SIGINT, SIGTERM and SIGCHLD in this thread (and the threads it starts) so that they are
// taken synchronously with sigtimedwait; restores the previous mask on destruction.
class BlockedSignals {
 public:
  BlockedSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGCHLD);
    ::pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  }
  ~BlockedSignals() {
    // Take any still pending (a second Ctrl-C, the last SIGCHLD) so that unblocking does not kill
    // the process on its way out with the command's status.
    const timespec zero{0, 0};
    while (::sigtimedwait(&set_, nullptr, &zero) > 0) {
    }
    ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

  const sigset_t& set() const { return set_; }
  const sigset_t& previous() const { return previous_; }

  // Waits up to `timeout` for one of the signals; 0 when none came.
  int Wait(std::chrono::milliseconds timeout, siginfo_t& info) const {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const timespec ts{static_cast<time_t>(secs.count()),
                      static_cast<long>((timeout - secs).count() * 1'000'000)};
    const int sig = ::sigtimedwait(&set_, &info, &ts);
    return sig < 0 ? 0 : sig;
  }

 private:
  sigset_t set_{};
  sigset_t previous_{};
};

// A started command. The destructor terminates and reaps it if it is still running (only on an
// error path: normally Poll() has reaped it): SIGTERM, then SIGKILL after 5 s.
class Child {
 public:
  Child(const std::vector<std::string>& command, const sigset_t& child_mask) {
    std::vector<char*> argv;
    for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    posix_spawnattr_t attr;
    ::posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (const int sig : {SIGINT, SIGTERM, SIGCHLD, SIGPIPE}) sigaddset(&defaults, sig);
    ::posix_spawnattr_setsigdefault(&attr, &defaults);
    ::posix_spawnattr_setsigmask(&attr, &child_mask);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    error_ = ::posix_spawnp(&pid_, argv[0], nullptr, &attr, argv.data(), environ);
    ::posix_spawnattr_destroy(&attr);
    if (error_ != 0) pid_ = -1;
  }
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      ::usleep(10'000);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  int spawn_error() const { return error_; }
  pid_t pid() const { return pid_; }

  // The exit code as a shell reports it, once the command has ended; nullopt while it runs.
  std::optional<int> Poll() {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r != pid_) return std::nullopt;
    pid_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
  }

 private:
  pid_t pid_ = -1;
  int error_ = 0;
};

// Where live rows go: a FILE* shared by the sampling thread (rows) and the main thread (messages).
class LiveOutput {
 public:
  explicit LiveOutput(FILE* out) : out_(out), repeat_header_(::isatty(::fileno(out)) != 0) {}

  void Row(const SampleRow& row) {
    std::lock_guard lock(mutex_);
    if (rows_ % kHeaderEvery == 0 && (rows_ == 0 || repeat_header_)) {
      std::fprintf(out_, "%s\n", LiveHeader().c_str());
    }
    ++rows_;
    std::fprintf(out_, "%s\n", LiveRow(row).c_str());
    std::fflush(out_);
  }
  void Text(const std::string& text) {
    std::lock_guard lock(mutex_);
    std::fputs(text.c_str(), out_);
    std::fflush(out_);
  }

 private:
  static constexpr uint64_t kHeaderEvery = 40;
  FILE* out_;
  bool repeat_header_;
  std::mutex mutex_;
  uint64_t rows_ = 0;
};

void Validate(const MonitorOptions& options) {
  if (options.interval_ms < kMinSampleInterval.count() ||
      options.interval_ms > kMaxSampleInterval.count()) {
    throw UsageError(
        fmt::format("--interval-ms: {} is outside the accepted range: 1 to 60000 (milliseconds)",
                    options.interval_ms));
  }
  if (options.duration_sec) {
    if (!options.command.empty()) {
      throw UsageError(
          "--duration cannot be combined with a command: monitor samples until the "
          "command exits");
    }
    if (!std::isfinite(*options.duration_sec) || *options.duration_sec <= 0) {
      throw UsageError(
          fmt::format("--duration: {} is not a positive number of seconds", *options.duration_sec));
    }
  }
  if (!options.csv_path.empty()) CheckWritableDestination(options.csv_path, "--csv");
  if (!options.json_path.empty()) CheckWritableDestination(options.json_path, "--json");
}

int RunMonitor(const MonitorOptions& options) {
  Validate(options);
  const std::vector<std::string> devices = ResolveDevices(options);
  const bool with_command = !options.command.empty();
  LiveOutput live(with_command ? stderr : stdout);
  const bool keep_rows = !options.csv_path.empty() || !options.json_path.empty();

  // Blocked before the sampler starts its thread, so that no thread takes these asynchronously.
  BlockedSignals signals;
  SamplerOptions sampler_options;
  sampler_options.devices = devices;
  sampler_options.interval = std::chrono::milliseconds(options.interval_ms);
  sampler_options.keep_rows = keep_rows;
  sampler_options.on_row = [&live](const SampleRow& row) { live.Row(row); };
  Sampler sampler(std::move(sampler_options));  // checks the devices are in /proc/diskstats

  live.Text(fmt::format(
      "feedbench monitor: sampling {} every {} ms{}\n", fmt::join(devices, ", "),
      options.interval_ms,
      with_command ? fmt::format(" while running {}", options.command[0]) : std::string()));
  sampler.Start();

  MonitorRun run;
  run.interval = std::chrono::milliseconds(options.interval_ms);
  run.devices = devices;
  run.command = options.command;
  int exit_code = kExitOk;
  siginfo_t info{};
  if (with_command) {
    Child child(options.command, signals.previous());
    if (child.spawn_error() != 0) {
      sampler.Stop();
      const int err = child.spawn_error();
      std::fprintf(stderr, "feedbench: monitor: %s: %s\n", options.command[0].c_str(),
                   err == ENOENT ? "command not found" : std::strerror(err));
      return err == ENOENT ? 127 : 126;  // as a shell does
    }
    std::optional<int> status;
    while (!(status = child.Poll())) {
      const int sig = signals.Wait(1000ms, info);
      // Forward a signal sent to feedbench (kill, a job scheduler). One typed at the terminal
      // (SI_KERNEL) already reached the command, which is in the same foreground process group.
      if ((sig == SIGINT || sig == SIGTERM) && info.si_code != SI_KERNEL) {
        ::kill(child.pid(), sig);
      }
    }
    exit_code = *status;
    run.exit_status = exit_code;
  } else {
    const auto start = std::chrono::steady_clock::now();
    const std::optional<std::chrono::steady_clock::time_point> deadline =
        options.duration_sec
            ? std::optional(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double>(*options.duration_sec)))
            : std::nullopt;
    for (;;) {
      auto wait = std::chrono::milliseconds(1000);
      if (deadline) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            *deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) break;
        wait = std::min(wait, left);
      }
      const int sig = signals.Wait(wait, info);
      if (sig == SIGINT || sig == SIGTERM) break;
    }
  }

  const std::vector<WindowSummary> summaries = sampler.Stop();
  live.Text("feedbench monitor: window summary\n" + SummaryText(summaries));
  if (!options.csv_path.empty()) WriteFileAtomic(options.csv_path, MonitorCsv(sampler.Rows()));
  if (!options.json_path.empty()) {
    WriteFileAtomic(options.json_path, MonitorJson(run, sampler.Rows(), summaries).dump(2) + "\n");
  }
  return exit_code;
}

}  // namespace

void AddMonitorCommand(CLI::App& app, CommandAction& action) {
  auto options = std::make_shared<MonitorOptions>();
  auto* sub = app.add_subcommand(
      "monitor",
      "Sample block devices like `iostat -x`, optionally while a command runs.\n"
      "  feedbench monitor --path /data --interval-ms 1000 --csv io.csv -- python train.py\n"
      "Without --device or --path: every whole disk that has done I/O (as iostat lists).\n"
      "Without a command: runs for --duration, or until Ctrl-C (SIGINT) or SIGTERM; exit 0.\n"
      "With a command (after --): samples until it exits, forwards SIGINT/SIGTERM to it and\n"
      "exits with its status (128+N if killed by signal N, 127 if not found).\n"
      "Live rows go to stdout, or to stderr when a command runs (its stdout stays its own);\n"
      "the window summary (exact totals from the first and last sample) follows them.");
  sub->add_option("--path", options->paths,
                  "Sample the block device holding this file or directory (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--device", options->devices,
                  "Sample this device: a /proc/diskstats name (vda, nvme0n1p2, loop3) or a "
                  "device node (/dev/vda) (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--interval-ms", options->interval_ms,
                  "Sampling interval in milliseconds, 1 to 60000")
      ->capture_default_str();
  sub->add_option("--duration", options->duration_sec,
                  "Stop after this many seconds (only without a command)");
  sub->add_option("--csv", options->csv_path,
                  "Write one row per device per interval to this CSV file (iostat -x columns)");
  sub->add_option("--json", options->json_path,
                  "Write the rows and the window summary to this JSON file (units in the keys)");
  sub->add_option("command", options->command, "The command to run and watch, after --");
  sub->callback([options, &action] { action = [options] { return RunMonitor(*options); }; });
}

}  // namespace feedbench
