// The terminal table of a run: one row per workload with the medians over valid repetitions and
// the spread across them. Renders WorkloadSummary (results.h); computes nothing of its own.
#pragma once

#include <string>
#include <vector>

#include "harness/results/efficiency.h"
#include "harness/results/results.h"

namespace feedbench {

// Columns: workload, samples/s, MiB/s, r_await ms, %util, dev-ratio, AU %, cv(samples/s), valid.
// Figures a workload does not have (no device behind tmpfs) print as "n/a".
// With `efficiencies`, an "of ceiling" column shows each data-loading workload's bytes/s as a
// percentage of its fio ceiling (efficiency.h).
std::string RenderRunTable(const std::vector<WorkloadSummary>& summaries,
                           const std::vector<Efficiency>& efficiencies = {});

// A run's tables: data-loading workloads (RenderRunTable), then fio workloads, recognised by
// their iops counter (RenderFioTable), under a heading of their own.
std::string RenderRunTables(const std::vector<WorkloadSummary>& summaries,
                            const std::vector<Efficiency>& efficiencies);

// fio's raw ceiling, one row per fio workload: MiB/s, IOPS, clat p50 and p99 µs (fio's), then
// feedbench's sampled r/s, r_await ms and %util beside fio's own disk_util r/s and %util,
// cv(MiB/s), valid repetitions.
std::string RenderFioTable(const std::vector<WorkloadSummary>& summaries);

// Why a run failed, in one line for --quiet: each workload with failed repetitions (verification
// failed or an I/O, run or environment error), how many of its repetitions, and the first
// reason: "failed: files-random: 2 of 3 repetitions (sample 17 (...): checksum mismatch)", a
// reason of several lines joined with " / ". Empty when no repetition failed.
std::string FailureLine(const ResultsFile& results);

}  // namespace feedbench
