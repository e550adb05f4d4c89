#include "harness/report/monitor_report.h"

#include <fmt/format.h>

#include "harness/base/time_format.h"
#include "harness/base/units.h"

namespace feedbench {
namespace {

constexpr double kBytesPerKb = 1024.0;  // iostat's kB

nlohmann::ordered_json NumberOrNull(const std::optional<double>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json();
}

nlohmann::ordered_json SummaryEntryJson(const WindowSummary& s) {
  nlohmann::ordered_json entry{
      {"device", s.device},
      {"start_utc", s.start_utc},
      {"end_utc", s.end_utc},
      {"duration_sec", s.duration_sec},
      {"read_bytes", s.read_bytes},
      {"write_bytes", s.write_bytes},
      {"discard_bytes", s.discard_bytes},
      {"read_ios", s.read_ios},
      {"write_ios", s.write_ios},
      {"discard_ios", s.discard_ios},
      {"flush_ios", s.flush_ios},
  };
  entry.update(IostatFiguresJson(s.figures));
  if (!s.notes.empty()) entry["notes"] = s.notes;
  return entry;
}

nlohmann::ordered_json DiagnosisEntryJson(const DeviceDiagnosis& d) {
  nlohmann::ordered_json signs = nlohmann::ordered_json::array();
  for (const SignReading& r : d.signs) {
    signs.push_back({
        {"sign", std::string(SignName(r.sign))},
        {"verdict", std::string(SignVerdictName(r.verdict))},
        {"window_value", NumberOrNull(r.window_value)},
        {"unit", r.unit},
        {"threshold", r.threshold_text},
        {"intervals_held", r.held},
        {"intervals_eligible", r.eligible},
        {"share_held", r.Share()},
        {"reason", r.reason},
    });
  }
  return {{"device", d.device}, {"signs", std::move(signs)}, {"advice", d.advice}};
}

nlohmann::ordered_json LogJson(const MonitorRun& run) {
  nlohmann::ordered_json log = nlohmann::ordered_json::array();
  for (const StampedLine& line : run.log) {
    nlohmann::ordered_json entry{
        {"timestamp_utc", UtcIsoMillis(line.wall)},
        {"offset_sec", line.offset_sec},
        {"stream", std::string(OutputSourceName(line.source))},
        {"line", line.text},
    };
    if (line.cut_bytes > 0) entry["cut_bytes"] = line.cut_bytes;
    log.push_back(std::move(entry));
  }
  return log;
}

nlohmann::ordered_json PhaseJson(const MonitorPhase& p) {
  const Phase& phase = p.phase;
  nlohmann::ordered_json mark;
  if (phase.mark) {
    mark = {{"timestamp_utc", UtcIsoMillis(phase.mark->wall)},
            {"offset_sec", phase.mark->offset_sec},
            {"stream", std::string(OutputSourceName(phase.mark->source))},
            {"line", phase.mark->line}};
  }
  nlohmann::ordered_json summary = nlohmann::ordered_json::array();
  for (const WindowSummary& s : phase.summaries) summary.push_back(SummaryEntryJson(s));
  nlohmann::ordered_json diagnosis = nlohmann::ordered_json::array();
  for (const DeviceDiagnosis& d : p.diagnoses) diagnosis.push_back(DiagnosisEntryJson(d));
  return {{"name", phase.name},
          {"start_utc", phase.start_utc},
          {"end_utc", phase.end_utc},
          {"start_offset_sec", phase.start_offset_sec},
          {"end_offset_sec", phase.end_offset_sec},
          {"mark", std::move(mark)},
          {"summary", std::move(summary)},
          {"diagnosis", std::move(diagnosis)},
          {"accelerator_util_pct", NumberOrNull(p.accelerator_util_pct)}};
}

nlohmann::ordered_json AcceleratorJson(const MonitorAccelerator& a) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const AcceleratorRow& r : a.window.rows) {
    rows.push_back({{"timestamp_utc", r.timestamp_utc},
                    {"offset_sec", r.offset_sec},
                    {"gpu", r.gpu},
                    {"utilization_pct", r.utilization_pct}});
  }
  nlohmann::ordered_json gpus = nlohmann::ordered_json::array();
  for (const auto& [gpu, mean] : a.gpu_mean_util_pct) {
    gpus.push_back({{"gpu", gpu}, {"mean_util_pct", mean}});
  }
  return {{"sampled", a.window.sampled},
          {"reason", a.window.reason},
          {"rows", std::move(rows)},
          {"mean_util_pct", NumberOrNull(a.mean_util_pct)},
          {"gpus", std::move(gpus)},
          {"queries", a.window.queries},
          {"failed_queries", a.window.failed_queries}};
}

// The signs that held over a phase, with their verdicts: "queueing SUSTAINED, deep queue AT
// TIMES"; "none" when every judged sign was NO; "not judged" when none could be judged.
std::string SignsHeld(const DeviceDiagnosis& d) {
  std::string held;
  bool any_judged = false;
  for (const SignReading& r : d.signs) {
    if (r.verdict == SignVerdict::kNotJudged) continue;
    any_judged = true;
    if (r.verdict == SignVerdict::kNo) continue;
    if (!held.empty()) held += ", ";
    held += fmt::format("{} {}", SignName(r.sign), SignVerdictName(r.verdict));
  }
  if (!held.empty()) return held;
  return any_judged ? "none" : "not judged";
}

}  // namespace

std::string MonitorCsv(const std::vector<SampleRow>& rows) {
  std::string out(kMonitorCsvHeader);
  out += '\n';
  for (const SampleRow& row : rows) {
    const IostatFigures& f = row.figures;
    fmt::format_to(std::back_inserter(out),
                   "{},{},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},"
                   "{:.2f},{:.2f}\n",
                   row.timestamp_utc, row.device, f.r_per_sec, f.rkb_per_sec, f.rrqm_per_sec,
                   f.r_await_ms, f.rareq_kb, f.w_per_sec, f.wkb_per_sec, f.wrqm_per_sec,
                   f.w_await_ms, f.wareq_kb, f.aqu_sz, f.util_pct);
  }
  return out;
}

nlohmann::ordered_json IostatFiguresJson(const IostatFigures& f) {
  return nlohmann::ordered_json{
      {"reads_per_sec", f.r_per_sec},
      {"read_bytes_per_sec", f.rkb_per_sec * kBytesPerKb},
      {"read_merges_per_sec", f.rrqm_per_sec},
      {"read_merges_pct", f.rrqm_pct},
      {"r_await_ms", f.r_await_ms},
      {"read_request_bytes", f.rareq_kb * kBytesPerKb},
      {"writes_per_sec", f.w_per_sec},
      {"write_bytes_per_sec", f.wkb_per_sec * kBytesPerKb},
      {"write_merges_per_sec", f.wrqm_per_sec},
      {"write_merges_pct", f.wrqm_pct},
      {"w_await_ms", f.w_await_ms},
      {"write_request_bytes", f.wareq_kb * kBytesPerKb},
      {"discards_per_sec", f.d_per_sec},
      {"discard_bytes_per_sec", f.dkb_per_sec * kBytesPerKb},
      {"discard_merges_per_sec", f.drqm_per_sec},
      {"discard_merges_pct", f.drqm_pct},
      {"d_await_ms", f.d_await_ms},
      {"discard_request_bytes", f.dareq_kb * kBytesPerKb},
      {"flushes_per_sec", f.f_per_sec},
      {"f_await_ms", f.f_await_ms},
      {"aqu_sz_requests", f.aqu_sz},
      {"util_pct", f.util_pct},
      {"await_ms", f.await_ms},
  };
}

nlohmann::ordered_json MonitorJson(const MonitorRun& run, const std::vector<SampleRow>& rows,
                                   const std::vector<WindowSummary>& summaries) {
  nlohmann::ordered_json doc;
  doc["schema"] = "feedbench.monitor/1";
  doc["interval_ms"] = run.interval.count();
  doc["devices"] = run.devices;
  doc["command"] = run.command;
  doc["exit_status"] =
      run.exit_status ? nlohmann::ordered_json(*run.exit_status) : nlohmann::ordered_json();
  nlohmann::ordered_json& json_rows = doc["rows"] = nlohmann::ordered_json::array();
  for (const SampleRow& row : rows) {
    nlohmann::ordered_json entry{
        {"timestamp_utc", row.timestamp_utc},
        {"offset_sec", row.offset_sec},
        {"device", row.device},
    };
    entry.update(IostatFiguresJson(row.figures));
    json_rows.push_back(std::move(entry));
  }
  nlohmann::ordered_json& json_summary = doc["summary"] = nlohmann::ordered_json::array();
  for (const WindowSummary& s : summaries) json_summary.push_back(SummaryEntryJson(s));
  nlohmann::ordered_json& thresholds = doc["thresholds"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : ThresholdValues(run.thresholds)) thresholds[name] = value;
  nlohmann::ordered_json& diagnosis = doc["diagnosis"] = nlohmann::ordered_json::array();
  for (const DeviceDiagnosis& d : run.diagnoses) diagnosis.push_back(DiagnosisEntryJson(d));
  doc["log"] = LogJson(run);
  doc["log_lines"] = {{"total", run.log_lines_total},
                      {"kept", run.log.size()},
                      {"omitted", run.log_lines_omitted}};
  if (run.log_file) {
    doc["log_file"] = {{"path", run.log_file->path},
                       {"appeared", run.log_file->appeared},
                       {"bytes_read", run.log_file->bytes_read},
                       {"notes", run.log_file->notes}};
  } else {
    doc["log_file"] = nullptr;
  }
  if (run.mark_regex) {
    doc["marks"] = {{"regex", *run.mark_regex},
                    {"name_from", run.mark_names_from_group ? "first capture group" : "match"},
                    {"matched_lines", run.marks_matched}};
  } else {
    doc["marks"] = {{"regex", nullptr}, {"name_from", nullptr}, {"matched_lines", 0}};
  }
  nlohmann::ordered_json& phases = doc["phases"] = nlohmann::ordered_json::array();
  for (const MonitorPhase& p : run.phases) phases.push_back(PhaseJson(p));
  doc["accelerator"] = AcceleratorJson(run.accelerator);
  return doc;
}

std::string LiveHeader(bool accelerator_column) {
  std::string header = fmt::format(
      "{:<24} {:<10} {:>8} {:>10} {:>8} {:>6} {:>8} {:>8} {:>8} {:>10} {:>8} {:>6} {:>8} {:>8} "
      "{:>7} {:>6}",
      "timestamp (UTC)", "device", "r/s", "rkB/s", "rrqm/s", "%rrqm", "r_await", "rareq-sz", "w/s",
      "wkB/s", "wrqm/s", "%wrqm", "w_await", "wareq-sz", "aqu-sz", "%util");
  if (accelerator_column) header += fmt::format(" {:>6}", "accel%");
  return header;
}

std::string LiveRow(const SampleRow& row, bool accelerator_column,
                    std::optional<double> accelerator_pct) {
  const IostatFigures& f = row.figures;
  std::string text = fmt::format(
      "{:<24} {:<10} {:>8.2f} {:>10.2f} {:>8.2f} {:>6.2f} {:>8.2f} {:>8.2f} {:>8.2f} {:>10.2f} "
      "{:>8.2f} {:>6.2f} {:>8.2f} {:>8.2f} {:>7.2f} {:>6.2f}",
      row.timestamp_utc, row.device, f.r_per_sec, f.rkb_per_sec, f.rrqm_per_sec, f.rrqm_pct,
      f.r_await_ms, f.rareq_kb, f.w_per_sec, f.wkb_per_sec, f.wrqm_per_sec, f.wrqm_pct,
      f.w_await_ms, f.wareq_kb, f.aqu_sz, f.util_pct);
  if (accelerator_column) {
    text += accelerator_pct ? fmt::format(" {:>6.1f}", *accelerator_pct) : fmt::format(" {:>6}", "-");
  }
  return text;
}

std::string SummaryText(const std::vector<WindowSummary>& summaries) {
  std::string out;
  for (const WindowSummary& s : summaries) {
    const IostatFigures& f = s.figures;
    fmt::format_to(std::back_inserter(out), "{}: {} to {} ({:.3f} s)\n", s.device, s.start_utc,
                   s.end_utc, s.duration_sec);
    fmt::format_to(std::back_inserter(out),
                   "  read    {} ({} bytes) in {} I/Os: {:.2f} r/s, {:.2f} rkB/s, r_await "
                   "{:.2f} ms, rareq-sz {:.2f} kB\n",
                   FormatBytesIec(double(s.read_bytes)), s.read_bytes, s.read_ios, f.r_per_sec,
                   f.rkb_per_sec, f.r_await_ms, f.rareq_kb);
    fmt::format_to(std::back_inserter(out),
                   "  written {} ({} bytes) in {} I/Os: {:.2f} w/s, {:.2f} wkB/s, w_await "
                   "{:.2f} ms, wareq-sz {:.2f} kB\n",
                   FormatBytesIec(double(s.write_bytes)), s.write_bytes, s.write_ios, f.w_per_sec,
                   f.wkb_per_sec, f.w_await_ms, f.wareq_kb);
    if (s.discard_ios > 0 || s.flush_ios > 0) {
      fmt::format_to(std::back_inserter(out),
                     "  discarded {} ({} bytes) in {} I/Os, d_await {:.2f} ms; {} flushes, "
                     "f_await {:.2f} ms\n",
                     FormatBytesIec(double(s.discard_bytes)), s.discard_bytes, s.discard_ios,
                     f.d_await_ms, s.flush_ios, f.f_await_ms);
    }
    fmt::format_to(std::back_inserter(out), "  await {:.2f} ms, aqu-sz {:.2f}, %util {:.2f}\n",
                   f.await_ms, f.aqu_sz, f.util_pct);
    for (const std::string& note : s.notes) {
      fmt::format_to(std::back_inserter(out), "  note: {}\n", note);
    }
  }
  return out;
}

std::string DiagnosisText(const std::vector<DeviceDiagnosis>& diagnoses,
                          const DiagnosisThresholds& thresholds) {
  if (diagnoses.empty()) return "";
  std::string out = "diagnosis (thresholds:";
  for (const auto& [name, value] : ThresholdValues(thresholds)) {
    fmt::format_to(std::back_inserter(out), " {}={:g}", name, value);
  }
  out += ")\n";
  for (const DeviceDiagnosis& d : diagnoses) {
    fmt::format_to(std::back_inserter(out), "{}:\n", d.device);
    for (const SignReading& r : d.signs) {
      std::string what;
      if (r.window_value) what = fmt::format("{:.2f} {}, ", *r.window_value, r.unit);
      what += r.threshold_text;
      if (r.verdict == SignVerdict::kNotJudged) {
        what += "; " + r.reason;
      } else {
        what += fmt::format("; held in {} of intervals ({} of {})", FormatPercent(r.Share()),
                            r.held, r.eligible);
      }
      fmt::format_to(std::back_inserter(out), "  {:<22} {:<10}  {}\n", SignName(r.sign),
                     SignVerdictName(r.verdict), what);
    }
    if (!d.advice.empty()) fmt::format_to(std::back_inserter(out), "  advice: {}\n", d.advice);
  }
  return out;
}

std::string AcceleratorText(const MonitorAccelerator& a) {
  if (!a.window.sampled) return fmt::format("accelerator: not sampled ({})\n", a.window.reason);
  std::string gpus;
  if (a.gpu_mean_util_pct.size() == 1) {
    gpus = fmt::format("gpu{}", a.gpu_mean_util_pct.begin()->first);
  } else {
    for (const auto& [gpu, mean] : a.gpu_mean_util_pct) {
      gpus += fmt::format("{}gpu{} {:.1f}%", gpus.empty() ? "" : ", ", gpu, mean);
    }
  }
  std::string text = fmt::format("accelerator: {:.1f}% mean ({}), {} readings",
                                 a.mean_util_pct.value_or(0), gpus, a.window.rows.size());
  if (!a.window.reason.empty()) text += "; " + a.window.reason;
  return text + "\n";
}

std::string PhasesText(const MonitorRun& run) {
  if (!run.mark_regex) return "";
  if (run.phases.empty()) {
    return fmt::format("phases: no line matched --mark '{}'; no phases\n", *run.mark_regex);
  }
  std::string out = fmt::format(
      "phases (--mark '{}': {} marks; a phase runs from its mark to the next, each boundary on "
      "the sample nearest to the mark's line):\n",
      *run.mark_regex, run.marks_matched);
  fmt::format_to(std::back_inserter(out),
                 "  {:<24} {:>9} {:>9} {:<10} {:>9} {:>10} {:>8} {:>8} {:>7} {:>6} {:>6}  {}\n",
                 "phase", "start s", "end s", "device", "r/s", "rkB/s", "r_await", "rareq-sz",
                 "aqu-sz", "%util", "accel%", "signs held");
  for (const MonitorPhase& p : run.phases) {
    std::string name = p.phase.name;
    if (name.size() > 24) name = name.substr(0, 21) + "...";
    const std::string accel =
        p.accelerator_util_pct ? fmt::format("{:.1f}", *p.accelerator_util_pct) : "-";
    for (size_t d = 0; d < p.phase.summaries.size(); ++d) {
      const WindowSummary& s = p.phase.summaries[d];
      const IostatFigures& f = s.figures;
      fmt::format_to(std::back_inserter(out),
                     "  {:<24} {:>9.3f} {:>9.3f} {:<10} {:>9.2f} {:>10.2f} {:>8.2f} {:>8.2f} "
                     "{:>7.2f} {:>6.2f} {:>6}  {}\n",
                     name, p.phase.start_offset_sec, p.phase.end_offset_sec, s.device,
                     f.r_per_sec, f.rkb_per_sec, f.r_await_ms, f.rareq_kb, f.aqu_sz, f.util_pct,
                     accel, d < p.diagnoses.size() ? SignsHeld(p.diagnoses[d]) : "");
    }
  }
  return out;
}

}  // namespace feedbench
