// The runner: workloads registered with Google Benchmark, one iteration per repetition.
//
// Each PlannedWorkload becomes one benchmark (RegisterBenchmark, UseManualTime, Iterations(1),
// Repetitions(n)); the time of a repetition is the workload's own wall time and its figures are
// user counters. The output is Google Benchmark's own JSON (per-repetition entries plus
// mean/median/stddev/cv aggregates), so Google Benchmark's compare.py and dashboards read it as is.
// A repetition with an error (cache contamination, failed verification, I/O error) is reported with
// error_occurred/error_message, which Google Benchmark leaves out of the aggregates.
//
// Google Benchmark keeps global registration state: RunWithGoogleBenchmark is not reentrant and
// must be called from one thread at a time. Workload exceptions are caught and reported per
// repetition; an EnvironmentError aborts the remaining repetitions and is rethrown after the run.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace feedbench {

struct RepetitionOutcome {
  double wall_sec = 0;                      // manual time of the repetition, seconds
  std::map<std::string, double> counters;   // figures, named with their units
  std::optional<std::string> error;         // "cache_contaminated: ...", "verify: ...", "io: ..."
  bool failed = false;                      // the workload failed (verify/I/O), not just invalid
  std::string label;                        // short description, e.g. "cold drop_caches"
  nlohmann::json timeline = nlohmann::json::array();  // sampled rows of this repetition
};

struct PlannedWorkload {
  std::string name;  // becomes the benchmark name; no '/'
  int repetitions = 1;
  std::function<RepetitionOutcome(int repetition_index)> run;
};

struct WorkloadOutcomes {
  std::string name;
  std::vector<RepetitionOutcome> repetitions;
};

struct RunnerOutput {
  nlohmann::json results;  // Google Benchmark JSON: {"context": ..., "benchmarks": [...]}
  std::vector<WorkloadOutcomes> workloads;  // what each repetition returned, in run order
};

// Called before each repetition starts: workload name, its index in the plan, repetition index.
using ProgressFn = std::function<void(const std::string&, size_t, size_t, int, int)>;

RunnerOutput RunWithGoogleBenchmark(const std::vector<PlannedWorkload>& plan,
                                    const ProgressFn& progress = {});

// The workload a Google Benchmark entry belongs to: its run_name without Google Benchmark's
// suffixes ("files-random/iterations:1/repeats:5/manual_time" → "files-random"); see
// WorkloadNameFromRunName in results_reader.h.
std::string WorkloadNameOf(const nlohmann::json& benchmark_entry);

}  // namespace feedbench
