#include "harness/report/layouts_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "harness/report/ab_report.h"

namespace feedbench {
namespace {

using ojson = nlohmann::ordered_json;

constexpr double kMiB = 1 << 20;

// The cells both text renderers show, formatted once.
struct Cells {
  std::string samples, mib, ratio, verdict, rounds, ceiling, await, aqu, created, payload, fed;
};

std::string Opt(const std::optional<double>& v, int precision) {
  return v ? fmt::format("{:.{}f}", *v, precision) : "n/a";
}

Cells CellsOf(const LayoutRow& row) {
  Cells c;
  c.samples = SpreadCell(row.samples_per_second);
  c.mib = row.bytes_per_second ? fmt::format("{:.1f}", row.bytes_per_second->median / kMiB) : "n/a";
  if (row.reference) {
    c.ratio = "1 (reference)";
    c.verdict = "REFERENCE";
    c.rounds = "";
  } else if (row.comparison) {
    const AbComparison& a = *row.comparison;
    c.ratio = RatioCell(a);
    c.verdict = std::string(AbVerdictName(a.verdict));
    c.rounds = fmt::format("{}", a.rounds.size());
  }
  c.ceiling = row.efficiency_pct
                  ? fmt::format("{:.1f}% ({})", *row.efficiency_pct, row.efficiency_basis)
                  : "n/a";
  c.await = Opt(row.r_await_ms, 2);
  c.aqu = Opt(row.aqu_sz, 2);
  c.created = Opt(row.create_sec, 1);
  if (!row.fed) {
    c.fed = "n/a";
  } else if (!row.fed->at) {
    c.fed = "0";
  } else {
    c.fed = fmt::format("{}{} ({:.0f}/s)", row.fed->capped ? "≥" : "", row.fed->fed,
                        row.fed->at->samples_per_second);
  }
  c.payload = row.payload_bytes ? fmt::format("{:.1f} MiB", *row.payload_bytes / kMiB) : "n/a";
  if (row.payload_bytes && row.disk_bytes && *row.payload_bytes > 0) {
    c.payload += fmt::format(" (disk {:.3f}×)",
                             static_cast<double>(*row.disk_bytes) / *row.payload_bytes);
  }
  return c;
}


std::string Undecided(const LayoutDecision& d) {
  std::string out;
  for (const LayoutRow& row : d.rows) {
    if (row.comparison && row.comparison->verdict == AbVerdict::kInconclusive) {
      out += fmt::format("  {}: {}\n", row.workload, row.comparison->reason);
    }
  }
  return out;
}

}  // namespace

std::string LayoutsTable(const LayoutDecision& d) {
  std::vector<Cells> cells;
  size_t name = 8, samples = 9, ratio = 5, ceiling = 10, fed = 4;
  for (const LayoutRow& row : d.rows) {
    cells.push_back(CellsOf(row));
    name = std::max(name, row.workload.size());
    samples = std::max(samples, cells.back().samples.size());
    ratio = std::max(ratio, cells.back().ratio.size());
    ceiling = std::max(ceiling, cells.back().ceiling.size());
    fed = std::max(fed, cells.back().fed.size());
  }
  constexpr std::string_view kRow =
      "{:<{}}  {:>{}}  {:>8}  {:<{}}  {:<12}  {:>6}  {:>{}}  {:>10}  {:>6}  {:>9}  {:>{}}  {}\n";
  std::string out = fmt::format(
      "layouts of suite {} against {}: {} per round, {} interleaved rounds (order seed {}), SAME "
      "within ±{:g}%, {:g}% confidence over all looks ({:.3g}% per look)\n",
      d.suite, d.reference, d.metric, d.rounds, d.order_seed, 100 * d.margin, 100 * (1 - d.alpha),
      100 * (1 - d.alpha_per_look));
  out += fmt::format(kRow, "workload", name, "samples/s", samples, "MiB/s", "ratio [interval]",
                     ratio, "verdict", "rounds", "of ceiling", ceiling, "r_await ms", "aqu-sz",
                     "created s", "fed", fed, "payload (disk ÷ payload)");
  for (size_t i = 0; i < d.rows.size(); ++i) {
    const Cells& c = cells[i];
    out += fmt::format(kRow, d.rows[i].workload, name, c.samples, samples, c.mib, c.ratio, ratio,
                       c.verdict, c.rounds, c.ceiling, ceiling, c.await, c.aqu, c.created, c.fed,
                       fed, c.payload);
  }
  out += Undecided(d);
  if (!d.accelerator.empty()) {
    out += fmt::format("fed: the most emulated accelerators ({}) kept at AU ≥ 90% (searched: "
                       "bracket, then bisect), with the samples/s delivered to them\n",
                       d.accelerator);
  }
  out += fmt::format("recommendation: {}\n", d.recommendation);
  return out;
}

ojson LayoutsJson(const LayoutDecision& d) {
  ojson doc;
  doc["schema"] = "feedbench.layouts/1";
  doc["suite"] = d.suite;
  doc["reference"] = d.reference;
  doc["metric"] = d.metric;
  doc["margin"] = d.margin;
  doc["alpha"] = d.alpha;
  doc["alpha_per_look"] = d.alpha_per_look;
  doc["rounds"] = d.rounds;
  doc["order_seed"] = d.order_seed;
  doc["all_decided"] = d.all_decided;
  doc["recommendation"] = d.recommendation;
  doc["accelerator"] = d.accelerator.empty() ? ojson() : ojson(d.accelerator);
  ojson& layouts = doc["layouts"] = ojson::array();
  for (const LayoutRow& row : d.rows) {
    ojson e{{"workload", row.workload},
            {"layout", row.layout},
            {"order", row.order},
            {"reference", row.reference},
            {"valid_repetitions", row.valid_repetitions},
            {"repetitions", row.repetitions},
            {"samples_per_second", SpreadJson(row.samples_per_second)},
            {"bytes_per_second", SpreadJson(row.bytes_per_second)}};
    const AbComparison* c = row.comparison ? &*row.comparison : nullptr;
    e["ratio"] = c ? NullableJson(c->ratio) : ojson();
    e["ratio_lower"] = c ? NullableJson(c->lower) : ojson();
    e["ratio_upper"] = c ? NullableJson(c->upper) : ojson();
    e["confidence"] = c && c->lower ? ojson(c->confidence) : ojson();
    e["verdict"] = row.reference ? "REFERENCE" : c ? AbVerdictName(c->verdict) : "n/a";
    e["reason"] = c ? ojson(c->reason) : ojson();
    e["rounds"] = c ? ojson(c->rounds) : ojson();
    e["round_ratios"] = c ? ojson(c->ratios) : ojson();
    e["efficiency_pct"] = NullableJson(row.efficiency_pct);
    e["efficiency_basis"] = row.efficiency_basis;
    e["r_await_ms"] = NullableJson(row.r_await_ms);
    e["aqu_sz"] = NullableJson(row.aqu_sz);
    e["create_sec"] = NullableJson(row.create_sec);
    e["dataset_reused"] = row.dataset_reused;
    e["payload_bytes"] = row.payload_bytes ? ojson(*row.payload_bytes) : ojson();
    e["disk_bytes"] = row.disk_bytes ? ojson(*row.disk_bytes) : ojson();
    if (row.fed) {
      ojson probes = ojson::array();
      for (const FedProbe& p : row.fed->probes) {
        probes.push_back({{"accelerators", p.accelerators},
                          {"au_pct", p.au_pct},
                          {"samples_per_second", p.samples_per_second}});
      }
      e["accelerators_fed"] = row.fed->fed;
      e["fed_capped"] = row.fed->capped;
      e["fed_samples_per_second"] = row.fed->at ? ojson(row.fed->at->samples_per_second) : ojson();
      e["fed_au_pct"] = row.fed->at ? ojson(row.fed->at->au_pct) : ojson();
      e["fed_probes"] = std::move(probes);
    } else {
      e["accelerators_fed"] = ojson();
    }
    layouts.push_back(std::move(e));
  }
  return doc;
}

std::string LayoutsMarkdown(const LayoutDecision& d) {
  std::string out = fmt::format(
      "### feedbench layouts: {} against {}\n\n{} interleaved rounds (order seed {}), {} per "
      "round, SAME within ±{:g}%, {:g}% confidence over all looks.\n\n",
      d.suite, d.reference, d.rounds, d.order_seed, d.metric, 100 * d.margin,
      100 * (1 - d.alpha));
  out +=
      "| workload | samples/s (min–max) | MiB/s | ratio [interval] | verdict | rounds | of ceiling "
      "| r_await ms | aqu-sz | created s | fed (AU ≥ 90%) | payload (disk ÷ payload) |\n"
      "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const LayoutRow& row : d.rows) {
    const Cells c = CellsOf(row);
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                       row.workload, c.samples, c.mib, c.ratio, c.verdict, c.rounds, c.ceiling,
                       c.await, c.aqu, c.created, c.fed, c.payload);
  }
  out += fmt::format("\n**Recommendation:** {}\n", d.recommendation);
  return out;
}

}  // namespace feedbench
