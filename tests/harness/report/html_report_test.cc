#include "harness/report/html_report.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/gate/baseline.h"
#include "harness/report/compare_report.h"
#include "harness/report/report_input.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kFixtures = fs::path(FEEDBENCH_FIXTURES) / "html";
// Stands for Chart.js: the renderer inlines whatever it is given.
constexpr std::string_view kFakeChartJs = "/* chart library */";

// The JSON of every <script type="application/json"> block, parsed as a browser's JSON.parse
// would read the block's text.
std::vector<json> DataBlocks(const std::string& html) {
  std::vector<json> out;
  const std::string open = "<script type=\"application/json\"";
  for (std::size_t at = html.find(open); at != std::string::npos; at = html.find(open, at + 1)) {
    const std::size_t start = html.find('>', at) + 1;
    const std::size_t end = html.find("</script>", start);
    out.push_back(json::parse(html.substr(start, end - start)));
  }
  return out;
}

const json* ChartTitled(const std::vector<json>& blocks, std::string_view title) {
  for (const json& block : blocks) {
    for (const json& chart : block["charts"]) {
      if (chart["title"] == title) return &chart;
    }
  }
  return nullptr;
}

std::string Render(const fs::path& file) {
  return RenderHtmlReport({ReadReportInput(file)}, kFakeChartJs);
}

TEST(HtmlReport, MonitorTimelinesEmbedEveryRowExactly) {
  const fs::path file = kFixtures / "monitor_phases.json";
  const json input = json::parse(ReadWholeFile(file));
  const std::string html = Render(file);
  const std::vector<json> blocks = DataBlocks(html);
  ASSERT_EQ(blocks.size(), 1u);
  const json* rkb = ChartTitled(blocks, "rkB/s: bytes read per second");
  const json* await = ChartTitled(blocks, "r_await: mean time of a read, queue and service");
  ASSERT_NE(rkb, nullptr);
  ASSERT_NE(await, nullptr);
  // Every row of the document is a point, with its figures bit for bit.
  std::map<std::string, std::size_t> seen;
  for (const json& row : input["rows"]) {
    const std::string device = row["device"];
    const std::size_t device_index = device == "vda" ? 0 : 1;
    const std::size_t i = seen[device]++;
    ASSERT_EQ((*rkb)["series"][device_index]["label"], device);
    EXPECT_EQ((*rkb)["series"][device_index]["x"][i].get<double>(), row["offset_sec"].get<double>());
    EXPECT_EQ((*rkb)["series"][device_index]["y"][i].get<double>(),
              row["read_bytes_per_sec"].get<double>());
    EXPECT_EQ((*await)["series"][device_index]["y"][i].get<double>(),
              row["r_await_ms"].get<double>());
  }
  EXPECT_EQ(seen["vda"], (*rkb)["series"][0]["x"].size());
  // The phases are bands on the timelines, the accelerator a chart of its own.
  ASSERT_EQ((*rkb)["bands"].size(), input["phases"].size());
  EXPECT_EQ((*rkb)["bands"][4]["start"].get<double>(),
            input["phases"][4]["start_offset_sec"].get<double>());
  EXPECT_THAT((*rkb)["bands"][1]["label"].get<std::string>(), HasSubstr("SUSTAINED"));
  const json* gpu = ChartTitled(blocks, "accelerator utilisation per GPU");
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ((*gpu)["series"].size(), 2u);
  EXPECT_EQ((*gpu)["series"][0]["y"][0].get<double>(),
            input["accelerator"]["rows"][0]["utilization_pct"].get<double>());
  EXPECT_THAT(html, HasSubstr("<h3>Diagnosis</h3>"));
  EXPECT_THAT(html, HasSubstr("<h3>Phases</h3>"));
  EXPECT_THAT(html, HasSubstr("<h3>Log (12 lines)</h3>"));
}

TEST(HtmlReport, MarkupInTheDataIsEscapedEverywhere) {
  // The fixture's phase name and a log line hold "</script><script>window.injected=…</script>",
  // "<!--", quotes and U+2028.
  const std::string html = Render(kFixtures / "monitor_phases.json");
  EXPECT_THAT(html, Not(HasSubstr("<script>window.injected")));
  EXPECT_THAT(html, Not(HasSubstr("<!--")));
  EXPECT_THAT(html, HasSubstr("&lt;/script&gt;&lt;script&gt;window.injected=2&lt;/script&gt; &amp;"));
  EXPECT_THAT(html, HasSubstr("&quot;quoted&quot; &#39;single&#39;"));
  // Only the page's own scripts: the library, one data block, the page script.
  std::size_t scripts = 0;
  for (std::size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 3u);
  // And the data block still holds the name as it was.
  const std::vector<json> blocks = DataBlocks(html);
  const json* rkb = ChartTitled(blocks, "rkB/s: bytes read per second");
  ASSERT_NE(rkb, nullptr);
  EXPECT_THAT((*rkb)["bands"][1]["label"].get<std::string>(),
              HasSubstr("epoch 1 </script><script>window.injected=1</script><!--"));
}

TEST(HtmlReport, JsonForScriptKeepsTheValueAndHidesMarkup) {
  const json value = {{"name", "</script><!-- & >"}, {"x", 0.1 + 0.2}, {"big", 1e300}};
  const std::string text = JsonForScript(value);
  EXPECT_EQ(text.find('<'), std::string::npos);
  EXPECT_EQ(text.find('>'), std::string::npos);
  EXPECT_EQ(text.find('&'), std::string::npos);
  EXPECT_EQ(json::parse(text), value);
  EXPECT_EQ(json::parse(text)["x"].get<double>(), 0.1 + 0.2);
  EXPECT_EQ(HtmlEscape("<a href='x'>\"&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
}

TEST(HtmlReport, RunResultsShowEachRepetitionItsSpreadAndTheTimeline) {
  const fs::path file = kFixtures / "cand.json";
  const ResultsFile results = ReadResultsFile(file);
  const std::string html = Render(file);
  EXPECT_THAT(html, HasSubstr("<section id=\"s0\" class=\"results\">"));
  const std::vector<json> blocks = DataBlocks(html);
  const json* samples = ChartTitled(blocks, "samples/s per repetition");
  ASSERT_NE(samples, nullptr);
  const WorkloadResults* files = results.Find("files-random");
  ASSERT_NE(files, nullptr);
  std::vector<double> points;
  for (const json& p : (*samples)["points"]) {
    if (p["x"] == "files-random") points.push_back(p["y"].get<double>());
  }
  ASSERT_EQ(points.size(), files->repetitions.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(points[i], files->repetitions[i].counters.at("samples_per_second"));
  }
  const std::vector<WorkloadSummary> summaries = SummarizeResults(results);
  const json& labels = (*samples)["labels"];
  const std::size_t at =
      std::find(labels.begin(), labels.end(), json("files-random")) - labels.begin();
  EXPECT_EQ((*samples)["ranges"][at][0].get<double>(), summaries[1].min.at("samples_per_second"));
  EXPECT_EQ((*samples)["ranges"][at][1].get<double>(), summaries[1].max.at("samples_per_second"));
  EXPECT_EQ((*samples)["marks"][at].get<double>(), summaries[1].median.at("samples_per_second"));
  // The timeline kept beside the results: one series per repetition.
  const json* timeline =
      ChartTitled(blocks, "files-random: rkB/s of the sampled device, each repetition");
  ASSERT_NE(timeline, nullptr);
  EXPECT_EQ((*timeline)["series"].size(), files->repetitions.size());
}

TEST(HtmlReport, RunResultsWithoutTheirTimelineSaySo) {
  const testing::TempDir tmp;
  fs::copy_file(kFixtures / "cand.json", tmp / "cand.json");  // the timeline left behind
  const std::string html = Render(tmp / "cand.json");
  EXPECT_THAT(html, HasSubstr("is not beside them, or is not the one written with them"));
  const std::vector<json> blocks = DataBlocks(html);
  EXPECT_EQ(ChartTitled(blocks, "files-random: rkB/s of the sampled device, each repetition"),
            nullptr);
  // A results file that names no timeline (written by another tool, or before they were kept).
  const std::string old = Render(fs::path(FEEDBENCH_FIXTURES) / "gate" / "current.json");
  EXPECT_THAT(old, HasSubstr("These results name no timeline file"));
}

TEST(HtmlReport, DisturbedAndContaminatedRepetitionsAreMarked) {
  RunSection run = std::get<RunSection>(ReadReportInput(kFixtures / "cand.json"));
  WorkloadResults& w = run.results.workloads.at(1);
  ASSERT_GE(w.repetitions.size(), 3u);
  w.repetitions[1].state = RepetitionState::kDisturbed;
  w.repetitions[1].error_message = "disturbed: foreign reads 40% of the device's bytes";
  w.repetitions[2].state = RepetitionState::kCacheContaminated;
  w.repetitions[2].error_message = "cache_contaminated: device read ratio 0.12";
  run.summaries = SummarizeResults(run.results);
  const std::string html = RenderHtmlReport({run}, kFakeChartJs);
  const std::vector<json> blocks = DataBlocks(html);
  const json* samples = ChartTitled(blocks, "samples/s per repetition");
  ASSERT_NE(samples, nullptr);
  std::map<std::string, int> groups;
  for (const json& p : (*samples)["points"]) {
    if (p["x"] == w.name) ++groups[p["group"].get<std::string>()];
  }
  EXPECT_EQ(groups["disturbed"], 1);
  EXPECT_EQ(groups["cache_contaminated"], 1);
  EXPECT_EQ(groups["valid"], static_cast<int>(w.repetitions.size()) - 2);
  EXPECT_THAT(html, HasSubstr("<h3>Repetitions not judged</h3>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"v-cache-contaminated\">cache_contaminated</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"v-disturbed\">disturbed</td>"));
}

TEST(HtmlReport, ComparisonReadBackIsTheReportItWasWrittenFrom) {
  const fs::path gate = fs::path(FEEDBENCH_FIXTURES) / "gate";
  const CompareReport report = CompareResults(ReadBaselineFile(gate / "baseline.json"),
                                              ReadResultsFile(gate / "current.json"), {});
  const CompareReport back = CompareReportFromJson(CompareReportToJson(report), "x.json");
  EXPECT_EQ(back.Outcome(), report.Outcome());
  EXPECT_EQ(back.ExitCode(), report.ExitCode());
  EXPECT_EQ(back.JudgedRows(), report.JudgedRows());
  EXPECT_EQ(CompareReportToJson(back), CompareReportToJson(report));
  EXPECT_EQ(RenderCompareMarkdown(back), RenderCompareMarkdown(report));
}

TEST(HtmlReport, ComparisonShowsEachJudgedRowInItsBandColouredByVerdict) {
  const fs::path file = kFixtures / "comparison.json";
  const CompareReport report = CompareReportFromJson(json::parse(ReadWholeFile(file)), "c");
  const std::string html = Render(file);
  EXPECT_THAT(html, HasSubstr("<section id=\"s0\" class=\"comparison\">"));
  EXPECT_THAT(html, HasSubstr("<p class=\"outcome v-fail\">FAIL: "));
  for (const char* verdict : {"regressed", "improved", "unchanged", "noisy", "uncertain",
                              "invalid", "missing", "new"}) {
    EXPECT_THAT(html, HasSubstr(fmt::format("<td class=\"v-{}\">", verdict))) << verdict;
  }
  const std::vector<json> blocks = DataBlocks(html);
  ASSERT_EQ(blocks.size(), 1u);
  const json& chart = blocks[0]["charts"][0];
  std::size_t judged = 0;
  for (const MetricComparison& row : report.rows) {
    if (!IsJudged(row.verdict)) continue;
    const json& point = chart["points"][judged];
    EXPECT_EQ(point["y"].get<double>(), row.ratio);
    EXPECT_EQ(point["group"], VerdictName(row.verdict));
    EXPECT_EQ(chart["ranges"][judged][1].get<double>(), BandOf(row).worse_above);
    ++judged;
  }
  EXPECT_EQ(chart["points"].size(), judged);
}

TEST(HtmlReport, QualificationIsToldFromAComparisonByItsKey) {
  const std::string html = Render(kFixtures / "qualification.json");
  EXPECT_THAT(html, HasSubstr("<section id=\"s0\" class=\"qualification\">"));
  EXPECT_THAT(html, HasSubstr("INCONCLUSIVE: judged 2 of 8 rows (exit 4)"));
  EXPECT_THAT(html, HasSubstr("<td class=\"v-meets-reference\">meets reference</td>"));
  const std::vector<json> blocks = DataBlocks(html);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0]["charts"][0]["type"], "bars");
  EXPECT_EQ(blocks[0]["charts"][0]["values"].size(), 8u);
}

TEST(HtmlReport, SeveralFilesMakeOneSectionEachAndNoExternalUrl) {
  std::vector<HtmlSection> sections;
  for (const char* name : {"monitor_real.json", "cand.json", "comparison.json",
                           "qualification.json"}) {
    sections.push_back(ReadReportInput(kFixtures / name));
  }
  const std::string html = RenderHtmlReport(sections, kFakeChartJs);
  for (const char* kind : {"monitor", "results", "comparison", "qualification"}) {
    EXPECT_THAT(html, HasSubstr(fmt::format("class=\"{}\">", kind))) << kind;
  }
  EXPECT_THAT(html, HasSubstr("<section id=\"s3\""));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr(" src=")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, HasSubstr(kFakeChartJs));
  EXPECT_THAT(html, HasSubstr("Content-Security-Policy\" content=\"default-src 'none'"));
}

TEST(HtmlReport, AFileThatIsNotFeedbenchsIsRefusedNamingWhatWasExpected) {
  const testing::TempDir tmp;
  WriteFileAtomic(tmp / "other.json", R"({"benchmarks": [], "context": {}})");
  WriteFileAtomic(tmp / "text.txt", "hello");
  WriteFileAtomic(tmp / "monitor.json", R"({"schema": "feedbench.monitor/1", "interval_ms": 100,
                                            "rows": [{"device": "vda"}], "summary": []})");
  for (const char* name : {"other.json", "text.txt"}) {
    try {
      ReadReportInput(tmp / name);
      ADD_FAILURE() << name << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(), HasSubstr((tmp / name).string()));
      EXPECT_THAT(e.what(), HasSubstr("expected a feedbench file: a monitor JSON"));
    }
  }
  try {
    ReadReportInput(tmp / "monitor.json");
    ADD_FAILURE() << "a monitor row without figures was accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("rows[0].timestamp_utc: missing"));
  }
}

}  // namespace
}  // namespace feedbench
