#include "harness/suite/runner.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <exception>
#include <mutex>
#include <sstream>

#include "harness/base/errors.h"
#include "harness/base/json_non_finite.h"
#include "harness/results/results_reader.h"

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

}  // namespace

std::string WorkloadNameOf(const nlohmann::json& entry) {
  return WorkloadNameFromRunName(entry.value("run_name", entry.value("name", std::string())));
}

RunnerOutput RunWithGoogleBenchmark(const std::vector<PlannedWorkload>& plan,
                                    const ProgressFn& progress) {
  InitializeOnce();
  benchmark::ClearRegisteredBenchmarks();
  RunnerOutput output;
  output.workloads.resize(plan.size());
  std::exception_ptr environment_failure;

  for (size_t i = 0; i < plan.size(); ++i) {
    const PlannedWorkload& workload = plan[i];
    output.workloads[i].name = workload.name;
    auto body = [&, i](benchmark::State& state) {
      auto& outcomes = output.workloads[i].repetitions;
      const int repetition = static_cast<int>(outcomes.size());
      RepetitionOutcome outcome;
      if (environment_failure) {
        outcome.error = "aborted: an earlier repetition hit an environment error";
        outcome.failed = true;
      } else {
        if (progress) progress(workload.name, i, plan.size(), repetition, workload.repetitions);
        try {
          outcome = workload.run(repetition);
        } catch (const EnvironmentError& e) {
          environment_failure = std::current_exception();
          outcome.error = fmt::format("environment: {}", e.what());
          outcome.failed = true;
        } catch (const std::exception& e) {
          outcome.error = fmt::format("io: {}", e.what());
          outcome.failed = true;
        }
      }
      for (auto _ : state) state.SetIterationTime(outcome.wall_sec);
      for (const auto& [name, value] : outcome.counters) state.counters[name] = value;
      if (!outcome.label.empty()) state.SetLabel(outcome.label);
      if (outcome.error) state.SkipWithError(outcome.error->c_str());
      outcomes.push_back(std::move(outcome));
    };
    benchmark::RegisterBenchmark(workload.name.c_str(), body)
        ->UseManualTime()
        ->Iterations(1)
        ->Repetitions(workload.repetitions)
        ->Unit(benchmark::kMillisecond);
  }

  CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::ClearRegisteredBenchmarks();
  if (environment_failure) std::rethrow_exception(environment_failure);
  try {
    output.results = nlohmann::json::parse(NonFiniteToNull(reporter.Text()));
  } catch (const nlohmann::json::parse_error& e) {
    throw RunError(fmt::format("the benchmark runner produced unreadable JSON: {}", e.what()));
  }
  return output;
}

}  // namespace feedbench
