#include "harness/results/gbench_adapter.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <sstream>

#include "harness/base/errors.h"
#include "harness/base/json_non_finite.h"

namespace feedbench {
namespace {

// Forwards everything to Google Benchmark's JSONReporter writing into a string; prints nothing.
class CapturingReporter : public benchmark::BenchmarkReporter {
 public:
  CapturingReporter() {
    json_.SetOutputStream(&out_);
    json_.SetErrorStream(&err_);
  }
  bool ReportContext(const Context& context) override { return json_.ReportContext(context); }
  void ReportRuns(const std::vector<Run>& runs) override { json_.ReportRuns(runs); }
  void Finalize() override { json_.Finalize(); }
  std::string Text() const { return out_.str(); }

 private:
  benchmark::JSONReporter json_;
  std::ostringstream out_, err_;
};

void InitializeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Google Benchmark reads its own flags from argv; give it none so ours stay ours.
    // It keeps argv[0] (the "executable" of the context), so the storage must outlive the run.
    static char name[] = "feedbench";
    static char* argv[] = {name, nullptr};
    int argc = 1;
    benchmark::Initialize(&argc, argv);
  });
}

// The order in which to replay a workload's repetitions: file order, except that a valid one goes
// first when the first is not valid. Google Benchmark 1.7's ComputeStats reads the statistics of
// the first run, which it leaves unset on a skipped run, and crashes when at least two others are
// valid; ToGoogleBenchmarkJson restores file order afterwards (the aggregates do not depend on it).
std::vector<size_t> ReplayOrder(const WorkloadResults& workload) {
  std::vector<size_t> order(workload.repetitions.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto valid =
      std::find_if(workload.repetitions.begin(), workload.repetitions.end(),
                   [](const Repetition& r) { return r.state == RepetitionState::kValid; });
  if (valid != workload.repetitions.end() && valid != workload.repetitions.begin()) {
    const size_t first_valid = static_cast<size_t>(valid - workload.repetitions.begin());
    order.erase(order.begin() + static_cast<std::ptrdiff_t>(first_valid));
    order.insert(order.begin(), first_valid);
  }
  return order;
}

// Puts the iteration entries of `workload` back in file order with their own repetition_index, and
// gives an entry that is not valid its counters, which Google Benchmark leaves out of a skipped run
// (a disturbed repetition's foreign_read_pct is what names the disturbance).
void RestoreFileOrder(const WorkloadResults& workload, const std::vector<size_t>& order,
                      nlohmann::json& benchmarks) {
  std::vector<size_t> positions;
  std::vector<nlohmann::json> entries;
  for (size_t i = 0; i < benchmarks.size(); ++i) {
    const nlohmann::json& b = benchmarks[i];
    if (b.value("run_type", "") == "iteration" && WorkloadNameOf(b) == workload.name) {
      positions.push_back(i);
      entries.push_back(b);
    }
  }
  if (entries.size() != order.size()) return;
  for (size_t k = 0; k < entries.size(); ++k) {
    const Repetition& rep = workload.repetitions[order[k]];
    nlohmann::json& e = entries[k];
    e["repetition_index"] = order[k];
    if (rep.state == RepetitionState::kValid) continue;
    for (const auto& [name, value] : rep.counters) {
      if (!e.contains(name)) e[name] = value;
    }
  }
  std::vector<nlohmann::json> sorted(entries.size());
  for (size_t k = 0; k < entries.size(); ++k) sorted[order[k]] = std::move(entries[k]);
  for (size_t k = 0; k < sorted.size(); ++k) benchmarks[positions[k]] = std::move(sorted[k]);
}

// Replays the next recorded repetition of `workload` (in `order`) into Google Benchmark's state.
void Replay(benchmark::State& state, const WorkloadResults& workload,
            const std::vector<size_t>& order, size_t& next) {
  const Repetition& rep = workload.repetitions.at(order.at(next++));
  for (auto _ : state) state.SetIterationTime(rep.wall_sec);
  for (const auto& [name, value] : rep.counters) state.counters[name] = value;
  if (!rep.label.empty()) state.SetLabel(rep.label);
  if (rep.state != RepetitionState::kValid) {
    state.SkipWithError(rep.error_message.empty() ? "invalid" : rep.error_message.c_str());
  }
}

}  // namespace

std::string WorkloadNameOf(const nlohmann::json& entry) {
  return WorkloadNameFromRunName(entry.value("run_name", entry.value("name", std::string())));
}

nlohmann::json ToGoogleBenchmarkJson(const ResultsFile& model) {
  InitializeOnce();
  benchmark::ClearRegisteredBenchmarks();
  std::vector<size_t> next(model.workloads.size(), 0);
  std::vector<std::vector<size_t>> orders(model.workloads.size());
  for (size_t i = 0; i < model.workloads.size(); ++i) {
    const WorkloadResults& workload = model.workloads[i];
    if (workload.repetitions.empty()) continue;
    orders[i] = ReplayOrder(workload);
    benchmark::RegisterBenchmark(
        workload.name.c_str(),
        [&workload, &order = orders[i], &cursor = next[i]](benchmark::State& state) {
          Replay(state, workload, order, cursor);
        })
        ->UseManualTime()
        ->Iterations(1)
        ->Repetitions(static_cast<int>(workload.repetitions.size()))
        ->Unit(benchmark::kMillisecond);
  }
  CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::ClearRegisteredBenchmarks();
  nlohmann::json out;
  try {
    out = nlohmann::json::parse(NonFiniteToNull(reporter.Text()));
  } catch (const nlohmann::json::exception& e) {  // syntax, or a number out of range
    throw RunError(fmt::format("the benchmark runner produced unreadable JSON: {}", e.what()));
  }
  if (out.contains("benchmarks") && out["benchmarks"].is_array()) {
    for (size_t i = 0; i < model.workloads.size(); ++i) {
      RestoreFileOrder(model.workloads[i], orders[i], out["benchmarks"]);
    }
  }
  return out;
}

}  // namespace feedbench
