#include "harness/report/monitor_report.h"

#include <fmt/format.h>

#include "harness/base/units.h"

namespace feedbench {
namespace {

constexpr double kBytesPerKb = 1024.0;  // iostat's kB

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
  for (const WindowSummary& s : summaries) {
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
    json_summary.push_back(std::move(entry));
  }
  nlohmann::ordered_json& thresholds = doc["thresholds"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : ThresholdValues(run.thresholds)) thresholds[name] = value;
  nlohmann::ordered_json& diagnosis = doc["diagnosis"] = nlohmann::ordered_json::array();
  for (const DeviceDiagnosis& d : run.diagnoses) {
    nlohmann::ordered_json signs = nlohmann::ordered_json::array();
    for (const SignReading& r : d.signs) {
      signs.push_back({
          {"sign", std::string(SignName(r.sign))},
          {"verdict", std::string(SignVerdictName(r.verdict))},
          {"window_value",
           r.window_value ? nlohmann::ordered_json(*r.window_value) : nlohmann::ordered_json()},
          {"unit", r.unit},
          {"threshold", r.threshold_text},
          {"intervals_held", r.held},
          {"intervals_eligible", r.eligible},
          {"share_held", r.Share()},
          {"reason", r.reason},
      });
    }
    diagnosis.push_back({{"device", d.device}, {"signs", std::move(signs)}, {"advice", d.advice}});
  }
  return doc;
}

std::string LiveHeader() {
  return fmt::format(
      "{:<24} {:<10} {:>8} {:>10} {:>8} {:>6} {:>8} {:>8} {:>8} {:>10} {:>8} {:>6} {:>8} {:>8} "
      "{:>7} {:>6}",
      "timestamp (UTC)", "device", "r/s", "rkB/s", "rrqm/s", "%rrqm", "r_await", "rareq-sz", "w/s",
      "wkB/s", "wrqm/s", "%wrqm", "w_await", "wareq-sz", "aqu-sz", "%util");
}

std::string LiveRow(const SampleRow& row) {
  const IostatFigures& f = row.figures;
  return fmt::format(
      "{:<24} {:<10} {:>8.2f} {:>10.2f} {:>8.2f} {:>6.2f} {:>8.2f} {:>8.2f} {:>8.2f} {:>10.2f} "
      "{:>8.2f} {:>6.2f} {:>8.2f} {:>8.2f} {:>7.2f} {:>6.2f}",
      row.timestamp_utc, row.device, f.r_per_sec, f.rkb_per_sec, f.rrqm_per_sec, f.rrqm_pct,
      f.r_await_ms, f.rareq_kb, f.w_per_sec, f.wkb_per_sec, f.wrqm_per_sec, f.wrqm_pct,
      f.w_await_ms, f.wareq_kb, f.aqu_sz, f.util_pct);
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

}  // namespace feedbench
