#include "harness/results/gbench_adapter.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

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

// Replays the next recorded repetition of `workload` into Google Benchmark's state.
void Replay(benchmark::State& state, const WorkloadResults& workload, size_t& next) {
  const Repetition& rep = workload.repetitions.at(next++);
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
  for (size_t i = 0; i < model.workloads.size(); ++i) {
    const WorkloadResults& workload = model.workloads[i];
    if (workload.repetitions.empty()) continue;
    benchmark::RegisterBenchmark(workload.name.c_str(),
                                 [&workload, &cursor = next[i]](benchmark::State& state) {
                                   Replay(state, workload, cursor);
                                 })
        ->UseManualTime()
        ->Iterations(1)
        ->Repetitions(static_cast<int>(workload.repetitions.size()))
        ->Unit(benchmark::kMillisecond);
  }
  CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::ClearRegisteredBenchmarks();
  try {
    return nlohmann::json::parse(NonFiniteToNull(reporter.Text()));
  } catch (const nlohmann::json::parse_error& e) {
    throw RunError(fmt::format("the benchmark runner produced unreadable JSON: {}", e.what()));
  }
}

}  // namespace feedbench
