// Renderings of a `feedbench monitor` window: the CSV of per-interval rows, the JSON document (rows
// and window summary, the job's log, its phases and the accelerator), the live terminal lines and
// the summary, diagnosis, accelerator and phase texts.
//
// Pure functions over the sampler's rows and summaries; they compute no figure themselves. CSV and
// terminal figures have two decimals and iostat's units (kB = 1024 bytes, ms); JSON carries every
// figure at full precision with its unit in the key (bytes, bytes_per_sec, _ms, _pct, _sec).
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/measure/accelerator.h"
#include "harness/measure/diskstats.h"
#include "harness/measure/io_diagnosis.h"
#include "harness/measure/job_log.h"
#include "harness/measure/phases.h"
#include "harness/measure/sampler.h"
#include "harness/os/output_relay.h"

namespace feedbench {

inline constexpr std::string_view kMonitorCsvHeader =
    "timestamp,device,r/s,rkB/s,rrqm/s,r_await,rareq-sz,w/s,wkB/s,wrqm/s,w_await,wareq-sz,aqu-sz,"
    "%util";

// The header line and one line per row, each ending in '\n'.
std::string MonitorCsv(const std::vector<SampleRow>& rows);

// One phase of the window (harness/measure/phases.h) with what was judged over it.
struct MonitorPhase {
  Phase phase;
  std::vector<DeviceDiagnosis> diagnoses;  // one per device, in the phase's summaries' order
  std::optional<double> accelerator_util_pct;  // the mean of the readings in the phase
};

// The accelerator's side of the window, with its means.
struct MonitorAccelerator {
  AcceleratorWindow window;  // sampled, reason, rows
  std::optional<double> mean_util_pct;  // over every reading
  std::map<int, double> gpu_mean_util_pct;
};

// What was monitored, for the JSON document.
struct MonitorRun {
  std::chrono::milliseconds interval{1000};
  std::vector<std::string> devices;
  std::vector<std::string> command;  // empty when no command was run
  std::optional<int> exit_status;    // the command's status as feedbench exits with it
  DiagnosisThresholds thresholds;    // the thresholds the diagnoses were made with
  std::vector<DeviceDiagnosis> diagnoses;  // one per device, in `devices` order
  // The job's lines kept (JobLog::Lines), and how many it had and left out.
  std::vector<StampedLine> log;
  uint64_t log_lines_total = 0, log_lines_omitted = 0;
  std::optional<LogFileReport> log_file;  // --log; nullopt without
  std::optional<std::string> mark_regex;  // --mark; nullopt without
  bool mark_names_from_group = false;
  size_t marks_matched = 0;
  std::vector<MonitorPhase> phases;  // empty without marks
  MonitorAccelerator accelerator;
};

// One device's figures: reads_per_sec, read_bytes_per_sec, read_merges_per_sec, read_merges_pct,
// r_await_ms, read_request_bytes, the same for writes and discards, flushes_per_sec, f_await_ms,
// aqu_sz_requests, util_pct, await_ms.
nlohmann::ordered_json IostatFiguresJson(const IostatFigures& figures);

// {"schema": "feedbench.monitor/1", "interval_ms", "devices", "command", "exit_status", "rows":
// [...], "summary": [...], "thresholds": {...}, "diagnosis": [...], "log": [...], "log_lines":
// {...}, "log_file": {...}|null, "marks": {...}, "phases": [...], "accelerator": {...}}.
//   summary entry: the exact totals (read_bytes, read_ios, ...), start_utc, end_utc,
//     duration_sec, the window's figures and, when the sampler made any, "notes" (plain sentences:
//     a skipped diskstats line, a counter that went backwards).
//   "thresholds": the diagnosis's thresholds by name (ThresholdValues).
//   diagnosis entry: {"device", "signs": [{"sign", "verdict", "window_value", "unit", "threshold",
//     "intervals_held", "intervals_eligible", "share_held", "reason"}], "advice"} (window_value
//     null when not measured; reason "" unless NOT JUDGED).
// The job's log on the window's clock (keys added to /1; the schema did not change, no key was
// renamed or removed, so a reader of /1 reads them as extra keys):
//   "log": [{"timestamp_utc": "2026-11-26T01:02:03.456Z", "offset_sec": 1.234, "stream": "stdout"
//     | "stderr" | "log", "line": "Epoch 2"}], in the order read (offsets never go back); "line"
//     without its '\n' (nor a '\r' before it), at most 4096 bytes, and then "cut_bytes": the
//     bytes left out. Empty without a command and --log. Bytes that are not UTF-8 are written
//     as U+FFFD when the document is dumped (its caller uses error_handler_t::replace).
//   "log_lines": {"total", "kept", "omitted"}: at most 100000 lines are kept (the first and the
//     last 50000, and every marked line); "omitted" were left out of "log".
//   "log_file": null without --log; else {"path", "appeared": bool, "bytes_read", "notes":
//     ["... did not appear within 30 s; not followed", ...]}.
//   "marks": {"regex": "Epoch \\d+" | null (no --mark), "name_from": "match" | "first capture
//     group" | null, "matched_lines": N}.
//   "phases": [{"name", "start_utc", "end_utc", "start_offset_sec", "end_offset_sec", "mark":
//     {"timestamp_utc", "offset_sec", "stream", "line"} | null (the phase before the first mark),
//     "summary": [entries shaped like "summary"'s, over the phase, without notes], "diagnosis":
//     [entries shaped like "diagnosis"'s, over the phase's intervals], "accelerator_util_pct":
//     number | null}]; empty without marks.
//   "accelerator": {"sampled": bool, "reason": "" | "nvidia-smi not on PATH" | ..., "rows":
//     [{"timestamp_utc", "offset_sec", "gpu": 0, "utilization_pct": 23.0}], "mean_util_pct":
//     number | null, "gpus": [{"gpu": 0, "mean_util_pct": 23.0}], "queries", "failed_queries"}.
nlohmann::ordered_json MonitorJson(const MonitorRun& run, const std::vector<SampleRow>& rows,
                                   const std::vector<WindowSummary>& summaries);

// Terminal lines, iostat -x style (no trailing newline). With `accelerator_column`, a last column
// "accel%": the latest accelerator reading (mean over GPUs) when the row was printed, "-" before
// the first.
std::string LiveHeader(bool accelerator_column = false);
std::string LiveRow(const SampleRow& row, bool accelerator_column = false,
                    std::optional<double> accelerator_pct = std::nullopt);

// The window summary for the terminal: one block per device, several lines (its notes last, one
// "note:" line each), ending in '\n'.
std::string SummaryText(const std::vector<WindowSummary>& summaries);

// The diagnosis for the terminal: the thresholds in one line, then per device one line per sign
// ("  queueing           SUSTAINED   r_await 34.20 ms, above 20 ms (healthy below 10 ms); held in
// 90% of intervals (9 of 10)") and its advice; ending in '\n'. "" when there is no diagnosis.
std::string DiagnosisText(const std::vector<DeviceDiagnosis>& diagnoses,
                          const DiagnosisThresholds& thresholds);

// One line, ending in '\n': "accelerator: 23.0% mean (gpu0), 12 readings", "accelerator: 34.5%
// mean (gpu0 23.0%, gpu1 46.0%), 24 readings", "accelerator: not sampled (nvidia-smi not on
// PATH)"; what went wrong in some queries follows after "; ".
std::string AcceleratorText(const MonitorAccelerator& accelerator);

// The per-phase table: one row per phase per device (start and end seconds, r/s, rkB/s, r_await,
// rareq-sz, aqu-sz, %util, the accelerator's mean, and the signs that held with their verdicts),
// under a heading naming the regex and how boundaries are placed; ending in '\n'. "" without
// --mark; a line saying so when no line matched.
std::string PhasesText(const MonitorRun& run);

}  // namespace feedbench
