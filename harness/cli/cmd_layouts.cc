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
#include <filesystem>
#include <map>
#include <memory>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/statistics.h"
#include "harness/cli/commands.h"
#include "harness/cli/flag_values.h"
#include "harness/cli/run_pipeline.h"
#include "harness/cli/suite_run_flags.h"
#include "harness/cli/until_decided_flags.h"
#include "harness/gate/ab_compare.h"
#include "harness/gate/layout_decision.h"
#include "harness/report/layouts_report.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

// Rounds at most by default: this many times the suite's repetitions, and at least enough for the
// first look to allow an interval.
constexpr int kDefaultMaxRoundsFactor = 4;

struct LayoutsFlags : SuiteRunFlags {
  LayoutsFlags() { suite = "layouts"; }
  std::string reference;
  std::string margin = "5";
  std::string confidence = "95";
  std::string max_rounds;
  std::string time_budget;
  std::string seed;
  std::string json_out;
  std::string markdown_out;
  bool allow_inconclusive = false;
};

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
  if (!flags.seed.empty()) {
    request.order_seed = ParseCount(flags.seed, "--seed", "a whole number ≥ 1");
  }
  ValidateRequest(suite, request);
  const std::vector<SuiteWorkload> selected = SelectWorkloads(suite, request);
  const std::string reference = ChooseReference(selected, flags.reference);

  AbOptions options;
  options.margin = ParsePercent(flags.margin, "--margin");
  options.alpha = 1 - ParsePercent(flags.confidence, "--confidence");
  ValidateAbOptions(options);

  // Rounds: the planned repetitions are the first rounds; then one round at a time.
  const std::map<std::string, int> planned_map = PlannedRepetitions(suite, request);
  const int planned = planned_map.at(reference);
  int max_rounds = std::max(kDefaultMaxRoundsFactor * planned,
                            static_cast<int>(stats::SignedRankMinimumN(options.alpha)) + 4);
  if (!flags.max_rounds.empty()) {
    max_rounds = static_cast<int>(
        ParseCount(flags.max_rounds, "--max-rounds", "a whole number of rounds ≥ 2"));
    if (max_rounds < 2) {
      throw UsageError(fmt::format(
          "--max-rounds {}: two rounds at least (one round gives one ratio per layout, no spread)",
          max_rounds));
    }
    if (max_rounds < planned) {
      throw UsageError(fmt::format(
          "--max-rounds {}: below the {} rounds the run plans (the suite's repetitions, or "
          "--repetitions)",
          max_rounds, planned));
    }
  }
  const auto needed = static_cast<int>(stats::SignedRankMinimumN(options.alpha));
  if (max_rounds < needed) {
    throw UsageError(fmt::format(
        "--max-rounds {}: an interval at {:g}% confidence needs at least {} rounds; allow more "
        "rounds or ask for less confidence",
        max_rounds, 100 * (1 - options.alpha), needed));
  }
  options.looks = AbLooks(planned, max_rounds, options.alpha);

  UntilDecided until;
  for (const SuiteWorkload& w : selected) {
    if (w.kind == WorkloadKind::kReader) until.budget.max_repetitions[w.name] = max_rounds;
  }
  if (!flags.time_budget.empty()) {
    const double seconds = ParseNumber(flags.time_budget, "--time-budget",
                                       "seconds of added rounds, a number ≥ 0");
    if (!(seconds >= 0) || !std::isfinite(seconds)) {
      throw UsageError(fmt::format(
          "--time-budget '{}': expected seconds of added rounds, a number ≥ 0", flags.time_budget));
    }
    until.budget.time_budget_sec = seconds;
  }
  until.options.looks = static_cast<std::size_t>(max_rounds - planned + 1);  // for the log
  until.decide = [&](const SuiteRun& now, const ExtensionState& state) {
    return NextAbRound(CompareLayouts(now, reference, options), until.budget, state);
  };
  for (const std::string* path : {&flags.json_out, &flags.markdown_out}) {
    if (!path->empty()) {
      CheckWritableDestination(*path, path == &flags.json_out ? "--json" : "--markdown");
    }
  }

  const fs::path out = CheckedResultsPath(flags.out, suite, request);
  const PipelineOutput output = RunRecordWrite(suite, request, out, &until);
  const std::vector<AbComparison> comparisons = CompareLayouts(output.run, reference, options);
  const LayoutDecision decision =
      DecideLayouts(output.run, output.recorded.efficiencies, reference, comparisons, options);

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
  if (!flags.json_out.empty()) {
    WriteFileAtomic(flags.json_out, LayoutsJson(decision).dump(2) + "\n");
  }
  if (!flags.markdown_out.empty()) WriteFileAtomic(flags.markdown_out, LayoutsMarkdown(decision));
  if (output.recorded.any_failed) return kExitFailed;
  if (!decision.all_decided && !flags.allow_inconclusive) return kExitInconclusive;
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
  sub->add_option("--margin", flags->margin,
                  "SAME means no difference larger than this, percent (default 5)");
  sub->add_option("--confidence", flags->confidence,
                  "Confidence of each ratio's interval over all looks, percent (default 95); each "
                  "look uses 100 − (100 − C) ÷ looks (Bonferroni)");
  sub->add_option("--max-rounds", flags->max_rounds,
                  fmt::format("Rounds at most, the planned ones included (default {}× the suite's "
                              "repetitions)",
                              kDefaultMaxRoundsFactor));
  sub->add_option("--time-budget", flags->time_budget,
                  fmt::format("Seconds of added rounds at most (default {:g})",
                              kDefaultTimeBudgetSec));
  sub->add_option("--seed", flags->seed,
                  "Seed of the rounds' orders (default: drawn at random; the one used is in the "
                  "results' context.feedbench.order_seed)");
  sub->add_option("--json", flags->json_out, "Write the decision table as JSON to this file");
  sub->add_option("--markdown", flags->markdown_out,
                  "Write the decision table as Markdown to this file (a CI step summary)");
  sub->add_flag("--allow-inconclusive", flags->allow_inconclusive,
                "Exit 0 rather than 4 when a comparison is left INCONCLUSIVE");
  sub->add_flag("--quiet", flags->quiet, "No progress or table; the recommendation line only");
  sub->callback([&action, flags, sub] { action = [flags, sub] { return Layouts(*flags, *sub); }; });
}

}  // namespace feedbench
