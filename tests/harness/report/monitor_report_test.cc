#include "harness/report/monitor_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace feedbench {
namespace {

SampleRow Row() {
  SampleRow row;
  row.timestamp_utc = "2026-11-26T01:02:03.456Z";
  row.offset_sec = 1.0;
  row.device = "sda";
  IostatFigures& f = row.figures;
  f.r_per_sec = 200;
  f.rkb_per_sec = 20000;
  f.rrqm_per_sec = 50;
  f.rrqm_pct = 20;
  f.r_await_ms = 2;
  f.rareq_kb = 100;
  f.w_per_sec = 100;
  f.wkb_per_sec = 4000;
  f.wrqm_per_sec = 10;
  f.wrqm_pct = 9.090909;
  f.w_await_ms = 3;
  f.wareq_kb = 40;
  f.aqu_sz = 0.8;
  f.util_pct = 75;
  f.await_ms = 2.333333;
  return row;
}

TEST(MonitorCsv, HeaderIsExactlyIostatsColumnsAndRowsFollowIt) {
  EXPECT_EQ(MonitorCsv({}),
            "timestamp,device,r/s,rkB/s,rrqm/s,r_await,rareq-sz,w/s,wkB/s,wrqm/s,w_await,wareq-sz,"
            "aqu-sz,%util\n");
  EXPECT_EQ(MonitorCsv({Row()}),
            std::string(kMonitorCsvHeader) +
                "\n2026-11-26T01:02:03.456Z,sda,200.00,20000.00,50.00,2.00,100.00,100.00,4000.00,"
                "10.00,3.00,40.00,0.80,75.00\n");
}

TEST(MonitorJson, CarriesRowsAndSummaryWithUnitsInTheKeys) {
  MonitorRun run;
  run.interval = std::chrono::milliseconds(500);
  run.devices = {"sda"};
  run.command = {"sh", "-c", "exit 3"};
  run.exit_status = 3;
  WindowSummary summary;
  summary.device = "sda";
  summary.start_utc = "2026-11-26T01:02:02.456Z";
  summary.end_utc = "2026-11-26T01:02:04.456Z";
  summary.duration_sec = 2;
  summary.read_bytes = 40960000;
  summary.read_ios = 400;
  summary.figures = Row().figures;
  const auto doc = MonitorJson(run, {Row()}, {summary});
  EXPECT_EQ(doc["schema"], "feedbench.monitor/1");
  EXPECT_EQ(doc["interval_ms"], 500);
  EXPECT_EQ(doc["exit_status"], 3);
  ASSERT_EQ(doc["rows"].size(), 1u);
  const auto& row = doc["rows"][0];
  EXPECT_EQ(row["timestamp_utc"], "2026-11-26T01:02:03.456Z");
  EXPECT_EQ(row["device"], "sda");
  EXPECT_DOUBLE_EQ(row["reads_per_sec"].get<double>(), 200.0);
  EXPECT_DOUBLE_EQ(row["read_bytes_per_sec"].get<double>(), 20000.0 * 1024);  // iostat kB = KiB
  EXPECT_DOUBLE_EQ(row["read_request_bytes"].get<double>(), 100.0 * 1024);
  EXPECT_DOUBLE_EQ(row["r_await_ms"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(row["aqu_sz_requests"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(row["util_pct"].get<double>(), 75.0);
  ASSERT_EQ(doc["summary"].size(), 1u);
  EXPECT_EQ(doc["summary"][0]["read_bytes"], 40960000u);
  EXPECT_EQ(doc["summary"][0]["read_ios"], 400u);
  EXPECT_DOUBLE_EQ(doc["summary"][0]["duration_sec"].get<double>(), 2.0);
}

// The sampler's notes (a skipped diskstats line, a counter that went backwards) reach both the
// JSON summary and the terminal summary; a clean window has no "notes" key.
TEST(MonitorReport, SummaryCarriesTheSamplersNotes) {
  WindowSummary clean;
  clean.device = "sda";
  WindowSummary noted;
  noted.device = "sdb";
  noted.notes = {"/proc/diskstats: line 2: sdb: 17 fields, expected 14, 18 or 20"};
  const auto doc = MonitorJson(MonitorRun{}, {}, {clean, noted});
  ASSERT_EQ(doc["summary"].size(), 2u);
  EXPECT_FALSE(doc["summary"][0].contains("notes"));
  ASSERT_EQ(doc["summary"][1]["notes"].size(), 1u);
  EXPECT_EQ(doc["summary"][1]["notes"][0], noted.notes[0]);
  const std::string text = SummaryText({clean, noted});
  EXPECT_NE(text.find("  note: " + noted.notes[0] + "\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("note:"), text.rfind("note:")) << text;
}

TEST(MonitorJson, NoCommandGivesAnEmptyCommandAndNullStatus) {
  const auto doc = MonitorJson(MonitorRun{}, {}, {});
  EXPECT_TRUE(doc["command"].empty());
  EXPECT_TRUE(doc["exit_status"].is_null());
  EXPECT_TRUE(doc["rows"].is_array());
  EXPECT_TRUE(doc["summary"].is_array());
}

// A diagnosis of one device: queueing held in 3 of 4 reading intervals, %util not judged on a
// virtual disk.
std::vector<DeviceDiagnosis> OneDiagnosis(const DiagnosisThresholds& t) {
  const DeviceTraits traits = TraitsFromDevice("vda", true);
  SignTally tally;
  for (int i = 1; i <= 4; ++i) {
    SampleRow row = Row();
    row.offset_sec = i;
    row.figures.r_await_ms = i < 4 ? 30 : 2;
    tally.Add(row, t, traits);
  }
  IostatFigures window = Row().figures;
  window.r_await_ms = 23.5;
  return {Diagnose("vda", window, tally, t, traits)};
}

TEST(MonitorJson, CarriesTheThresholdsAndEachSignOfTheDiagnosis) {
  MonitorRun run;
  run.thresholds.await_queueing_ms = 25;
  run.diagnoses = OneDiagnosis(run.thresholds);
  const auto doc = MonitorJson(run, {}, {});
  EXPECT_EQ(doc["thresholds"]["await_queueing_ms"], 25.0);
  EXPECT_EQ(doc["thresholds"]["util_saturated_pct"], 85.0);
  ASSERT_EQ(doc["diagnosis"].size(), 1u);
  const auto& d = doc["diagnosis"][0];
  EXPECT_EQ(d["device"], "vda");
  ASSERT_EQ(d["signs"].size(), 5u);
  const auto& queueing = d["signs"][1];
  EXPECT_EQ(queueing["sign"], "queueing");
  EXPECT_EQ(queueing["verdict"], "SUSTAINED");
  EXPECT_EQ(queueing["intervals_held"], 3u);
  EXPECT_EQ(queueing["intervals_eligible"], 4u);
  EXPECT_DOUBLE_EQ(queueing["share_held"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(queueing["window_value"].get<double>(), 23.5);
  EXPECT_EQ(d["signs"][0]["verdict"], "NOT JUDGED");
  EXPECT_THAT(d["signs"][0]["reason"].get<std::string>(), ::testing::HasSubstr("%util"));
  EXPECT_TRUE(d["signs"][3]["window_value"].is_null());  // no ceiling
  EXPECT_FALSE(d["advice"].get<std::string>().empty());
}

TEST(DiagnosisText, PrintsTheThresholdsThenOneLinePerSignAndTheAdvice) {
  const DiagnosisThresholds t;
  const std::string text = DiagnosisText(OneDiagnosis(t), t);
  EXPECT_THAT(text, ::testing::HasSubstr("diagnosis (thresholds: aqu_deep=4 "));
  EXPECT_THAT(text, ::testing::HasSubstr("await_queueing_ms=20"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "  queueing               SUSTAINED   23.50 ms r_await, above 20 ms "
                        "(healthy below 10 ms); held in 75.0% of intervals (3 of 4)\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("  saturated              NOT JUDGED"));
  EXPECT_THAT(text, ::testing::HasSubstr("  advice: "));
  EXPECT_EQ(DiagnosisText({}, t), "");
}

TEST(LiveRow, LinesUpUnderTheHeader) {
  const std::string header = LiveHeader();
  const std::string row = LiveRow(Row());
  EXPECT_EQ(header.size(), row.size());
  EXPECT_EQ(header.find("%util") + 5, header.size());
  EXPECT_NE(row.find("75.00"), std::string::npos);
}

TEST(SummaryText, ShowsExactBytesAndTheWindow) {
  WindowSummary summary;
  summary.device = "sda";
  summary.start_utc = "2026-11-26T01:02:02.456Z";
  summary.end_utc = "2026-11-26T01:02:04.456Z";
  summary.duration_sec = 2;
  summary.read_bytes = 40960000;
  summary.read_ios = 400;
  const std::string text = SummaryText({summary});
  EXPECT_NE(text.find("sda: 2026-11-26T01:02:02.456Z to 2026-11-26T01:02:04.456Z (2.000 s)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(40960000 bytes) in 400 I/Os"), std::string::npos) << text;
}

// A run with the job's log, two phases and the accelerator: the keys the HTML report reads.
MonitorRun RunWithPhases() {
  MonitorRun run;
  run.devices = {"vda"};
  const auto wall = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764500000123));
  run.log = {{0.5, wall, OutputSource::kStdout, "Epoch 1", 0},
             {0.6, wall, OutputSource::kStderr, "warn", 0},
             {1.5, wall, OutputSource::kLogFile, std::string(4096, 'x'), 10}};
  run.log_lines_total = 5;
  run.log_lines_omitted = 2;
  run.mark_regex = R"(Epoch \d+)";
  run.marks_matched = 1;
  MonitorPhase phase;
  phase.phase.name = "Epoch 1";
  phase.phase.mark = Mark{0.5, wall, "Epoch 1", "Epoch 1 of 2", OutputSource::kStdout};
  phase.phase.start_offset_sec = 0.4;
  phase.phase.end_offset_sec = 2.0;
  phase.phase.start_utc = "2026-11-30T10:53:20.523Z";
  phase.phase.end_utc = "2026-11-30T10:53:22.123Z";
  WindowSummary s;
  s.device = "vda";
  s.duration_sec = 1.6;
  s.read_ios = 7;
  s.figures = Row().figures;
  phase.phase.summaries = {s};
  phase.diagnoses = OneDiagnosis({});
  phase.accelerator_util_pct = 23;
  MonitorPhase before;
  before.phase.name = std::string(kBeforeFirstMark);
  before.phase.summaries = {s};
  before.diagnoses = OneDiagnosis({});
  run.phases = {before, phase};
  run.accelerator.window.sampled = true;
  run.accelerator.window.rows = {{0.2, "2026-11-30T10:53:20.323Z", 0, 23.0}};
  run.accelerator.window.queries = 1;
  run.accelerator.mean_util_pct = 23;
  run.accelerator.gpu_mean_util_pct = {{0, 23.0}};
  return run;
}

TEST(MonitorJson, CarriesTheJobsLogItsMarksPhasesAndTheAccelerator) {
  const auto doc = MonitorJson(RunWithPhases(), {}, {});
  EXPECT_EQ(doc["schema"], "feedbench.monitor/1");  // new keys only
  ASSERT_EQ(doc["log"].size(), 3u);
  const auto& first = doc["log"][0];
  EXPECT_EQ(first["timestamp_utc"], "2025-11-30T10:53:20.123Z");
  EXPECT_EQ(first["offset_sec"], 0.5);
  EXPECT_EQ(first["stream"], "stdout");
  EXPECT_EQ(first["line"], "Epoch 1");
  EXPECT_FALSE(first.contains("cut_bytes"));
  EXPECT_EQ(doc["log"][1]["stream"], "stderr");
  EXPECT_EQ(doc["log"][2]["stream"], "log");
  EXPECT_EQ(doc["log"][2]["cut_bytes"], 10u);
  EXPECT_EQ(doc["log_lines"]["total"], 5u);
  EXPECT_EQ(doc["log_lines"]["kept"], 3u);
  EXPECT_EQ(doc["log_lines"]["omitted"], 2u);
  EXPECT_TRUE(doc["log_file"].is_null());
  EXPECT_EQ(doc["marks"]["regex"], R"(Epoch \d+)");
  EXPECT_EQ(doc["marks"]["name_from"], "match");
  EXPECT_EQ(doc["marks"]["matched_lines"], 1u);
  ASSERT_EQ(doc["phases"].size(), 2u);
  EXPECT_EQ(doc["phases"][0]["name"], "before first mark");
  EXPECT_TRUE(doc["phases"][0]["mark"].is_null());
  EXPECT_TRUE(doc["phases"][0]["accelerator_util_pct"].is_null());
  const auto& p = doc["phases"][1];
  EXPECT_EQ(p["name"], "Epoch 1");
  EXPECT_EQ(p["start_utc"], "2026-11-30T10:53:20.523Z");
  EXPECT_EQ(p["end_utc"], "2026-11-30T10:53:22.123Z");
  EXPECT_EQ(p["start_offset_sec"], 0.4);
  EXPECT_EQ(p["end_offset_sec"], 2.0);
  EXPECT_EQ(p["mark"]["line"], "Epoch 1 of 2");
  EXPECT_EQ(p["mark"]["offset_sec"], 0.5);
  EXPECT_EQ(p["accelerator_util_pct"], 23.0);
  // Shaped like the window's own entries.
  MonitorRun window_run;
  window_run.diagnoses = OneDiagnosis({});
  const auto whole = MonitorJson(window_run, {}, {WindowSummary{}});
  ASSERT_EQ(p["summary"].size(), 1u);
  for (const auto& [key, value] : whole["summary"][0].items()) {
    EXPECT_TRUE(p["summary"][0].contains(key)) << key;
  }
  EXPECT_EQ(p["summary"][0]["read_ios"], 7u);
  ASSERT_EQ(p["diagnosis"].size(), 1u);
  EXPECT_EQ(p["diagnosis"][0], whole["diagnosis"][0]);  // the same diagnosis, the same entry
  EXPECT_EQ(p["diagnosis"][0]["signs"][1]["verdict"], "SUSTAINED");
  const auto& a = doc["accelerator"];
  EXPECT_EQ(a["sampled"], true);
  EXPECT_EQ(a["reason"], "");
  ASSERT_EQ(a["rows"].size(), 1u);
  EXPECT_EQ(a["rows"][0]["timestamp_utc"], "2026-11-30T10:53:20.323Z");
  EXPECT_EQ(a["rows"][0]["offset_sec"], 0.2);
  EXPECT_EQ(a["rows"][0]["gpu"], 0);
  EXPECT_EQ(a["rows"][0]["utilization_pct"], 23.0);
  EXPECT_EQ(a["mean_util_pct"], 23.0);
}

TEST(MonitorJson, WithoutMarksOrAcceleratorTheKeysAreThereAndSaySo) {
  MonitorRun run;
  run.accelerator.window.reason = "nvidia-smi not on PATH";
  LogFileReport log;
  log.path = "/data/train.log";
  log.notes = {"/data/train.log did not appear within 30 s; not followed"};
  run.log_file = log;
  const auto doc = MonitorJson(run, {}, {});
  EXPECT_TRUE(doc["log"].is_array());
  EXPECT_TRUE(doc["log"].empty());
  EXPECT_TRUE(doc["marks"]["regex"].is_null());
  EXPECT_TRUE(doc["phases"].empty());
  EXPECT_EQ(doc["accelerator"]["sampled"], false);
  EXPECT_EQ(doc["accelerator"]["reason"], "nvidia-smi not on PATH");
  EXPECT_TRUE(doc["accelerator"]["rows"].empty());
  EXPECT_TRUE(doc["accelerator"]["mean_util_pct"].is_null());
  EXPECT_EQ(doc["log_file"]["path"], "/data/train.log");
  EXPECT_EQ(doc["log_file"]["appeared"], false);
  EXPECT_EQ(doc["log_file"]["notes"][0], log.notes[0]);
}

TEST(AcceleratorText, GivesTheMeanAndEachGpuOrWhyNotSampled) {
  MonitorRun run = RunWithPhases();
  EXPECT_EQ(AcceleratorText(run.accelerator), "accelerator: 23.0% mean (gpu0), 1 readings\n");
  run.accelerator.gpu_mean_util_pct = {{0, 20.0}, {1, 40.0}};
  run.accelerator.mean_util_pct = 30;
  EXPECT_EQ(AcceleratorText(run.accelerator),
            "accelerator: 30.0% mean (gpu0 20.0%, gpu1 40.0%), 1 readings\n");
  MonitorAccelerator none;
  none.window.reason = "nvidia-smi not on PATH";
  EXPECT_EQ(AcceleratorText(none), "accelerator: not sampled (nvidia-smi not on PATH)\n");
}

TEST(PhasesText, OneRowPerPhasePerDeviceWithItsFiguresAndSigns) {
  const std::string text = PhasesText(RunWithPhases());
  EXPECT_THAT(text, ::testing::HasSubstr("phases (--mark 'Epoch \\d+': 1 marks;"));
  EXPECT_THAT(text, ::testing::HasSubstr("signs held"));
  EXPECT_THAT(text, ::testing::HasSubstr("  before first mark "));
  EXPECT_THAT(text, ::testing::HasSubstr("  Epoch 1 "));
  EXPECT_THAT(text, ::testing::HasSubstr(" 23.0  queueing SUSTAINED\n"));
  MonitorRun unmatched;
  unmatched.mark_regex = "Epoch";
  EXPECT_EQ(PhasesText(unmatched), "phases: no line matched --mark 'Epoch'; no phases\n");
  EXPECT_EQ(PhasesText(MonitorRun{}), "");
}

TEST(LiveRow, TheAcceleratorColumnLinesUpToo) {
  const std::string header = LiveHeader(true);
  EXPECT_EQ(header.size(), LiveRow(Row(), true, 23.0).size());
  EXPECT_EQ(header.size(), LiveRow(Row(), true, std::nullopt).size());
  EXPECT_THAT(LiveRow(Row(), true, 23.0), ::testing::EndsWith("   23.0"));
  EXPECT_THAT(LiveRow(Row(), true, std::nullopt), ::testing::EndsWith("      -"));
}

}  // namespace
}  // namespace feedbench
