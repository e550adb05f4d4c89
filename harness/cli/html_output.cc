#include "harness/cli/html_output.h"

#include "harness/base/atomic_file.h"

namespace feedbench {

void AddHtmlFlag(CLI::App& sub, std::string& path, const std::string& what) {
  sub.add_option("--html", path,
                 "Also write " + what +
                     " as one self-contained HTML page (charts by Chart.js from the Debian "
                     "package libjs-chart.js, inlined; FEEDBENCH_CHARTJS overrides its path)");
}

std::optional<HtmlOutput> CheckHtmlOutput(const std::string& path) {
  if (path.empty()) return std::nullopt;
  CheckWritableDestination(path, "--html");
  return HtmlOutput{path, LoadChartJs()};
}

void WriteHtmlOutput(const HtmlOutput& output, const std::vector<HtmlSection>& sections) {
  WriteFileAtomic(output.path, RenderHtmlReport(sections, output.chartjs.source));
}

}  // namespace feedbench
