// A `feedbench monitor --json` document read back, for the reports rendered from files
// (`feedbench report`): the per-device timelines, the window summary, the diagnosis, and, when the
// document has them, the job's log lines, its phases and the accelerator's utilisation.
//
// The schema is "feedbench.monitor/1" (monitor_report.h, MonitorJson). The keys "log", "phases"
// and "accelerator" are optional; a document without them reads as one without log, phases or
// accelerator. Figures are kept exactly as the document has them, in its units (bytes/s, ms,
// requests, %); rows are grouped per device in document order. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedbench {

inline constexpr std::string_view kMonitorSchema = "feedbench.monitor/1";

// One device's rows, one element per row in every vector.
struct DeviceTimeline {
  std::string device;
  std::vector<std::string> timestamp_utc;
  std::vector<double> offset_sec;
  std::vector<double> read_bytes_per_sec;  // rkB/s × 1024
  std::vector<double> reads_per_sec;       // r/s
  std::vector<double> r_await_ms;
  std::vector<double> aqu_sz_requests;
  std::vector<double> util_pct;
};

// One device's figures over a window (the whole monitor, or a phase).
struct DeviceWindow {
  std::string device;
  double duration_sec = 0;
  uint64_t read_bytes = 0;
  double reads_per_sec = 0, read_bytes_per_sec = 0, r_await_ms = 0, aqu_sz_requests = 0,
         util_pct = 0;
};

struct SignOutcome {
  std::string sign;     // "saturated", "queueing", ...
  std::string verdict;  // "SUSTAINED", "AT TIMES", "NO", "NOT JUDGED"
  std::optional<double> window_value;
  std::string unit;
  std::string threshold;  // in words
  int64_t intervals_held = 0, intervals_eligible = 0;
  std::string reason;  // "" unless NOT JUDGED
};

struct DeviceVerdicts {
  std::string device;
  std::vector<SignOutcome> signs;
  std::string advice;
};

struct DocumentPhase {
  std::string name;
  std::string start_utc, end_utc;
  double start_offset_sec = 0, end_offset_sec = 0;
  std::vector<DeviceWindow> summary;
  std::vector<DeviceVerdicts> diagnosis;
  std::optional<double> accelerator_util_pct;
};

struct LogLine {
  std::string timestamp_utc;
  double offset_sec = 0;
  std::string stream;  // "stdout", "stderr"
  std::string line;
};

struct AcceleratorTimeline {
  std::string gpu;  // as the document names it (a number is written in decimal)
  std::vector<double> offset_sec;
  std::vector<double> utilization_pct;
};

struct AcceleratorSampling {
  bool present = false;  // the document has an "accelerator" key
  bool sampled = false;
  std::string reason;  // why not sampled, or how
  std::vector<AcceleratorTimeline> gpus;
};

struct MonitorDocument {
  std::string source;
  int64_t interval_ms = 0;
  std::vector<std::string> command;  // empty when no command was run
  std::optional<int> exit_status;
  std::vector<DeviceTimeline> timelines;  // one per device, in order of first row
  std::vector<DeviceWindow> summary;
  std::vector<std::string> start_utc;  // per summary entry: the window's start, as written
  std::vector<DeviceVerdicts> diagnosis;
  std::vector<DocumentPhase> phases;
  std::vector<LogLine> log;
  AcceleratorSampling accelerator;
};

// True when `document` says it is a monitor document ("schema" is kMonitorSchema).
bool IsMonitorDocument(const nlohmann::json& document);

// Reads a monitor document; `source` names it in errors. Throws UsageError naming `source` and
// the key (rows[17].r_await_ms) and what was expected when a key is missing or of another type.
MonitorDocument ReadMonitorDocument(const nlohmann::json& document, std::string_view source);

}  // namespace feedbench
