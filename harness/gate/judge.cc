#include "harness/gate/judge.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <regex>

#include "harness/base/errors.h"
#include "harness/base/statistics.h"
#include "harness/base/units.h"

namespace feedbench {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string P(double p) { return p < 0.001 ? fmt::format("{:.1e}", p) : fmt::format("{:.3f}", p); }

// a ÷ b with the conventions of the header: 0/0 = 1, x/0 = +inf.
double Ratio(double a, double b) {
  if (b == 0) return a == 0 ? 1 : (a > 0 ? kInf : 0);
  return a / b;
}

// "more worse/better" direction wording for messages.
std::string_view Direction(const MetricInfo& metric, bool worse) {
  const bool higher_better = metric.orientation == Orientation::kHigherIsBetter;
  return worse == higher_better ? "lower" : "higher";
}

std::string SettleAdvice(const MetricComparison& c, double alpha) {
  const double best_p = stats::MinimumExactPValue(c.baseline_repetitions, c.current_repetitions);
  std::string why;
  if (!(best_p < alpha)) {
    why = fmt::format("{} vs {} repetitions cannot reach p < {} (best possible p = {})",
                      c.baseline_repetitions, c.current_repetitions, alpha, P(best_p));
  } else {
    why = fmt::format("the {} vs {} repetitions overlap too much", c.baseline_repetitions,
                      c.current_repetitions);
  }
  if (c.repetitions_to_settle) {
    return fmt::format("{}; about {} repetitions per side (baseline and current) would settle it",
                       why, *c.repetitions_to_settle);
  }
  return why + "; the overlap is too large for more repetitions to settle it";
}

// A median of n values spread σ (robust relative spread of one value) is spread about
// sqrt(π/2)·σ/√n (the asymptotic efficiency of the median for normal data).
constexpr double kMedianFactor = 1.2533141373155;

double MedianSpread(double spread, double n) {
  return n > 0 ? kMedianFactor * spread / std::sqrt(n) : spread;
}

// The parts of the ratio's noise (see the header): the run effect (what moves a whole run, and no
// number of repetitions averages out), the current median's sampling spread, and the
// reference's own uncertainty (a median of K run medians).
struct NoiseParts {
  double run_effect = 0;
  double current_median = 0;
  double reference = 0;
};

NoiseParts SplitNoise(const PooledReference& ref, double within, std::size_t current_n) {
  NoiseParts parts;
  const double runs = static_cast<double>(std::max<std::size_t>(ref.runs, 1));
  const double per_run = static_cast<double>(ref.repetitions.size()) / runs;
  // The run medians' spread holds their own sampling spread; what is left is the run effect.
  const double sampled = MedianSpread(ref.within_run_spread, per_run);
  const double rr = ref.run_to_run_spread;
  parts.run_effect = std::sqrt(std::max(0.0, rr * rr - sampled * sampled));
  parts.current_median = MedianSpread(within, static_cast<double>(current_n));
  // With one run there is no run-to-run spread to go by: its medians' sampling spread stands in.
  parts.reference = MedianSpread(ref.runs > 1 ? rr : sampled, runs);
  return parts;
}

// The figures of the rule that do not need the rank test: medians, r, change, σ, σ_b and T.
MetricComparison MeasureChange(const PooledReference& ref, const MetricSamples& samples,
                               const MetricInfo& metric, double tolerance, double k) {
  MetricComparison c;
  const std::vector<double>& cur = samples.current;
  const bool higher_better = metric.orientation == Orientation::kHigherIsBetter;

  const double cur_median = stats::Median(cur);
  c.baseline_median = ref.median;
  c.current_median = cur_median;
  c.baseline_repetitions = ref.repetitions.size();
  c.current_repetitions = cur.size();
  c.baseline_runs = ref.runs;
  c.change = Ratio(cur_median, ref.median) - 1;
  c.ratio = higher_better ? Ratio(ref.median, cur_median) : Ratio(cur_median, ref.median);

  c.within_run_spread = std::max(ref.within_run_spread, stats::RobustRelativeSpread(cur));
  c.run_to_run_spread = ref.run_to_run_spread;
  const NoiseParts parts = SplitNoise(ref, c.within_run_spread, cur.size());
  c.noise =
      std::sqrt(parts.run_effect * parts.run_effect + parts.current_median * parts.current_median +
                parts.reference * parts.reference);
  c.baseline_noise =
      std::sqrt(parts.run_effect * parts.run_effect + parts.reference * parts.reference);
  c.tolerance = tolerance;
  c.noise_multiplier = k;
  c.threshold = std::max(tolerance, k * c.noise);
  return c;
}

// Sets p_worse, p_better and p_value from the one-sided rank tests of the current repetitions
// against the reference's pooled ones. Returns the probability that a current repetition is
// worse than a reference one (ties count 1/2): the superiority RepetitionsToSettle needs.
double ApplyRankTests(const PooledReference& ref, const MetricSamples& samples,
                      const MetricInfo& metric, MetricComparison& c) {
  const std::vector<double>& base = ref.repetitions;
  const std::vector<double>& cur = samples.current;
  const bool higher_better = metric.orientation == Orientation::kHigherIsBetter;
  using stats::Alternative;
  const auto towards_higher = stats::MannWhitneyU(cur, base, Alternative::kGreater);
  const auto towards_lower = stats::MannWhitneyU(cur, base, Alternative::kLess);
  c.p_worse = higher_better ? towards_lower.p_value : towards_higher.p_value;
  c.p_better = higher_better ? towards_higher.p_value : towards_lower.p_value;
  c.p_value = c.ratio >= 1 ? c.p_worse : c.p_better;
  // Probability that a current repetition beats (is higher than) a reference one.
  const double higher_share =
      towards_higher.u_x / (static_cast<double>(cur.size()) * static_cast<double>(base.size()));
  return higher_better ? 1 - higher_share : higher_share;
}

// The two conditions of the rule in each direction, and the NOISY one.
struct Evidence {
  bool worse_beyond = false;  // r > 1 + T
  bool worse_significant = false;
  bool better_beyond = false;  // r < 1 ÷ (1 + T)
  bool better_significant = false;
  bool noisy = false;             // k·σ_b > 2 × tolerance
  bool within_tolerance = false;  // 1 ÷ (1 + tolerance) ≤ r ≤ 1 + tolerance
};

Evidence Weigh(const MetricComparison& c, double alpha) {
  const double k = c.noise_multiplier;
  const ThresholdBand band = BandOf(c);
  return Evidence{
      .worse_beyond = c.ratio > band.worse_above,
      .worse_significant = *c.p_worse < alpha,
      .better_beyond = c.ratio < band.better_below,
      .better_significant = *c.p_better<alpha, .noisy = k * c.baseline_noise> 2 * c.tolerance,
      .within_tolerance = c.ratio <= 1 + c.tolerance && c.ratio >= 1 / (1 + c.tolerance)};
}

// "median -20.0% (100.0 samples/s → 80.0 samples/s)".
std::string ChangeText(const MetricComparison& c, const MetricInfo& metric) {
  return fmt::format("median {} ({} → {})", FormatPercent(c.change, /*sign=*/true),
                     FormatMetricValue(metric, *c.baseline_median),
                     FormatMetricValue(metric, *c.current_median));
}

// "threshold 5.0%", or "threshold 6.7% (3σ; tolerance 5.0%)" when noise widened it (k = 3).
std::string ThresholdText(const MetricComparison& c) {
  return c.threshold > c.tolerance
             ? fmt::format("threshold {} ({:g}σ; tolerance {})", FormatPercent(c.threshold),
                           c.noise_multiplier, FormatPercent(c.tolerance))
             : fmt::format("threshold {}", FormatPercent(c.threshold));
}

std::string NoisyMessage(const MetricComparison& c, const PooledReference& ref,
                         const MetricInfo& metric) {
  return fmt::format(
      "the baseline is too noisy to gate at {}: the spread no repetition of this run can narrow "
      "is σ_b = {} (its {} reference run(s) differ by {} run to run, within a run {}), so {:g}σ_b "
      "= {} is more than twice the tolerance; {} is not judged. More baseline runs "
      "(--reference-runs), longer workloads or a quieter node narrow it",
      FormatPercent(c.tolerance), FormatPercent(c.baseline_noise), ref.runs,
      FormatPercent(c.run_to_run_spread), FormatPercent(ref.within_run_spread),
      c.noise_multiplier, FormatPercent(c.noise_multiplier * c.baseline_noise),
      ChangeText(c, metric));
}

// UNCERTAIN because the change is beyond T but the rank test does not confirm it.
void SetUncertainBeyond(MetricComparison& c, const MetricInfo& metric, bool worse,
                        double worse_superiority, double alpha) {
  c.verdict = Verdict::kUncertain;
  const double superiority = worse ? worse_superiority : 1 - worse_superiority;
  c.repetitions_to_settle = stats::RepetitionsToSettle(superiority, alpha);
  c.message = fmt::format("{}: {} beyond the {}, but not significant (p = {} ≥ {}): {}",
                          ChangeText(c, metric), Direction(metric, worse), ThresholdText(c),
                          P(worse ? *c.p_worse : *c.p_better), alpha, SettleAdvice(c, alpha));
}

// UNCERTAIN because the rank test finds a change beyond the tolerance that stays inside T (so T
// was widened by noise).
void SetUncertainWithin(MetricComparison& c, const MetricInfo& metric, bool worse, double alpha) {
  c.verdict = Verdict::kUncertain;
  c.message = fmt::format(
      "{}: significantly {} (p = {} < {}) and beyond the tolerance {}, but within the {}: the "
      "node's noise widened the threshold; quieter runs (smaller σ) or more baseline runs would "
      "settle whether it is a regression",
      ChangeText(c, metric), Direction(metric, worse), P(worse ? *c.p_worse : *c.p_better), alpha,
      FormatPercent(c.tolerance), ThresholdText(c));
}

// Sets the verdict and its message from the evidence, in the order of the rule in compare.h.
void Decide(MetricComparison& c, const Evidence& e, const PooledReference& ref,
            const MetricInfo& metric, double worse_superiority, double alpha) {
  if (e.worse_beyond && e.worse_significant) {
    c.verdict = Verdict::kRegressed;
    c.message = fmt::format("{}: worse by more than the {}, and p = {} < {}", ChangeText(c, metric),
                            ThresholdText(c), P(*c.p_worse), alpha);
  } else if (e.noisy) {
    c.verdict = Verdict::kNoisy;
    c.message = NoisyMessage(c, ref, metric);
  } else if (e.better_beyond && e.better_significant) {
    c.verdict = Verdict::kImproved;
    c.message = fmt::format("{}: better by more than the {}, and p = {} < {}",
                            ChangeText(c, metric), ThresholdText(c), P(*c.p_better), alpha);
  } else if (e.worse_beyond || e.better_beyond) {
    SetUncertainBeyond(c, metric, e.worse_beyond, worse_superiority, alpha);
  } else if ((e.worse_significant || e.better_significant) && !e.within_tolerance) {
    SetUncertainWithin(c, metric, e.worse_significant, alpha);
  } else if (e.worse_significant || e.better_significant) {
    c.verdict = Verdict::kUnchanged;
    c.message = fmt::format(
        "{}: a real change (p = {} < {}) but within the tolerance {}, which the gate allows",
        ChangeText(c, metric), P(e.worse_significant ? *c.p_worse : *c.p_better), alpha,
        FormatPercent(c.tolerance));
  } else {
    c.verdict = Verdict::kUnchanged;
    c.message = fmt::format("{}: within the {} (p worse = {}, p better = {})",
                            ChangeText(c, metric), ThresholdText(c), P(*c.p_worse), P(*c.p_better));
  }
}

}  // namespace

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kRegressed:
      return "REGRESSED";
    case Verdict::kImproved:
      return "IMPROVED";
    case Verdict::kUnchanged:
      return "UNCHANGED";
    case Verdict::kUncertain:
      return "UNCERTAIN";
    case Verdict::kNoisy:
      return "NOISY";
    case Verdict::kInvalid:
      return "INVALID";
    case Verdict::kMissing:
      return "MISSING";
    case Verdict::kNew:
      return "NEW";
    case Verdict::kSkipped:
      return "SKIPPED";
  }
  return "?";
}

bool IsJudged(Verdict v) {
  return v == Verdict::kRegressed || v == Verdict::kImproved || v == Verdict::kUnchanged ||
         v == Verdict::kUncertain || v == Verdict::kNoisy;
}

bool FailsGate(Verdict v) {
  return v == Verdict::kRegressed || v == Verdict::kInvalid || v == Verdict::kMissing;
}

std::string_view GateOutcomeName(GateOutcome outcome) {
  switch (outcome) {
    case GateOutcome::kPass:
      return "PASS";
    case GateOutcome::kFail:
      return "FAIL";
    case GateOutcome::kInconclusive:
      return "INCONCLUSIVE";
    case GateOutcome::kNotCompared:
      return "NOT COMPARED";
  }
  return "?";
}

double CompareOptions::ToleranceFor(const MetricInfo& metric) const {
  return metric.tolerance_class == ToleranceClass::kThroughput ? tolerance_throughput
                                                               : tolerance_await;
}

double CompareOptions::AlphaPerLook() const { return CorrectedAlpha(alpha, looks); }

double CorrectedAlpha(double alpha, std::size_t looks) {
  return alpha / static_cast<double>(std::max<std::size_t>(looks, 1));
}

void ValidateOptions(const CompareOptions& options) {
  auto check_tolerance = [](double t, std::string_view flag) {
    if (!(t > 0 && t < 1)) {
      throw UsageError(
          fmt::format("{} {}: expected a percentage strictly between 0 and 100", flag, t * 100));
    }
  };
  check_tolerance(options.tolerance_throughput, "--tolerance-throughput");
  check_tolerance(options.tolerance_await, "--tolerance-await");
  if (!(options.noise_multiplier > 0) || !std::isfinite(options.noise_multiplier)) {
    throw UsageError(fmt::format("noise multiplier {}: expected a finite number above 0",
                                 options.noise_multiplier));
  }
  if (options.reference_runs < 1) {
    throw UsageError(fmt::format("--reference-runs {}: expected a whole number of runs ≥ 1",
                                 options.reference_runs));
  }
  if (!(options.alpha > 0 && options.alpha < 1)) {
    throw UsageError(
        fmt::format("--alpha {}: expected a probability strictly between 0 and 1", options.alpha));
  }
  if (options.looks < 1) {
    throw UsageError(
        "--max-repetitions: the schedule of looks is empty (expected at least the "
        "suite's own repetitions)");
  }
  if (options.metrics.empty()) throw UsageError("--metrics: expected at least one metric name");
  for (const std::string& m : options.metrics) {
    if (FindMetric(m) == nullptr) {
      std::vector<std::string> known;
      for (const MetricInfo& k : KnownMetrics()) known.emplace_back(k.name);
      throw UsageError(fmt::format("--metrics: unknown metric '{}'; known metrics: {}", m,
                                   fmt::format("{}", fmt::join(known, ", "))));
    }
  }
  if (options.workload_filter) {
    try {
      [[maybe_unused]] const std::regex compiled(*options.workload_filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw UsageError(fmt::format("--filter '{}': not a valid regular expression: {}",
                                   *options.workload_filter, e.what()));
    }
  }
}

PooledReference PoolReference(const std::vector<std::vector<double>>& runs) {
  PooledReference ref;
  std::vector<double> medians;
  std::vector<double> spreads;
  for (const std::vector<double>& run : runs) {
    if (run.empty()) continue;
    medians.push_back(stats::Median(run));
    spreads.push_back(stats::RobustRelativeSpread(run));
    ref.repetitions.insert(ref.repetitions.end(), run.begin(), run.end());
  }
  ref.runs = medians.size();
  ref.median = stats::Median(medians);
  // Robust, and honest about a small K: with K ≈ 5 medians the MAD alone is often near 0 (three
  // runs close by chance) and a threshold built on it cries wolf, so the spread is the larger of
  // the MAD's and the standard deviation of the log medians — leaving out, from 4 runs on, the one
  // farthest from their median, so that one outlier run does not make the whole history NOISY.
  double log_sd = 0;
  if (medians.size() > 1 &&
      std::all_of(medians.begin(), medians.end(), [](double m) { return m > 0; })) {
    std::vector<double> logs;
    for (const double m : medians) logs.push_back(std::log(m));
    if (logs.size() >= 4) {
      const double center = stats::Median(logs);
      logs.erase(std::max_element(logs.begin(), logs.end(), [&](double a, double b) {
        return std::abs(a - center) < std::abs(b - center);
      }));
    }
    log_sd = stats::SampleStandardDeviation(logs);
  }
  ref.run_to_run_spread = std::max(stats::RobustRelativeSpread(medians), log_sd);
  ref.within_run_spread = stats::Median(spreads);
  return ref;
}

ThresholdBand BandOf(const MetricComparison& row) {
  return ThresholdBand{.better_below = 1 / (1 + row.threshold), .worse_above = 1 + row.threshold};
}

bool IsDecided(const MetricComparison& row) {
  if (row.verdict == Verdict::kRegressed) return true;
  if (!row.gated || row.verdict == Verdict::kNew) return false;
  if (!row.judged_through.empty()) return true;
  return (row.verdict == Verdict::kUnchanged || row.verdict == Verdict::kImproved) &&
         row.inconclusive_reason.empty();
}

std::string InconclusiveReason(const MetricComparison& row, double alpha) {
  if (row.verdict == Verdict::kRegressed || !IsJudged(row.verdict)) return "";
  if (row.baseline_runs < kMinReferenceRuns) {
    return fmt::format(
        "the reference has {} run(s); at least {} are needed to measure run-to-run noise: record "
        "more runs into the baseline (feedbench baseline record)",
        row.baseline_runs, kMinReferenceRuns);
  }
  const double best_p =
      stats::MinimumExactPValue(row.baseline_repetitions, row.current_repetitions);
  if (!(best_p < alpha)) {
    return fmt::format(
        "{} reference vs {} current repetitions cannot reach p < {} (best possible p = {}): too "
        "few repetitions to judge",
        row.baseline_repetitions, row.current_repetitions, alpha, P(best_p));
  }
  if (row.verdict == Verdict::kNoisy || row.verdict == Verdict::kUncertain) return row.message;
  return "";
}

MetricComparison JudgeMetric(const MetricSamples& samples, const MetricInfo& metric,
                             double tolerance, double alpha, double noise_multiplier) {
  const PooledReference ref = PoolReference(samples.baseline_runs);
  MetricComparison c = MeasureChange(ref, samples, metric, tolerance, noise_multiplier);
  const double worse_superiority = ApplyRankTests(ref, samples, metric, c);
  Decide(c, Weigh(c, alpha), ref, metric, worse_superiority, alpha);
  c.inconclusive_reason = InconclusiveReason(c, alpha);
  // A reason other than the verdict's own message goes first, so that an UNCHANGED row that
  // could not have been anything else does not read as a pass.
  const bool reads_as_decided = c.verdict == Verdict::kUnchanged || c.verdict == Verdict::kImproved;
  if (!c.inconclusive_reason.empty() && c.inconclusive_reason != c.message &&
      (reads_as_decided || c.baseline_runs < kMinReferenceRuns)) {
    c.message = fmt::format("not judged: {}. {}", c.inconclusive_reason, c.message);
  }
  return c;
}

}  // namespace feedbench
