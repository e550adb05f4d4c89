// The judge of one workload and metric: the verdict vocabulary, the compare options it reads,
// the pooled reference and the rule. compare.h applies it to every row of a comparison.
//
// The reference (PoolReference), for one workload and metric: the baseline's last K runs that
// have the counter (K = CompareOptions::reference_runs, --reference-runs, default 5), never one
// run. Its value is the median of those runs' medians, so one outlier run (even the latest)
// does not move it; its run-to-run spread is the larger of the robust spread (1.4826·MAD ÷
// median) of those medians and the standard deviation of their logarithms, from 4 runs on without
// the one farthest from their median (with K ≈ 5 the MAD alone is often near 0 and a threshold
// built on it cries wolf; one outlier run should not make the history NOISY, two are a spread);
// its within-run spread is the
// median of the runs' own robust spreads; its repetitions are every repetition of those runs,
// pooled.
//
// The rule (JudgeMetric), for one workload and metric, given the reference runs:
// - r = median(current) ÷ the reference, oriented so that r > 1 is worse: for a lower-is-better
//   counter (await, latency) r = current ÷ reference; for a higher-is-better one (throughput)
//   r = reference ÷ current, the ratio of time per sample — so a 5% tolerance means "5% longer
//   to deliver the same data". When both are 0, r = 1; when only the divisor is 0, r = +inf (or
//   0 when the change is for the better).
// - σ (noise of r, relative) = sqrt(ρ² + s_cur² + s_ref²), three parts (a median of n values
//   spread w is spread about 1.2533·w/√n):
//     ρ, the run effect: what moves a whole run and no number of its repetitions averages out,
//       sqrt(max(0, rr² − (1.2533·w_ref/√n_ref)²)) — the run-to-run spread rr less what the
//       reference runs' own medians' sampling (w_ref within, n_ref repetitions each) explains;
//     s_cur, the current median's sampling: 1.2533·w/√n, w the larger of the reference's and the
//       current run's within-run spreads, n the current repetitions — what added repetitions
//       narrow;
//     s_ref, the reference's own: 1.2533·rr/√K (a median of K run medians).
//   σ_b (baseline noise) = sqrt(ρ² + s_ref²), the part no repetition of the current run narrows.
// - T (threshold) = max(tolerance, k·σ), k = CompareOptions::noise_multiplier (kNoiseMultiplier
//   unless set); tolerance is --tolerance-throughput (default 5%) or
//   --tolerance-await (default 10%) by the metric's ToleranceClass.
// - p_worse / p_better = one-sided Mann–Whitney U p-values (harness/base/statistics.h) of the
//   current repetitions against the reference runs' pooled repetitions, towards worse and better.
// - REGRESSED when r > 1 + T and p_worse < alpha (default 0.01; when the same rows are judged at
//   several looks, alpha here and below is the per-look CompareOptions::AlphaPerLook()). IMPROVED
//   when r < 1 ÷ (1 + T) and p_better < alpha (the same factor the other way). UNCERTAIN when the change
//   is beyond T but the rank test does not confirm it (the message says how many repetitions per
//   side would settle it: stats::RepetitionsToSettle with the superiority seen), or when the rank
//   test finds a shift inside T but beyond the tolerance (T widened by noise: whether it exceeds
//   the tolerance cannot be told). UNCHANGED otherwise — also for a significant shift within the
//   tolerance itself: with many repetitions the rank test finds the node's small run-to-run
//   differences, and a change the tolerance allows is decided, not in doubt.
// - NOISY when σ_b is too wide to gate at the asked tolerance: 3·σ_b > 2 × tolerance, i.e. the
//   threshold would be more than twice what was asked however many repetitions were added.
//   NOISY replaces every verdict but REGRESSED: a change beyond kσ that the rank test confirms
//   is reported as a regression even on a noisy baseline.
//
// Judged or not (InconclusiveReason): a row is judged when its verdict is REGRESSED, or when it
// is UNCHANGED or IMPROVED and the judgement could have gone the other way: the reference has at
// least kMinReferenceRuns runs (fewer cannot measure run-to-run noise) and the rank test could
// reach alpha at all (stats::MinimumExactPValue of the two sample sizes < alpha). NOISY and
// UNCERTAIN rows are not judged (their message is the reason), nor are UNCHANGED or IMPROVED rows
// that fail one of the two conditions (the reason is put before their message). A REGRESSED row
// stays a regression even on a short reference: both the threshold and the rank test confirmed it.
// Rows keep their verdict either way; the report carries the outcome.
//
// Pure (no IO) and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/results/metrics.h"

namespace feedbench {

enum class Verdict {
  kRegressed,
  kImproved,
  kUnchanged,
  kUncertain,
  kNoisy,
  kInvalid,
  kMissing,
  kNew,
  kSkipped,
};

// "REGRESSED", "IMPROVED", "UNCHANGED", "UNCERTAIN", "NOISY", "INVALID", "MISSING", "NEW",
// "SKIPPED".
std::string_view VerdictName(Verdict verdict);

// True for the verdicts the threshold rule produces (REGRESSED, IMPROVED, UNCHANGED, UNCERTAIN,
// NOISY): their ratio, threshold, noise and p-values are meaningful.
bool IsJudged(Verdict verdict);

// True for the verdicts that fail the gate (exit 1): REGRESSED, INVALID and MISSING.
bool FailsGate(Verdict verdict);

// The report-level outcome of a comparison (see the header comment for the order).
enum class GateOutcome {
  kPass,
  kFail,
  kInconclusive,
  kNotCompared,
};

// "PASS", "FAIL", "INCONCLUSIVE", "NOT COMPARED".
std::string_view GateOutcomeName(GateOutcome outcome);

// A reference needs this many runs to measure run-to-run noise; with fewer, no row but a
// REGRESSED one is judged.
inline constexpr std::size_t kMinReferenceRuns = 3;
inline constexpr std::size_t kDefaultReferenceRuns = 5;
// k of the rule: how many σ of the ratio's noise a change must exceed (and how many σ_b make a
// baseline NOISY). 2.5, chosen by replaying `run --compare` (extension and confirmation) on 40
// recorded runs of this project's gating suite (bench/gate_simulator --replay; bench/README.md
// "`run --compare` replayed, and k of the rule"): from k = 3 to 2.5, 10% drops caught +5 to +10
// points and identical reruns left inconclusive −15 to −17 points, while false alarms stay 0 with
// a baseline recorded in a row and within k = 3's interval with one drawn across the series;
// lower k raises those.
inline constexpr double kNoiseMultiplier = 2.5;

struct CompareOptions {
  double tolerance_throughput = 0.05;  // fraction: 0.05 = 5%
  double tolerance_await = 0.10;       // fraction
  double alpha = 0.01;                 // significance level of the one-sided rank test
  // How many times the same rows may be judged as repetitions are added (`run --compare` until
  // decided: the suite's repetitions, then one look per added round). The rank test of each look
  // is held at AlphaPerLook(), so that the chance of a false alarm over all of them stays ≤ alpha.
  // 1 for a single comparison (`compare`).
  std::size_t looks = 1;
  std::vector<std::string> metrics = DefaultGatedMetrics();
  bool ignore_fingerprint = false;
  // How many of the baseline's last runs form the reference (--reference-runs), ≥ 1.
  std::size_t reference_runs = kDefaultReferenceRuns;
  // k of the rule (T = max(tolerance, k·σ)); > 0. Not a flag: the shipped value is chosen from
  // the simulator's figures (bench/README.md "Gate"), which sweeps it.
  double noise_multiplier = kNoiseMultiplier;
  // Exit 0 rather than 4 when the outcome is INCONCLUSIVE (--allow-inconclusive).
  bool allow_inconclusive = false;
  // The workloads judged, on both sides; every workload when both are empty. As `run` selects
  // them: an ECMAScript regex searched in the name (--filter), and exact names.
  std::optional<std::string> workload_filter;
  std::vector<std::string> workloads;

  double ToleranceFor(const MetricInfo& metric) const;
  // The significance level each look's rank test uses: CorrectedAlpha(alpha, looks).
  double AlphaPerLook() const;
};

// Bonferroni's correction for a fixed schedule of `looks` looks at accumulating data: alpha ÷
// looks. Whatever the correlation between the looks (they share most of their repetitions) and
// however discrete the exact rank test, P(some look has p < alpha ÷ looks | no change) ≤ alpha
// (the union bound). REQUIRES: looks ≥ 1.
double CorrectedAlpha(double alpha, std::size_t looks);

// Throws UsageError naming the flag: a tolerance outside (0, 1) (i.e. not strictly between 0% and
// 100%), alpha outside (0, 1), reference_runs 0, looks 0 (--max-repetitions), an empty or unknown
// metric name (listing the known ones), a workload_filter that is not a valid regular expression.
void ValidateOptions(const CompareOptions& options);

// The samples one judgement needs. All values in the metric's own unit.
struct MetricSamples {
  // Per-repetition values of each reference run (the baseline's last K that have the counter),
  // oldest first.
  std::vector<std::vector<double>> baseline_runs;
  std::vector<double> current;  // per-repetition values of the current run
};

// The reference formed by some baseline runs, as described above.
struct PooledReference {
  double median = 0;                // median of the runs' medians
  double run_to_run_spread = 0;     // rr: spread of the runs' medians (see above), fraction
  double within_run_spread = 0;     // median of the runs' robust relative spreads, fraction
  std::vector<double> repetitions;  // every repetition of the runs, oldest run first
  std::size_t runs = 0;             // how many non-empty runs formed it
};

// REQUIRES: at least one non-empty run (empty runs are ignored).
PooledReference PoolReference(const std::vector<std::vector<double>>& runs);

struct MetricComparison {
  std::string workload;
  std::string metric;
  Verdict verdict = Verdict::kUnchanged;
  std::optional<double> baseline_median;  // the reference: median of its runs' medians
  std::optional<double> current_median;
  std::size_t baseline_repetitions = 0;  // pooled over the reference runs
  std::size_t current_repetitions = 0;
  std::size_t baseline_runs = 0;  // how many runs formed the reference
  // Which baseline runs formed the reference, numbered 1.. in the baseline (oldest first, as
  // `baseline show` numbers them). Set by CompareResults; empty from JudgeMetric alone.
  std::vector<std::size_t> reference_runs;
  double ratio = 1;      // r, oriented: > 1 is worse
  double change = 0;     // current ÷ baseline − 1, signed, not oriented (−0.25 = 25% lower)
  double tolerance = 0;  // fraction asked
  double threshold = 0;  // T, fraction
  double noise_multiplier = kNoiseMultiplier;  // k: T = max(tolerance, k·σ)
  double within_run_spread = 0;   // fraction
  double run_to_run_spread = 0;   // fraction
  double noise = 0;               // σ of r (see above), fraction
  double baseline_noise = 0;      // σ_b, what NOISY is judged on
  std::optional<double> p_worse;  // one-sided rank test towards worse
  std::optional<double> p_better;
  std::optional<double> p_value;  // the one in the direction of the change: p_worse when r ≥ 1
  std::optional<std::size_t> repetitions_to_settle;  // per side, for UNCERTAIN
  std::string message;                               // one sentence for humans: why this verdict
  // Why a gated row was not judged (see "Judged or not"); empty when it was judged, and for the
  // verdicts outside the threshold rule (INVALID, MISSING, NEW, SKIPPED).
  std::string inconclusive_reason;
  // False for a row reported but not gated (compare.h: a control's row — the probe's or the warm
  // control's — that does not narrow the spread, or that the current run has no figures for): it neither fails nor counts as judged or
  // not. A REGRESSED row is always gated.
  bool gated = true;
  // A throughput row the rule could not decide alone, decided through a control: the metric
  // that decided it ("probe_efficiency_pct", "warm_efficiency_pct"); empty otherwise (compare.h).
  std::string judged_through;
};

// The ratios r between which a row is neither worse nor better beyond its threshold T: worse
// beyond means r > worse_above = 1 + T, better beyond r < better_below = 1 ÷ (1 + T). The rule
// (JudgeMetric) and the reports' charts read this one band.
struct ThresholdBand {
  double better_below = 1;
  double worse_above = 1;
};
ThresholdBand BandOf(const MetricComparison& row);

// True when the row is gated (not NEW, `gated`) and was judged: REGRESSED, UNCHANGED / IMPROVED
// without an inconclusive_reason, or decided through the probe (judged_through).
bool IsDecided(const MetricComparison& row);

// The reason the header's "Judged or not" gives for a row the threshold rule produced, "" when
// it is judged. Pure: from the verdict, message, baseline_runs and the two repetition counts.
std::string InconclusiveReason(const MetricComparison& row, double alpha);

// Applies the rule above to one workload × metric, the reference being samples.baseline_runs
// (all of them: the caller picks the last K), and sets inconclusive_reason. REQUIRES:
// samples.current and at least one baseline run non-empty. The returned workload/metric names are
// empty (the caller sets them).
MetricComparison JudgeMetric(const MetricSamples& samples, const MetricInfo& metric,
                             double tolerance, double alpha,
                             double noise_multiplier = kNoiseMultiplier);

}  // namespace feedbench
