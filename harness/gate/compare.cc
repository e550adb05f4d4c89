#include "harness/gate/compare.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <regex>

#include "harness/base/errors.h"
#include "harness/base/statistics.h"
#include "harness/base/units.h"

namespace feedbench {

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

std::size_t CompareReport::GatedRows() const {
  return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), [](const auto& r) {
    return r.verdict == Verdict::kRegressed || (r.gated && r.verdict != Verdict::kNew);
  }));
}

std::size_t CompareReport::JudgedRows() const {
  return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), IsDecided));
}

GateOutcome CompareReport::Outcome() const {
  if (SkippedForFingerprint()) return GateOutcome::kNotCompared;
  const bool failed = std::any_of(rows.begin(), rows.end(), [](const MetricComparison& r) {
    return FailsGate(r.verdict) && (r.gated || r.verdict == Verdict::kRegressed);
  });
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
                     problems.size(), w.repetitions.size(),
                     fmt::format("{}", fmt::join(problems, "; ")));
}

// A figure measured beside the workload rather than of it: the probe's and the warm control's.
bool IsControlMetric(std::string_view metric) {
  return metric == InfoOf(Metric::kProbeBytesPerSecond).name ||
         metric == InfoOf(Metric::kProbeEfficiencyPct).name ||
         metric == InfoOf(Metric::kWarmSamplesPerSecond).name ||
         metric == InfoOf(Metric::kWarmEfficiencyPct).name;
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
            fmt::format("{}", fmt::join(report.fingerprint_differences, "; ")))) {}

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
    if (current.empty() && IsControlMetric(name)) {
      // A control is the node's beside the workload, not the workload's own figure: a run
      // without it (no fio, --probe off, --warm-control off) is judged on its own figures.
      MetricComparison c = Row(w.name, metric, Verdict::kSkipped,
                               fmt::format("not gated: this run has no {} figures for this "
                                           "workload (the results' context or the repetitions' "
                                           "labels say why); its own figures are judged alone",
                                           name.starts_with("probe") ? "probe" : "warm control"));
      c.gated = false;
      return c;
    }
    if (current.empty()) {
      return Row(w.name, metric, Verdict::kMissing,
                 "the baseline's latest run has this counter for this workload but the results "
                 "do not: the gate fails rather than pass without it");
    }
    auto [numbers, runs] = Reference(w.name, name);
    MetricComparison c = JudgeMetric(MetricSamples{std::move(runs), current}, metric,
                                     options_.ToleranceFor(metric), options_.AlphaPerLook(),
                                     options_.noise_multiplier);
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

// Through a control (judge.h is per row; this is per workload): a workload's throughput rows
// (samples_per_second, bytes_per_second) and its normalised rows, the same throughput divided by
// a control measured beside each repetition: probe_efficiency_pct (the probe's fio run seconds
// before it) and warm_efficiency_pct (the warm control right after it). A normalised row is gated
// only where it narrows the spread: when its reference noise σ_b (the part no repetition narrows)
// is below the workload's own (samples_per_second's); otherwise it is reported, not gated, unless
// REGRESSED. Where it narrows, is decided, and judges at least as sharply as the gate was asked
// to — its threshold T within twice the tolerance (where NOISY begins) and no wider than the
// throughput row's own — each throughput row the rule could not decide alone (NOISY, UNCERTAIN,
// or unjudged) and that did not regress is decided through it: judged_through is set and the
// message says so. The controls are tried narrowest σ_b first. A REGRESSED control row fails the
// gate only where the workload's own samples_per_second is also worse than its reference by more
// than the tolerance (or REGRESSED); otherwise the control moved and the delivered throughput did
// not, and the row is reported as UNCERTAIN, not gated. A normalised row that narrows but
// is still too wide (few repetitions: its within-run part shrinks as they are added) leaves the
// throughput rows undecided, saying why, so that `run --compare` adds repetitions. A REGRESSED
// throughput row stays REGRESSED: a change the control shares (the device, for the probe; the
// loader's own speed, for the warm control) moves both, so only the workload's own figures can
// show it.
struct Control {
  Metric metric;
  std::string_view what;    // "the probe"
  std::string_view shared;  // what moves the control too, and where that shows
};

constexpr std::array<Control, 2> kControls{{
    {Metric::kProbeEfficiencyPct, "the probe",
     "a change of the device itself moves the probe too and shows in probe_bytes_per_second"},
    {Metric::kWarmEfficiencyPct, "the warm control",
     "a change of the loader's own speed (CPU, memory) moves the warm read too and shows in "
     "warm_samples_per_second"},
}};

const Control* ControlOf(std::string_view metric) {
  for (const Control& c : kControls) {
    if (InfoOf(c.metric).name == metric) return &c;
  }
  return nullptr;
}

void JudgeThroughControls(std::vector<MetricComparison>& rows) {
  const std::string samples(InfoOf(Metric::kSamplesPerSecond).name);
  const std::string bytes(InfoOf(Metric::kBytesPerSecond).name);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (ControlOf(rows[i].metric) != nullptr) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return rows[a].baseline_noise < rows[b].baseline_noise;
  });
  for (const std::size_t index : order) {
    MetricComparison& eff = rows[index];
    if (!IsJudged(eff.verdict) || !eff.gated) continue;
    const Control& control = *ControlOf(eff.metric);
    const auto own = std::find_if(rows.begin(), rows.end(), [&](const MetricComparison& r) {
      return r.workload == eff.workload && r.metric == samples && IsJudged(r.verdict);
    });
    if (own == rows.end()) continue;
    const double own_noise = own->baseline_noise;
    const double own_threshold = own->threshold;
    if (eff.verdict == Verdict::kRegressed) {
      // The workload against its control is worse; whether the workload delivered less is its
      // own row's to say. Where its own median is within the tolerance of its reference (or
      // better), the control moved, not the workload: a node whose CPUs sped up leaves an
      // I/O-bound cold read where it was and lifts only the warm read. Reported, not gated.
      if (own->verdict != Verdict::kRegressed && own->ratio <= 1 + own->tolerance) {
        eff.verdict = Verdict::kUncertain;
        eff.gated = false;
        eff.inconclusive_reason.clear();
        eff.message = fmt::format(
            "not gated: worse against {}, but the workload's own samples_per_second changed "
            "{:+.1f}% against its reference, within the tolerance {}: the control moved, not "
            "the delivered throughput; reported. {}",
            control.what, 100 * own->change, FormatPercent(own->tolerance), eff.message);
      }
      continue;
    }
    if (!(eff.baseline_noise < own_noise)) {
      eff.gated = false;
      eff.inconclusive_reason.clear();
      eff.message = fmt::format(
          "not gated: against {} the reference spreads σ_b = {}, no narrower than the "
          "workload's own {}; reported. {}",
          control.what, FormatPercent(eff.baseline_noise), FormatPercent(own_noise), eff.message);
      continue;
    }
    const bool sharp_enough = eff.threshold <= 2 * eff.tolerance && eff.threshold <= own_threshold;
    for (MetricComparison& r : rows) {
      if (r.workload != eff.workload || (r.metric != samples && r.metric != bytes)) continue;
      if (!IsJudged(r.verdict) || r.verdict == Verdict::kRegressed || IsDecided(r)) continue;
      if (!IsDecided(eff)) continue;
      if (!sharp_enough) {
        r.message = fmt::format(
            "{}. Not yet judged through {}: {} is {} but at a threshold of {} (its "
            "within-run part; more repetitions narrow it), wider than {}",
            r.message, control.what, eff.metric, VerdictName(eff.verdict),
            FormatPercent(eff.threshold),
            eff.threshold > 2 * eff.tolerance ? "twice the tolerance" : "this row's own threshold");
        if (!r.inconclusive_reason.empty()) r.inconclusive_reason = r.message;
        continue;
      }
      r.judged_through = eff.metric;
      r.inconclusive_reason.clear();
      r.message = fmt::format(
          "{}. Judged through {}: {} is {} at a threshold of {} (σ_b {} against {} alone); {}",
          r.message, control.what, eff.metric, VerdictName(eff.verdict),
          FormatPercent(eff.threshold), FormatPercent(eff.baseline_noise),
          FormatPercent(own_noise), control.shared);
    }
  }
}

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
            : fmt::format("the workload selection ({})",
                          fmt::format("{}", fmt::join(options.workloads, ", ")));
    throw UsageError(
        fmt::format("{}: matches no workload of the baseline or of results {}; workloads: {}",
                    selection_text, results.source, fmt::format("{}", fmt::join(all, ", "))));
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
  JudgeThroughControls(report.rows);
  report.reference_runs = UsedReferenceRuns(baseline, report.rows);
  report.baseline_run_count = baseline.runs.size();
  if (report.rows.empty()) {
    throw UsageError(fmt::format(
        "none of the gated metrics ({}) appear in the baseline or in results {}; choose others "
        "with --metrics",
        fmt::format("{}", fmt::join(options.metrics, ", ")), results.source));
  }
  return report;
}

CompareReport CompareFiles(const Baseline& baseline, const nlohmann::json& results,
                           std::string_view results_source, const CompareOptions& options) {
  return CompareResults(baseline, ParseResults(results, results_source), options);
}

}  // namespace feedbench
