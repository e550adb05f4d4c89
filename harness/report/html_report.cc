#include "harness/report/html_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "harness/base/units.h"
#include "harness/report/ab_report.h"
#include "harness/report/compare_report.h"
#include "harness/results/metrics.h"

namespace feedbench {
// Named, not anonymous: the report layer builds as one unity source, where another reporter's
// anonymous helpers (Cell, Table) would clash with these.
namespace html_page {

using nlohmann::json;

// The page's look. Verdict and state colours match the charts' (kPageScript).
constexpr std::string_view kStyle = R"css(
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1400px; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.chart { position: relative; height: 280px; margin: 0.5em 0 1em; }
.note { color: #555; font-style: italic; }
.outcome { font-weight: bold; font-size: 1.1em; }
.log { max-height: 24em; overflow: auto; font-family: monospace; font-size: 0.85em; }
.v-regressed, .v-below, .v-invalid, .v-fail, .v-sustained, .v-not-qualified { background: #f8d0d0; }
.v-improved, .v-above, .v-pass, .v-qualified, .v-faster { background: #d4f0d4; }
.v-slower { background: #f8d0d0; }
.v-noisy, .v-uncertain, .v-inconclusive, .v-at-times, .v-disturbed { background: #fde6c4; }
.v-missing, .v-skipped, .v-not-compared, .v-not-judged, .v-not-run, .v-no-reference { background: #e8e8e8; }
.v-cache-contaminated, .v-failed, .v-verification-failed { background: #f8d0d0; }
)css";

// Draws every chart of the page from the JSON blocks (class "feedbench-data"). Numbers are drawn
// as they are; axis ticks of bytes/s are written in IEC units. Nothing is fetched.
constexpr std::string_view kPageScript = R"js(
(function () {
  'use strict';
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
                   '#7f7f7f', '#bcbd22', '#17becf'];
  const verdictColours = {
    REGRESSED: '#d62728', IMPROVED: '#2ca02c', UNCHANGED: '#1f77b4', NOISY: '#ff7f0e',
    UNCERTAIN: '#bcbd22', INVALID: '#8b0000', MISSING: '#7f7f7f', NEW: '#17becf',
    SKIPPED: '#c7c7c7', below: '#d62728', above: '#2ca02c', meets: '#1f77b4',
    invalid: '#8b0000', 'not run': '#7f7f7f', 'no reference': '#17becf', skipped: '#c7c7c7',
    valid: '#1f77b4', disturbed: '#ff7f0e', cache_contaminated: '#d62728',
    FASTER: '#2ca02c', SLOWER: '#d62728', SAME: '#1f77b4', INCONCLUSIVE: '#ff7f0e',
    verification_failed: '#8b0000', failed: '#8b0000'
  };
  function colour(name, i) { return verdictColours[name] || palette[i % palette.length]; }
  function iec(value) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = Math.abs(value), u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; ++u; }
    return (value < 0 ? '-' : '') + (u === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[u];
  }
  function ticks(unit) {
    if (unit === 'bytes/s') return { callback: (v) => iec(v) + '/s' };
    return {};
  }
  // Shaded, labelled bands behind the data: the monitored job's phases.
  const bandsPlugin = {
    id: 'feedbenchBands',
    beforeDatasetsDraw(chart, args, options) {
      const bands = (options && options.bands) || [];
      const area = chart.chartArea, x = chart.scales.x, ctx = chart.ctx;
      ctx.save();
      bands.forEach((band, i) => {
        const left = Math.max(x.getPixelForValue(band.start), area.left);
        const right = Math.min(x.getPixelForValue(band.end), area.right);
        if (!(right > left)) return;
        ctx.fillStyle = band.alarm ? 'rgba(214, 39, 40, 0.13)'
                                   : (i % 2 ? 'rgba(255, 165, 0, 0.13)' : 'rgba(100, 149, 237, 0.13)');
        ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
        ctx.fillStyle = '#333';
        ctx.font = '11px sans-serif';
        ctx.fillText(band.label, left + 3, area.top + 12 + (i % 3) * 13, Math.max(right - left - 6, 40));
      });
      ctx.restore();
    }
  };
  function title(text) { return { display: true, text: text }; }
  function timeline(spec) {
    return {
      type: 'line',
      data: {
        datasets: spec.series.map((s, i) => ({
          label: s.label,
          data: s.x.map((x, j) => ({ x: x, y: s.y[j] })),
          borderColor: palette[i % palette.length],
          backgroundColor: palette[i % palette.length],
          borderWidth: 1, pointRadius: 0, fill: false
        }))
      },
      options: {
        animation: false, parsing: false, normalized: true, responsive: true,
        maintainAspectRatio: false, interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { type: 'linear', title: title(spec.x_title) },
          y: { beginAtZero: true, title: title(spec.y_title), ticks: ticks(spec.y_unit) }
        },
        plugins: {
          title: title(spec.title),
          legend: { display: spec.series.length > 1 },
          decimation: { enabled: true, algorithm: 'min-max' },
          feedbenchBands: { bands: spec.bands || [] }
        }
      },
      plugins: [bandsPlugin]
    };
  }
  function pointsByGroup(points) {
    const groups = new Map();
    points.forEach((p) => {
      if (!groups.has(p.group)) groups.set(p.group, []);
      groups.get(p.group).push({ x: p.x, y: p.y });
    });
    return Array.from(groups.entries()).map(([group, data], i) => ({
      type: 'line', label: group, data: data, showLine: false, pointRadius: 5,
      pointHoverRadius: 7, borderColor: colour(group, i), backgroundColor: colour(group, i),
      pointStyle: group === 'valid' || verdictColours[group] === undefined ? 'circle' : 'rectRot'
    }));
  }
  // Per category: a range as a floating bar, a marker line and the points, grouped by state.
  function spread(spec) {
    const datasets = [{
      type: 'bar', label: spec.range_label, data: spec.ranges,
      backgroundColor: 'rgba(120, 120, 120, 0.22)', borderColor: 'rgba(120, 120, 120, 0.6)',
      borderWidth: 1, barPercentage: 0.5
    }];
    if (spec.marks) {
      datasets.push({
        type: 'line', label: spec.mark_label, data: spec.marks, showLine: false,
        pointStyle: 'line', pointRadius: 14, borderWidth: 3, borderColor: '#222'
      });
    }
    datasets.push(...pointsByGroup(spec.points));
    return {
      type: 'bar',
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: {
          x: { ticks: { autoSkip: false, maxRotation: 60 } },
          y: { beginAtZero: !!spec.from_zero, title: title(spec.y_title), ticks: ticks(spec.y_unit) }
        },
        plugins: { title: title(spec.title) }
      }
    };
  }
  function bars(spec) {
    return {
      type: 'bar',
      data: {
        labels: spec.labels,
        datasets: [{
          label: spec.y_title, data: spec.values,
          backgroundColor: spec.groups.map((g, i) => colour(g, i))
        }]
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { ticks: { autoSkip: false, maxRotation: 60 } },
                  y: { beginAtZero: true, title: title(spec.y_title) } },
        plugins: { title: title(spec.title), legend: { display: false } }
      }
    };
  }
  const builders = { timeline: timeline, spread: spread, bars: bars };
  document.querySelectorAll('script.feedbench-data').forEach((block) => {
    const data = JSON.parse(block.textContent);
    data.charts.forEach((spec) => {
      const canvas = document.getElementById(spec.canvas);
      new Chart(canvas.getContext('2d'), builders[spec.type](spec));
    });
  });
})();
)js";

std::string Css(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (keep) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// A cell: text escaped; `css` (a verdict or state) gives it the verdict's colour.
std::string Cell(std::string_view text, std::string_view css = "") {
  if (css.empty()) return "<td>" + HtmlEscape(text) + "</td>";
  return fmt::format("<td class=\"v-{}\">{}</td>", Css(css), HtmlEscape(text));
}
std::string NumCell(std::string_view text) { return "<td class=\"num\">" + HtmlEscape(text) + "</td>"; }

std::string Table(const std::vector<std::string>& headers,
                  const std::vector<std::string>& rows_html) {
  std::string out = "<table><thead><tr>";
  for (const std::string& h : headers) out += "<th>" + HtmlEscape(h) + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const std::string& row : rows_html) out += "<tr>" + row + "</tr>\n";
  return out + "</tbody></table>\n";
}

std::string Para(std::string_view text, std::string_view css = "") {
  if (css.empty()) return "<p>" + HtmlEscape(text) + "</p>\n";
  return fmt::format("<p class=\"{}\">{}</p>\n", css, HtmlEscape(text));
}

// A heading and a list of `items`, escaped; "" without items.
std::string Bullets(std::string_view heading, const std::vector<std::string>& items) {
  if (items.empty()) return "";
  std::string out = "<h3>" + HtmlEscape(heading) + "</h3>\n<ul>";
  for (const std::string& item : items) out += "<li>" + HtmlEscape(item) + "</li>";
  return out + "</ul>\n";
}

std::string Fixed(double value, int decimals = 2) { return fmt::format("{:.{}f}", value, decimals); }

// Builds one section: its HTML and the specs of its charts, each with a canvas of its own.
class SectionBuilder {
 public:
  SectionBuilder(std::size_t index, std::string_view kind, std::string_view heading)
      : id_(fmt::format("s{}", index)) {
    html_ = fmt::format("<section id=\"{}\" class=\"{}\">\n<h2>{}</h2>\n", id_, kind,
                        HtmlEscape(heading));
  }
  void Add(std::string_view html) { html_ += html; }
  void Chart(json spec) {
    const std::string canvas = fmt::format("{}-c{}", id_, charts_.size());
    html_ += fmt::format("<div class=\"chart\"><canvas id=\"{}\" role=\"img\" aria-label=\"{}\">"
                         "</canvas></div>\n",
                         canvas, HtmlEscape(spec.value("title", "")));
    spec["canvas"] = canvas;
    charts_.push_back(std::move(spec));
  }
  std::string Finish() && {
    html_ += fmt::format("<script type=\"application/json\" class=\"feedbench-data\" "
                         "id=\"{}-data\">{}</script>\n</section>\n",
                         id_, JsonForScript(json{{"charts", charts_}}));
    return std::move(html_);
  }

 private:
  std::string id_;
  std::string html_;
  json charts_ = json::array();
};

// ---- monitor -----------------------------------------------------------------------------------

// "deep queue, many small reads SUSTAINED; queueing AT TIMES": the signs that held on any
// device, each once, at its strongest; "" if none held.
std::string HeldSigns(const std::vector<DeviceVerdicts>& diagnosis, bool* alarm) {
  std::vector<std::string> sustained, at_times;
  for (const DeviceVerdicts& d : diagnosis) {
    for (const SignOutcome& s : d.signs) {
      if (s.verdict == "SUSTAINED" &&
          std::find(sustained.begin(), sustained.end(), s.sign) == sustained.end()) {
        sustained.push_back(s.sign);
      }
    }
  }
  for (const DeviceVerdicts& d : diagnosis) {
    for (const SignOutcome& s : d.signs) {
      if (s.verdict == "AT TIMES" &&
          std::find(sustained.begin(), sustained.end(), s.sign) == sustained.end() &&
          std::find(at_times.begin(), at_times.end(), s.sign) == at_times.end()) {
        at_times.push_back(s.sign);
      }
    }
  }
  *alarm = !sustained.empty();
  std::string out;
  if (!sustained.empty()) out = fmt::format("{} SUSTAINED", fmt::join(sustained, ", "));
  if (!at_times.empty()) {
    out += fmt::format("{}{} AT TIMES", out.empty() ? "" : "; ", fmt::join(at_times, ", "));
  }
  return out;
}

json PhaseBands(const MonitorDocument& doc) {
  json bands = json::array();
  for (const DocumentPhase& p : doc.phases) {
    bool alarm = false;
    const std::string held = HeldSigns(p.diagnosis, &alarm);
    bands.push_back({{"start", p.start_offset_sec},
                     {"end", p.end_offset_sec},
                     {"label", held.empty() ? p.name : p.name + ": " + held},
                     {"alarm", alarm}});
  }
  return bands;
}

std::string DiagnosisTable(const std::vector<DeviceVerdicts>& diagnosis) {
  std::vector<std::string> rows;
  for (const DeviceVerdicts& d : diagnosis) {
    for (const SignOutcome& s : d.signs) {
      const std::string value =
          s.window_value ? fmt::format("{:.2f} {}", *s.window_value, s.unit) : std::string("-");
      const std::string held =
          s.verdict == "NOT JUDGED" ? s.reason
                                    : fmt::format("{} of {}", s.intervals_held, s.intervals_eligible);
      rows.push_back(Cell(d.device) + Cell(s.sign) + Cell(s.verdict, s.verdict) + NumCell(value) +
                     Cell(s.threshold) + Cell(held));
    }
    if (!d.advice.empty()) {
      rows.push_back(Cell(d.device) + "<td colspan=\"5\"><b>advice:</b> " + HtmlEscape(d.advice) +
                     "</td>");
    }
  }
  return Table({"device", "sign", "verdict", "window value", "threshold", "intervals held"}, rows);
}

std::string WindowRow(const DeviceWindow& w) {
  return Cell(w.device) + NumCell(Fixed(w.duration_sec, 3)) +
         NumCell(FormatBytesIec(double(w.read_bytes))) + NumCell(Fixed(w.reads_per_sec)) +
         NumCell(FormatRateIec(w.read_bytes_per_sec)) + NumCell(Fixed(w.r_await_ms)) +
         NumCell(Fixed(w.aqu_sz_requests)) + NumCell(Fixed(w.util_pct));
}
const std::vector<std::string> kWindowHeaders = {"device", "seconds", "read", "r/s",   "read/s",
                                                 "r_await ms", "aqu-sz", "%util"};

std::string RenderMonitor(const MonitorDocument& doc, std::size_t index) {
  SectionBuilder s(index, "monitor", "Monitor: " + doc.source);
  std::string what = fmt::format("sampled every {} ms", doc.interval_ms);
  if (!doc.command.empty()) {
    std::string command;
    for (const std::string& arg : doc.command) command += (command.empty() ? "" : " ") + arg;
    what += "; command: " + command;
    if (doc.exit_status) what += fmt::format(" (exit status {})", *doc.exit_status);
  }
  s.Add(Para(what));
  const std::string start = doc.start_utc.empty() ? std::string("the start") : doc.start_utc[0];
  const std::string x_title = "seconds since " + start;
  const json bands = PhaseBands(doc);
  struct Figure {
    const char* title;
    const char* y_title;
    const char* unit;
    const std::vector<double> DeviceTimeline::*values;
  };
  const Figure figures[] = {
      {"rkB/s: bytes read per second", "read/s", "bytes/s", &DeviceTimeline::read_bytes_per_sec},
      {"r/s: reads completed per second", "r/s", "r/s", &DeviceTimeline::reads_per_sec},
      {"r_await: mean time of a read, queue and service", "ms", "ms", &DeviceTimeline::r_await_ms},
      {"aqu-sz: mean requests in flight", "requests", "requests",
       &DeviceTimeline::aqu_sz_requests},
      {"%util: share of time the device was busy", "%", "%", &DeviceTimeline::util_pct},
  };
  if (doc.timelines.empty()) s.Add(Para("The monitor recorded no rows.", "note"));
  for (const Figure& f : figures) {
    if (doc.timelines.empty()) break;
    json series = json::array();
    for (const DeviceTimeline& t : doc.timelines) {
      series.push_back({{"label", t.device}, {"x", t.offset_sec}, {"y", t.*f.values}});
    }
    s.Chart({{"type", "timeline"},
             {"title", f.title},
             {"x_title", x_title},
             {"y_title", f.y_title},
             {"y_unit", f.unit},
             {"series", series},
             {"bands", bands}});
  }
  if (doc.accelerator.present) {
    s.Add("<h3>Accelerator</h3>\n");
    if (!doc.accelerator.sampled || doc.accelerator.gpus.empty()) {
      s.Add(Para("Accelerator utilisation not sampled" +
                     (doc.accelerator.reason.empty() ? std::string(".")
                                                     : ": " + doc.accelerator.reason),
                 "note"));
    } else {
      json series = json::array();
      for (const AcceleratorTimeline& g : doc.accelerator.gpus) {
        series.push_back(
            {{"label", "GPU " + g.gpu}, {"x", g.offset_sec}, {"y", g.utilization_pct}});
      }
      s.Chart({{"type", "timeline"},
               {"title", "accelerator utilisation per GPU"},
               {"x_title", x_title},
               {"y_title", "%"},
               {"y_unit", "%"},
               {"series", series},
               {"bands", bands}});
    }
  }
  s.Add("<h3>Window summary</h3>\n");
  std::vector<std::string> rows;
  for (const DeviceWindow& w : doc.summary) rows.push_back(WindowRow(w));
  s.Add(Table(kWindowHeaders, rows));
  if (!doc.diagnosis.empty()) {
    s.Add("<h3>Diagnosis</h3>\n");
    s.Add(DiagnosisTable(doc.diagnosis));
  }
  if (!doc.phases.empty()) {
    s.Add("<h3>Phases</h3>\n");
    for (const DocumentPhase& p : doc.phases) {
      std::string head = fmt::format("{}: {} to {} ({:.1f} s to {:.1f} s)", p.name, p.start_utc,
                                     p.end_utc, p.start_offset_sec, p.end_offset_sec);
      if (p.accelerator_util_pct) {
        head += fmt::format("; accelerator utilisation {:.1f}%", *p.accelerator_util_pct);
      }
      s.Add("<h4>" + HtmlEscape(head) + "</h4>\n");
      std::vector<std::string> phase_rows;
      for (const DeviceWindow& w : p.summary) phase_rows.push_back(WindowRow(w));
      if (!phase_rows.empty()) s.Add(Table(kWindowHeaders, phase_rows));
      if (!p.diagnosis.empty()) s.Add(DiagnosisTable(p.diagnosis));
    }
  }
  if (!doc.log.empty()) {
    s.Add(fmt::format("<h3>Log ({} lines)</h3>\n<div class=\"log\">", doc.log.size()));
    std::vector<std::string> log_rows;
    log_rows.reserve(doc.log.size());
    for (const LogLine& l : doc.log) {
      log_rows.push_back(Cell(l.timestamp_utc) + NumCell(Fixed(l.offset_sec, 3)) + Cell(l.stream) +
                         Cell(l.line));
    }
    s.Add(Table({"timestamp (UTC)", "seconds", "stream", "line"}, log_rows));
    s.Add("</div>\n");
  }
  return std::move(s).Finish();
}

// ---- run results -------------------------------------------------------------------------------

std::string MetricText(std::string_view counter, const std::map<std::string, double>& values) {
  const auto it = values.find(std::string(counter));
  if (it == values.end()) return "-";
  const MetricInfo* info = FindMetric(counter);
  return info != nullptr ? FormatMetricValue(*info, it->second) : fmt::format("{:g}", it->second);
}

// A spread chart of one counter over the workloads that have it: each repetition a point (by
// state), the valid ones' min–max a bar and their median a mark.
void SpreadChart(SectionBuilder& s, const RunSection& run, std::string_view counter,
                 std::string_view title, std::string_view y_title, std::string_view unit) {
  json labels = json::array(), ranges = json::array(), marks = json::array(),
       points = json::array();
  for (std::size_t i = 0; i < run.results.workloads.size(); ++i) {
    const WorkloadResults& w = run.results.workloads[i];
    const WorkloadSummary& summary = run.summaries.at(i);
    bool any = false;
    for (const Repetition& rep : w.repetitions) {
      const auto it = rep.counters.find(std::string(counter));
      if (it == rep.counters.end()) continue;
      any = true;
      points.push_back(
          {{"x", w.name}, {"y", it->second}, {"group", RepetitionStateName(rep.state)}});
    }
    if (!any) continue;
    labels.push_back(w.name);
    const std::string key(counter);
    if (summary.median.contains(key)) {
      ranges.push_back(json::array({summary.min.at(key), summary.max.at(key)}));
      marks.push_back(summary.median.at(key));
    } else {
      ranges.push_back(nullptr);
      marks.push_back(nullptr);
    }
  }
  if (labels.empty()) return;
  s.Chart({{"type", "spread"},
           {"title", title},
           {"y_title", y_title},
           {"y_unit", unit},
           {"from_zero", true},
           {"labels", labels},
           {"range_label", "min–max of valid repetitions"},
           {"ranges", ranges},
           {"mark_label", "median"},
           {"marks", marks},
           {"points", points}});
}

std::string RenderRun(const RunSection& run, std::size_t index) {
  const ResultsFile& r = run.results;
  SectionBuilder s(index, "results", "Run results: " + r.source);
  s.Add(Para(fmt::format("suite {}, dataset {}, feedbench {}, {}", r.suite, r.dataset_hash,
                         r.feedbench_version, r.date)));
  std::vector<std::string> rows;
  for (const WorkloadSummary& w : run.summaries) {
    auto range = [&](std::string_view counter) {
      return MetricText(counter, w.min) + " / " + MetricText(counter, w.median) + " / " +
             MetricText(counter, w.max);
    };
    const std::string state = w.valid_repetitions == w.repetitions
                                  ? fmt::format("{}", w.repetitions)
                                  : fmt::format("{} of {}", w.valid_repetitions, w.repetitions);
    rows.push_back(Cell(w.name) + NumCell(state) + NumCell(range("samples_per_second")) +
                   NumCell(range("bytes_per_second")) + NumCell(MetricText("r_await_ms", w.median)) +
                   NumCell(MetricText("probe_efficiency_pct", w.median)));
  }
  s.Add(Table({"workload", "valid repetitions", "samples/s min / median / max",
               "bytes/s min / median / max", "r_await median", "of its probe, median"},
              rows));
  std::vector<std::string> problems;
  for (const WorkloadResults& w : r.workloads) {
    for (const Repetition& rep : w.repetitions) {
      if (rep.valid()) continue;
      problems.push_back(Cell(w.name) + NumCell(fmt::format("#{}", rep.repetition_index)) +
                         Cell(RepetitionStateName(rep.state), RepetitionStateName(rep.state)) +
                         Cell(rep.error_message));
    }
  }
  if (!problems.empty()) {
    s.Add("<h3>Repetitions not judged</h3>\n");
    s.Add(Table({"workload", "repetition", "state", "why"}, problems));
  }
  SpreadChart(s, run, "samples_per_second", "samples/s per repetition", "samples/s", "samples/s");
  SpreadChart(s, run, "bytes_per_second", "bytes/s per repetition", "read/s", "bytes/s");
  SpreadChart(s, run, "probe_efficiency_pct",
              "efficiency against the paired probe (workload bytes/s ÷ probe bytes/s)", "%", "%");
  if (!run.efficiencies.empty()) {
    s.Add("<h3>Efficiency against the fio ceiling</h3>\n");
    std::vector<std::string> eff;
    for (const Efficiency& e : run.efficiencies) {
      eff.push_back(Cell(e.workload) + Cell(e.ceiling + " (" + e.profile + ")") +
                    NumCell(FormatRateIec(e.workload_bytes_per_sec)) +
                    NumCell(FormatRateIec(e.ceiling_bytes_per_sec)) +
                    NumCell(FormatPercent(e.ratio)));
    }
    s.Add(Table({"workload", "ceiling", "workload median", "ceiling median", "efficiency"}, eff));
  }
  s.Add("<h3>Device timeline</h3>\n");
  if (!run.timelines) {
    s.Add(Para(run.timeline_note, "note"));
  } else {
    for (const auto& [workload, repetitions] : *run.timelines) {
      json series = json::array();
      for (std::size_t i = 0; i < repetitions.size(); ++i) {
        const DeviceTimeline& t = repetitions[i];
        series.push_back({{"label", fmt::format("repetition {} ({})", i, t.device)},
                          {"x", t.offset_sec},
                          {"y", t.read_bytes_per_sec}});
      }
      if (series.empty()) continue;
      s.Chart({{"type", "timeline"},
               {"title", workload + ": rkB/s of the sampled device, each repetition"},
               {"x_title", "seconds since the repetition's start"},
               {"y_title", "read/s"},
               {"y_unit", "bytes/s"},
               {"series", series}});
    }
  }
  return std::move(s).Finish();
}

// ---- comparison and qualification --------------------------------------------------------------

// Why a row was not judged, after its message unless the message already says it.
void AppendReason(std::string& why, const std::string& reason) {
  if (reason.empty() || why.find(reason) != std::string::npos) return;
  why += (why.empty() ? "" : " ") + reason;
}

std::string RowLabel(const std::string& workload, const std::string& metric) {
  return workload + " · " + metric;
}

void BandChart(SectionBuilder& s, const CompareReport& report) {
  json labels = json::array(), ranges = json::array(), points = json::array();
  for (const MetricComparison& row : report.rows) {
    if (!IsJudged(row.verdict)) continue;
    const std::string label = RowLabel(row.workload, row.metric);
    const ThresholdBand band = BandOf(row);
    labels.push_back(label);
    ranges.push_back(json::array({band.better_below, band.worse_above}));
    points.push_back({{"x", label}, {"y", row.ratio}, {"group", VerdictName(row.verdict)}});
  }
  if (labels.empty()) return;
  s.Chart({{"type", "spread"},
           {"title", "r = current against the reference, oriented (above 1 is worse), in its "
                     "threshold band"},
           {"y_title", "r"},
           {"y_unit", "ratio"},
           {"from_zero", false},
           {"labels", labels},
           {"range_label", "threshold band: neither worse nor better beyond T"},
           {"ranges", ranges},
           {"points", points}});
}

std::string RenderComparison(const ComparisonSection& section, std::size_t index) {
  const CompareReport& report = section.report;
  SectionBuilder s(index, "comparison",
                   "Comparison: " + report.results_source + " against " + report.baseline_source);
  const std::string outcome(GateOutcomeName(report.Outcome()));
  s.Add(fmt::format("<p class=\"outcome v-{}\">{}</p>\n", Css(outcome),
                    HtmlEscape(OutcomeLine(report))));
  if (const std::string ref = ReferenceLine(report); !ref.empty()) s.Add(Para(ref));
  BandChart(s, report);
  std::vector<std::string> rows;
  for (const MetricComparison& row : report.rows) {
    const CompareCells c = FormatCells(row);
    const std::string verdict(VerdictName(row.verdict));
    std::string why = NeedsExplanation(row) ? row.message : std::string();
    AppendReason(why, row.inconclusive_reason);
    rows.push_back(Cell(row.workload) + Cell(row.metric) + NumCell(c.baseline) +
                   NumCell(c.current) + NumCell(c.change) + NumCell(c.threshold) + NumCell(c.p) +
                   Cell(verdict, verdict) + Cell(why));
  }
  s.Add(Table({"workload", "metric", "baseline", "current", "change", "threshold", "p", "verdict",
               "why"},
              rows));
  s.Add(Bullets("Fingerprint differences", report.fingerprint_differences));
  if (const std::string excluded = ExcludedWorkloadsLine(report); !excluded.empty()) {
    s.Add(Para(excluded, "note"));
  }
  return std::move(s).Finish();
}

std::string RenderQualification(const QualificationSection& section, std::size_t index) {
  const QualifyReport& q = section.qualification;
  SectionBuilder s(index, "qualification",
                   "Qualification: " + section.comparison.results_source + " against reference " +
                       section.comparison.baseline_source);
  const int code = q.ExitCode();
  const std::string outcome = QualifyOutcome(q);
  s.Add(fmt::format("<p class=\"outcome v-{}\">{}: {} (exit {})</p>\n", Css(outcome), outcome,
                    HtmlEscape(q.judged), code));
  json labels = json::array(), values = json::array(), groups = json::array();
  for (const QualifyRow& row : q.rows) {
    if (!row.ratio) continue;
    labels.push_back(RowLabel(row.workload, row.metric));
    values.push_back(*row.ratio);
    groups.push_back(row.verdict);
  }
  if (!labels.empty()) {
    s.Chart({{"type", "bars"},
             {"title", "candidate ÷ reference per workload and metric (for await and latency, "
                       "below 1 is better)"},
             {"y_title", "candidate ÷ reference"},
             {"labels", labels},
             {"values", values},
             {"groups", groups}});
  }
  std::vector<std::string> workloads;
  for (const QualifyWorkload& w : q.workloads) workloads.push_back(Cell(w.workload) + Cell(w.verdict, w.verdict));
  s.Add(Table({"workload", "verdict"}, workloads));
  std::vector<std::string> rows;
  for (const QualifyRow& row : q.rows) {
    const MetricInfo* info = FindMetric(row.metric);
    auto value = [&](const std::optional<double>& v) {
      if (!v) return std::string("-");
      return info != nullptr ? FormatMetricValue(*info, *v) : fmt::format("{:.4g}", *v);
    };
    std::string why = row.verdict == "below" ? row.message : std::string();
    AppendReason(why, row.inconclusive_reason);
    rows.push_back(Cell(row.workload) + Cell(row.metric) + NumCell(value(row.reference)) +
                   NumCell(value(row.candidate)) +
                   NumCell(row.ratio ? fmt::format("{:.3f}", *row.ratio) : std::string("-")) +
                   Cell(row.verdict, row.verdict) + Cell(why));
  }
  s.Add(Table({"workload", "metric", "reference", "candidate", "ratio", "verdict", "why"}, rows));
  s.Add(Bullets("How the candidate differs from the reference (not gating)",
                q.fingerprint_differences));
  return std::move(s).Finish();
}

// ---- layouts ------------------------------------------------------------------------------------

std::string RenderLayouts(const LayoutsSection& section, std::size_t index) {
  const LayoutDecision& d = section.decision;
  SectionBuilder s(index, "layouts",
                   "Layouts of suite " + d.suite + " against " + d.reference);
  s.Add(Para(fmt::format("{} interleaved rounds (order seed {}), {} per round; SAME within "
                         "±{:g}%, {:g}% confidence over all looks.",
                         d.rounds, d.order_seed, d.metric, 100 * d.margin, 100 * (1 - d.alpha))));
  s.Add(fmt::format("<p class=\"outcome\">Recommendation: {}</p>\n", HtmlEscape(d.recommendation)));
  json labels = json::array(), ranges = json::array(), points = json::array();
  for (const LayoutRow& row : d.rows) {
    if (!row.comparison || !row.comparison->ratio) continue;
    const AbComparison& c = *row.comparison;
    labels.push_back(row.workload);
    ranges.push_back(c.lower ? json::array({*c.lower, *c.upper}) : json::array({*c.ratio, *c.ratio}));
    points.push_back({{"x", row.workload}, {"y", *c.ratio}, {"group", AbVerdictName(c.verdict)}});
  }
  if (!labels.empty()) {
    s.Chart({{"type", "spread"},
             {"title", "samples/s against " + d.reference + ", per round: the median ratio and "
                       "its signed-rank interval (above 1 is faster)"},
             {"y_title", "ratio to " + d.reference},
             {"y_unit", "ratio"},
             {"from_zero", false},
             {"labels", labels},
             {"range_label", "interval of the ratio"},
             {"ranges", ranges},
             {"points", points}});
  }
  std::vector<std::string> rows;
  for (const LayoutRow& row : d.rows) {
    const std::string verdict =
        row.reference ? "REFERENCE"
        : row.comparison ? std::string(AbVerdictName(row.comparison->verdict)) : "n/a";
    auto num = [](const std::optional<double>& v, int precision) {
      return v ? fmt::format("{:.{}f}", *v, precision) : std::string("-");
    };
    std::string fed = "-";
    if (row.fed) fed = fmt::format("{}{}", row.fed->capped ? "≥" : "", row.fed->fed);
    rows.push_back(
        Cell(row.workload) + NumCell(SpreadCell(row.samples_per_second)) +
        NumCell(row.bytes_per_second
                    ? fmt::format("{:.1f}", row.bytes_per_second->median / (1 << 20))
                    : std::string("-")) +
        NumCell(row.comparison ? RatioCell(*row.comparison) : std::string("1 (reference)")) +
        Cell(verdict, verdict) +
        NumCell(row.comparison ? std::to_string(row.comparison->rounds.size()) : std::string()) +
        NumCell(num(row.efficiency_pct, 1)) + NumCell(num(row.r_await_ms, 2)) +
        NumCell(num(row.aqu_sz, 2)) + NumCell(num(row.create_sec, 1)) + NumCell(fed) +
        Cell(row.comparison && row.comparison->verdict == AbVerdict::kInconclusive
                 ? row.comparison->reason
                 : std::string()));
  }
  s.Add(Table({"workload", "samples/s (min–max)", "MiB/s", "ratio [interval]", "verdict", "rounds",
               "of ceiling %", "r_await ms", "aqu-sz", "created s", "fed (AU ≥ 90%)", "why"},
              rows));
  if (!d.accelerator.empty()) s.Add(Para("Accelerators fed: " + d.accelerator, "note"));
  return std::move(s).Finish();
}

std::string SectionTitle(const HtmlSection& section) {
  struct {
    std::string operator()(const MonitorDocument& m) { return "monitor " + m.source; }
    std::string operator()(const RunSection& r) { return "results " + r.results.source; }
    std::string operator()(const ComparisonSection& c) {
      return "comparison " + c.report.results_source;
    }
    std::string operator()(const QualificationSection& q) {
      return "qualification " + q.comparison.results_source;
    }
    std::string operator()(const LayoutsSection& l) { return "layouts " + l.decision.suite; }
  } visitor;
  return std::visit(visitor, section);
}

}  // namespace html_page

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string JsonForScript(const nlohmann::json& value) {
  // Invalid UTF-8 in a string is replaced rather than thrown on: a log line is the job's bytes.
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

std::string RenderHtmlReport(const std::vector<HtmlSection>& sections,
                             std::string_view chartjs_source) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      // Nothing but the page itself: no request can leave it, whatever the data holds.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>feedbench report</title>\n<style>";
  out += html_page::kStyle;
  out += "</style>\n<script>\n";
  out += chartjs_source;
  out += "\n</script>\n</head>\n<body>\n<h1>feedbench report</h1>\n<ul class=\"contents\">\n";
  for (std::size_t i = 0; i < sections.size(); ++i) {
    out += fmt::format("<li><a href=\"#s{}\">{}</a></li>\n", i,
                       HtmlEscape(html_page::SectionTitle(sections[i])));
  }
  out += "</ul>\n";
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const HtmlSection& section = sections[i];
    if (const auto* m = std::get_if<MonitorDocument>(&section)) {
      out += html_page::RenderMonitor(*m, i);
    } else if (const auto* r = std::get_if<RunSection>(&section)) {
      out += html_page::RenderRun(*r, i);
    } else if (const auto* c = std::get_if<ComparisonSection>(&section)) {
      out += html_page::RenderComparison(*c, i);
    } else if (const auto* l = std::get_if<LayoutsSection>(&section)) {
      out += html_page::RenderLayouts(*l, i);
    } else {
      out += html_page::RenderQualification(std::get<QualificationSection>(section), i);
    }
  }
  out += "<script>";
  out += html_page::kPageScript;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace feedbench
