// `feedbench fio`: fio's raw ceiling alone — the chosen profiles as a suite of fio workloads, run
// by the same runner into the same Google Benchmark JSON as `feedbench run`.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/time_format.h"
#include "harness/cli/commands.h"
#include "harness/cli/run_pipeline.h"
#include "harness/os/data_dir.h"
#include "harness/report/console_table.h"
#include "harness/results/results.h"
#include "harness/suite/suite.h"
#include "workloads/fio/fio.h"
#include "workloads/fio/fio_profiles.h"
#include "workloads/fio/fio_workload.h"

namespace feedbench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct FioFlags {
  std::vector<std::string> profiles;
  std::string suite = "smoke";
  std::string data_dir;
  std::string out;
  double runtime_s = 10;
  double ramp_s = 2;
  std::string size = "1GiB";
  std::string block_size;
  double time_limit_s = 0;
  int jobs = 0;
  int repetitions = 1;
  int interval_ms = 100;
  bool keep_data = false;
  bool quiet = false;
};

// A workload name for a profile: built-in names as they are, a .fio file by its stem with any
// character a workload name may not hold replaced.
std::string WorkloadName(const std::string& profile) {
  std::string name = IsBuiltinFioProfile(profile) ? profile : fs::path(profile).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '_';
  }
  return name.empty() ? "fio" : name;
}

// The fio options the flags give, as a suite's "options" object.
json FioOptions(const FioFlags& flags, const CLI::App& sub) {
  json options{{"runtime_s", flags.runtime_s}, {"ramp_s", flags.ramp_s}, {"size", flags.size}};
  if (!flags.block_size.empty()) options["block_size"] = flags.block_size;
  if (sub.count("--time-limit-s")) options["time_limit_s"] = flags.time_limit_s;
  if (sub.count("--jobs")) options["jobs"] = flags.jobs;
  return options;
}

// Checks the flags' fio options as a suite's are checked, naming the flag of a bad value
// ("--runtime-s 0: ..."), not the suite key the flag became: the user passed no suite options.
void CheckFioOptionFlags(const FioFlags& flags, const CLI::App& sub) {
  static const std::map<std::string, std::string> kFlagOfKey{
      {"runtime_s", "--runtime-s"},   {"ramp_s", "--ramp-s"}, {"size", "--size"},
      {"block_size", "--block-size"}, {"jobs", "--jobs"},     {"time_limit_s", "--time-limit-s"}};
  FioWorkloadOptions checked;
  ApplyFioSuiteOptions(FioOptions(flags, sub), "command line", checked, kFlagOfKey);
}

// The suite `feedbench fio` runs: the dataset of --suite (smallfile reads its files layout) and one
// fio workload per profile.
Suite FioSuite(const FioFlags& flags, const CLI::App& sub) {
  Suite suite = LoadSuite(flags.suite);
  suite.name = "fio";
  suite.description = fmt::format("fio profiles (dataset of suite {})", flags.suite);
  suite.workloads.clear();
  std::vector<std::string> profiles;
  for (const auto& p : flags.profiles.empty() ? std::vector<std::string>{"all"} : flags.profiles) {
    if (p == "all") {
      for (auto name : BuiltinFioProfiles()) profiles.emplace_back(name);
    } else {
      profiles.push_back(p);
    }
  }
  const json options = FioOptions(flags, sub);
  for (const auto& profile : profiles) {
    const std::string name = WorkloadName(profile);
    for (const auto& existing : suite.workloads) {
      if (existing.name == name) {
        throw UsageError(fmt::format("--profile {}: given twice", profile));
      }
    }
    RunSettings settings = suite.defaults;
    settings.repetitions = flags.repetitions;
    suite.workloads.push_back(
        MakeFioSuiteWorkload(name, profile, options, settings,
                             fmt::format("{}: workload {} options", suite.source, name)));
  }
  return suite;
}

// How fio ran each workload (its last repetition's notes), each note once: one that every
// workload shares is printed under "all".
void PrintFioNotes(const SuiteRun& run) {
  std::vector<std::pair<std::string, const std::vector<std::string>*>> notes;
  for (const WorkloadRun& w : run.workloads) {
    for (auto it = w.measurements.rbegin(); it != w.measurements.rend(); ++it) {
      if (!it->tool_run) continue;
      notes.emplace_back(w.workload.name, &it->tool_run->notes);
      break;
    }
  }
  const int fio_workloads = static_cast<int>(notes.size());
  std::map<std::string, int> times;
  for (const auto& [name, list] : notes) {
    for (const auto& note : *list) ++times[note];
  }
  for (const auto& [name, list] : notes) {
    for (const auto& note : *list) {
      if (fio_workloads > 1 && times[note] == fio_workloads) continue;
      fmt::print("  {}: {}\n", name, note);
    }
  }
  for (const auto& [note, n] : times) {
    if (fio_workloads > 1 && n == fio_workloads) fmt::print("  all: {}\n", note);
  }
}

int Run(const FioFlags& flags, const CLI::App& sub) {
  if (flags.repetitions < 1 || flags.repetitions > 1000) {
    throw UsageError(
        fmt::format("--repetitions {}: expected an integer in [1, 1000]", flags.repetitions));
  }
  CheckFioOptionFlags(flags, sub);
  FioVersion();  // fio missing: say how to install it before anything but bad flags
  const Suite suite = FioSuite(flags, sub);
  RunRequest request;
  request.data_dir = flags.data_dir.empty() ? DefaultDataDir() : fs::path(flags.data_dir);
  request.interval_ms = flags.interval_ms;
  request.keep_data = flags.keep_data;
  request.quiet = flags.quiet;
  ValidateRequest(suite, request);

  const fs::path out = CheckedResultsPath(flags.out, suite, request);

  const PipelineOutput output = RunRecordWrite(suite, request, out);
  if (!flags.quiet) {
    fmt::print("\n{}", RenderFioTable(SummarizeResults(output.recorded.model)));
    PrintFioNotes(output.run);
    fmt::print("\nfio profiles in {:.1f} s; results: {} (timeline: {})\n", output.recorded.wall_sec,
               out.string(), output.timeline_path.string());
  } else {
    fmt::print("{}\n", out.string());
    // Without the table, the one line that says why the exit is 1.
    if (output.recorded.any_failed) {
      fmt::print(stderr, "feedbench: {}\n", FailureLine(output.recorded.model));
    }
  }
  return output.recorded.any_failed ? kExitFailed : kExitOk;
}

}  // namespace

void AddFioCommand(CLI::App& app, CommandAction& action) {
  auto flags = std::make_shared<FioFlags>();
  auto* sub = app.add_subcommand(
      "fio",
      "Measure the storage's raw ceiling with fio: each profile reads a test file in the data\n"
      "directory (or, for smallfile, the suite's files dataset), never a raw device, with\n"
      "diskstats sampled beside fio's own disk_util; results as Google Benchmark JSON.");
  sub->add_option("--profile", flags->profiles,
                  "seq-read, rand-read-4k-qd32, rand-read-4k-qd1, smallfile, all (default), or a "
                  ".fio job file; repeatable");
  sub->add_option("--suite", flags->suite,
                  "Suite whose dataset smallfile reads (shipped name or suite JSON file)")
      ->capture_default_str();
  sub->add_option("--data-dir", flags->data_dir,
                  "Where the test file and dataset go (default $TMPDIR/feedbench-data, or /var/tmp/feedbench-data without TMPDIR); must be "
                  "empty, new, or feedbench's own");
  sub->add_option("--out", flags->out,
                  "Results file (default results/fio-<host>-<UTC timestamp>.json); its folder "
                  "may be new if its parent exists (made when written, as for every output path)");
  sub->add_option("--runtime-s", flags->runtime_s, "Measured seconds per profile")
      ->capture_default_str();
  sub->add_option("--ramp-s", flags->ramp_s, "Seconds of ramp before measuring")
      ->capture_default_str();
  sub->add_option("--size", flags->size,
                  "Test file size, with a unit (KiB, MiB, GiB, kB, ...); also laid out for a .fio "
                  "job file that reads filename=fio-testfile")
      ->capture_default_str();
  sub->add_option("--block-size", flags->block_size,
                  "smallfile block size, a multiple of 4KiB (default: the largest power of two "
                  "not above the smallest file)");
  sub->add_option("--jobs", flags->jobs,
                  "smallfile's parallel readers (default: 16, or the suite's workers if more)");
  sub->add_option("--time-limit-s", flags->time_limit_s,
                  "Stop fio after this many seconds (default: ramp + runtime + 120)");
  sub->add_option("--repetitions", flags->repetitions, "Repetitions per profile")
      ->capture_default_str();
  sub->add_option("--interval-ms", flags->interval_ms, "diskstats sampling interval, 1..60000 ms")
      ->capture_default_str();
  sub->add_flag("--keep-data", flags->keep_data,
                "Keep the test file and dataset for the next run (default: remove them)");
  sub->add_flag("--quiet", flags->quiet,
                "No progress or table; print only the results path (and, when it exits 1, why, "
                "in one line on stderr)");
  sub->callback([&action, flags, sub] { action = [flags, sub] { return Run(*flags, *sub); }; });
}

}  // namespace feedbench
