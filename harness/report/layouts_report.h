// Renderings of a LayoutDecision (harness/gate/layout_decision.h), the decision table of
// `feedbench layouts`: the terminal table, the JSON document and Markdown (a CI step summary).
// They only render: every figure comes from the decision. Units: samples/s, MiB/s (2^20 bytes/s),
// ms, requests (aqu-sz), s, bytes. Pure and thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/gate/layout_decision.h"

namespace feedbench {

// Columns: workload, samples/s (median, min–max), MiB/s, ratio to the reference with its interval,
// verdict, rounds paired, of ceiling, r_await ms, aqu-sz, dataset created in (s), accelerators
// fed at AU ≥ 90% with the samples/s delivered to them, payload and bytes on disk ÷ payload; then
// one line per undecided comparison with its reason, then "recommendation: ...".
std::string LayoutsTable(const LayoutDecision& decision);

// {"schema": "feedbench.layouts/1", "suite", "reference", "metric", "margin", "alpha",
// "alpha_per_look", "rounds", "order_seed", "all_decided", "recommendation", "layouts": [{
// "workload", "layout", "order", "reference", "valid_repetitions", "repetitions",
// "samples_per_second": {"median", "min", "max"}, "bytes_per_second": {...}, "ratio",
// "ratio_lower", "ratio_upper", "confidence", "verdict", "reason", "rounds": [...],
// "round_ratios": [...], "efficiency_pct", "efficiency_basis", "r_await_ms", "aqu_sz",
// "create_sec", "dataset_reused", "payload_bytes", "disk_bytes", "accelerators_fed" and, when a
// demand was given, "fed_capped", "fed_samples_per_second", "fed_au_pct", "fed_probes":
// [{"accelerators", "au_pct", "samples_per_second"}]}], "accelerator" (what was emulated, or null)}; absent figures are null; the reference's
// comparison fields are null and its verdict "REFERENCE".
nlohmann::ordered_json LayoutsJson(const LayoutDecision& decision);

// A Markdown table with the same columns and the recommendation as a paragraph.
std::string LayoutsMarkdown(const LayoutDecision& decision);

}  // namespace feedbench
