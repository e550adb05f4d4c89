// The metric registry (harness/results/metrics.h) for people: `feedbench metrics` as a table or
// JSON — each counter's name, unit, which way is better, the gate tolerance that applies, and what
// it means for the reader and for fio. Renders the registry; decides nothing. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "harness/results/metrics.h"

namespace feedbench {

std::string RenderMetricsTable(std::span<const MetricInfo> metrics);

// [{"name", "unit", "direction", "tolerance", "description", "reader", "fio"}...]; a kind that
// does not write the metric is null.
nlohmann::json MetricsToJson(std::span<const MetricInfo> metrics);

}  // namespace feedbench
