#include "harness/cli/run_pipeline.h"

#include <fmt/format.h>

#include "harness/base/errors.h"
#include "harness/cli/until_decided_flags.h"
#include "harness/os/interrupt.h"
#include "harness/results/results.h"

namespace feedbench {
namespace {

// Where the extension stands, from the run so far.
ExtensionState StateOf(const SuiteRun& run, double spent_sec) {
  ExtensionState state;
  state.spent_sec = spent_sec;
  for (const WorkloadRun& w : run.workloads) {
    state.repetitions[w.workload.name] = w.CountedRepetitions();
    if (!w.measurements.empty()) {
      state.seconds_per_repetition[w.workload.name] =
          w.run_sec / static_cast<double>(w.measurements.size());
    }
  }
  return state;
}

// The next round by the gate's rule against the baseline, or why to stop.
ExtensionDecision GateNextRound(const SuiteRun& now, const UntilDecided& until,
                                const std::filesystem::path& results_path, double spent_sec) {
  CompareReport report;
  try {
    report = CompareResults(*until.baseline, ResultsModelOf(now, results_path.string()),
                            until.options);
  } catch (const UsageError& e) {
    // The comparison after the run says so, with the results written: add nothing.
    ExtensionDecision stop;
    stop.reason = StopReason::kNothingToLearn;
    stop.message = fmt::format("no more repetitions: cannot compare ({})", e.what());
    return stop;
  }
  return NextRound(report, until.budget, StateOf(now, spent_sec));
}

// Rounds of one more repetition of the undecided workloads, until the stopping rule stops.
ExtensionLog ExtendUntilDecided(SuiteSession& session, const UntilDecided& until,
                                const std::filesystem::path& results_path, bool quiet) {
  ExtensionLog log;
  log.looks = until.options.looks;
  while (true) {
    const SuiteRun& now = session.Current();
    log.last = until.decide ? until.decide(now, StateOf(now, log.spent_sec))
                            : GateNextRound(now, until, results_path, log.spent_sec);
    if (!quiet && (log.rounds > 0 || log.last.Continue())) {
      fmt::print(stderr, "feedbench: until decided, look {} of at most {}: {}\n", log.rounds + 1,
                 log.looks, log.last.message);
    }
    if (!log.last.Continue()) return log;
    log.spent_sec += session.RunMore(log.last.extend, 1);
    ++log.rounds;
  }
}

}  // namespace

void PrintExtension(const ExtensionLog& log, const CompareOptions& options) {
  if (log.looks <= 1) return;
  fmt::print(
      "\nuntil decided: {} added round(s) in {:.1f} s; {}; alpha {:g} over up to {} looks "
      "= {:.2g} per look (Bonferroni)\n",
      log.rounds, log.spent_sec, log.last.message, options.alpha, log.looks,
      options.AlphaPerLook());
}

std::filesystem::path CheckedResultsPath(const std::string& out_flag, const Suite& suite,
                                         const RunRequest& request) {
  int repetitions = 0;
  for (const auto& [name, planned] : PlannedRepetitions(suite, request)) repetitions += planned;
  return ResolveResultsPath(out_flag, suite.name, ResultsRoomBytes(repetitions));
}

PipelineOutput RunRecordWrite(const Suite& suite, const RunRequest& request,
                              const std::filesystem::path& results_path,
                              const UntilDecided* until) {
  // SIGINT or SIGTERM from here on stops the run at its next safe point (harness/os/interrupt.h);
  // the CLI prints the one line each Interrupted below carries and exits 128 + signal.
  InterruptScope scope;
  PipelineOutput out;
  SuiteSession session(suite, request);
  session.Prepare();  // an interruption here says itself what it removed
  try {
    session.RunPlanned();
    if (until != nullptr) {
      out.extension = ExtendUntilDecided(session, *until, results_path, request.quiet);
      if (until->after_rounds) until->after_rounds(session);
    }
    ThrowIfInterrupted();
  } catch (const Interrupted& e) {
    std::string what;
    for (const std::string& line : session.Abandon()) what += "; " + line;
    throw Interrupted(
        e.signal(), fmt::format("{} during the repetitions; the running repetition was stopped{}; "
                                "no results written",
                                e.what(), what));
  }
  out.run = session.Finish();
  // Under mpirun, rank 0 records the job; the other ranks' measurements are in its run.
  if (out.run.follower) return out;
  out.recorded = RecordRun(out.run, results_path.string());
  out.results_path = results_path;
  if (!request.quiet) {
    fmt::print(stderr, "feedbench: writing results to {}\n", results_path.string());
  }
  TestHoldPoint("write-results");
  if (const int signal = PendingInterrupt()) {
    throw Interrupted(signal, fmt::format("interrupted by {} while writing the results; nothing "
                                          "written, {} left as it was",
                                          InterruptName(signal), results_path.string()));
  }
  out.timeline_path = WriteRunFiles(out.recorded, results_path);
  if (const int signal = PendingInterrupt()) {
    // Too late to stop: the atomic writes completed.
    throw Interrupted(signal, fmt::format("interrupted by {} while writing the results; the "
                                          "results were written in full to {}",
                                          InterruptName(signal), results_path.string()));
  }
  return out;
}

}  // namespace feedbench
