#include "harness/gate/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "harness/base/errors.h"
#include "harness/base/statistics.h"

namespace feedbench {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string Pct(double fraction) {
  if (!std::isfinite(fraction)) return fraction > 0 ? "+inf%" : "-inf%";
  return fmt::format("{:.1f}%", fraction * 100);
}

std::string SignedPct(double fraction) {
  if (!std::isfinite(fraction)) return fraction > 0 ? "+inf%" : "-inf%";
  return fmt::format("{:+.1f}%", fraction * 100);
}

std::string P(double p) { return p < 0.001 ? fmt::format("{:.1e}", p) : fmt::format("{:.3f}", p); }

// a ÷ b with the conventions of the header: 0/0 = 1, x/0 = +inf.
double Ratio(double a, double b) {
  if (b == 0) return a == 0 ? 1 : (a > 0 ? kInf : 0);
  return a / b;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
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

double CompareOptions::ToleranceFor(const MetricInfo& metric) const {
  return metric.tolerance_class == ToleranceClass::kThroughput ? tolerance_throughput
                                                               : tolerance_await;
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
  if (!(options.alpha > 0 && options.alpha < 1)) {
    throw UsageError(
        fmt::format("--alpha {}: expected a probability strictly between 0 and 1", options.alpha));
  }
  if (options.metrics.empty()) throw UsageError("--metrics: expected at least one metric name");
  for (const std::string& m : options.metrics) {
    if (FindMetric(m) == nullptr) {
      std::vector<std::string> known;
      for (const MetricInfo& k : KnownMetrics()) known.emplace_back(k.name);
      throw UsageError(
          fmt::format("--metrics: unknown metric '{}'; known metrics: {}", m, Join(known, ", ")));
    }
  }
}

MetricComparison JudgeMetric(const MetricSamples& samples, const MetricInfo& metric,
                             double tolerance, double alpha) {
  MetricComparison c;
  const std::vector<double>& base = samples.baseline_runs.back();
  const std::vector<double>& cur = samples.current;
  const bool higher_better = metric.orientation == Orientation::kHigherIsBetter;

  const double base_median = stats::Median(base);
  const double cur_median = stats::Median(cur);
  c.baseline_median = base_median;
  c.current_median = cur_median;
  c.baseline_repetitions = base.size();
  c.current_repetitions = cur.size();
  c.baseline_runs = samples.baseline_runs.size();
  c.change = Ratio(cur_median, base_median) - 1;
  c.ratio = higher_better ? Ratio(base_median, cur_median) : Ratio(cur_median, base_median);

  std::vector<double> run_medians;
  for (const auto& run : samples.baseline_runs) {
    if (!run.empty()) run_medians.push_back(stats::Median(run));
  }
  const double base_spread = stats::RobustRelativeSpread(base);
  c.within_run_spread = std::max(base_spread, stats::RobustRelativeSpread(cur));
  c.run_to_run_spread = stats::RobustRelativeSpread(run_medians);
  c.noise = std::max(c.within_run_spread, c.run_to_run_spread);
  c.baseline_noise = std::max(base_spread, c.run_to_run_spread);
  c.tolerance = tolerance;
  c.threshold = std::max(tolerance, 3 * c.noise);

  using stats::Alternative;
  const auto towards_higher = stats::MannWhitneyU(cur, base, Alternative::kGreater);
  const auto towards_lower = stats::MannWhitneyU(cur, base, Alternative::kLess);
  c.p_worse = higher_better ? towards_lower.p_value : towards_higher.p_value;
  c.p_better = higher_better ? towards_higher.p_value : towards_lower.p_value;
  c.p_value = c.ratio >= 1 ? c.p_worse : c.p_better;
  // Probability that a current repetition beats (is higher than) a baseline one; ties count 1/2.
  const double higher_share =
      towards_higher.u_x / (static_cast<double>(cur.size()) * static_cast<double>(base.size()));
  const double worse_superiority = higher_better ? 1 - higher_share : higher_share;

  const bool worse_beyond = c.ratio > 1 + c.threshold;
  const bool worse_significant = *c.p_worse < alpha;
  const bool better_beyond = c.ratio < 1 / (1 + c.threshold);
  const bool better_significant = *c.p_better < alpha;
  const bool noisy = 3 * c.baseline_noise > 2 * tolerance;

  const std::string change_text =
      fmt::format("median {} ({} → {})", SignedPct(c.change),
                  FormatMetricValue(metric, base_median), FormatMetricValue(metric, cur_median));
  const std::string threshold_text =
      c.threshold > tolerance
          ? fmt::format("threshold {} (3σ; tolerance {})", Pct(c.threshold), Pct(tolerance))
          : fmt::format("threshold {}", Pct(c.threshold));

  if (worse_beyond && worse_significant) {
    c.verdict = Verdict::kRegressed;
    c.message = fmt::format("{}: worse by more than the {}, and p = {} < {}", change_text,
                            threshold_text, P(*c.p_worse), alpha);
    return c;
  }
  if (noisy) {
    c.verdict = Verdict::kNoisy;
    c.message = fmt::format(
        "the baseline is too noisy to gate at {}: its spread σ = {} (within its latest run {}, "
        "run to run {}) makes 3σ = {} more than twice the tolerance; {} is not judged. Use more "
        "repetitions, longer workloads or a quieter node, then re-record",
        Pct(tolerance), Pct(c.baseline_noise), Pct(base_spread), Pct(c.run_to_run_spread),
        Pct(3 * c.baseline_noise), change_text);
    return c;
  }
  if (better_beyond && better_significant) {
    c.verdict = Verdict::kImproved;
    c.message = fmt::format("{}: better by more than the {}, and p = {} < {}", change_text,
                            threshold_text, P(*c.p_better), alpha);
    return c;
  }
  if (worse_beyond || better_beyond) {
    c.verdict = Verdict::kUncertain;
    const bool worse = worse_beyond;
    const double superiority = worse ? worse_superiority : 1 - worse_superiority;
    c.repetitions_to_settle = stats::RepetitionsToSettle(superiority, alpha);
    c.message = fmt::format("{}: {} beyond the {}, but not significant (p = {} ≥ {}): {}",
                            change_text, Direction(metric, worse), threshold_text,
                            P(worse ? *c.p_worse : *c.p_better), alpha, SettleAdvice(c, alpha));
    return c;
  }
  if (worse_significant || better_significant) {
    c.verdict = Verdict::kUncertain;
    const bool worse = worse_significant;
    const std::string cause =
        c.threshold > tolerance
            ? fmt::format(
                  "the threshold is widened by noise to {}; quieter runs (smaller σ) "
                  "would settle whether it exceeds the tolerance {}",
                  Pct(c.threshold), Pct(tolerance))
            : std::string(
                  "a real change smaller than the tolerance; more repetitions will not "
                  "make it exceed the threshold");
    c.message = fmt::format("{}: significantly {} (p = {} < {}) but within the {}: {}", change_text,
                            Direction(metric, worse), threshold_text,
                            P(worse ? *c.p_worse : *c.p_better), alpha, cause);
    return c;
  }
  c.verdict = Verdict::kUnchanged;
  c.message = fmt::format("{}: within the {} (p worse = {}, p better = {})", change_text,
                          threshold_text, P(*c.p_worse), P(*c.p_better));
  return c;
}

std::size_t CompareReport::Count(Verdict verdict) const {
  return static_cast<std::size_t>(std::count_if(
      rows.begin(), rows.end(), [&](const MetricComparison& r) { return r.verdict == verdict; }));
}

std::vector<std::string> CompareReport::RegressedWorkloads() const {
  std::vector<std::string> out;
  for (const MetricComparison& r : rows) {
    if (r.verdict == Verdict::kRegressed &&
        std::find(out.begin(), out.end(), r.workload) == out.end()) {
      out.push_back(r.workload);
    }
  }
  return out;
}

int CompareReport::ExitCode() const {
  if (SkippedForFingerprint()) return kExitEnvironment;
  if (Count(Verdict::kRegressed) > 0 || Count(Verdict::kInvalid) > 0) return kExitFailed;
  return kExitOk;
}

CompareReport CompareResults(const Baseline& baseline, const ResultsFile& results,
                             const CompareOptions& options) {
  ValidateOptions(options);
  if (results.suite != baseline.suite) {
    throw UsageError(fmt::format("results {} are of suite {}, but the baseline is for suite {}",
                                 results.source, results.suite, baseline.suite));
  }
  if (results.dataset_hash != baseline.dataset_hash) {
    throw UsageError(fmt::format(
        "results {} have dataset hash {}, but the baseline's is {}: the suite's dataset changed, "
        "record a new baseline",
        results.source, results.dataset_hash, baseline.dataset_hash));
  }
  CompareReport report;
  report.baseline_source = baseline.source;
  report.results_source = results.source;
  report.suite = results.suite;
  report.dataset_hash = results.dataset_hash;
  report.options = options;
  report.fingerprint_differences =
      FingerprintMismatches(baseline.machine, baseline.device, results.machine, results.device);
  report.fingerprint_ignored =
      !report.fingerprint_differences.empty() && options.ignore_fingerprint;

  const BaselineRun& latest = baseline.Latest();
  auto row = [&](const std::string& workload, const MetricInfo& metric, Verdict verdict,
                 std::string message) {
    MetricComparison c;
    c.workload = workload;
    c.metric = std::string(metric.name);
    c.verdict = verdict;
    c.tolerance = options.ToleranceFor(metric);
    c.threshold = c.tolerance;
    c.baseline_runs = baseline.runs.size();
    if (const auto* b = latest.Values(workload, metric.name)) {
      c.baseline_median = stats::Median(*b);
      c.baseline_repetitions = b->size();
    }
    c.message = std::move(message);
    return c;
  };
  auto has_counter = [](const WorkloadResults& w, std::string_view metric) {
    return std::any_of(w.repetitions.begin(), w.repetitions.end(), [&](const Repetition& r) {
      return r.counters.contains(std::string(metric));
    });
  };

  const bool skip = report.SkippedForFingerprint();
  const std::string skip_message = fmt::format(
      "not compared: this machine's fingerprint differs from the baseline's ({}); re-record the "
      "baseline on this machine or pass --ignore-fingerprint",
      Join(report.fingerprint_differences, "; "));

  for (const WorkloadResults& w : results.workloads) {
    const bool in_baseline = latest.workloads.contains(w.name);
    const bool valid = w.AllValid();
    std::string invalid_message;
    if (!valid) {
      std::vector<std::string> problems;
      for (const Repetition& r : w.repetitions) {
        if (r.state == RepetitionState::kValid) continue;
        problems.push_back(fmt::format("#{} {}", r.repetition_index,
                                       r.error_message.empty() ? r.label : r.error_message));
      }
      invalid_message =
          fmt::format("{} of {} repetitions are not valid and the workload is not compared: {}",
                      problems.size(), w.repetitions.size(), Join(problems, "; "));
    }
    for (const std::string& name : options.metrics) {
      const MetricInfo& metric = *FindMetric(name);
      const std::vector<double>* base = in_baseline ? latest.Values(w.name, name) : nullptr;
      const bool in_current = has_counter(w, name);
      if (base == nullptr && !in_current) continue;  // not applicable to this workload
      if (skip) {
        report.rows.push_back(row(w.name, metric, Verdict::kSkipped, skip_message));
        continue;
      }
      if (!valid) {
        report.rows.push_back(row(w.name, metric, Verdict::kInvalid, invalid_message));
        continue;
      }
      const std::vector<double> current = w.Values(name);
      if (base == nullptr) {
        MetricComparison c =
            row(w.name, metric, Verdict::kNew,
                in_baseline ? "the baseline's latest run has no such counter for this workload"
                            : "no such workload in the baseline's latest run; record a baseline to "
                              "gate it");
        c.current_median = stats::Median(current);
        c.current_repetitions = current.size();
        report.rows.push_back(std::move(c));
        continue;
      }
      if (current.empty()) {
        report.rows.push_back(row(w.name, metric, Verdict::kMissing,
                                  "the results have no such counter for this workload"));
        continue;
      }
      MetricSamples samples;
      for (const BaselineRun& run : baseline.runs) {
        if (const auto* v = run.Values(w.name, name)) samples.baseline_runs.push_back(*v);
      }
      samples.current = current;
      MetricComparison c =
          JudgeMetric(samples, metric, options.ToleranceFor(metric), options.alpha);
      c.workload = w.name;
      c.metric = name;
      report.rows.push_back(std::move(c));
    }
  }
  for (const auto& [workload, counters] : latest.workloads) {
    if (results.Find(workload) != nullptr) continue;
    for (const std::string& name : options.metrics) {
      if (latest.Values(workload, name) == nullptr) continue;
      const MetricInfo& metric = *FindMetric(name);
      report.rows.push_back(
          skip ? row(workload, metric, Verdict::kSkipped, skip_message)
               : row(workload, metric, Verdict::kMissing,
                     "in the baseline's latest run but not in the results (filtered out, or "
                     "removed from the suite?)"));
    }
  }
  if (report.rows.empty()) {
    throw UsageError(fmt::format(
        "none of the gated metrics ({}) appear in the baseline or in results {}; choose others "
        "with --metrics",
        Join(options.metrics, ", "), results.source));
  }
  return report;
}

CompareReport CompareFiles(const Baseline& baseline, const nlohmann::json& results,
                           std::string_view results_source, const CompareOptions& options) {
  return CompareResults(baseline, ParseResults(results, results_source), options);
}

}  // namespace feedbench
