// The HTML reports in a real browser: each kind of report, written by the feedbench binary from
// the fixtures, is loaded in headless Chromium (Debian's `chromium`), and a probe added to a
// test-only copy of the page writes into the DOM what the page did: how many canvases it has, how
// many of them Chart.js drew a chart in, with a dataset's colour (not only grey axes and text),
// every JavaScript error and console error, and how many resources the page requested (none: it
// must work offline). Chromium runs under `timeout`, with a private profile directory that is
// removed, and with every host name unresolvable. A page broken on purpose (a script error; the
// library left out) must be caught. Skipped, saying why, when chromium is not installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/base/atomic_file.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunCommand;
using testing::ShellQuote;

const fs::path kFixtures = fs::path(FEEDBENCH_FIXTURES) / "html";

// Installed before the page's own scripts: records errors and console errors.
constexpr std::string_view kErrorHook = R"(<script>
window.__feedbenchErrors = [];
window.addEventListener('error', (e) => window.__feedbenchErrors.push('error: ' + e.message));
window.addEventListener('unhandledrejection', (e) => window.__feedbenchErrors.push('rejection: ' + e.reason));
const __consoleError = console.error;
console.error = function () { window.__feedbenchErrors.push('console: ' + Array.from(arguments).join(' ')); __consoleError.apply(console, arguments); };
</script>)";

// After the page's scripts: once loaded, writes what was drawn as one line of JSON in the DOM.
constexpr std::string_view kProbe = R"(<script>
window.addEventListener('load', () => setTimeout(() => {
  const canvases = Array.from(document.querySelectorAll('canvas'));
  let drawn = 0;
  const blank = [];
  canvases.forEach((canvas) => {
    const hasChart = typeof Chart !== 'undefined' && Chart.getChart(canvas) !== undefined;
    let coloured = false;
    if (canvas.width > 0 && canvas.height > 0) {
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < pixels.length && !coloured; i += 4) {
        const r = pixels[i], g = pixels[i + 1], b = pixels[i + 2], a = pixels[i + 3];
        coloured = a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40;
      }
    }
    if (hasChart && coloured) ++drawn; else blank.push(canvas.id);
  });
  const report = document.createElement('pre');
  report.id = 'feedbench-probe';
  report.textContent = 'PROBE' + JSON.stringify({
    canvases: canvases.length, drawn: drawn, blank: blank, errors: window.__feedbenchErrors,
    resources: performance.getEntriesByType('resource').length }) + 'PROBE';
  document.body.appendChild(report);
}, 200));
</script>)";

std::string Chromium() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      const fs::path candidate = fs::path(dir) / name;
      if (fs::exists(candidate)) return candidate.string();
    }
  }
  return "";
}

struct PageCheck {
  bool loaded = false;   // the probe ran and reported
  json report;           // its report
  std::string output;    // chromium's output, for messages
};

// Loads `page` (a copy with the hook and the probe added) in headless Chromium and reads back
// the probe's report from the DOM.
PageCheck LoadInChromium(const std::string& chromium, const fs::path& page,
                         const fs::path& scratch) {
  std::string html = ReadWholeFile(page);
  const std::size_t head = html.find("<head>");
  const std::size_t body_end = html.rfind("</body>");
  if (head == std::string::npos || body_end == std::string::npos) return {};
  html.insert(body_end, kProbe);
  html.insert(head + 6, kErrorHook);
  const fs::path probed = scratch / ("probed-" + page.filename().string());
  WriteFileAtomic(probed, html);
  const testing::TempDir profile;  // a private profile, removed at the end
  const std::string command =
      "timeout -k 5 120 " + ShellQuote(chromium) +
      " --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions"
      " --disable-background-networking --disable-sync --host-resolver-rules='MAP * ~NOTFOUND'"
      " --user-data-dir=" + ShellQuote(profile.path().string()) +
      " --window-size=1400,3000 --virtual-time-budget=20000 --dump-dom " +
      ShellQuote("file://" + probed.string()) + " 2>" + ShellQuote((scratch / "stderr").string());
  PageCheck check;
  const testing::CommandResult result = RunCommand(command);
  check.output = result.output.substr(0, 2000);
  const std::size_t start = result.output.find("PROBE{");
  const std::size_t end = result.output.find("}PROBE");
  if (result.exit_code != 0 || start == std::string::npos || end == std::string::npos) {
    check.output += "\nexit " + std::to_string(result.exit_code) + "; stderr: " +
                    ReadWholeFile(scratch / "stderr").substr(0, 2000);
    return check;
  }
  check.report = json::parse(result.output.substr(start + 5, end - start - 4), nullptr, false);
  check.loaded = !check.report.is_discarded();
  return check;
}

class HtmlInBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = Chromium();
    if (chromium_.empty()) {
      GTEST_SKIP() << "chromium is not installed (apt-get install chromium): the HTML reports "
                      "are not checked in a browser";
    }
  }
  // `feedbench report FILES --html scratch/NAME`, as a user runs it.
  fs::path Report(const std::vector<fs::path>& files, const std::string& name) {
    std::string command = std::string(FEEDBENCH_BINARY) + " report";
    for (const fs::path& f : files) command += " " + ShellQuote(f.string());
    const fs::path out = scratch_.path() / name;
    command += " --html " + ShellQuote(out.string());
    const testing::CommandResult result = RunCommand(command);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return out;
  }
  void ExpectEveryChartDrawn(const fs::path& page, std::size_t at_least) {
    const PageCheck check = LoadInChromium(chromium_, page, scratch_.path());
    ASSERT_TRUE(check.loaded) << "the probe did not report: " << check.output;
    const json& r = check.report;
    EXPECT_GE(r["canvases"].get<std::size_t>(), at_least) << r.dump();
    EXPECT_EQ(r["drawn"], r["canvases"]) << "blank canvases: " << r["blank"].dump();
    EXPECT_TRUE(r["errors"].empty()) << r["errors"].dump();
    EXPECT_EQ(r["resources"], 0) << "the page requested something: it must work offline";
  }

  std::string chromium_;
  testing::TempDir scratch_{"/dev/shm"};
};

TEST_F(HtmlInBrowser, MonitorChartsDrawWithoutErrors) {
  // Two devices, phases, accelerator, log (markup in a phase name and a log line): five device
  // timelines and the accelerator's.
  ExpectEveryChartDrawn(Report({kFixtures / "monitor_phases.json"}, "monitor.html"), 6);
}

TEST_F(HtmlInBrowser, RunResultsChartsDrawWithoutErrors) {
  // samples/s, bytes/s and one device timeline per workload.
  ExpectEveryChartDrawn(Report({kFixtures / "cand.json"}, "run.html"), 4);
}

TEST_F(HtmlInBrowser, ComparisonChartDrawsWithoutErrors) {
  ExpectEveryChartDrawn(Report({kFixtures / "comparison.json"}, "comparison.html"), 1);
}

TEST_F(HtmlInBrowser, QualificationChartDrawsWithoutErrors) {
  ExpectEveryChartDrawn(Report({kFixtures / "qualification.json"}, "qualification.html"), 1);
}

TEST_F(HtmlInBrowser, EveryKindInOnePage) {
  ExpectEveryChartDrawn(Report({kFixtures / "monitor_real.json", kFixtures / "cand.json",
                                kFixtures / "comparison.json", kFixtures / "qualification.json"},
                               "all.html"),
                        11);
}

TEST_F(HtmlInBrowser, LayoutsDecisionChartDrawsWithoutErrors) {
  // `feedbench layouts --html` on a tiny warm suite: the ratio chart and the run's charts.
  const fs::path suite = scratch_.path() / "tiny.json";
  WriteFileAtomic(suite, R"({"schema_version": 1, "name": "tiny",
    "dataset": {"samples": 200, "sizes": {"distribution": "fixed", "bytes": "8KiB"}, "seed": 2},
    "defaults": {"repetitions": 3, "workers": 2, "batch_size": 16, "cache": "warm"},
    "workloads": [{"name": "files-random", "layout": "files", "order": "random"},
                  {"name": "lmdb-random", "layout": "lmdb", "order": "random"}]})");
  const fs::path page = scratch_.path() / "layouts.html";
  const testing::CommandResult result = RunCommand(
      std::string(FEEDBENCH_BINARY) + " layouts --quiet --allow-inconclusive --seed 3 "
      "--max-rounds 8 --suite " + ShellQuote(suite.string()) + " --data-dir " +
      ShellQuote((scratch_.path() / "data").string()) + " --tmpfs-dir " +
      ShellQuote(scratch_.path().string()) + " --out " +
      ShellQuote((scratch_.path() / "r.json").string()) + " --html " + ShellQuote(page.string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  ExpectEveryChartDrawn(page, 3);
}

TEST_F(HtmlInBrowser, ALiveMonitorWithMarksAndAnAcceleratorDraws) {
  // `monitor --mark` around a job printing two epochs, with a stand-in nvidia-smi on PATH, then
  // `report --html` of what it wrote: the JSON the two commands share, end to end.
  const fs::path bin = scratch_.path() / "bin";
  fs::create_directories(bin);
  WriteFileAtomic(bin / "nvidia-smi", "#!/bin/sh\necho '0, 37'\necho '1, 41'\n");
  fs::permissions(bin / "nvidia-smi", fs::perms::owner_all);
  const fs::path json_out = scratch_.path() / "monitor.json";
  const testing::CommandResult monitored = RunCommand(
      "PATH=" + ShellQuote(bin.string()) + ":$PATH " + std::string(FEEDBENCH_BINARY) +
      " monitor --path /var/tmp" +
      " --interval-ms 100 --mark 'Epoch [0-9]+' --json " + ShellQuote(json_out.string()) +
      " -- sh -c 'echo Epoch 1; sleep 0.6; echo Epoch 2; sleep 0.6'");
  if (monitored.exit_code == 2 && monitored.output.find("no block device") != std::string::npos) {
    GTEST_SKIP() << "/var/tmp has no block device behind it here: " << monitored.output;
  }
  ASSERT_EQ(monitored.exit_code, 0) << monitored.output;
  const json doc = json::parse(ReadWholeFile(json_out));
  ASSERT_EQ(doc["phases"].size(), 2u) << doc["phases"].dump();
  ASSERT_TRUE(doc["accelerator"]["sampled"].get<bool>()) << doc["accelerator"].dump();
  // Five device timelines and the accelerator's.
  ExpectEveryChartDrawn(Report({json_out}, "live-monitor.html"), 6);
}

TEST_F(HtmlInBrowser, ABrokenPageIsCaught) {
  const fs::path good = Report({kFixtures / "comparison.json"}, "good.html");
  const std::string html = ReadWholeFile(good);

  // A script error before the page draws: reported, and the chart stays blank.
  std::string thrown = html;
  const std::size_t page_script = thrown.rfind("<script>");
  ASSERT_NE(page_script, std::string::npos);
  thrown.insert(page_script, "<script>undefinedFunctionOfATestOnlyCopy();</script>");
  WriteFileAtomic(scratch_.path() / "thrown.html", thrown);
  const PageCheck a = LoadInChromium(chromium_, scratch_.path() / "thrown.html", scratch_.path());
  ASSERT_TRUE(a.loaded) << a.output;
  EXPECT_THAT(a.report["errors"].dump(), ::testing::HasSubstr("undefinedFunctionOfATestOnlyCopy"));

  // The library left out: every canvas blank, and the page's script fails on `Chart`.
  std::string without = html;
  const std::size_t lib_start = without.find("<script>");
  const std::size_t lib_end = without.find("</script>", lib_start);
  without.erase(lib_start, lib_end + 9 - lib_start);
  WriteFileAtomic(scratch_.path() / "without.html", without);
  const PageCheck b = LoadInChromium(chromium_, scratch_.path() / "without.html", scratch_.path());
  ASSERT_TRUE(b.loaded) << b.output;
  EXPECT_EQ(b.report["drawn"], 0) << b.report.dump();
  EXPECT_GE(b.report["canvases"].get<int>(), 1);
  EXPECT_FALSE(b.report["errors"].empty());
}

}  // namespace
}  // namespace feedbench
