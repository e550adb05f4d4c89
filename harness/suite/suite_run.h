// Running a suite: suite → plan → datasets → workload repetitions (sampled) → results model.
//
// RunSuite prepares the data directory and the suite's datasets (generated once, reused when the
// spec matches), turns each selected workload into a PlannedWorkload for the Google Benchmark
// runner, runs them, and returns the results document (Google Benchmark JSON with
// context.feedbench) and the sampled timelines. It writes nothing but datasets; writing results is
// the caller's (WriteRunFiles). Not reentrant (the runner is not).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "harness/results/efficiency.h"
#include "harness/suite/suite.h"

namespace feedbench {

struct RunRequest {
  std::filesystem::path data_dir;          // where datasets live (DataDir rules apply)
  std::optional<int> repetitions;          // overrides every workload's
  std::optional<std::string> filter;       // ECMAScript regex over workload names
  std::vector<std::string> only;           // if non-empty: run exactly these workloads
  std::optional<std::string> cache;        // "cold" | "warm": overrides the suite's
  int interval_ms = 100;                   // diskstats sampling interval
  bool keep_data = false;                  // keep generated datasets after the run
  bool quiet = false;                      // no progress on stderr
  std::filesystem::path tmpfs_dir = "/dev/shm";
};

struct SuiteRunOutput {
  nlohmann::json results;   // Google Benchmark JSON with context.feedbench
  nlohmann::json timeline;  // {"schema_version", "interval_ms", "workloads": {name: [[rows]...]}}
  bool any_failed = false;  // a repetition failed verification or hit an I/O error
  double wall_sec = 0;      // whole run including dataset preparation
  std::vector<Efficiency> efficiencies;  // also in context.feedbench.efficiency
};

// The workloads of `suite` that `request` selects, in suite order. Throws UsageError for an
// invalid --filter regex or a filter that matches nothing (listing the workload names).
std::vector<SuiteWorkload> SelectWorkloads(const Suite& suite, const RunRequest& request);

// Validates the request against the suite before any work (bad values → UsageError).
void ValidateRequest(const Suite& suite, const RunRequest& request);

SuiteRunOutput RunSuite(const Suite& suite, const RunRequest& request);

// Writes results and the timeline sidecar atomically; returns the timeline path.
std::filesystem::path WriteRunFiles(const SuiteRunOutput& output,
                                    const std::filesystem::path& results_path);

}  // namespace feedbench
