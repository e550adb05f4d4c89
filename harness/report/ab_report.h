// Renderings of a SidesDecision (harness/gate/ab_compare.h), the table of `feedbench ab`: the
// terminal table, the JSON document and Markdown. They only render: every figure comes from the
// decision. Pure and thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/gate/ab_compare.h"

namespace feedbench {

// "1.234 [1.100, 1.400]", "1.234 [no interval]" or "n/a": a comparison's ratio and interval.
std::string RatioCell(const AbComparison& comparison);

// "61794 (47807–62827)" or "n/a".
std::string SpreadCell(const std::optional<ValueSpread>& spread);

// For the JSON renderers: {"median", "min", "max"}, or null when absent; a number, or null.
nlohmann::ordered_json SpreadJson(const std::optional<ValueSpread>& spread);
nlohmann::ordered_json NullableJson(const std::optional<double>& value);

// Columns: workload, A's figure (median, min–max), B's, B ÷ A with its interval, verdict, paired
// rounds; then one line per undecided comparison with its reason.
std::string SidesTable(const SidesDecision& decision);

// {"schema": "feedbench.ab/1", "a", "b", "metric", "margin", "alpha", "alpha_per_look", "rounds",
// "order_seed", "all_decided", "workloads": [{"workload", "a": {"median", "min", "max"}, "b":
// {...}, "ratio", "ratio_lower", "ratio_upper", "confidence", "verdict", "reason", "rounds",
// "round_ratios"}]}; absent figures are null; ratio = B ÷ A.
nlohmann::ordered_json SidesJson(const SidesDecision& decision);

std::string SidesMarkdown(const SidesDecision& decision);

}  // namespace feedbench
