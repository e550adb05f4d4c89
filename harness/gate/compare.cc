#include "harness/gate/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <regex>

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

// The figures of the rule that do not need the rank test: medians, r, change, σ, σ_b and T.
MetricComparison MeasureChange(const PooledReference& ref, const MetricSamples& samples,
                               const MetricInfo& metric, double tolerance) {
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
  c.noise = std::max(c.within_run_spread, c.run_to_run_spread);
  c.baseline_noise = std::max(ref.within_run_spread, c.run_to_run_spread);
  c.tolerance = tolerance;
  c.threshold = std::max(tolerance, 3 * c.noise);
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
  bool noisy = false;  // 3σ_b > 2 × tolerance
};

Evidence Weigh(const MetricComparison& c, double alpha) {
  return Evidence{
      .worse_beyond = c.ratio > 1 + c.threshold,
      .worse_significant = *c.p_worse < alpha,
      .better_beyond = c.ratio < 1 / (1 + c.threshold),
      .better_significant = *c.p_better<alpha, .noisy = 3 * c.baseline_noise> 2 * c.tolerance};
}

// "median -20.0% (100.0 samples/s → 80.0 samples/s)".
std::string ChangeText(const MetricComparison& c, const MetricInfo& metric) {
  return fmt::format("median {} ({} → {})", SignedPct(c.change),
                     FormatMetricValue(metric, *c.baseline_median),
                     FormatMetricValue(metric, *c.current_median));
}

// "threshold 5.0%", or "threshold 6.7% (3σ; tolerance 5.0%)" when noise widened it.
std::string ThresholdText(const MetricComparison& c) {
  return c.threshold > c.tolerance
             ? fmt::format("threshold {} (3σ; tolerance {})", Pct(c.threshold), Pct(c.tolerance))
             : fmt::format("threshold {}", Pct(c.threshold));
}

std::string NoisyMessage(const MetricComparison& c, const PooledReference& ref,
                         const MetricInfo& metric) {
  return fmt::format(
      "the baseline is too noisy to gate at {}: its spread σ = {} (within a run {}, run to run {} "
      "over its {} reference run(s)) makes 3σ = {} more than twice the tolerance; {} is not "
      "judged. Use more repetitions, longer workloads or a quieter node, then re-record",
      Pct(c.tolerance), Pct(c.baseline_noise), Pct(ref.within_run_spread), Pct(c.run_to_run_spread),
      ref.runs, Pct(3 * c.baseline_noise), ChangeText(c, metric));
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

// UNCERTAIN because the rank test finds a change that stays inside T.
void SetUncertainWithin(MetricComparison& c, const MetricInfo& metric, bool worse, double alpha) {
  c.verdict = Verdict::kUncertain;
  const std::string cause =
      c.threshold > c.tolerance
          ? fmt::format(
                "the threshold is widened by noise to {}; quieter runs (smaller σ) "
                "would settle whether it exceeds the tolerance {}",
                Pct(c.threshold), Pct(c.tolerance))
          : std::string(
                "a real change smaller than the tolerance; more repetitions will not "
                "make it exceed the threshold");
  c.message = fmt::format("{}: significantly {} (p = {} < {}) but within the {}: {}",
                          ChangeText(c, metric), Direction(metric, worse), ThresholdText(c),
                          P(worse ? *c.p_worse : *c.p_better), alpha, cause);
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
  } else if (e.worse_significant || e.better_significant) {
    SetUncertainWithin(c, metric, e.worse_significant, alpha);
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
      throw UsageError(
          fmt::format("--metrics: unknown metric '{}'; known metrics: {}", m, Join(known, ", ")));
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
  ref.run_to_run_spread = stats::RobustRelativeSpread(medians);
  ref.within_run_spread = stats::Median(spreads);
  return ref;
}

bool IsDecided(const MetricComparison& row) {
  if (row.verdict == Verdict::kRegressed) return true;
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
                             double tolerance, double alpha) {
  const PooledReference ref = PoolReference(samples.baseline_runs);
  MetricComparison c = MeasureChange(ref, samples, metric, tolerance);
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

std::size_t CompareReport::GatedRows() const { return rows.size() - Count(Verdict::kNew); }

std::size_t CompareReport::JudgedRows() const {
  return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), IsDecided));
}

GateOutcome CompareReport::Outcome() const {
  if (SkippedForFingerprint()) return GateOutcome::kNotCompared;
  const bool failed = std::any_of(rows.begin(), rows.end(),
                                  [](const MetricComparison& r) { return FailsGate(r.verdict); });
  if (failed) return GateOutcome::kFail;
  if (JudgedRows() < GatedRows() || JudgedRows() == 0) return GateOutcome::kInconclusive;
  return GateOutcome::kPass;
}

int CompareReport::ExitCode() const {
  switch (Outcome()) {
    case GateOutcome::kNotCompared:
      return kExitEnvironment;
    case GateOutcome::kFail:
      return kExitFailed;
    case GateOutcome::kInconclusive:
      return options.allow_inconclusive ? kExitOk : kExitInconclusive;
    case GateOutcome::kPass:
      break;
  }
  return kExitOk;
}

namespace {

// Which workloads CompareOptions selects (workload_filter and workloads, as `run` selects them).
class WorkloadSelection {
 public:
  explicit WorkloadSelection(const CompareOptions& options) : names_(options.workloads) {
    if (options.workload_filter) filter_.emplace(*options.workload_filter, std::regex::ECMAScript);
  }
  bool Active() const { return filter_.has_value() || !names_.empty(); }
  bool Selects(std::string_view workload) const {
    const std::string name(workload);
    if (filter_ && !std::regex_search(name, *filter_)) return false;
    return names_.empty() || std::find(names_.begin(), names_.end(), name) != names_.end();
  }

 private:
  std::optional<std::regex> filter_;
  std::vector<std::string> names_;
};

void CheckSameSuiteAndDataset(const Baseline& baseline, const ResultsFile& results) {
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
}

// A report with its sources, options and fingerprint verdict, and no rows yet.
CompareReport EmptyReport(const Baseline& baseline, const ResultsFile& results,
                          const CompareOptions& options) {
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
  return report;
}

// Why a workload with repetitions that are not valid is not compared.
std::string InvalidMessage(const WorkloadResults& w) {
  std::vector<std::string> problems;
  for (const Repetition& r : w.repetitions) {
    if (r.state == RepetitionState::kValid) continue;
    problems.push_back(fmt::format("#{} {}", r.repetition_index,
                                   r.error_message.empty() ? r.label : r.error_message));
  }
  return fmt::format("{} of {} repetitions are not valid and the workload is not compared: {}",
                     problems.size(), w.repetitions.size(), Join(problems, "; "));
}

bool HasCounter(const WorkloadResults& w, std::string_view metric) {
  return std::any_of(w.repetitions.begin(), w.repetitions.end(),
                     [&](const Repetition& r) { return r.counters.contains(std::string(metric)); });
}

// Builds the rows of one comparison: the baseline, results and options it reads, and the
// messages shared by many rows.
class RowBuilder {
 public:
  RowBuilder(const Baseline& baseline, const CompareOptions& options, const CompareReport& report)
      : baseline_(baseline),
        latest_(baseline.Latest()),
        options_(options),
        skip_(report.SkippedForFingerprint()),
        skip_message_(fmt::format(
            "not compared: this machine's fingerprint differs from the baseline's ({}); re-record "
            "the baseline on this machine or pass --ignore-fingerprint",
            Join(report.fingerprint_differences, "; "))) {}

  // The rows of a workload of the results, one per gated metric that applies to it.
  void AddWorkload(const WorkloadResults& w, std::vector<MetricComparison>& rows) const {
    const bool in_baseline = latest_.workloads.contains(w.name);
    // Disturbed repetitions are left out of the values judged (the coordinator reran them);
    // failed or contaminated ones make the workload's figures unusable.
    const bool valid = w.Judgeable();
    const std::string invalid_message = valid ? std::string() : InvalidMessage(w);
    for (const std::string& name : options_.metrics) {
      const MetricInfo& metric = *FindMetric(name);
      const std::vector<double>* base = in_baseline ? latest_.Values(w.name, name) : nullptr;
      if (base == nullptr && !HasCounter(w, name)) continue;  // not applicable to this workload
      if (skip_) {
        rows.push_back(Row(w.name, metric, Verdict::kSkipped, skip_message_));
      } else if (!valid) {
        rows.push_back(Row(w.name, metric, Verdict::kInvalid, invalid_message));
      } else {
        rows.push_back(Judge(w, metric, base != nullptr, in_baseline));
      }
    }
  }

  // The rows of a workload of the baseline's latest run that the results lack: MISSING.
  void AddVanishedWorkload(const std::string& workload, std::vector<MetricComparison>& rows) const {
    for (const std::string& name : options_.metrics) {
      if (latest_.Values(workload, name) == nullptr) continue;
      const MetricInfo& metric = *FindMetric(name);
      rows.push_back(skip_ ? Row(workload, metric, Verdict::kSkipped, skip_message_)
                           : Row(workload, metric, Verdict::kMissing,
                                 "in the baseline's latest run but not in the results: the gate "
                                 "fails rather than pass without it. Leave it out on purpose "
                                 "with --filter, or record a new baseline if it was removed "
                                 "from the suite"));
    }
  }

 private:
  // The reference runs of a workload's counter: their numbers (1..) and their repetitions.
  std::pair<std::vector<std::size_t>, std::vector<std::vector<double>>> Reference(
      const std::string& workload, std::string_view metric) const {
    std::vector<std::size_t> numbers;
    std::vector<std::vector<double>> runs;
    for (const std::size_t i :
         baseline_.ReferenceRunIndices(workload, metric, options_.reference_runs)) {
      numbers.push_back(i + 1);
      runs.push_back(*baseline_.runs[i].Values(workload, metric));
    }
    return {std::move(numbers), std::move(runs)};
  }

  // A row the threshold rule does not judge, with what the reference knows about it.
  MetricComparison Row(const std::string& workload, const MetricInfo& metric, Verdict verdict,
                       std::string message) const {
    MetricComparison c;
    c.workload = workload;
    c.metric = std::string(metric.name);
    c.verdict = verdict;
    c.tolerance = options_.ToleranceFor(metric);
    c.threshold = c.tolerance;
    auto [numbers, runs] = Reference(workload, metric.name);
    if (!runs.empty()) {
      const PooledReference ref = PoolReference(runs);
      c.baseline_median = ref.median;
      c.baseline_repetitions = ref.repetitions.size();
      c.baseline_runs = ref.runs;
      c.reference_runs = std::move(numbers);
    }
    c.message = std::move(message);
    return c;
  }

  // A valid workload's metric: NEW, MISSING (the counter vanished), or the threshold rule.
  MetricComparison Judge(const WorkloadResults& w, const MetricInfo& metric, bool in_latest_run,
                         bool workload_in_baseline) const {
    const std::string name(metric.name);
    const std::vector<double> current = w.Values(name);
    if (!in_latest_run) {
      MetricComparison c =
          Row(w.name, metric, Verdict::kNew,
              workload_in_baseline ? "the baseline's latest run has no such counter for this "
                                     "workload"
                                   : "no such workload in the baseline's latest run; record a "
                                     "baseline to gate it");
      c.current_median = stats::Median(current);
      c.current_repetitions = current.size();
      return c;
    }
    if (current.empty()) {
      return Row(w.name, metric, Verdict::kMissing,
                 "the baseline's latest run has this counter for this workload but the results "
                 "do not: the gate fails rather than pass without it");
    }
    auto [numbers, runs] = Reference(w.name, name);
    MetricComparison c = JudgeMetric(MetricSamples{std::move(runs), current}, metric,
                                     options_.ToleranceFor(metric), options_.AlphaPerLook());
    c.workload = w.name;
    c.metric = name;
    c.reference_runs = std::move(numbers);
    return c;
  }

  const Baseline& baseline_;
  const BaselineRun& latest_;
  const CompareOptions& options_;
  const bool skip_;
  const std::string skip_message_;
};

// The baseline runs that formed some row's reference, oldest first.
std::vector<ReferenceRun> UsedReferenceRuns(const Baseline& baseline,
                                            const std::vector<MetricComparison>& rows) {
  std::vector<bool> used(baseline.runs.size(), false);
  for (const MetricComparison& r : rows) {
    for (const std::size_t n : r.reference_runs) used[n - 1] = true;
  }
  std::vector<ReferenceRun> out;
  for (std::size_t i = 0; i < used.size(); ++i) {
    if (used[i]) out.push_back({i + 1, baseline.runs[i].date, baseline.runs[i].source});
  }
  return out;
}

// Every workload name of the baseline's latest run, then the results' new ones, each once.
std::vector<std::string> AllWorkloads(const BaselineRun& latest, const ResultsFile& results) {
  std::vector<std::string> names;
  for (const auto& [workload, counters] : latest.workloads) names.push_back(workload);
  for (const WorkloadResults& w : results.workloads) {
    if (!latest.workloads.contains(w.name)) names.push_back(w.name);
  }
  return names;
}

}  // namespace

CompareReport CompareResults(const Baseline& baseline, const ResultsFile& results,
                             const CompareOptions& options) {
  ValidateOptions(options);
  CheckSameSuiteAndDataset(baseline, results);
  CompareReport report = EmptyReport(baseline, results, options);
  const WorkloadSelection selection(options);
  const std::vector<std::string> all = AllWorkloads(baseline.Latest(), results);
  for (const std::string& name : all) {
    if (!selection.Selects(name)) report.excluded_workloads.push_back(name);
  }
  if (selection.Active() && report.excluded_workloads.size() == all.size()) {
    const std::string selection_text =
        options.workload_filter
            ? fmt::format("--filter '{}'", *options.workload_filter)
            : fmt::format("the workload selection ({})", Join(options.workloads, ", "));
    throw UsageError(
        fmt::format("{}: matches no workload of the baseline or of results {}; workloads: {}",
                    selection_text, results.source, Join(all, ", ")));
  }

  const RowBuilder rows(baseline, options, report);
  for (const WorkloadResults& w : results.workloads) {
    if (selection.Selects(w.name)) rows.AddWorkload(w, report.rows);
  }
  for (const auto& [workload, counters] : baseline.Latest().workloads) {
    if (selection.Selects(workload) && results.Find(workload) == nullptr) {
      rows.AddVanishedWorkload(workload, report.rows);
    }
  }
  report.reference_runs = UsedReferenceRuns(baseline, report.rows);
  report.baseline_run_count = baseline.runs.size();
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
