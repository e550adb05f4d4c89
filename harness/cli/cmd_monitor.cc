// `feedbench monitor`: sample block devices the way `iostat -x` does, optionally around a command.
//
//   feedbench monitor [--path P | --device D]... [--interval-ms N] [--duration S] [--csv FILE]
//                     [--json FILE] [--thresholds FILE] [--ceiling RESULTS] [--mark REGEX]
//                     [--log FILE [--log-wait S]] [-- COMMAND ARGS...]
//
// With a command it samples from just before the command starts until it exits, forwards SIGINT and
// SIGTERM to it, prints the window summary and exits with the command's status (128 + signal when
// the command was killed, 127 when it was not found). Without one it runs for --duration or until
// SIGINT/SIGTERM, then prints the summary and exits 0. Live rows go to stdout without a command and
// to stderr with one, so that the command's own stdout stays clean. --csv and --json are written
// atomically once the window ends; every input is checked before sampling (and the command) start.
// The job's log on the same clock: the command's stdout and stderr come through two pipes and are
// passed on unchanged, line by line (OutputRelay), and --log FILE is followed; each line is stamped
// with the window's clock (JobLog) for --json, and --mark REGEX makes the lines it matches phase
// boundaries: per-phase figures and verdicts (harness/measure/phases.h). With nvidia-smi on PATH
// the accelerator's utilisation is sampled on the same grid (harness/measure/accelerator.h).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/cli/commands.h"
#include "harness/measure/accelerator.h"
#include "harness/measure/diskstats.h"
#include "harness/measure/fingerprint.h"
#include "harness/measure/io_diagnosis.h"
#include "harness/measure/job_log.h"
#include "harness/measure/phases.h"
#include "harness/measure/sampler.h"
#include "harness/os/child_process.h"
#include "harness/os/device.h"
#include "harness/os/output_relay.h"
#include "harness/report/monitor_report.h"
#include "harness/results/results.h"

namespace feedbench {
namespace {

using namespace std::chrono_literals;

struct MonitorOptions {
  std::vector<std::string> paths;
  std::vector<std::string> devices;
  int64_t interval_ms = 1000;
  std::optional<double> duration_sec;
  std::string csv_path;
  std::string json_path;
  std::string thresholds_path;
  std::string ceiling_path;
  std::vector<std::string> marks;  // at most one (checked): the --mark regex
  std::vector<std::string> logs;   // at most one (checked): the --log file
  std::optional<double> log_wait_sec;
  std::vector<std::string> command;
};

// How long --log waits for its file to appear, without --log-wait.
constexpr double kDefaultLogWaitSec = 30;
// How long the command's pipes are read after it exited, for what a process it left running
// still holds open.
constexpr std::chrono::milliseconds kDrainAfterExit{2000};
// At most this many marks make phases; later matches are counted and said.
constexpr size_t kMaxMarks = 10'000;
// A phase table longer than this many phases shows its first and last half of them.
constexpr size_t kPhasesShown = 40;

// A device's read ceiling from a `feedbench fio` results file: the highest median bytes/s of its
// workloads, when the file was measured on `device` (or on the disk of which it is a partition).
struct ReadCeiling {
  std::string device;   // the device the results were measured on
  std::string parent;   // its disk, when a partition
  double bytes_per_sec = 0;
  std::string workload;
  std::string source;
};

ReadCeiling LoadCeiling(const std::string& path) {
  ResultsFile results;
  try {
    results = ReadResultsFile(path);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("--ceiling {}: {}", path, e.what()));
  }
  ReadCeiling ceiling;
  ceiling.source = path;
  if (results.device.is_object()) {
    ceiling.device = results.device.value("name", "");
    ceiling.parent = results.device.value("parent_disk", "");
  }
  for (const WorkloadSummary& w : SummarizeResults(results)) {
    const auto median = w.median.find("bytes_per_second");
    if (median != w.median.end() && median->second > ceiling.bytes_per_sec) {
      ceiling.bytes_per_sec = median->second;
      ceiling.workload = w.name;
    }
  }
  if (ceiling.device.empty() || !(ceiling.bytes_per_sec > 0)) {
    throw UsageError(fmt::format(
        "--ceiling {}: expected the results of `feedbench fio` on a block device (a device "
        "fingerprint and a bytes_per_second counter); this file has {}",
        path, ceiling.device.empty() ? "no device" : "no bytes_per_second"));
  }
  return ceiling;
}

// The diagnosis thresholds of --thresholds PATH, the defaults without it.
DiagnosisThresholds LoadThresholds(const std::string& path) {
  if (path.empty()) return {};
  std::string text;
  try {
    text = ReadWholeFile(path);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("--thresholds {}: {}", path, e.what()));
  }
  return ParseThresholds(text, path);
}

// What the diagnosis knows of `device`: how it serves requests, and its ceiling when `ceiling`
// was measured on it.
DeviceTraits TraitsOf(const std::string& device, const std::optional<ReadCeiling>& ceiling) {
  bool rotational = false;
  if (const std::optional<BlockDevice> block = FindBlockDevice(device)) {
    rotational = FingerprintDevice(*block).rotational;
  }
  DeviceTraits traits = TraitsFromDevice(device, rotational);
  if (ceiling && (ceiling->device == device || ceiling->parent == device)) {
    traits.read_ceiling_bytes_per_sec = ceiling->bytes_per_sec;
    traits.ceiling_source = fmt::format("{} in {}", ceiling->workload, ceiling->source);
  }
  return traits;
}

// The /proc/diskstats name of the device holding `path`'s filesystem.
std::string DeviceBehindPath(const std::string& path) {
  PathDevice path_device;
  try {
    path_device = ResolvePath(path);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("--path {}: {}", path, e.what()));
  }
  const std::optional<std::string> name = DiskstatsNameFor(path_device);
  if (!name) {
    const std::string& fs_type = path_device.mount.fs_type;
    throw UsageError(fmt::format("--path {}: no block device behind {} ({}); give --device", path,
                                 path, fs_type.empty() ? path_device.no_device_reason : fs_type));
  }
  return *name;
}

// --device accepts a diskstats name ("vda"), checked against /proc/diskstats later, or a device
// node ("/dev/vda", "/dev/mapper/vg-data").
std::string DeviceFromFlag(const std::string& device) {
  if (device.empty() || device.front() != '/') return device;
  const std::optional<BlockDevice> block_device = FindBlockDevice(device);
  if (!block_device) {
    throw UsageError(
        fmt::format("--device {}: not a block device (give a name such as vda, or "
                    "use --path for a file or directory)",
                    device));
  }
  return block_device->name;
}

// One parse of /proc/diskstats. A line it could not read costs only that line's device.
DiskstatsSnapshot ReadProcDiskstats() {
  DiskstatsReader reader("/proc/diskstats");
  return ParseDiskstats(reader.Read());
}

// No --device or --path: every whole device (not a partition) that has done I/O since boot, as
// `iostat -x` lists by default, and has a size: a detached loop device keeps its counters but
// has size 0 (as `feedbench devices` leaves it out without --all); --device still names one.
std::vector<std::string> DefaultDevices(const std::vector<DiskCounters>& snapshot) {
  std::vector<std::string> names;
  for (const BlockDevice& device : ListBlockDevices()) {
    if (device.is_partition) continue;
    if (FingerprintDevice(device).size_bytes == 0) continue;
    const DiskCounters* c = FindDevice(snapshot, device.name);
    if (c != nullptr && c->read_ios + c->write_ios + c->discard_ios + c->flush_ios > 0) {
      names.push_back(device.name);
    }
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
  const DiskstatsSnapshot snapshot = ReadProcDiskstats();
  for (const std::string& path : options.paths) add(DeviceBehindPath(path));
  for (const std::string& device : options.devices) {
    std::string name = DeviceFromFlag(device);
    if (FindDevice(snapshot.devices, name) == nullptr) {
      for (const LineProblem& problem : snapshot.problems) {
        if (problem.device == name && problem.skipped) {
          throw EnvironmentError(fmt::format("--device {}: /proc/diskstats: line {}: {}", device,
                                             problem.line, problem.message));
        }
      }
      std::vector<std::string> known;
      for (const DiskCounters& c : snapshot.devices) known.push_back(c.name);
      throw UsageError(fmt::format("--device {}: no device '{}' in /proc/diskstats (it has: {})",
                                   device, name, fmt::join(known, ", ")));
    }
    add(std::move(name));
  }
  return names.empty() ? DefaultDevices(snapshot.devices) : names;
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

// Where live rows go: a FILE* shared by the sampling thread (rows), the main thread (messages) and
// the relay's thread (the command's output passed on, and notes). The command's bytes and
// feedbench's own lines are written under one lock, so that neither cuts into the other; when the
// command left the stream mid-line (a partial last line, a progress bar), feedbench's next own
// line starts on a new line.
class LiveOutput {
 public:
  explicit LiveOutput(FILE* out) : out_(out), repeat_header_(::isatty(::fileno(out)) != 0) {}

  // Adds the accelerator's latest reading as a last column. REQUIRES: before the first row.
  void ShowAccelerator(AcceleratorSampler* accelerator) { accelerator_ = accelerator; }

  void Row(const SampleRow& row) {
    const std::optional<double> accel =
        accelerator_ != nullptr ? accelerator_->LatestMeanPct() : std::nullopt;
    std::lock_guard lock(mutex_);
    NewLineIfMidLine();
    if (rows_ % kHeaderEvery == 0 && (rows_ == 0 || repeat_header_)) {
      std::fprintf(out_, "%s\n", LiveHeader(accelerator_ != nullptr).c_str());
    }
    ++rows_;
    std::fprintf(out_, "%s\n", LiveRow(row, accelerator_ != nullptr, accel).c_str());
    std::fflush(out_);
  }
  void Text(const std::string& text) {
    std::lock_guard lock(mutex_);
    NewLineIfMidLine();
    std::fputs(text.c_str(), out_);
    std::fflush(out_);
  }
  // Passes the command's bytes on to feedbench's `fd` (1 or 2); false when it is gone (EPIPE).
  bool Forward(int fd, std::string_view bytes) {
    std::lock_guard lock(mutex_);
    if (!WriteAllTo(fd, bytes)) return false;
    if (fd == ::fileno(out_) && !bytes.empty()) mid_line_ = bytes.back() != '\n';
    return true;
  }

 private:
  void NewLineIfMidLine() {
    if (!mid_line_) return;
    std::fputc('\n', out_);
    mid_line_ = false;
  }

  static constexpr uint64_t kHeaderEvery = 40;
  FILE* out_;
  bool repeat_header_;
  AcceleratorSampler* accelerator_ = nullptr;  // null: no accelerator column
  std::mutex mutex_;
  uint64_t rows_ = 0;
  bool mid_line_ = false;  // the command's last bytes on out_ did not end a line
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
  if (options.marks.size() > 1) {
    throw UsageError(fmt::format(
        "--mark given {} times; expected one regular expression (join alternatives with |, "
        "e.g. --mark 'Epoch \\d+|Validation')",
        options.marks.size()));
  }
  if (options.logs.size() > 1) {
    throw UsageError(fmt::format("--log given {} times; expected one log file to follow",
                                 options.logs.size()));
  }
  if (!options.logs.empty()) {
    std::error_code ec;
    if (std::filesystem::is_directory(options.logs.front(), ec)) {
      throw UsageError(fmt::format(
          "--log {}: is a directory; expected a file the job writes (it may not exist yet)",
          options.logs.front()));
    }
  }
  if (options.log_wait_sec) {
    if (options.logs.empty()) throw UsageError("--log-wait: given without --log; expected both");
    if (!std::isfinite(*options.log_wait_sec) || *options.log_wait_sec <= 0) {
      throw UsageError(fmt::format("--log-wait: {} is not a positive number of seconds",
                                   *options.log_wait_sec));
    }
  }
}

// The command keeps the terminal's stdin, the foreground process group and the descriptors
// feedbench inherited, and starts with the signal mask feedbench had before it blocked its own. Its
// stdout and stderr are pipes that the relay passes on. A pipe makes Python buffer its stdout in 8
// KiB blocks, so a job's "Epoch 2" would arrive (and be stamped) late: PYTHONUNBUFFERED=1 is set
// unless the environment already sets it.
SpawnOptions CommandSpawnOptions(const std::vector<std::string>& command, const sigset_t& mask) {
  SpawnOptions spawn;
  spawn.argv = command;
  spawn.inherit_other_fds = true;
  spawn.signal_mask = mask;
  spawn.capture_stdout = true;
  spawn.capture_stderr = true;
  if (std::getenv("PYTHONUNBUFFERED") == nullptr) {
    spawn.extra_environment.push_back("PYTHONUNBUFFERED=1");
  }
  return spawn;
}

double SecondsSince(std::chrono::steady_clock::time_point origin,
                    std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(t - origin).count();
}

// The phases the marks make, each with its diagnosis per device and its accelerator mean.
std::vector<MonitorPhase> JudgePhases(const std::vector<SampleRow>& rows,
                                      const std::vector<WindowSummary>& summaries,
                                      const std::vector<Mark>& marks,
                                      const DiagnosisThresholds& thresholds,
                                      std::map<std::string, DeviceTraits>& traits,
                                      const AcceleratorWindow& accelerator) {
  std::vector<MonitorPhase> judged;
  for (Phase& phase : SplitPhases(rows, summaries, marks)) {
    MonitorPhase p;
    for (const WindowSummary& s : phase.summaries) {
      const SignTally tally = TallyPhase(phase, rows, s.device, thresholds, traits[s.device]);
      p.diagnoses.push_back(Diagnose(s.device, s.figures, tally, thresholds, traits[s.device]));
    }
    p.accelerator_util_pct =
        MeanUtilization(accelerator.rows, phase.start_offset_sec, phase.end_offset_sec);
    p.phase = std::move(phase);
    judged.push_back(std::move(p));
  }
  return judged;
}

// The phase table with at most kPhasesShown phases: the first and the last half of them.
std::string ShownPhasesText(MonitorRun run) {
  if (run.phases.size() <= kPhasesShown) return PhasesText(run);
  const size_t total = run.phases.size();
  std::vector<MonitorPhase> first(run.phases.begin(), run.phases.begin() + kPhasesShown / 2);
  std::vector<MonitorPhase> last(run.phases.end() - kPhasesShown / 2, run.phases.end());
  run.phases = std::move(first);
  std::string text = PhasesText(run);
  text += fmt::format("  ... {} phases more (every phase is in --json)\n", total - kPhasesShown);
  run.phases = std::move(last);
  const std::string tail = PhasesText(run);
  // Without its heading lines: the table goes on.
  size_t cut = 0;
  for (int i = 0; i < 2 && cut != std::string::npos; ++i) cut = tail.find('\n', cut) + 1;
  return text + tail.substr(cut);
}

// The main thread sleeps in sigtimedwait: SIGCHLD, SIGINT and SIGTERM wake it. The timeout is
// only a safety net (and the --duration deadline); a short one would cost wake-ups.
constexpr std::chrono::milliseconds kSafetyPoll{10'000};

int RunMonitor(const MonitorOptions& options) {
  Validate(options);
  const DiagnosisThresholds thresholds = LoadThresholds(options.thresholds_path);
  const std::optional<ReadCeiling> ceiling =
      options.ceiling_path.empty() ? std::nullopt
                                   : std::optional(LoadCeiling(options.ceiling_path));
  std::optional<MarkPattern> mark_pattern;
  if (!options.marks.empty()) mark_pattern.emplace(options.marks.front());
  const std::vector<std::string> devices = ResolveDevices(options);
  // The diagnosis counts each device's rows as they come (on the sampling thread), so that it
  // needs no rows kept.
  std::map<std::string, DeviceTraits> traits;
  std::map<std::string, SignTally> tallies;
  bool ceiling_used = false;
  for (const std::string& d : devices) {
    traits[d] = TraitsOf(d, ceiling);
    ceiling_used |= traits[d].read_ceiling_bytes_per_sec.has_value();
  }
  if (ceiling && !ceiling_used) {
    throw UsageError(fmt::format(
        "--ceiling {}: measured on {}, which is not among the devices monitored ({})",
        options.ceiling_path, ceiling->device, fmt::join(devices, ", ")));
  }
  const bool with_command = !options.command.empty();
  const bool with_log = !options.logs.empty();
  const bool with_json = !options.json_path.empty();
  // Phases need the rows; so do the files.
  const bool keep_rows = !options.csv_path.empty() || with_json || mark_pattern.has_value();

  LiveOutput live(with_command ? stderr : stdout);
  const bool nvidia_smi = FindProgram(kNvidiaSmi).has_value();
  std::optional<AcceleratorSampler> accelerator;
  if (nvidia_smi) {
    AcceleratorOptions accelerator_options;
    accelerator_options.interval = std::chrono::milliseconds(options.interval_ms);
    accelerator_options.on_note = [&live](const std::string& note) {
      live.Text(fmt::format("feedbench monitor: accelerator: {}\n", note));
    };
    accelerator.emplace(std::move(accelerator_options));
    live.ShowAccelerator(&*accelerator);
  }

  // Blocked before any thread starts, so that no thread takes these asynchronously.
  BlockedSignals signals;
  SamplerOptions sampler_options;
  sampler_options.devices = devices;
  sampler_options.interval = std::chrono::milliseconds(options.interval_ms);
  sampler_options.keep_rows = keep_rows;
  sampler_options.on_row = [&](const SampleRow& row) {
    tallies[row.device].Add(row, thresholds, traits[row.device]);  // only this thread, until Stop
    live.Row(row);
  };
  sampler_options.on_note = [&live](const std::string&, const std::string& note) {
    live.Text(fmt::format("feedbench monitor: note: {}\n", note));
  };
  Sampler sampler(std::move(sampler_options));  // checks the devices are in /proc/diskstats

  // The job's lines: kept for --json, searched for --mark. Touched by the relay's thread only
  // until relay->Finish().
  JobLog job_log(mark_pattern, with_json ? kJobLogKeptLines : 0, kMaxMarks);
  const bool record_lines = with_json || mark_pattern.has_value();
  bool said_too_many_marks = false;

  live.Text(fmt::format(
      "feedbench monitor: sampling {} every {} ms{}{}\n", fmt::join(devices, ", "),
      options.interval_ms,
      with_command ? fmt::format(" while running {}", options.command[0]) : std::string(),
      with_log ? fmt::format(", following {}", options.logs.front()) : std::string()));
  sampler.Start();
  const auto origin = sampler.start_time();
  if (accelerator) {
    accelerator->Start(origin, sampler.start_wall());
  }

  OutputRelayOptions relay_options;
  relay_options.forward = [&live](OutputSource source, std::string_view bytes) {
    return live.Forward(source == OutputSource::kStdout ? STDOUT_FILENO : STDERR_FILENO, bytes);
  };
  if (with_log) {
    relay_options.log_file = options.logs.front();
    relay_options.log_wait = std::chrono::milliseconds(static_cast<int64_t>(
        std::llround(options.log_wait_sec.value_or(kDefaultLogWaitSec) * 1000)));
  }
  relay_options.origin = origin;
  relay_options.on_line = [&](const RelayedLine& line) {
    if (!record_lines) return;
    job_log.Add(line.source, line.text, SecondsSince(origin, line.read_time), line.read_wall);
    if (job_log.matched_lines() > kMaxMarks && !said_too_many_marks) {
      said_too_many_marks = true;
      live.Text(fmt::format(
          "feedbench monitor: --mark: more than {} lines matched; the later ones make no phase "
          "(a narrower regex, such as '^Epoch \\d+$', marks fewer)\n",
          kMaxMarks));
    }
  };
  relay_options.on_note = [&live](const std::string& note) {
    live.Text(fmt::format("feedbench monitor: --log: {}\n", note));
  };

  MonitorRun run;
  run.interval = std::chrono::milliseconds(options.interval_ms);
  run.devices = devices;
  run.command = options.command;
  int exit_code = kExitOk;
  siginfo_t info{};
  std::optional<OutputRelay> relay;
  std::vector<WindowSummary> summaries;
  AcceleratorWindow accelerator_window;
  auto stop_sampling = [&] {
    summaries = sampler.Stop();
    if (accelerator) accelerator_window = accelerator->Stop();
  };
  if (with_command) {
    std::optional<ChildProcess> child;
    try {
      child.emplace(CommandSpawnOptions(options.command, signals.previous()));
    } catch (const SpawnError& e) {
      stop_sampling();
      const int err = e.error_number();
      std::fprintf(stderr, "feedbench: monitor: %s: %s\n", options.command[0].c_str(),
                   err == ENOENT ? "command not found" : std::strerror(err));
      return err == ENOENT ? 127 : 126;  // as a shell does
    }
    relay_options.child_stdout = child->TakeStdout();
    relay_options.child_stderr = child->TakeStderr();
    relay.emplace(std::move(relay_options));
    relay->Start();
    std::optional<ChildExit> status;
    while (!(status = child->TryWait())) {
      const int sig = signals.Wait(kSafetyPoll, info);
      // Forward a signal sent to feedbench (kill, a job scheduler). One typed at the terminal
      // (SI_KERNEL) already reached the command, which is in the same foreground process group.
      if ((sig == SIGINT || sig == SIGTERM) && info.si_code != SI_KERNEL) child->Signal(sig);
    }
    exit_code = status->ShellStatus();
    run.exit_status = exit_code;
    stop_sampling();
    // What the command wrote just before it exited is still in the pipes: passed on (and
    // stamped) now, before the summary.
    relay->Finish(kDrainAfterExit);
  } else {
    if (with_log) {
      relay.emplace(std::move(relay_options));
      relay->Start();
    }
    const auto start = std::chrono::steady_clock::now();
    const std::optional<std::chrono::steady_clock::time_point> deadline =
        options.duration_sec
            ? std::optional(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double>(*options.duration_sec)))
            : std::nullopt;
    for (;;) {
      std::chrono::milliseconds wait = kSafetyPoll;
      if (deadline) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            *deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) break;
        wait = std::min(wait, left);
      }
      const int sig = signals.Wait(wait, info);
      if (sig == SIGINT || sig == SIGTERM) break;
    }
    stop_sampling();
    if (relay) relay->Finish(0ms);
  }

  run.thresholds = thresholds;
  for (const WindowSummary& s : summaries) {
    run.diagnoses.push_back(
        Diagnose(s.device, s.figures, tallies[s.device], thresholds, traits[s.device]));
  }
  if (relay) run.log_file = relay->log_file_report();
  run.log = job_log.Lines();
  run.log_lines_total = job_log.total_lines();
  run.log_lines_omitted = job_log.omitted_lines();
  if (mark_pattern) {
    run.mark_regex = mark_pattern->regex();
    run.mark_names_from_group = mark_pattern->names_from_group();
    run.marks_matched = job_log.matched_lines();
    run.phases = JudgePhases(sampler.Rows(), summaries, job_log.marks(), thresholds, traits,
                             accelerator_window);
  }
  run.accelerator.window = std::move(accelerator_window);
  if (!nvidia_smi) {
    run.accelerator.window.reason = fmt::format("{} not on PATH", kNvidiaSmi);
  }
  run.accelerator.mean_util_pct =
      MeanUtilization(run.accelerator.window.rows, -1, std::numeric_limits<double>::infinity());
  run.accelerator.gpu_mean_util_pct = MeanUtilizationByGpu(run.accelerator.window.rows);

  live.Text("feedbench monitor: window summary\n" + SummaryText(summaries) +
            DiagnosisText(run.diagnoses, thresholds) + AcceleratorText(run.accelerator) +
            ShownPhasesText(run));
  if (!options.csv_path.empty()) WriteFileAtomic(options.csv_path, MonitorCsv(sampler.Rows()));
  if (with_json) {
    // The job's lines may hold bytes that are not UTF-8: written as U+FFFD rather than refused.
    WriteFileAtomic(options.json_path,
                    MonitorJson(run, sampler.Rows(), summaries)
                            .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                        "\n");
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
      "Without --device or --path: every whole disk that has done I/O (as iostat lists) and has a\n"
      "size (detached loop devices, size 0, only with --device).\n"
      "Without a command: runs for --duration, or until Ctrl-C (SIGINT) or SIGTERM; exit 0.\n"
      "With a command (after --): samples until it exits, forwards SIGINT/SIGTERM to it and\n"
      "exits with its status (128+N if killed by signal N, 127 if not found).\n"
      "Live rows go to stdout, or to stderr when a command runs (its stdout stays its own);\n"
      "the window summary (exact totals from the first and last sample) follows them, then a\n"
      "diagnosis per device: saturated, queueing, deep queue, far below the ceiling and many\n"
      "small reads, each with its numbers, the share of intervals it held and its threshold,\n"
      "and one line of advice. The exit status stays the command's.\n"
      "The job's log on the same clock: the command's stdout and stderr are passed through\n"
      "unchanged, line by line (through pipes: PYTHONUNBUFFERED=1 is set unless already set),\n"
      "and each line is stamped (UTC, ms, seconds from the window's start) into --json's \"log\".\n"
      "  feedbench monitor --path /data --mark 'Epoch \\d+' --json io.json -- python train.py\n"
      "gives one phase per epoch (and 'before first mark'), with its own figures and verdicts.\n"
      "With nvidia-smi on PATH the GPUs' utilisation is sampled beside the disk.");
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
  sub->add_option("--thresholds", options->thresholds_path,
                  "Diagnosis thresholds from this JSON file, e.g. {\"await_queueing_ms\": 30}; "
                  "the keys left out keep their defaults (printed with the diagnosis)");
  sub->add_option("--ceiling", options->ceiling_path,
                  "Results of `feedbench fio` on a monitored device: its read ceiling, for the "
                  "'far below the ceiling' sign");
  sub->add_option("--mark", options->marks,
                  "An ECMAScript regex searched in each line of the command's output and of --log "
                  "(e.g. 'Epoch \\d+'): each matching line starts a phase, named after the match "
                  "(or its first capture group), ended by the next; the summary and --json get "
                  "each phase's I/O figures and verdicts. Once; join alternatives with |")
      ->allow_extra_args(false)
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)  // repeated: refused by Validate
      ->type_name("REGEX");
  sub->add_option("--log", options->logs,
                  "Follow this log file the job writes (from its first byte, through truncation "
                  "and rotation): its lines are stamped into --json's log and searched by --mark. "
                  "It may appear later (see --log-wait). With or without a command")
      ->allow_extra_args(false)
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)  // repeated: refused by Validate
      ->type_name("FILE");
  sub->add_option("--log-wait", options->log_wait_sec,
                  "Seconds to wait for the --log file to appear before going on without it "
                  "(said on stderr and in --json, not an error); default 30")
      ->type_name("SECONDS");
  sub->add_option("command", options->command, "The command to run and watch, after --");
  sub->callback([options, &action] { action = [options] { return RunMonitor(*options); }; });
}

}  // namespace feedbench
