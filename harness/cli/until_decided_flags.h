// The flags of repetitions until decided, shared by `run --compare` and `qualify --reference`:
// --max-repetitions N (per workload, in all: the suite's repetitions included; default
// kDefaultMaxRepetitionsFactor × the suite's) and --time-budget S (seconds of added repetitions,
// default kDefaultTimeBudgetSec). ToExtensionBudget parses and validates them against what the run
// plans (UsageError naming the flag, exit 2): N below a workload's planned repetitions or ≤ 0, a
// negative or non-numeric S. --max-repetitions equal to the suite's repetitions turns the
// extension off (one look, the alpha as asked).
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>

#include "harness/gate/stopping_rule.h"
#include "harness/suite/suite_run.h"

namespace feedbench {

struct UntilDecidedFlags {
  std::string max_repetitions;  // empty: the default factor × the suite's repetitions
  std::string time_budget;      // empty: the default
  bool Given() const { return !max_repetitions.empty() || !time_budget.empty(); }
};

void AddUntilDecidedFlags(CLI::App& sub, UntilDecidedFlags& flags);

// Per selected workload: the repetitions the run plans (--repetitions, else the suite's).
std::map<std::string, int> PlannedRepetitions(const Suite& suite, const RunRequest& request);

// The budget the flags ask for, per workload of `planned`. Throws UsageError naming the flag.
ExtensionBudget ToExtensionBudget(const UntilDecidedFlags& flags,
                                  const std::map<std::string, int>& planned);

}  // namespace feedbench
