// Renderings of a `feedbench monitor` window: the CSV of per-interval rows, the JSON document (rows
// and window summary), the live terminal lines and the summary table.
//
// Pure functions over the sampler's rows and summaries; they compute no figure themselves. CSV and
// terminal figures have two decimals and iostat's units (kB = 1024 bytes, ms); JSON carries every
// figure at full precision with its unit in the key (bytes, bytes_per_sec, _ms, _pct, _sec).
// Thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/measure/diskstats.h"
#include "harness/measure/io_diagnosis.h"
#include "harness/measure/sampler.h"

namespace feedbench {

inline constexpr std::string_view kMonitorCsvHeader =
    "timestamp,device,r/s,rkB/s,rrqm/s,r_await,rareq-sz,w/s,wkB/s,wrqm/s,w_await,wareq-sz,aqu-sz,"
    "%util";

// The header line and one line per row, each ending in '\n'.
std::string MonitorCsv(const std::vector<SampleRow>& rows);

// What was monitored, for the JSON document.
struct MonitorRun {
  std::chrono::milliseconds interval{1000};
  std::vector<std::string> devices;
  std::vector<std::string> command;  // empty when no command was run
  std::optional<int> exit_status;    // the command's status as feedbench exits with it
  DiagnosisThresholds thresholds;    // the thresholds the diagnoses were made with
  std::vector<DeviceDiagnosis> diagnoses;  // one per device, in `devices` order
};

// One device's figures: reads_per_sec, read_bytes_per_sec, read_merges_per_sec, read_merges_pct,
// r_await_ms, read_request_bytes, the same for writes and discards, flushes_per_sec, f_await_ms,
// aqu_sz_requests, util_pct, await_ms.
nlohmann::ordered_json IostatFiguresJson(const IostatFigures& figures);

// {"schema": "feedbench.monitor/1", "interval_ms", "devices", "command", "exit_status", "rows":
// [...], "summary": [...], "thresholds": {...}, "diagnosis": [...]}; a summary entry has the exact
// totals (read_bytes, read_ios, ...), start_utc, end_utc, duration_sec, the window's figures and,
// when the sampler made any, "notes" (plain sentences: a skipped diskstats line, a counter that
// went backwards). "thresholds" holds the diagnosis's thresholds by name (ThresholdValues); a
// diagnosis entry is {"device", "signs": [{"sign", "verdict", "window_value", "unit",
// "threshold", "intervals_held", "intervals_eligible", "share_held", "reason"}], "advice"}
// (window_value null when not measured; reason "" unless NOT JUDGED).
nlohmann::ordered_json MonitorJson(const MonitorRun& run, const std::vector<SampleRow>& rows,
                                   const std::vector<WindowSummary>& summaries);

// Terminal lines, iostat -x style (no trailing newline).
std::string LiveHeader();
std::string LiveRow(const SampleRow& row);

// The window summary for the terminal: one block per device, several lines (its notes last, one
// "note:" line each), ending in '\n'.
std::string SummaryText(const std::vector<WindowSummary>& summaries);

// The diagnosis for the terminal: the thresholds in one line, then per device one line per sign
// ("  queueing           SUSTAINED   r_await 34.20 ms, above 20 ms (healthy below 10 ms); held in
// 90% of intervals (9 of 10)") and its advice; ending in '\n'. "" when there is no diagnosis.
std::string DiagnosisText(const std::vector<DeviceDiagnosis>& diagnoses,
                          const DiagnosisThresholds& thresholds);

}  // namespace feedbench
