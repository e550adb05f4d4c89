// The regression gate on this machine's real noise, simulated: from N >= 30 recorded runs of one
// gating suite (bench/gate_record_runs.sh), each trial draws a baseline of B whole runs and a
// current run (another run, never one of the baseline's), so the run-to-run structure of the node
// is kept, multiplies the current run's throughput counters (samples_per_second,
// bytes_per_second) by 1 - drop, and judges the pair with the shipped gate (RecordRuns +
// CompareResults at compare's default settings). With drop 0 the rate of exit 1 is the false-alarm
// rate per run; with a drop, the rate of exit 1 is the detection rate. Only throughput is dropped:
// the latency counters keep their measured values, so detection here is the throughput rows'.
//
// The drop multiplies probe_efficiency_pct and warm_efficiency_pct too (the workload slowed;
// neither the device the probe reads nor the loader's page-cache speed the warm control reads did:
// a storage regression).
//
// --block B merges B consecutive recorded runs (in time order) into one: a run whose repetitions
// span B times as long, as an interleaved run of B times the repetitions does. --confirm replays
// `run --compare`'s confirmation: when a trial regresses, the regressed workloads are judged
// again on the run recorded right after the current one (the same drop applied), as the rerun
// that follows at once would measure them. --k sets the rule's k (T = max(tolerance, k·σ); the
// shipped value unless given), to sweep it. --replay replays `run --compare` itself on the recorded
// runs: the stopping rule adds later recorded repetitions to undecided workloads one round at a
// time, every look at the schedule's per-look alpha, then the confirmation (ReplayRunCompare).
// --consecutive (with --replay) takes the baseline as bench/gate_false_alarms.sh records it: B
// runs in a row, the current run any later one; without it the B runs are drawn at random.
// --factor F (with --replay) sets --max-repetitions to F times the suite's (3 unless given): the
// added repetitions come from the F − 1 runs recorded after the current one, the confirmation
// from the run after those.
//
// Usage: build/bench/gate_simulator RESULTS_DIR [--trials 2000] [--baseline-runs 5]
//                                   [--drops 0,5,10,15,25] [--seed 1] [--workload NAME]
//                                   [--block B] [--confirm] [--k K]
//                                   [--replay [--consecutive] [--factor F]]
// Prints, per drop: trials, exit 0 / 1 / other shares, and for drop 0 the false-alarm rate with
// its 95% Wilson interval.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "harness/base/errors.h"
#include "harness/gate/baseline.h"
#include "harness/gate/compare.h"
#include "harness/gate/stopping_rule.h"
#include "harness/results/results_reader.h"

namespace fs = std::filesystem;
using namespace feedbench;

namespace {

struct Args {
  fs::path dir;
  int trials = 2000;
  int baseline_runs = 5;
  std::vector<double> drops_pct{0, 5, 10, 15, 25};
  uint64_t seed = 1;
  std::string workload;  // empty: every workload is judged
  int block = 1;
  bool confirm = false;
  double k = kNoiseMultiplier;  // the rule's k (T = max(tolerance, k·σ))
  bool replay = false;
  int max_repetitions_factor = kDefaultMaxRepetitionsFactor;
  bool consecutive = false;  // --consecutive: the baseline is 5 runs in a row before the current
};

[[noreturn]] void Usage(const std::string& why) {
  fmt::print(stderr,
             "gate_simulator: {}\nusage: gate_simulator RESULTS_DIR [--trials N] "
             "[--baseline-runs B] [--drops 0,5,10] [--seed S] [--workload NAME] [--block B] "
             "[--confirm] [--k K] [--replay [--consecutive] [--factor F]]\n",
             why);
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  if (argc < 2) Usage("RESULTS_DIR is required");
  a.dir = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--confirm") {
      a.confirm = true;
      continue;
    }
    if (flag == "--replay") {
      a.replay = true;
      continue;
    }
    if (flag == "--consecutive") {
      a.consecutive = true;
      continue;
    }
    if (i + 1 >= argc) Usage(flag + ": a value is required");
    const std::string value = argv[++i];
    try {
      if (flag == "--trials") {
        a.trials = std::stoi(value);
      } else if (flag == "--baseline-runs") {
        a.baseline_runs = std::stoi(value);
      } else if (flag == "--seed") {
        a.seed = std::stoull(value);
      } else if (flag == "--k") {
        a.k = std::stod(value);
      } else if (flag == "--factor") {
        a.max_repetitions_factor = std::stoi(value);
      } else if (flag == "--block") {
        a.block = std::stoi(value);
      } else if (flag == "--workload") {
        a.workload = value;
      } else if (flag == "--drops") {
        a.drops_pct.clear();
        size_t start = 0;
        while (start <= value.size()) {
          const size_t comma = value.find(',', start);
          a.drops_pct.push_back(std::stod(value.substr(start, comma - start)));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      } else {
        Usage("unknown flag " + flag);
      }
    } catch (const std::logic_error&) {
      Usage(flag + " " + value + ": not a number");
    }
  }
  if (!(a.k > 0)) Usage("--k must be a number above 0");
  if (a.replay && a.block != 1) Usage("--replay takes recorded runs as they are: no --block");
  if (a.consecutive && !a.replay) Usage("--consecutive goes with --replay");
  if (a.max_repetitions_factor != kDefaultMaxRepetitionsFactor && !a.replay) {
    Usage("--factor goes with --replay");
  }
  if (a.max_repetitions_factor < 1) Usage("--factor must be >= 1");
  if (a.trials < 1 || a.baseline_runs < 1 || a.block < 1) {
    Usage("--trials, --baseline-runs and --block must be >= 1");
  }
  return a;
}

ResultsFile WithDrop(ResultsFile r, double drop) {
  for (WorkloadResults& w : r.workloads) {
    for (Repetition& rep : w.repetitions) {
      for (const char* name : {"samples_per_second", "bytes_per_second", "probe_efficiency_pct",
                               "warm_efficiency_pct"}) {
        const auto it = rep.counters.find(name);
        if (it != rep.counters.end()) it->second *= (1.0 - drop);
      }
    }
  }
  return r;
}

ResultsFile OnlyWorkload(ResultsFile r, const std::string& name) {
  if (name.empty()) return r;
  std::erase_if(r.workloads, [&](const WorkloadResults& w) { return w.name != name; });
  return r;
}

// B consecutive runs as one: each workload's repetitions, in time order.
std::vector<ResultsFile> Merge(const std::vector<ResultsFile>& runs, int block) {
  if (block == 1) return runs;
  std::vector<ResultsFile> merged;
  for (size_t i = 0; i + static_cast<size_t>(block) <= runs.size(); i += block) {
    ResultsFile m = runs[i];
    for (int b = 1; b < block; ++b) {
      for (const WorkloadResults& w : runs[i + b].workloads) {
        for (WorkloadResults& into : m.workloads) {
          if (into.name != w.name) continue;
          for (Repetition rep : w.repetitions) {
            rep.repetition_index = static_cast<int>(into.repetitions.size());
            into.repetitions.push_back(std::move(rep));
          }
        }
      }
    }
    merged.push_back(std::move(m));
  }
  return merged;
}

// `run --compare`'s confirmation: when `report` has regressed workloads, they are judged again on
// `next_run`'s repetitions of them (the same drop applied); otherwise `report` stands.
CompareReport Confirmed(const Baseline& baseline, const ResultsFile& current, CompareReport report,
                        const ResultsFile& next_run, double drop, const CompareOptions& options) {
  const std::vector<std::string> regressed = report.RegressedWorkloads();
  if (regressed.empty()) return report;
  ResultsFile rerun = WithDrop(next_run, drop);
  std::erase_if(rerun.workloads, [&](const WorkloadResults& w) {
    return std::find(regressed.begin(), regressed.end(), w.name) == regressed.end();
  });
  return CompareResults(baseline, WithWorkloadsReplaced(current, rerun), options);
}

// `run --compare` replayed on recorded runs (--replay): the current run is runs[c] as recorded
// (drop applied), judged at the schedule's per-look alpha; while the stopping rule (NextRound)
// asks for a round, each workload it names gets the next valid repetition of runs[c + 1], then
// runs[c + 2], ..., runs[c + factor - 1] of that workload (so an added repetition comes minutes
// later, as an interleaved round's would), up to --max-repetitions (the suite's × the factor) and
// the 600 s time budget; then a REGRESSED workload is confirmed on runs[c + factor]'s repetitions
// of it, judged once more at the same per-look alpha, as `run --compare` does.
// REQUIRES: c + factor < runs.size().
struct ReplayOutcome {
  CompareReport report;
  int rounds = 0;
};

ReplayOutcome ReplayRunCompare(const Baseline& baseline, const std::vector<ResultsFile>& runs,
                               size_t c, double drop, CompareOptions options, int factor) {
  ResultsFile current = WithDrop(runs[c], drop);
  std::map<std::string, int> planned;
  std::map<std::string, std::vector<Repetition>> pool;  // the later repetitions, in time order
  for (const WorkloadResults& w : current.workloads) {
    planned[w.name] = static_cast<int>(w.Values("samples_per_second").size());
    for (size_t later = c + 1; later < c + static_cast<size_t>(factor); ++later) {
      const ResultsFile next = WithDrop(runs[later], drop);
      if (const WorkloadResults* same = next.Find(w.name)) {
        for (const Repetition& rep : same->repetitions) {
          if (rep.valid()) pool[w.name].push_back(rep);
        }
      }
    }
  }
  ExtensionBudget budget;
  for (const auto& [name, n] : planned) budget.max_repetitions[name] = n * factor;
  budget.confirm_follows = true;
  options.looks = ScheduledLooks(planned, budget.max_repetitions);

  ReplayOutcome out;
  ExtensionState state;
  std::map<std::string, size_t> taken;
  while (true) {
    for (const WorkloadResults& w : current.workloads) {
      state.repetitions[w.name] = static_cast<int>(w.Values("samples_per_second").size());
      double sec = 0;
      for (const Repetition& rep : w.repetitions) sec += rep.wall_sec;
      state.seconds_per_repetition[w.name] = sec / static_cast<double>(w.repetitions.size());
    }
    out.report = CompareResults(baseline, current, options);
    const ExtensionDecision next = NextRound(out.report, budget, state);
    if (!next.Continue()) break;
    bool added = false;
    for (const std::string& name : next.extend) {
      std::vector<Repetition>& later = pool[name];
      if (taken[name] >= later.size()) continue;
      Repetition rep = later[taken[name]++];
      for (WorkloadResults& w : current.workloads) {
        if (w.name != name) continue;
        rep.repetition_index = static_cast<int>(w.repetitions.size());
        state.spent_sec += rep.wall_sec;
        w.repetitions.push_back(std::move(rep));
        added = true;
        break;
      }
    }
    if (!added) break;  // the recorded repetitions ran out before the budget did
    ++out.rounds;
  }
  out.report = Confirmed(baseline, current, std::move(out.report),
                         runs[c + static_cast<size_t>(factor)], drop, options);
  return out;
}

// Wilson score interval for k of n at 95%.
std::pair<double, double> Wilson(int k, int n) {
  const double z = 1.96, p = static_cast<double>(k) / n;
  const double d = 1 + z * z / n;
  const double c = (p + z * z / (2.0 * n)) / d;
  const double h = z * std::sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;
  return {std::max(0.0, c - h), std::min(1.0, c + h)};
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  std::vector<ResultsFile> runs;
  try {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(args.dir)) {
      const std::string name = e.path().filename().string();
      if (e.path().extension() == ".json" && name.find(".timeline.") == std::string::npos) {
        files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      ResultsFile r = ReadResultsFile(f);
      if (!r.Problems().empty()) {
        fmt::print(stderr, "gate_simulator: {} left out: {}\n", f.string(), r.Problems().front());
        continue;
      }
      runs.push_back(OnlyWorkload(std::move(r), args.workload));
    }
  } catch (const std::exception& e) {
    Usage(e.what());
  }
  if (static_cast<int>(runs.size()) < 30) {
    Usage(
        fmt::format("{} valid runs in {}; at least 30 are needed", runs.size(), args.dir.string()));
  }
  const size_t recorded = runs.size();
  runs = Merge(runs, args.block);
  const size_t after = static_cast<size_t>(args.max_repetitions_factor);  // runs after the current
  if (args.baseline_runs + (args.replay ? static_cast<int>(after) + 1 : 1) >
      static_cast<int>(runs.size())) {
    Usage("--baseline-runs too large");
  }

  CompareOptions options;  // compare's defaults: what a team gets without flags, but for --k
  options.noise_multiplier = args.k;
  ValidateOptions(options);
  std::mt19937_64 rng(args.seed);
  fmt::print(
      "gate simulator: {} runs from {} ({} recorded, merged by {}), {} trials per drop, baseline "
      "of {} runs, k = {:g}{}{}\n",
      runs.size(), args.dir.string(), recorded, args.block, args.trials, args.baseline_runs, args.k,
      args.workload.empty() ? "" : ", workload " + args.workload,
      args.replay ? fmt::format(", run --compare replayed (until decided, then confirmed), "
                                "baseline {}",
                                args.consecutive ? "of runs in a row before the current one"
                                                 : "drawn at random")
      : args.confirm ? std::string(", regressions confirmed on the next run")
                     : std::string());
  fmt::print("{:>7} {:>8} {:>9} {:>9} {:>9}  {}\n", "drop", "trials", "exit 0", "exit 1", "other",
             "exit 1 rate, 95% interval");
  std::vector<size_t> order(runs.size());
  for (const double drop_pct : args.drops_pct) {
    std::map<int, int> exits;
    std::map<std::string, std::map<std::string, int>> rows;  // workload/metric → verdict → count
    long rounds = 0;                                          // --replay: added rounds, summed
    for (int t = 0; t < args.trials; ++t) {
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      CompareReport report;
      if (args.replay) {
        // The current run and the `after` runs after it (extension, confirmation) stay out of
        // the baseline.
        std::vector<ResultsFile> base;
        size_t c = 0;
        if (args.consecutive) {
          // As bench/gate_false_alarms.sh does: B runs in a row, then a later run is the current.
          const size_t b = args.baseline_runs;
          const size_t first =
              std::uniform_int_distribution<size_t>(0, runs.size() - b - after - 1)(rng);
          c = std::uniform_int_distribution<size_t>(first + b, runs.size() - after - 1)(rng);
          base.assign(runs.begin() + static_cast<long>(first),
                      runs.begin() + static_cast<long>(first + b));
        } else {
          c = std::uniform_int_distribution<size_t>(0, runs.size() - after - 1)(rng);
          for (const size_t i : order) {
            if (static_cast<int>(base.size()) == args.baseline_runs) break;
            if (i < c || i > c + after) base.push_back(runs[i]);
          }
        }
        const Baseline baseline = RecordRuns(std::nullopt, base, std::nullopt);
        ReplayOutcome replay = ReplayRunCompare(baseline, runs, c, drop_pct / 100.0, options,
                                                args.max_repetitions_factor);
        rounds += replay.rounds;
        report = std::move(replay.report);
      } else {
        std::vector<ResultsFile> base;
        for (int b = 0; b < args.baseline_runs; ++b) base.push_back(runs[order[b]]);
        const size_t current_index = order[args.baseline_runs];
        const ResultsFile current = WithDrop(runs[current_index], drop_pct / 100.0);
        const Baseline baseline = RecordRuns(std::nullopt, base, std::nullopt);
        report = CompareResults(baseline, current, options);
        if (args.confirm) {
          const size_t next =
              current_index + 1 < runs.size() ? current_index + 1 : current_index - 1;
          report = Confirmed(baseline, current, std::move(report), runs[next], drop_pct / 100.0,
                             options);
        }
      }
      ++exits[report.ExitCode()];
      for (const MetricComparison& row : report.rows) {
        ++rows[row.workload + "/" + row.metric][std::string(VerdictName(row.verdict))];
      }
    }
    const int failed = exits[1];
    const auto [lo, hi] = Wilson(failed, args.trials);
    fmt::print("{:>6.1f}% {:>8} {:>8.1f}% {:>8.1f}% {:>8.1f}%  {:.2f}% [{:.2f}%, {:.2f}%]\n",
               drop_pct, args.trials, 100.0 * exits[0] / args.trials, 100.0 * failed / args.trials,
               100.0 * (args.trials - exits[0] - failed) / args.trials,
               100.0 * failed / args.trials, 100.0 * lo, 100.0 * hi);
    if (args.replay) {
      fmt::print(
          "         added rounds per trial: {:.1f} (at most {} - 1 times the suite's repetitions)\n",
          static_cast<double>(rounds) / args.trials, args.max_repetitions_factor);
    }
    for (const auto& [row, verdicts] : rows) {
      std::string line;
      for (const auto& [verdict, n] : verdicts) {
        line += fmt::format(" {} {:.1f}%", verdict, 100.0 * n / args.trials);
      }
      fmt::print("         {}:{}\n", row, line);
    }
  }
  return 0;
}
