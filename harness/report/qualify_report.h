// The hardware-qualification report: a candidate node's qualify results side by side with a
// reference node's baseline.
//
// The regression gate (compare.h) decides, per workload and metric, whether the candidate is below
// the reference: a metric is "below" when the gate calls it REGRESSED (worse beyond tolerance and
// noise, and significant by the rank test), "above" when IMPROVED, and "meets" otherwise
// (UNCHANGED, UNCERTAIN, NOISY). A workload is below reference when any of its metrics is, INVALID
// when its repetitions were not valid, and "no reference" / "not run" for NEW / MISSING. The
// device fingerprints differ by design (that is what is being qualified): they are listed, not
// gating. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "harness/gate/compare.h"

namespace feedbench {

// The gated metrics of a qualification: throughput, IOPS (fio), await and tail latency.
std::vector<std::string> QualifyMetrics();

struct QualifyRow {
  std::string workload;
  std::string metric;
  std::optional<double> reference, candidate;  // medians, in the metric's unit
  std::optional<double> ratio;                 // candidate ÷ reference
  std::string verdict;                         // "meets", "below", "above", "invalid", ...
  std::string message;                         // the gate's reason
};

struct QualifyWorkload {
  std::string workload;
  std::string verdict;  // "meets reference", "below reference", "invalid", "no reference", ...
};

struct QualifyReport {
  std::vector<QualifyRow> rows;
  std::vector<QualifyWorkload> workloads;
  std::vector<std::string> fingerprint_differences;
  // 0 when every workload meets (or exceeds) the reference; 1 when any is below or invalid.
  int ExitCode() const;
};

QualifyReport BuildQualifyReport(const CompareReport& report);

std::string RenderQualifyReport(const QualifyReport& report);

}  // namespace feedbench
