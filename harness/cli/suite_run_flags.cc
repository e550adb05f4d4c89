#include "harness/cli/suite_run_flags.h"

#include <fmt/format.h>

#include "harness/base/errors.h"

#include "harness/os/data_dir.h"

namespace feedbench {

void AddSuiteRunFlags(CLI::App& sub, SuiteRunFlags& flags) {
  sub.add_option("--suite", flags.suite,
                 "Shipped suite name (smoke, ci, layouts, qualify) or a suite JSON file")
      ->capture_default_str();
  sub.add_option("--data-dir", flags.data_dir,
                 "Where datasets are generated (default $TMPDIR/feedbench-data, or /var/tmp/feedbench-data without TMPDIR); must be empty, "
                 "new, or feedbench's own");
  sub.add_option("--out", flags.out,
                 "Results file (default results/<suite>-<host>-<UTC timestamp>.json), and its "
                 "timeline beside it; its folder may be new if its parent exists (made when "
                 "written, as for every output path); checked, with room for the results, before "
                 "anything runs");
  sub.add_option("--repetitions", flags.repetitions,
                 "Repetitions per workload (overrides the suite)");
  sub.add_option("--filter", flags.filter, "Run only workloads whose name matches this regex");
  sub.add_option("--cache", flags.cache, "cold (drop caches before each repetition) or warm");
  sub.add_option("--interval-ms", flags.interval_ms, "diskstats sampling interval, 1..60000 ms")
      ->capture_default_str();
  sub.add_option("--tmpfs-dir", flags.tmpfs_dir, "Where the tmpfs layout is staged; with a tmpfs workload, checked (a writable directory "
                 "with room) before anything is generated")
      ->capture_default_str();
  sub.add_option("--schedule", flags.schedule,
                 "Order of the repetitions: interleaved (rounds of one repetition per workload, in "
                 "a fresh random order each round, so the node's drift spreads over all "
                 "workloads) or grouped (all of a workload's repetitions, then the next)")
      ->capture_default_str();
  sub.add_option("--probe", flags.probe,
                 "A short fio run of each reader workload's own pattern on its own dataset right "
                 "before each cold repetition, its ceiling (probe_bytes_per_second, "
                 "probe_efficiency_pct): auto (when fio is on PATH), on (exit 3 without fio), off")
      ->capture_default_str();
  sub.add_option("--probe-seconds", flags.probe_seconds, "Length of each probe, 0.5..60 s")
      ->capture_default_str();
  sub.add_option("--warm-control", flags.warm_control,
                 "After each cold repetition of a reader workload, read the same samples again "
                 "from the page cache (warm_samples_per_second, warm_efficiency_pct): the "
                 "loader's own speed on the node at that moment, which the gate uses to tell a "
                 "slower device from a slower node: on or off")
      ->capture_default_str();
  sub.add_flag("--keep-data", flags.keep_data,
               "Keep generated datasets and the fio test file for the next run (default: remove "
               "them afterwards; a dataset whose generation was interrupted by SIGINT or SIGTERM "
               "is removed either way)");
}

RunRequest ToRunRequest(const SuiteRunFlags& flags, const CLI::App& sub) {
  RunRequest request;
  request.data_dir =
      flags.data_dir.empty() ? DefaultDataDir() : std::filesystem::path(flags.data_dir);
  if (sub.count("--repetitions")) request.repetitions = flags.repetitions;
  if (sub.count("--filter")) request.filter = flags.filter;
  if (sub.count("--cache")) request.cache = flags.cache;
  request.interval_ms = flags.interval_ms;
  request.keep_data = flags.keep_data;
  request.quiet = flags.quiet;
  request.tmpfs_dir = flags.tmpfs_dir;
  request.schedule = ParseSchedule(flags.schedule);
  request.probe = ParseProbeMode(flags.probe);
  request.probe_sec = flags.probe_seconds;
  if (flags.warm_control != "on" && flags.warm_control != "off") {
    throw UsageError(fmt::format("--warm-control {}: expected on or off", flags.warm_control));
  }
  request.warm_control = flags.warm_control == "on";
  return request;
}

}  // namespace feedbench
