#include "harness/gate/layout_decision.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "harness/base/statistics.h"

namespace feedbench {
namespace {

std::optional<double> MedianOf(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  return stats::Median(values);
}

// The dataset a reader workload reads: its own layout's (a packed layout's of its shard size),
// tmpfs staging the files dataset.
const DatasetUse* DatasetOf(const SuiteRun& run, const SuiteWorkload& w) {
  const Layout on_disk = w.layout == Layout::kTmpfs ? Layout::kFiles : w.layout;
  for (const DatasetUse& d : run.datasets) {
    if (d.layout == on_disk && (w.shard_bytes == 0 || d.shard_bytes == w.shard_bytes)) return &d;
  }
  return nullptr;
}

std::string Times(double ratio) { return fmt::format("{:.2f}×", ratio); }

std::string Recommend(const LayoutDecision& d) {
  // The fastest layout by median samples/s among those decided FASTER than the reference (or the
  // reference itself when none is), and what is still open.
  const LayoutRow* best = nullptr;
  std::vector<std::string> open, same;
  for (const LayoutRow& row : d.rows) {
    if (row.reference) continue;
    if (!row.comparison) continue;
    const AbComparison& c = *row.comparison;
    if (c.verdict == AbVerdict::kInconclusive) {
      open.push_back(row.workload);
    } else if (c.verdict == AbVerdict::kSame) {
      same.push_back(row.workload);
    } else if (c.verdict == AbVerdict::kFaster &&
               (best == nullptr || *c.ratio > *best->comparison->ratio)) {
      best = &row;
    }
  }
  std::string line;
  if (best != nullptr) {
    const AbComparison& c = *best->comparison;
    line = fmt::format("{} delivers the most: {} the samples/s of {} (interval {}–{}, {:.4g}% "
                       "confidence, {} rounds)",
                       best->workload, Times(*c.ratio), d.reference, Times(*c.lower),
                       Times(*c.upper), 100 * c.confidence, c.rounds.size());
  } else {
    line = fmt::format("no layout was shown faster than {}", d.reference);
  }
  if (!same.empty()) {
    std::string names;
    for (const std::string& n : same) names += (names.empty() ? "" : ", ") + n;
    line += fmt::format("; the same as {} within ±{:g}%: {}", d.reference, 100 * d.margin, names);
  }
  const LayoutRow* most_fed = nullptr;
  for (const LayoutRow& row : d.rows) {
    if (row.fed && (most_fed == nullptr || row.fed->fed > most_fed->fed->fed)) most_fed = &row;
  }
  if (most_fed != nullptr) {
    line += fmt::format("; {} feeds the most accelerators at AU ≥ 90%: {}{}", most_fed->workload,
                        most_fed->fed->capped ? "≥ " : "", most_fed->fed->fed);
  }
  if (open.empty()) {
    line += "; every comparison decided";
  } else {
    std::string names;
    for (const std::string& n : open) names += (names.empty() ? "" : ", ") + n;
    line += fmt::format("; not decided: {} (more rounds, or a wider --margin, would settle them)",
                        names);
  }
  return line;
}

}  // namespace

std::vector<AbComparison> CompareLayouts(const SuiteRun& run, const std::string& reference,
                                         const AbOptions& options) {
  std::vector<AbComparison> out;
  const auto ref = std::find_if(run.workloads.begin(), run.workloads.end(),
                                [&](const WorkloadRun& w) { return w.workload.name == reference; });
  if (ref == run.workloads.end()) return out;
  const RoundValues ref_values = RoundValuesOf(*ref, options.metric);
  for (const WorkloadRun& w : run.workloads) {
    if (w.workload.kind != WorkloadKind::kReader || w.workload.name == reference) continue;
    out.push_back(CompareInRounds(w.workload.name, RoundValuesOf(w, options.metric), reference,
                                  ref_values, options));
  }
  return out;
}

LayoutDecision DecideLayouts(const SuiteRun& run, const std::vector<Efficiency>& efficiencies,
                             const std::string& reference,
                             const std::vector<AbComparison>& comparisons,
                             const AbOptions& options, const FedFigures* fed) {
  LayoutDecision d;
  if (fed != nullptr) d.accelerator = fed->accelerator;
  d.suite = run.suite.name;
  d.reference = reference;
  d.metric = options.metric;
  d.margin = options.margin;
  d.alpha = options.alpha;
  d.alpha_per_look = options.AlphaPerLook();
  d.rounds = run.rounds;
  d.order_seed = run.order_seed;
  d.all_decided = true;
  for (const WorkloadRun& w : run.workloads) {
    if (w.workload.kind != WorkloadKind::kReader) continue;
    LayoutRow row;
    row.workload = w.workload.name;
    row.layout = std::string(LayoutName(w.workload.layout));
    row.order = std::string(OrderName(w.workload.order));
    row.repetitions = static_cast<int>(w.measurements.size());
    row.valid_repetitions = static_cast<int>(
        std::count_if(w.measurements.begin(), w.measurements.end(),
                      [](const RepetitionMeasurement& m) { return m.valid(); }));
    row.samples_per_second = ValidSpread(w, "samples_per_second");
    row.bytes_per_second = ValidSpread(w, "bytes_per_second");
    row.reference = w.workload.name == reference;
    for (const AbComparison& c : comparisons) {
      if (c.candidate != row.workload) continue;
      row.comparison = c;
      if (c.verdict == AbVerdict::kInconclusive) d.all_decided = false;
    }
    if (const auto probe = MedianOf(ValidValues(w, "probe_efficiency_pct"))) {
      row.efficiency_pct = probe;
      row.efficiency_basis = "probe";
    } else {
      for (const Efficiency& e : efficiencies) {
        if (e.workload != row.workload) continue;
        row.efficiency_pct = 100 * e.ratio;
        row.efficiency_basis = e.ceiling;
      }
    }
    row.r_await_ms = MedianOf(ValidValues(w, "r_await_ms"));
    row.aqu_sz = MedianOf(ValidValues(w, "aqu_sz"));
    if (const DatasetUse* data = DatasetOf(run, w.workload)) {
      row.dataset_reused = data->reused;
      if (data->creation_sec > 0) row.create_sec = data->creation_sec;
      row.payload_bytes = data->total_bytes;
      if (data->disk_bytes > 0) row.disk_bytes = data->disk_bytes;
    }
    if (fed != nullptr) {
      const auto it = fed->by_workload.find(row.workload);
      if (it != fed->by_workload.end()) row.fed = it->second;
    }
    d.rows.push_back(std::move(row));
  }
  d.recommendation = Recommend(d);
  return d;
}

}  // namespace feedbench
