// `feedbench layouts`: choose a dataset layout with a decision, not a table. Runs a suite's
// data-loading workloads (default: the shipped `layouts` suite) in interleaved rounds — every
// layout once per round, cold, in a balanced random order (harness/suite/round_order.h) — and
// compares each with a reference layout round by round (harness/gate/ab_compare.h): the median
// per-round ratio with its signed-rank interval and FASTER / SLOWER / SAME / INCONCLUSIVE, adding
// rounds to the undecided ones until decided or --max-rounds / --time-budget is spent. Prints the
// decision table (harness/gate/layout_decision.h) and writes it as JSON and Markdown on request;
// the run's results file is written as `run` writes it.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/cli/ab_flags.h"
#include "harness/cli/commands.h"
#include "harness/cli/flag_values.h"
#include "harness/cli/html_output.h"
#include "harness/cli/run_pipeline.h"
#include "harness/cli/suite_run_flags.h"
#include "harness/cli/until_decided_flags.h"
#include "harness/gate/ab_compare.h"
#include "harness/gate/layout_decision.h"
#include "harness/report/layouts_report.h"
#include "harness/report/report_input.h"
#include "harness/suite/accelerators.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

// Each fed measurement runs at least this much compute per accelerator by default.
constexpr double kFedMinComputeSec = 3;

struct LayoutsFlags : SuiteRunFlags {
  LayoutsFlags() { suite = "layouts"; }
  std::string reference;
  AbFlags ab;
  std::string accelerator;
  std::string demand;
  std::string compute_ms;
  std::string max_accelerators = "64";
  std::string fed_steps = "20";
  std::string html;
};

// The accelerator to emulate, from --accelerator or --demand with --compute-ms-per-batch; nullopt
// when none was asked for. Throws UsageError naming the flag.
std::optional<AcceleratorProfile> AskedAccelerator(const LayoutsFlags& flags) {
  if (!flags.accelerator.empty() && !flags.demand.empty()) {
    throw UsageError("--accelerator and --demand: give one of them");
  }
  if (!flags.accelerator.empty()) return FindAccelerator(flags.accelerator);
  if (flags.demand.empty() != flags.compute_ms.empty()) {
    throw UsageError(flags.demand.empty()
                         ? "--compute-ms-per-batch: goes with --demand SAMPLES_PER_S"
                         : "--demand: needs --compute-ms-per-batch MS (the accelerator's step)");
  }
  if (flags.demand.empty()) return std::nullopt;
  return DemandProfile(
      ParseNumber(flags.demand, "--demand", "samples per second per accelerator, above 0"),
      ParseNumber(flags.compute_ms, "--compute-ms-per-batch", "milliseconds per step, above 0"));
}

std::string Describe(const AcceleratorProfile& p) {
  return fmt::format("{}: {} samples per {:g} ms step, {:.0f} samples/s each", p.name,
                     p.batch_size, p.compute_ms_per_batch, p.SamplesPerSecond());
}

// Accelerators fed by each data-loading workload of the session (FindAcceleratorsFed), each
// count measured once, cold as the workload runs.
FedFigures MeasureFed(SuiteSession& session, const AcceleratorProfile& profile,
                      int max_accelerators, int steps, bool quiet) {
  FedFigures fed;
  fed.accelerator = Describe(profile);
  for (const WorkloadRun& w : session.Current().workloads) {
    if (w.workload.kind != WorkloadKind::kReader) continue;
    const std::string name = w.workload.name;
    fed.by_workload[name] = FindAcceleratorsFed(
        [&](int n) {
          const RepetitionMeasurement m = session.RunDemand(name, profile, n, steps);
          FedProbe p;
          p.accelerators = n;
          p.au_pct = m.figures.Get(Metric::kAuPct).value_or(0);
          p.samples_per_second = m.figures.Get(Metric::kSamplesPerSecond).value_or(0);
          if (!quiet) {
            fmt::print(stderr, "feedbench: {} feeding {} × {}: AU {:.1f}%{}\n", name, n,
                       profile.name, p.au_pct, m.valid() ? "" : " (" + m.reason + ")");
          }
          // A repetition that did not measure (failed, contaminated) fed nobody.
          if (!m.valid() && m.state != RepetitionState::kDisturbed) p.au_pct = 0;
          return p;
        },
        max_accelerators);
  }
  return fed;
}

// The reference layout: --reference, else one file per sample (the first files workload read in
// random order, else the first files workload). Throws UsageError naming what is there.
std::string ChooseReference(const std::vector<SuiteWorkload>& selected, const std::string& asked) {
  std::vector<const SuiteWorkload*> readers;
  std::string names;
  for (const SuiteWorkload& w : selected) {
    if (w.kind != WorkloadKind::kReader) continue;
    readers.push_back(&w);
    names += (names.empty() ? "" : ", ") + w.name;
  }
  if (readers.size() < 2) {
    throw UsageError(fmt::format(
        "layouts compares data-loading workloads with each other: the selection has {} ({}); "
        "select at least two",
        readers.size(), names.empty() ? "none" : names));
  }
  if (!asked.empty()) {
    for (const SuiteWorkload* w : readers) {
      if (w->name == asked) return asked;
    }
    throw UsageError(fmt::format(
        "--reference {}: not a data-loading workload of this run; expected one of: {}", asked,
        names));
  }
  for (const Order order : {Order::kRandom, Order::kSequential}) {
    for (const SuiteWorkload* w : readers) {
      if (w->layout == Layout::kFiles && w->order == order) return w->name;
    }
  }
  throw UsageError(fmt::format(
      "no workload reads one file per sample to compare with; name the reference with "
      "--reference (one of: {})",
      names));
}

int Layouts(const LayoutsFlags& flags, const CLI::App& sub) {
  const Suite suite = LoadSuite(flags.suite);
  RunRequest request = ToRunRequest(flags, sub);
  if (request.schedule != Schedule::kInterleaved) {
    throw UsageError("--schedule grouped: layouts compares in interleaved rounds only");
  }
  ValidateRequest(suite, request);
  const std::vector<SuiteWorkload> selected = SelectWorkloads(suite, request);
  const std::string reference = ChooseReference(selected, flags.reference);
  // The planned repetitions are the first rounds; then one round at a time.
  const AbSettings settings =
      ToAbSettings(flags.ab, PlannedRepetitions(suite, request).at(reference));
  const AbOptions& options = settings.options;
  request.order_seed = settings.seed;

  UntilDecided until;
  for (const SuiteWorkload& w : selected) {
    if (w.kind == WorkloadKind::kReader) until.budget.max_repetitions[w.name] = settings.max_rounds;
  }
  until.budget.time_budget_sec = settings.time_budget_sec;
  // For the log's "look k of at most N": every added round is a look.
  until.options.looks = static_cast<std::size_t>(settings.max_rounds - settings.planned_rounds + 1);
  until.decide = [&](const SuiteRun& now, const ExtensionState& state) {
    return NextAbRound(CompareLayouts(now, reference, options), until.budget, state);
  };
  const std::optional<AcceleratorProfile> accelerator = AskedAccelerator(flags);
  const int max_accelerators = static_cast<int>(ParseCount(
      flags.max_accelerators, "--max-accelerators", "a whole number of accelerators ≥ 1"));
  int fed_steps =
      static_cast<int>(ParseCount(flags.fed_steps, "--fed-steps", "a whole number of steps ≥ 1"));
  if (accelerator && sub.count("--fed-steps") == 0) {
    // By default at least kFedMinComputeSec of compute per accelerator and measurement, so that
    // the start (threads, the first batches) weighs little in its AU.
    fed_steps = std::max(fed_steps, static_cast<int>(std::ceil(kFedMinComputeSec * 1000 /
                                                                accelerator->compute_ms_per_batch)));
  }
  std::optional<FedFigures> fed;
  if (accelerator) {
    until.after_rounds = [&](SuiteSession& session) {
      fed = MeasureFed(session, *accelerator, max_accelerators, fed_steps, flags.quiet);
    };
  }

  const std::optional<HtmlOutput> html = CheckHtmlOutput(flags.html);
  const fs::path out = CheckedResultsPath(flags.out, suite, request);
  const PipelineOutput output = RunRecordWrite(suite, request, out, &until);
  const std::vector<AbComparison> comparisons = CompareLayouts(output.run, reference, options);
  const LayoutDecision decision = DecideLayouts(output.run, output.recorded.efficiencies, reference,
                                                comparisons, options, fed ? &*fed : nullptr);

  if (!flags.quiet) {
    fmt::print("\n{}", LayoutsTable(decision));
    if (output.extension) {
      fmt::print("rounds: {} added in {:.1f} s; {}\n", output.extension->rounds,
                 output.extension->spent_sec, output.extension->last.message);
    }
    fmt::print("results: {} (timeline: {})\n", out.string(), output.timeline_path.string());
  } else {
    fmt::print("recommendation: {}\n", decision.recommendation);
  }
  if (!flags.ab.json_out.empty()) {
    WriteFileAtomic(flags.ab.json_out, LayoutsJson(decision).dump(2) + "\n");
  }
  if (!flags.ab.markdown_out.empty()) {
    WriteFileAtomic(flags.ab.markdown_out, LayoutsMarkdown(decision));
  }
  if (html) WriteHtmlOutput(*html, {LayoutsSection{decision}, RunSectionOf(output.recorded)});
  if (output.recorded.any_failed) return kExitFailed;
  if (!decision.all_decided && !flags.ab.allow_inconclusive) return kExitInconclusive;
  return kExitOk;
}

}  // namespace

void AddLayoutsCommand(CLI::App& app, CommandAction& action) {
  auto flags = std::make_shared<LayoutsFlags>();
  auto* sub = app.add_subcommand(
      "layouts",
      "Choose a dataset layout: run a suite's layouts (default: the layouts suite) in interleaved\n"
      "rounds, each layout once per round, cold, in a balanced random order, and compare each\n"
      "with a reference layout round by round: the median per-round ratio with its signed-rank\n"
      "interval, FASTER / SLOWER / SAME (within --margin) / INCONCLUSIVE, adding rounds until\n"
      "every comparison is decided or --max-rounds / --time-budget is spent.\n"
      "Exit 0 decided, 1 a repetition failed, 2 bad input, 3 environment, 4 a comparison left\n"
      "INCONCLUSIVE (0 with --allow-inconclusive).");
  AddSuiteRunFlags(*sub, *flags);
  sub->add_option("--reference", flags->reference,
                  "The layout the others are compared with (default: the one-file-per-sample "
                  "workload read in random order)");
  AddAbFlags(*sub, flags->ab, "each layout");
  std::string names;
  for (const AcceleratorProfile& p : ShippedAccelerators()) {
    names += (names.empty() ? "" : ", ") + std::string(p.name);
  }
  sub->add_option("--accelerator", flags->accelerator,
                  "After the rounds, find per layout the most emulated accelerators of this kind "
                  "kept at AU ≥ 90% (MLPerf Storage's workloads: " + names + ")");
  sub->add_option("--demand", flags->demand,
                  "Instead of --accelerator: samples per second one accelerator consumes (with "
                  "--compute-ms-per-batch)");
  sub->add_option("--compute-ms-per-batch", flags->compute_ms,
                  "With --demand: the accelerator's step time, ms (the batch is demand × step)");
  sub->add_option("--max-accelerators", flags->max_accelerators,
                  "The search's limit (default 64)");
  sub->add_option("--fed-steps", flags->fed_steps,
                  "Steps each emulated accelerator runs per measurement (default 20, or as many "
                  "as give each accelerator 3 s of compute)");
  AddHtmlFlag(*sub, flags->html,
              "the decision (each layout's ratio and interval, the table, the recommendation) and "
              "the run's results");
  sub->add_flag("--quiet", flags->quiet, "No progress or table; the recommendation line only");
  sub->callback([&action, flags, sub] { action = [flags, sub] { return Layouts(*flags, *sub); }; });
}

}  // namespace feedbench
