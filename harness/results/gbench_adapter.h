// The Google Benchmark adapter: the results model (results_reader.h) written as Google Benchmark's
// own JSON, by Google Benchmark itself.
//
// Each workload of the model becomes one benchmark (RegisterBenchmark, UseManualTime,
// Iterations(1), Repetitions(n)) whose body replays the recorded repetitions in order: the time
// of a repetition is the workload's own wall time, its figures are user counters, its label is the
// label, and a repetition that is not valid is reported with SkipWithError(reason), which Google
// Benchmark leaves out of the mean/median/stddev/cv aggregates. The output is what Google
// Benchmark's JSONReporter writes (per-repetition entries plus aggregates), so compare.py and
// dashboards read it as is; the measuring happened before, in the suite coordinator, so the order
// in which repetitions ran is the coordinator's, not Google Benchmark's.
//
// Google Benchmark keeps global registration state: not reentrant; call from one thread at a time.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/results/results_reader.h"

namespace feedbench {

// {"context": {...Google Benchmark's...}, "benchmarks": [...]}; non-finite aggregates (the cv of a
// counter that is 0 in every repetition) as null. REQUIRES: every counter of the model is finite
// (a non-finite one would be written as null in its repetition, which ParseResults refuses).
// Throws RunError when Google Benchmark writes JSON that cannot be read back.
nlohmann::json ToGoogleBenchmarkJson(const ResultsFile& model);

// The workload a Google Benchmark entry belongs to: its run_name without Google Benchmark's
// suffixes ("files-random/iterations:1/repeats:5/manual_time" → "files-random"); see
// WorkloadNameFromRunName in results_reader.h.
std::string WorkloadNameOf(const nlohmann::json& benchmark_entry);

}  // namespace feedbench
