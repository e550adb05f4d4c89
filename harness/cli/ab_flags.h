// The flags of the interleaved comparisons (`layouts`, `ab`): --margin, --confidence,
// --max-rounds, --time-budget, --seed, --json, --markdown, --allow-inconclusive. AddAbFlags
// registers them; ToAbSettings parses and validates them against the rounds the run plans
// (UsageError naming the flag) and checks the report destinations, before any work.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "harness/gate/ab_compare.h"

namespace feedbench {

// Rounds at most by default: this many times the suite's repetitions (and at least enough for an
// interval at the asked confidence, plus a few).
inline constexpr int kDefaultMaxRoundsFactor = 4;

struct AbFlags {
  std::string margin = "5";
  std::string confidence = "95";
  std::string max_rounds;
  std::string time_budget;
  std::string seed;
  std::string json_out;
  std::string markdown_out;
  bool allow_inconclusive = false;
};

// `what` names the two sides in the help ("each layout and the reference", "A and B").
void AddAbFlags(CLI::App& sub, AbFlags& flags, const std::string& what);

struct AbSettings {
  AbOptions options;  // looks set for the schedule (AbLooks)
  int planned_rounds = 0;
  int max_rounds = 0;
  double time_budget_sec = 0;
  std::optional<uint64_t> seed;
};

// Throws UsageError naming the flag: a margin or confidence outside (0, 100), --max-rounds not a
// whole number, below 2, below `planned_rounds` or too few for any interval at the confidence, a
// negative or non-numeric --time-budget, a --seed not a whole number ≥ 1, an unwritable --json or
// --markdown destination.
AbSettings ToAbSettings(const AbFlags& flags, int planned_rounds);

}  // namespace feedbench
