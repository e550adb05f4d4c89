// `feedbench fio`: fio's raw ceiling alone — the chosen profiles as a suite of fio workloads, run
// by the same runner into the same Google Benchmark JSON as `feedbench run`.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/statistics.h"
#include "harness/base/time_format.h"
#include "harness/base/units.h"
#include "harness/cli/commands.h"
#include "harness/cli/run_pipeline.h"
#include "harness/measure/fingerprint.h"
#include "harness/os/data_dir.h"
#include "harness/report/console_table.h"
#include "harness/results/results.h"
#include "harness/suite/suite.h"
#include "harness/suite/suite_run.h"
#include "workloads/fio/fio.h"
#include "workloads/fio/fio_clients.h"
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
  std::string clients;  // a hostfile: run on those fio servers (workloads/fio/fio_clients.h)
  std::string remote_dir = std::string(kFioRemoteDirDefault);
  double connect_timeout_s = 5;
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
// Returns them parsed.
FioWorkloadOptions CheckFioOptionFlags(const FioFlags& flags, const CLI::App& sub) {
  static const std::map<std::string, std::string> kFlagOfKey{
      {"runtime_s", "--runtime-s"},   {"ramp_s", "--ramp-s"}, {"size", "--size"},
      {"block_size", "--block-size"}, {"jobs", "--jobs"},     {"time_limit_s", "--time-limit-s"}};
  FioWorkloadOptions checked;
  ApplyFioSuiteOptions(FioOptions(flags, sub), "command line", checked, kFlagOfKey);
  return checked;
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

// `feedbench fio --clients HOSTFILE`: the device profiles on every fio server at once, each
// repetition of each profile one fio client run, recorded as a run whose figures are the
// aggregate and whose context.feedbench.fio_clients holds each server's.
int RunClients(const FioFlags& flags, const CLI::App& sub) {
  for (const char* flag : {"--block-size", "--jobs", "--suite", "--data-dir", "--interval-ms"}) {
    if (sub.count(flag)) {
      throw UsageError(fmt::format(
          "{}: does not apply with --clients (the servers read a test file of their own; no "
          "dataset, and no device of this node is sampled)",
          flag));
    }
  }
  if (!(flags.connect_timeout_s >= 0.1 && flags.connect_timeout_s <= 600)) {
    throw UsageError(fmt::format("--connect-timeout-s {:g}: expected seconds from 0.1 to 600",
                                 flags.connect_timeout_s));
  }
  CheckFioRemoteDir(flags.remote_dir, "--remote-dir");
  std::vector<std::string> profiles;
  for (const auto& p : flags.profiles.empty() ? std::vector<std::string>{"all"} : flags.profiles) {
    if (p == "all") {
      for (auto name : BuiltinFioProfiles()) {
        if (FioProfileUsesTestFile(name)) profiles.emplace_back(name);
      }
    } else if (!FioProfileUsesTestFile(p)) {
      throw UsageError(fmt::format(
          "--profile {}: with --clients, only the device profiles run (seq-read, "
          "rand-read-4k-qd32, rand-read-4k-qd1); smallfile and job files read files on this node",
          p));
    } else {
      profiles.push_back(p);  // one given twice: FioSuite refuses it
    }
  }
  const std::vector<FioServer> servers = LoadFioHostfile(flags.clients, flags.remote_dir);
  const FioWorkloadOptions checked = CheckFioOptionFlags(flags, sub);
  FioVersion();

  FioFlags suite_flags = flags;
  suite_flags.profiles = profiles;
  Suite suite = FioSuite(suite_flags, sub);
  suite.description = fmt::format("fio profiles on {} fio server{} ({})", servers.size(),
                                  servers.size() == 1 ? "" : "s", flags.clients);
  RunRequest request;
  request.quiet = flags.quiet;
  request.data_dir = DefaultDataDir();
  const fs::path out = CheckedResultsPath(flags.out, suite, request);
  const auto connect_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(std::llround(flags.connect_timeout_s * 1000)));
  if (!flags.quiet) {
    fmt::print(stderr, "checking {} fio server{} from {} (connect timeout {:g} s)\n",
               servers.size(), servers.size() == 1 ? "" : "s", flags.clients,
               flags.connect_timeout_s);
  }
  CheckFioServersAnswer(servers, flags.clients, connect_timeout);
  // fio's job files and output stay beside the results: <results stem>.fio-clients/.
  const fs::path work_dir = fs::path(out).replace_extension(".fio-clients");
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  if (ec) {
    throw EnvironmentError(fmt::format("cannot create {} for fio's job files and output: {}",
                                       work_dir.string(), ec.message()));
  }

  SuiteRun run;
  run.suite = suite;
  run.cache_mode = "direct";
  run.interval_ms = 0;
  run.started_utc = UtcIsoMillis(std::chrono::system_clock::now());
  const auto started = std::chrono::steady_clock::now();
  run.fingerprint.machine = FingerprintMachine();
  {
    std::string names;
    for (const auto& s : servers) names += (names.empty() ? "" : ", ") + s.Name();
    run.fingerprint.machine.fio_servers = names;
  }
  run.fingerprint.device.no_device_reason =
      "the fio servers' storage (context.feedbench.fio_clients)";
  json servers_json = json::array();
  for (const auto& s : servers) {
    servers_json.push_back(json{{"server", s.Name()},
                                {"host", s.host},
                                {"port", s.port},
                                {"dir", s.dir},
                                {"test_file", s.TestFile()},
                                {"hostfile_line", s.line}});
  }
  json per_workload = json::object();
  for (const SuiteWorkload& w : suite.workloads) {
    WorkloadRun wr;
    wr.workload = w;
    wr.repetitions = flags.repetitions;
    run.workloads.push_back(std::move(wr));
    per_workload[w.name] = json::array();
  }
  const int total = flags.repetitions * static_cast<int>(profiles.size());
  int done = 0;
  for (int rep = 0; rep < flags.repetitions; ++rep) {
    for (size_t i = 0; i < profiles.size(); ++i) {
      ++done;
      WorkloadRun& wr = run.workloads[i];
      if (!flags.quiet) {
        fmt::print(stderr, "[{}/{}] {} repetition {}/{} on {} fio server{}\n", done, total,
                   wr.workload.name, rep + 1, flags.repetitions, servers.size(),
                   servers.size() == 1 ? "" : "s");
      }
      FioClientsOptions options;
      options.profile = profiles[i];
      options.servers = servers;
      options.work_dir = work_dir;
      options.run_name = fmt::format("{}-{}", wr.workload.name, rep + 1);
      options.test_file_bytes = checked.test_file_bytes;
      options.ramp_sec = checked.ramp_sec;
      options.runtime_sec = checked.runtime_sec;
      options.time_limit = checked.time_limit;  // 0: fio's default
      options.remove_test_file = !flags.keep_data && done == total;
      const auto t0 = std::chrono::steady_clock::now();
      RepetitionMeasurement m;
      json entry;
      try {
        const FioClientsMeasurement measured = MeasureFioClients(options);
        m = measured.ToMeasurement();
        entry = json{{"repetition", rep + 1}, {"servers", measured.ServersJson()}};
      } catch (const RunError& e) {
        m.state = RepetitionState::kFailed;
        m.reason = fmt::format("io: {}", e.what());
        m.label = "fio clients";
        entry = json{{"repetition", rep + 1}, {"failed", e.what()}};
        if (!flags.quiet) fmt::print(stderr, "  failed: {}\n", e.what());
      }
      wr.run_sec += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      wr.measurements.push_back(std::move(m));
      per_workload[wr.workload.name].push_back(std::move(entry));
    }
  }
  run.finished_utc = UtcIsoMillis(std::chrono::system_clock::now());
  run.wall_sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  run.fio_clients = json{{"hostfile", fs::absolute(flags.clients).string()},
                         {"connect_timeout_s", flags.connect_timeout_s},
                         {"test_file_kept", flags.keep_data},
                         {"servers", std::move(servers_json)},
                         {"workloads", std::move(per_workload)}};

  const RecordedRun recorded = RecordRun(run, out.string());
  if (!flags.quiet) fmt::print(stderr, "writing results to {}\n", out.string());
  WriteRunFiles(recorded, out);
  if (!flags.quiet) {
    fmt::print("\n{}", RenderFioTable(SummarizeResults(recorded.model)));
    fmt::print("\nper server (median of the valid repetitions):\n");
    for (size_t i = 0; i < run.workloads.size(); ++i) {
      const WorkloadRun& wr = run.workloads[i];
      for (size_t k = 0; k < servers.size(); ++k) {
        std::vector<double> bw;
        for (const json& e : run.fio_clients["workloads"][wr.workload.name]) {
          if (e.contains("servers")) {
            bw.push_back(e["servers"][k]["bytes_per_second"].get<double>());
          }
        }
        if (bw.empty()) continue;
        fmt::print("  {:<20} {:<24} {}/s\n", wr.workload.name, servers[k].Name(),
                   FormatBytesIec(stats::Median(bw)));
      }
    }
    fmt::print("\nfio on {} server{} in {:.1f} s; results: {} (fio's files: {}){}\n",
               servers.size(), servers.size() == 1 ? "" : "s", run.wall_sec, out.string(),
               work_dir.string(),
               flags.keep_data ? "; test files kept on the servers" : "");
  } else {
    fmt::print("{}\n", out.string());
    if (recorded.any_failed) {
      fmt::print(stderr, "feedbench: {}\n", FailureLine(recorded.model));
    }
  }
  return recorded.any_failed ? kExitFailed : kExitOk;
}

int Run(const FioFlags& flags, const CLI::App& sub) {
  if (flags.repetitions < 1 || flags.repetitions > 1000) {
    throw UsageError(
        fmt::format("--repetitions {}: expected an integer in [1, 1000]", flags.repetitions));
  }
  if (!flags.clients.empty()) return RunClients(flags, sub);
  for (const char* flag : {"--remote-dir", "--connect-timeout-s"}) {
    if (sub.count(flag)) throw UsageError(fmt::format("{}: applies only with --clients", flag));
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
      "diskstats sampled beside fio's own disk_util; results as Google Benchmark JSON.\n"
      "With --clients HOSTFILE: the device profiles on every fio server listed (`fio --server`\n"
      "on each node), at once: the aggregate ceiling and each server's.\n"
      "Exit codes: 0 ok, 1 a profile failed, 2 bad input, 3 environment (fio missing, a fio\n"
      "server not answering, no space).");
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
                "Keep the test file and dataset for the next run (default: remove them); with "
                "--clients, the servers' test files");
  sub->add_option("--clients", flags->clients,
                  "Hostfile of fio servers (`fio --server` on each node; one HOST[:PORT] [DIR] "
                  "per line, port 8765 by default): run the device profiles on all of them at "
                  "once and report the aggregate and each server's ceiling");
  sub->add_option("--remote-dir", flags->remote_dir,
                  "With --clients: the directory on each server for its test file (fio lays it "
                  "out there; a hostfile line's DIR overrides it)")
      ->capture_default_str();
  sub->add_option("--connect-timeout-s", flags->connect_timeout_s,
                  "With --clients: how long each server has to accept a connection before the "
                  "run starts (exit 3 naming the silent ones)")
      ->capture_default_str();
  sub->add_flag("--quiet", flags->quiet,
                "No progress or table; print only the results path (and, when it exits 1, why, "
                "in one line on stderr)");
  sub->callback([&action, flags, sub] { action = [flags, sub] { return Run(*flags, *sub); }; });
}

}  // namespace feedbench
