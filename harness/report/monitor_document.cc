#include "harness/report/monitor_document.h"

#include <fmt/format.h>

#include <map>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

using nlohmann::json;

// Reads document values, naming the key path in every error.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  const json& At(const json& object, std::string_view key, const std::string& where) const {
    if (!object.is_object()) Fail(where, "expected an object");
    const auto it = object.find(key);
    if (it == object.end()) Fail(Join(where, key), "missing");
    return *it;
  }
  const json& Array(const json& object, std::string_view key, const std::string& where) const {
    const json& v = At(object, key, where);
    if (!v.is_array()) Fail(Join(where, key), "expected an array");
    return v;
  }
  double Number(const json& object, std::string_view key, const std::string& where) const {
    const json& v = At(object, key, where);
    if (!v.is_number()) Fail(Join(where, key), "expected a number");
    return v.get<double>();
  }
  std::optional<double> OptionalNumber(const json& object, std::string_view key,
                                       const std::string& where) const {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) Fail(Join(where, key), "expected a number or null");
    return it->get<double>();
  }
  std::string Text(const json& object, std::string_view key, const std::string& where) const {
    const json& v = At(object, key, where);
    if (!v.is_string()) Fail(Join(where, key), "expected a string");
    return v.get<std::string>();
  }
  [[noreturn]] void Fail(const std::string& where, std::string_view what) const {
    throw UsageError(fmt::format("{}: {}: {} (a `feedbench monitor --json` document, schema "
                                 "\"{}\")",
                                 source_, where, what, kMonitorSchema));
  }
  static std::string Join(const std::string& where, std::string_view key) {
    return where.empty() ? std::string(key) : fmt::format("{}.{}", where, key);
  }
  static std::string Index(std::string_view key, std::size_t i) {
    return fmt::format("{}[{}]", key, i);
  }

 private:
  std::string source_;
};

DeviceWindow ReadWindow(const Reader& r, const json& entry, const std::string& where) {
  DeviceWindow w;
  w.device = r.Text(entry, "device", where);
  w.duration_sec = r.Number(entry, "duration_sec", where);
  w.read_bytes = static_cast<uint64_t>(r.Number(entry, "read_bytes", where));
  w.reads_per_sec = r.Number(entry, "reads_per_sec", where);
  w.read_bytes_per_sec = r.Number(entry, "read_bytes_per_sec", where);
  w.r_await_ms = r.Number(entry, "r_await_ms", where);
  w.aqu_sz_requests = r.Number(entry, "aqu_sz_requests", where);
  w.util_pct = r.Number(entry, "util_pct", where);
  return w;
}

std::vector<DeviceVerdicts> ReadDiagnosis(const Reader& r, const json& diagnosis,
                                          const std::string& where) {
  std::vector<DeviceVerdicts> out;
  for (std::size_t i = 0; i < diagnosis.size(); ++i) {
    const std::string at = Reader::Index(where, i);
    const json& d = diagnosis[i];
    DeviceVerdicts device{.device = r.Text(d, "device", at), .signs = {},
                          .advice = r.Text(d, "advice", at)};
    const json& signs = r.Array(d, "signs", at);
    for (std::size_t j = 0; j < signs.size(); ++j) {
      const std::string sign_at = Reader::Index(at + ".signs", j);
      const json& s = signs[j];
      device.signs.push_back(SignOutcome{
          .sign = r.Text(s, "sign", sign_at),
          .verdict = r.Text(s, "verdict", sign_at),
          .window_value = r.OptionalNumber(s, "window_value", sign_at),
          .unit = r.Text(s, "unit", sign_at),
          .threshold = r.Text(s, "threshold", sign_at),
          .intervals_held = static_cast<int64_t>(r.Number(s, "intervals_held", sign_at)),
          .intervals_eligible = static_cast<int64_t>(r.Number(s, "intervals_eligible", sign_at)),
          .reason = r.Text(s, "reason", sign_at)});
    }
    out.push_back(std::move(device));
  }
  return out;
}

std::string GpuName(const Reader& r, const json& row, const std::string& where) {
  const json& gpu = r.At(row, "gpu", where);
  if (gpu.is_string()) return gpu.get<std::string>();
  if (gpu.is_number_integer()) return std::to_string(gpu.get<int64_t>());
  r.Fail(Reader::Join(where, "gpu"), "expected a string or a whole number");
}

}  // namespace

bool IsMonitorDocument(const json& document) {
  if (!document.is_object()) return false;
  const auto it = document.find("schema");
  return it != document.end() && it->is_string() && it->get<std::string>() == kMonitorSchema;
}

MonitorDocument ReadMonitorDocument(const json& document, std::string_view source) {
  const Reader r(source);
  if (!IsMonitorDocument(document)) r.Fail("schema", "missing or not the monitor's");
  MonitorDocument doc;
  doc.source = std::string(source);
  doc.interval_ms = static_cast<int64_t>(r.Number(document, "interval_ms", ""));
  if (const auto it = document.find("command"); it != document.end() && it->is_array()) {
    for (const json& arg : *it) {
      if (arg.is_string()) doc.command.push_back(arg.get<std::string>());
    }
  }
  if (const std::optional<double> status = r.OptionalNumber(document, "exit_status", "")) {
    doc.exit_status = static_cast<int>(*status);
  }

  std::map<std::string, std::size_t> device_index;
  const json& rows = r.Array(document, "rows", "");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string at = Reader::Index("rows", i);
    const json& row = rows[i];
    const std::string device = r.Text(row, "device", at);
    auto [it, added] = device_index.emplace(device, doc.timelines.size());
    if (added) {
      doc.timelines.emplace_back();
      doc.timelines.back().device = device;
    }
    DeviceTimeline& t = doc.timelines[it->second];
    t.timestamp_utc.push_back(r.Text(row, "timestamp_utc", at));
    t.offset_sec.push_back(r.Number(row, "offset_sec", at));
    t.read_bytes_per_sec.push_back(r.Number(row, "read_bytes_per_sec", at));
    t.reads_per_sec.push_back(r.Number(row, "reads_per_sec", at));
    t.r_await_ms.push_back(r.Number(row, "r_await_ms", at));
    t.aqu_sz_requests.push_back(r.Number(row, "aqu_sz_requests", at));
    t.util_pct.push_back(r.Number(row, "util_pct", at));
  }
  const json& summary = r.Array(document, "summary", "");
  for (std::size_t i = 0; i < summary.size(); ++i) {
    const std::string at = Reader::Index("summary", i);
    doc.summary.push_back(ReadWindow(r, summary[i], at));
    doc.start_utc.push_back(r.Text(summary[i], "start_utc", at));
  }
  if (document.contains("diagnosis")) {
    doc.diagnosis = ReadDiagnosis(r, r.Array(document, "diagnosis", ""), "diagnosis");
  }

  if (document.contains("phases")) {
    const json& phases = r.Array(document, "phases", "");
    for (std::size_t i = 0; i < phases.size(); ++i) {
      const std::string at = Reader::Index("phases", i);
      const json& p = phases[i];
      DocumentPhase phase{.name = r.Text(p, "name", at),
                         .start_utc = r.Text(p, "start_utc", at),
                         .end_utc = r.Text(p, "end_utc", at),
                         .start_offset_sec = r.Number(p, "start_offset_sec", at),
                         .end_offset_sec = r.Number(p, "end_offset_sec", at),
                         .summary = {},
                         .diagnosis = {},
                         .accelerator_util_pct = r.OptionalNumber(p, "accelerator_util_pct", at)};
      if (p.contains("summary")) {
        const json& s = r.Array(p, "summary", at);
        for (std::size_t j = 0; j < s.size(); ++j) {
          phase.summary.push_back(ReadWindow(r, s[j], Reader::Index(at + ".summary", j)));
        }
      }
      if (p.contains("diagnosis")) {
        phase.diagnosis = ReadDiagnosis(r, r.Array(p, "diagnosis", at), at + ".diagnosis");
      }
      doc.phases.push_back(std::move(phase));
    }
  }

  if (document.contains("log")) {
    const json& log = r.Array(document, "log", "");
    for (std::size_t i = 0; i < log.size(); ++i) {
      const std::string at = Reader::Index("log", i);
      doc.log.push_back(LogLine{.timestamp_utc = r.Text(log[i], "timestamp_utc", at),
                                .offset_sec = r.Number(log[i], "offset_sec", at),
                                .stream = r.Text(log[i], "stream", at),
                                .line = r.Text(log[i], "line", at)});
    }
  }

  if (document.contains("accelerator")) {
    const json& a = r.At(document, "accelerator", "");
    AcceleratorSampling& acc = doc.accelerator;
    acc.present = true;
    const json& sampled = r.At(a, "sampled", "accelerator");
    if (!sampled.is_boolean()) r.Fail("accelerator.sampled", "expected true or false");
    acc.sampled = sampled.get<bool>();
    if (a.contains("reason")) acc.reason = r.Text(a, "reason", "accelerator");
    if (a.contains("rows")) {
      const json& rows_a = r.Array(a, "rows", "accelerator");
      std::map<std::string, std::size_t> gpu_index;
      for (std::size_t i = 0; i < rows_a.size(); ++i) {
        const std::string at = Reader::Index("accelerator.rows", i);
        const std::string gpu = GpuName(r, rows_a[i], at);
        auto [it, added] = gpu_index.emplace(gpu, acc.gpus.size());
        if (added) {
          acc.gpus.emplace_back();
          acc.gpus.back().gpu = gpu;
        }
        AcceleratorTimeline& t = acc.gpus[it->second];
        t.offset_sec.push_back(r.Number(rows_a[i], "offset_sec", at));
        t.utilization_pct.push_back(r.Number(rows_a[i], "utilization_pct", at));
      }
    }
  }
  return doc;
}

}  // namespace feedbench
