// `feedbench ab`: two of anything on one node, compared in interleaved rounds — a new device beside
// the old one, two filesystems or mount options (A and B as two data directories), or two suites.
// Each round runs every workload of both sides once, cold, in a balanced random order over the
// (side, workload) pairs (harness/suite/round_order.h), so the node's drift falls on A and B
// alike; B's workload is compared with A's of the same name round by round
// (harness/gate/ab_compare.h), and rounds are added to the undecided ones until decided or
// --max-rounds / --time-budget is spent. Each side's results are written as `run` writes them.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/cli/ab_flags.h"
#include "harness/cli/commands.h"
#include "harness/cli/run_pipeline.h"
#include "harness/cli/suite_run_flags.h"
#include "harness/cli/until_decided_flags.h"
#include "harness/gate/ab_compare.h"
#include "harness/os/interrupt.h"
#include "harness/report/ab_report.h"
#include "harness/results/run_record.h"
#include "harness/suite/round_order.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

struct AbCommandFlags : SuiteRunFlags {
  std::string b_data_dir;
  std::string b_suite;
  std::string b_out;
  AbFlags ab;
};

// The data-loading workloads both sides select, in A's order. Throws UsageError naming both
// sides' workloads when there is none.
std::vector<std::string> PairedWorkloads(const std::vector<SuiteWorkload>& a,
                                         const std::vector<SuiteWorkload>& b) {
  std::vector<std::string> paired;
  std::string names_a, names_b;
  for (const SuiteWorkload& w : a) {
    if (w.kind != WorkloadKind::kReader) continue;
    names_a += (names_a.empty() ? "" : ", ") + w.name;
    for (const SuiteWorkload& v : b) {
      if (v.kind == WorkloadKind::kReader && v.name == w.name) paired.push_back(w.name);
    }
  }
  for (const SuiteWorkload& v : b) {
    if (v.kind == WorkloadKind::kReader) names_b += (names_b.empty() ? "" : ", ") + v.name;
  }
  if (paired.empty()) {
    throw UsageError(fmt::format(
        "A and B have no data-loading workload of the same name to compare (A: {}; B: {})",
        names_a.empty() ? "none" : names_a, names_b.empty() ? "none" : names_b));
  }
  return paired;
}

fs::path Canonical(const fs::path& p) { return fs::weakly_canonical(fs::absolute(p)); }

// B's results path by default: A's with "-b" before the extension.
fs::path SideBPath(const fs::path& a) {
  fs::path b = a;
  b.replace_filename(a.stem().string() + "-b" + a.extension().string());
  return b;
}

std::string Label(const SuiteRun& run) {
  return fmt::format("suite {} in {}", run.suite.name, run.data_dir.string());
}

int Ab(const AbCommandFlags& flags, const CLI::App& sub) {
  if (flags.b_data_dir.empty()) {
    throw UsageError("--b-data-dir: required: B's data directory (A's is --data-dir)");
  }
  const Suite suite_a = LoadSuite(flags.suite);
  const Suite suite_b = flags.b_suite.empty() ? suite_a : LoadSuite(flags.b_suite);
  RunRequest request_a = ToRunRequest(flags, sub);
  RunRequest request_b = request_a;
  request_b.data_dir = flags.b_data_dir;
  if (Canonical(request_a.data_dir) == Canonical(request_b.data_dir)) {
    throw UsageError(fmt::format(
        "--b-data-dir {}: the same directory as --data-dir; A and B need a directory each (two "
        "devices, filesystems or mount options; for two suites on one device, two directories on it)",
        flags.b_data_dir));
  }
  ValidateRequest(suite_a, request_a);
  ValidateRequest(suite_b, request_b);
  const std::vector<std::string> paired =
      PairedWorkloads(SelectWorkloads(suite_a, request_a), SelectWorkloads(suite_b, request_b));
  for (RunRequest* r : {&request_a, &request_b}) {
    r->only = paired;
    r->filter.reset();
  }
  int planned = 0;
  for (const auto& [name, n] : PlannedRepetitions(suite_a, request_a)) planned = std::max(planned, n);
  const AbSettings settings = ToAbSettings(flags.ab, planned);
  const AbOptions& options = settings.options;
  const uint64_t seed = settings.seed.value_or(std::random_device{}());
  request_a.order_seed = request_b.order_seed = seed;

  const fs::path out_a = CheckedResultsPath(flags.out, suite_a, request_a);
  const fs::path out_b = flags.b_out.empty() ? SideBPath(out_a)
                                             : CheckedResultsPath(flags.b_out, suite_b, request_b);
  if (Canonical(out_a) == Canonical(out_b)) {
    throw UsageError(fmt::format("--b-out {}: the same file as A's results", out_b.string()));
  }

  ExtensionBudget budget;
  for (const std::string& w : paired) budget.max_repetitions[w] = settings.max_rounds;
  budget.time_budget_sec = settings.time_budget_sec;

  InterruptScope scope;
  SuiteSession a(suite_a, request_a), b(suite_b, request_b);
  a.Prepare();
  try {
    b.Prepare();
  } catch (const Interrupted&) {
    a.Abandon();
    throw;
  }
  SuiteSession* sides[2] = {&a, &b};
  int round = 0;
  double spent_sec = 0;
  std::map<std::string, double> pair_sec;  // wall time of A's and B's repetitions, summed
  std::vector<std::string> active = paired;
  std::optional<RoundOrder> order;
  std::vector<std::pair<int, std::string>> units;
  ExtensionDecision last;
  try {
    while (true) {
      ++round;
      if (!order || units.size() != 2 * active.size()) {
        units.clear();
        for (const std::string& w : active) {
          units.emplace_back(0, w);
          units.emplace_back(1, w);
        }
        order.emplace(units.size(), seed + static_cast<uint64_t>(round));
      }
      for (const std::size_t k : order->Next()) {
        const auto& [side, workload] = units[k];
        if (!flags.quiet) fmt::print(stderr, "feedbench: round {}, {}:\n", round, side ? "B" : "A");
        const double sec = sides[side]->RunOne(workload, round);
        pair_sec[workload] += sec;
        if (round > planned) spent_sec += sec;
      }
      ThrowIfInterrupted();
      if (round < planned) continue;
      ExtensionState state;
      state.spent_sec = spent_sec;
      for (const std::string& w : paired) {
        state.repetitions[w] = round;
        state.seconds_per_repetition[w] = pair_sec[w] / round;
      }
      last = NextAbRound(CompareSides(a.Current(), b.Current(), paired, options), budget, state);
      if (!flags.quiet) fmt::print(stderr, "feedbench: after round {}: {}\n", round, last.message);
      if (!last.Continue()) break;
      active = last.extend;
    }
  } catch (const Interrupted& e) {
    std::string what;
    for (SuiteSession* s : sides) {
      for (const std::string& line : s->Abandon()) what += "; " + line;
    }
    throw Interrupted(e.signal(), fmt::format("{} during the rounds; the running repetition was "
                                              "stopped{}; no results written",
                                              e.what(), what));
  }
  const SuiteRun run_a = a.Finish();
  const SuiteRun run_b = b.Finish();
  const RecordedRun recorded_a = RecordRun(run_a, out_a.string());
  const RecordedRun recorded_b = RecordRun(run_b, out_b.string());
  WriteRunFiles(recorded_a, out_a);
  WriteRunFiles(recorded_b, out_b);

  const SidesDecision decision =
      DecideSides(run_a, run_b, Label(run_a), Label(run_b),
                  CompareSides(run_a, run_b, paired, options), options, round, seed);
  if (!flags.quiet) {
    fmt::print("\n{}", SidesTable(decision));
    fmt::print("rounds: {}; {}\nresults: A {}, B {}\n", round, last.message, out_a.string(),
               out_b.string());
  }
  if (!flags.ab.json_out.empty()) {
    WriteFileAtomic(flags.ab.json_out, SidesJson(decision).dump(2) + "\n");
  }
  if (!flags.ab.markdown_out.empty()) {
    WriteFileAtomic(flags.ab.markdown_out, SidesMarkdown(decision));
  }
  if (recorded_a.any_failed || recorded_b.any_failed) return kExitFailed;
  if (!decision.all_decided && !flags.ab.allow_inconclusive) return kExitInconclusive;
  return kExitOk;
}

}  // namespace

void AddAbCommand(CLI::App& app, CommandAction& action) {
  auto flags = std::make_shared<AbCommandFlags>();
  auto* sub = app.add_subcommand(
      "ab",
      "Compare two of anything on one node in interleaved rounds: A = --data-dir (and --suite),\n"
      "B = --b-data-dir (and --b-suite, default A's suite): two devices, filesystems or mount\n"
      "options, or two suites. Each round runs every workload of both sides once, cold, in a\n"
      "balanced random order; B's workload is compared with A's of the same name round by round\n"
      "(median ratio B ÷ A, signed-rank interval, FASTER / SLOWER / SAME / INCONCLUSIVE), adding\n"
      "rounds until decided or --max-rounds / --time-budget is spent.\n"
      "Exit 0 decided, 1 a repetition failed, 2 bad input, 3 environment, 4 a comparison left\n"
      "INCONCLUSIVE (0 with --allow-inconclusive).");
  AddSuiteRunFlags(*sub, *flags);
  sub->add_option("--b-data-dir", flags->b_data_dir,
                  "B's data directory (required; A's is --data-dir): where B's datasets are "
                  "generated and read");
  sub->add_option("--b-suite", flags->b_suite, "B's suite (default: A's, --suite)");
  sub->add_option("--b-out", flags->b_out,
                  "B's results file (default: A's results path with -b before .json)");
  AddAbFlags(*sub, flags->ab, "every workload of A and B");
  sub->add_flag("--quiet", flags->quiet, "No progress or table");
  sub->callback([&action, flags, sub] { action = [flags, sub] { return Ab(*flags, *sub); }; });
}

}  // namespace feedbench
