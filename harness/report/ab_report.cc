#include "harness/report/ab_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace feedbench {
namespace {

using ojson = nlohmann::ordered_json;

std::string Heading(const SidesDecision& d) {
  return fmt::format(
      "B against A, {} per round: {} interleaved rounds (order seed {}), SAME within ±{:g}%, "
      "{:g}% confidence over all looks ({:.3g}% per look)\n  A: {}\n  B: {}\n",
      d.metric, d.rounds, d.order_seed, 100 * d.margin, 100 * (1 - d.alpha),
      100 * (1 - d.alpha_per_look), d.a_label, d.b_label);
}

}  // namespace

std::string RatioCell(const AbComparison& c) {
  if (!c.ratio) return "n/a";
  if (!c.lower) return fmt::format("{:.3f} [no interval]", *c.ratio);
  return fmt::format("{:.3f} [{:.3f}, {:.3f}]", *c.ratio, *c.lower, *c.upper);
}

ojson SpreadJson(const std::optional<ValueSpread>& s) {
  if (!s) return ojson();
  return ojson{{"median", s->median}, {"min", s->min}, {"max", s->max}};
}

ojson NullableJson(const std::optional<double>& v) { return v ? ojson(*v) : ojson(); }

std::string SpreadCell(const std::optional<ValueSpread>& s) {
  if (!s) return "n/a";
  return fmt::format("{:.0f} ({:.0f}–{:.0f})", s->median, s->min, s->max);
}

std::string SidesTable(const SidesDecision& d) {
  size_t name = 8, a = 1, b = 1, ratio = 5;
  for (const SideRow& row : d.rows) {
    name = std::max(name, row.workload.size());
    a = std::max(a, SpreadCell(row.a).size());
    b = std::max(b, SpreadCell(row.b).size());
    ratio = std::max(ratio, RatioCell(row.comparison).size());
  }
  constexpr std::string_view kRow = "{:<{}}  {:>{}}  {:>{}}  {:<{}}  {:<12}  {:>6}\n";
  std::string out = Heading(d);
  out += fmt::format(kRow, "workload", name, "A", a, "B", b, "B ÷ A [interval]", ratio, "verdict",
                     "rounds");
  for (const SideRow& row : d.rows) {
    out += fmt::format(kRow, row.workload, name, SpreadCell(row.a), a, SpreadCell(row.b), b,
                       RatioCell(row.comparison), ratio, AbVerdictName(row.comparison.verdict),
                       row.comparison.rounds.size());
  }
  for (const SideRow& row : d.rows) {
    if (row.comparison.verdict == AbVerdict::kInconclusive) {
      out += fmt::format("  {}: {}\n", row.workload, row.comparison.reason);
    }
  }
  return out;
}

ojson SidesJson(const SidesDecision& d) {
  ojson doc{{"schema", "feedbench.ab/1"},
            {"a", d.a_label},
            {"b", d.b_label},
            {"metric", d.metric},
            {"margin", d.margin},
            {"alpha", d.alpha},
            {"alpha_per_look", d.alpha_per_look},
            {"rounds", d.rounds},
            {"order_seed", d.order_seed},
            {"all_decided", d.all_decided}};
  ojson& rows = doc["workloads"] = ojson::array();
  for (const SideRow& row : d.rows) {
    const AbComparison& c = row.comparison;
    rows.push_back(ojson{{"workload", row.workload},
                         {"a", SpreadJson(row.a)},
                         {"b", SpreadJson(row.b)},
                         {"ratio", NullableJson(c.ratio)},
                         {"ratio_lower", NullableJson(c.lower)},
                         {"ratio_upper", NullableJson(c.upper)},
                         {"confidence", c.lower ? ojson(c.confidence) : ojson()},
                         {"verdict", AbVerdictName(c.verdict)},
                         {"reason", c.reason},
                         {"rounds", c.rounds},
                         {"round_ratios", c.ratios}});
  }
  return doc;
}

std::string SidesMarkdown(const SidesDecision& d) {
  std::string out = fmt::format(
      "### feedbench ab: B against A\n\n- A: {}\n- B: {}\n\n{} interleaved rounds (order seed {}), "
      "{} per round, SAME within ±{:g}%, {:g}% confidence over all looks.\n\n"
      "| workload | A | B | B ÷ A [interval] | verdict | rounds |\n"
      "| --- | ---: | ---: | --- | --- | ---: |\n",
      d.a_label, d.b_label, d.rounds, d.order_seed, d.metric, 100 * d.margin, 100 * (1 - d.alpha));
  for (const SideRow& row : d.rows) {
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", row.workload, SpreadCell(row.a),
                       SpreadCell(row.b), RatioCell(row.comparison),
                       AbVerdictName(row.comparison.verdict), row.comparison.rounds.size());
  }
  return out;
}

}  // namespace feedbench
