// The hardware-qualification report: a candidate node's qualify results side by side with a
// reference node's baseline.
//
// The regression gate (compare.h) decides, per workload and metric, whether the candidate is below
// the reference: a metric is "below" when the gate calls it REGRESSED (worse beyond tolerance and
// noise, and significant by the rank test), "above" when IMPROVED, and "meets" otherwise
// (UNCHANGED, UNCERTAIN, NOISY). A workload is below reference when any of its metrics is, INVALID
// when its repetitions were not valid, and "no reference" / "not run" for NEW / MISSING. The
// device fingerprints differ by design (that is what is being qualified): they are listed, not
// gating. As with compare, a qualification that could not judge does not pass: when a gated row
// was not judged (NOISY, UNCERTAIN, too few reference runs or repetitions; see compare.h) and
// nothing is below or invalid, the result is INCONCLUSIVE, exit 4 (0 with --allow-inconclusive),
// and every unjudged row is listed with its reason. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
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
  std::string inconclusive_reason;             // why the gate did not judge it; "" when it did
};

struct QualifyWorkload {
  std::string workload;
  std::string verdict;  // "meets reference", "below reference", "invalid", "no reference", ...
};

struct QualifyReport {
  std::vector<QualifyRow> rows;
  std::vector<QualifyWorkload> workloads;
  std::vector<std::string> fingerprint_differences;
  std::string judged;               // the compare report's "judged N of M rows"
  bool inconclusive = false;        // the compare outcome was INCONCLUSIVE
  bool allow_inconclusive = false;  // --allow-inconclusive
  // 1 when any workload is below the reference or invalid; otherwise 4 when inconclusive (0 with
  // --allow-inconclusive); otherwise 0.
  int ExitCode() const;
};

QualifyReport BuildQualifyReport(const CompareReport& report);

std::string RenderQualifyReport(const QualifyReport& report);

// The qualification for `qualify --json`, beside the comparison it was decided from:
// {"schema_version": 1, "outcome" ("QUALIFIED", "NOT QUALIFIED", "INCONCLUSIVE"), "exit_code",
//  "judged", "workloads": [{"workload", "verdict"}], "rows": [{"workload", "metric", "reference",
//  "candidate", "ratio" (null when not both), "verdict", "message", "inconclusive_reason"}],
//  "fingerprint_differences"}. Its key "feedbench_qualify" tells a qualification from a plain
// comparison.
nlohmann::json QualifyReportToJson(const QualifyReport& report);

// "QUALIFIED", "NOT QUALIFIED" or "INCONCLUSIVE", as the verdict line says.
std::string QualifyOutcome(const QualifyReport& report);

}  // namespace feedbench
