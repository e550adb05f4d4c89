// The one pipeline of the commands that run a suite (`run`, `qualify`, `fio`): run it, record it
// (the results model, Google Benchmark JSON, the timeline), write both files, and hand back the
// model for the table, the gate or the qualification.
//
// With a baseline to judge against (UntilDecided: `run --compare`, `qualify --reference`), the
// repetitions go on until decided: after the planned ones, the run so far is compared with the
// baseline (in memory) and, while the stopping rule (harness/gate/stopping_rule.h) names
// workloads, each of them gets one more repetition per round, interleaved in a fresh random order,
// on the datasets already prepared; then the run is recorded once, every repetition of each
// workload in the one results file and its timeline. Blocking; one at a time per data directory.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "harness/gate/baseline.h"
#include "harness/gate/compare.h"
#include "harness/gate/stopping_rule.h"
#include "harness/results/run_record.h"
#include "harness/suite/suite_run.h"

namespace feedbench {

// What to judge the run against between rounds, and the budget: a baseline (the gate's rule,
// NextRound), or, when `decide` is set, that function (an interleaved A/B comparison,
// harness/gate/ab_compare.h), given the run so far and where the extension stands.
struct UntilDecided {
  const Baseline* baseline = nullptr;  // REQUIRES: set (outlives the call) unless `decide` is
  CompareOptions options;              // as the final comparison; looks = the schedule's
  ExtensionBudget budget;
  std::function<ExtensionDecision(const SuiteRun&, const ExtensionState&)> decide;
  // When set: called once the rounds are done, before the session finishes (its datasets still
  // prepared), e.g. to measure accelerators fed (SuiteSession::RunDemand).
  std::function<void(SuiteSession&)> after_rounds;
};

// What the extension did.
struct ExtensionLog {
  int rounds = 0;          // rounds of added repetitions run
  double spent_sec = 0;    // their wall time
  ExtensionDecision last;  // why it stopped
  std::size_t looks = 1;   // the schedule (options.looks)
};

// Prints, on stdout, what the extension did in one line (rounds, time, why it stopped, the alpha
// per look); nothing when it had a single look (no extension).
void PrintExtension(const ExtensionLog& log, const CompareOptions& options);

struct PipelineOutput {
  SuiteRun run;
  RecordedRun recorded;
  std::filesystem::path results_path;
  std::filesystem::path timeline_path;
  std::optional<ExtensionLog> extension;  // set when `until` was given
};

// Where the run's results go (ResolveResultsPath, harness/results/results.h), checked before any
// work: writable under the output-path policy, with room for the planned repetitions' results and
// timeline (ResultsRoomBytes). Throws UsageError naming --out, EnvironmentError when there is no room.
std::filesystem::path CheckedResultsPath(const std::string& out_flag, const Suite& suite,
                                         const RunRequest& request);

// Runs `suite` as `request` asks (until decided when `until` is given) and writes its results to
// `results_path` (and the timeline beside it). Throws what SuiteSession and WriteRunFiles throw.
// Inside an InterruptScope: a SIGINT or SIGTERM in any phase (generation, staging, repetitions,
// writing the results) throws Interrupted whose message says what was interrupted and what was
// removed or kept; before the writes start nothing is written (an existing `results_path` stays as
// it was), once they have started they complete (atomic, harness/base/atomic_file.h). Progress
// lines on stderr (unless request.quiet) name each phase: "dataset …", "staging …",
// "[i/n] <workload> repetition …", "writing results to …". Under mpirun (SuiteSession's ranks)
// only rank 0 records and writes; on the other ranks the output's run is a follower's and nothing
// is written.
PipelineOutput RunRecordWrite(const Suite& suite, const RunRequest& request,
                              const std::filesystem::path& results_path,
                              const UntilDecided* until = nullptr);

}  // namespace feedbench
