// The decision table of `feedbench layouts`: per data-loading workload (a layout read in an order)
// of an interleaved run, what it delivered, how it compares with the reference layout round by
// round (ab_compare.h), how close it came to its paired ceiling, what the device saw, and what
// its dataset cost to create; and one recommendation that says what was decided and what was not.
//
// Figures: samples/s and bytes/s are the median (and the min and max) over the workload's valid
// repetitions; efficiency is the median of probe_efficiency_pct (each repetition against the
// short fio probe taken right before it, workloads/fio/fio_probe.h) when the run had probes, else
// the run's ceiling efficiency (harness/results/efficiency.h), else absent; r_await_ms and aqu_sz
// are medians over valid repetitions (iostat's definitions, harness/measure/diskstats.h); the
// dataset's creation time, payload and bytes on disk are the run's DatasetUse for the workload's
// layout and shard size (tmpfs: the files dataset it stages). Built from the run in memory; pure and thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/gate/ab_compare.h"
#include "harness/results/efficiency.h"
#include "harness/suite/accelerators.h"
#include "harness/suite/suite_run.h"

namespace feedbench {

struct LayoutRow {
  std::string workload;
  std::string layout;  // "files", "lmdb", "tmpfs", ...
  std::string order;   // "random", "sequential"
  int valid_repetitions = 0;
  int repetitions = 0;                      // every repetition, disturbed and invalid ones included
  std::optional<ValueSpread> samples_per_second;
  std::optional<ValueSpread> bytes_per_second;
  bool reference = false;                   // the layout the others are compared with
  std::optional<AbComparison> comparison;   // absent for the reference itself
  std::optional<double> efficiency_pct;     // see the top
  std::string efficiency_basis;             // "probe" or the ceiling workload's name; "" if none
  std::optional<double> r_await_ms;
  std::optional<double> aqu_sz;
  std::optional<double> create_sec;         // its dataset's generation (the manifest's, also when
  bool dataset_reused = false;              // reused from an earlier run), seconds
  std::optional<uint64_t> payload_bytes;    // the samples' bytes
  std::optional<uint64_t> disk_bytes;       // st_blocks × 512 of its data files
  std::optional<FedResult> fed;             // accelerators fed, when a demand was given
};

struct LayoutDecision {
  std::string suite;
  std::string reference;
  std::string metric;
  double margin = 0;
  double alpha = 0;          // over all looks
  double alpha_per_look = 0;
  int rounds = 0;            // interleaved rounds run
  uint64_t order_seed = 0;
  std::vector<LayoutRow> rows;  // suite order, data-loading workloads only
  std::string recommendation;   // one line
  bool all_decided = false;     // no comparison INCONCLUSIVE
  // The accelerator the `fed` figures emulate ("resnet50-h100: 64 samples per 103 ms step, 621
  // samples/s each"); empty without a demand.
  std::string accelerator;
};

// The comparisons of every data-loading workload of `run` but `reference` against it.
std::vector<AbComparison> CompareLayouts(const SuiteRun& run, const std::string& reference,
                                         const AbOptions& options);

// Accelerators fed per workload (FindAcceleratorsFed), and what they emulate.
struct FedFigures {
  std::string accelerator;                  // see LayoutDecision::accelerator
  std::map<std::string, FedResult> by_workload;
};

// The table and the recommendation. `comparisons` as CompareLayouts made them; `fed` when a
// demand was given.
LayoutDecision DecideLayouts(const SuiteRun& run, const std::vector<Efficiency>& efficiencies,
                             const std::string& reference,
                             const std::vector<AbComparison>& comparisons,
                             const AbOptions& options, const FedFigures* fed = nullptr);

}  // namespace feedbench
