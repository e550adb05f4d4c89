#include "harness/report/chartjs_library.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <filesystem>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"

namespace feedbench {
namespace {

// What a UMD build of Chart.js holds, and what it cannot hold to be inlined in a <script>.
std::string CheckedLibrary(const std::string& path, std::string source, bool from_variable) {
  std::string problem;
  if (source.find("Chart") == std::string::npos || source.find("getContext") == std::string::npos) {
    problem = "does not look like Chart.js (no Chart, no getContext)";
  } else if (source.find("export ") != std::string::npos &&
             source.find("typeof exports") == std::string::npos) {
    problem = "is an ES module build, not the UMD build a classic <script> runs";
  } else if (source.find("</script") != std::string::npos) {
    problem = "contains \"</script\", which cannot be inlined in a <script> element";
  }
  if (problem.empty()) return source;
  const std::string message =
      fmt::format("{}{}: {}; expected Chart.js's UMD build (chart.min.js of the Debian package {})",
                  from_variable ? fmt::format("{}=", kChartJsVariable) : "", path, problem,
                  kChartJsPackage);
  if (from_variable) throw UsageError(message);
  throw EnvironmentError(message);
}

}  // namespace

ChartJsLibrary LoadChartJs() {
  if (const char* chosen = std::getenv(std::string(kChartJsVariable).c_str());
      chosen != nullptr && *chosen != '\0') {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(chosen, ec)) {
      throw UsageError(fmt::format("{}={}: not a file; expected the path of Chart.js's UMD build "
                                   "(e.g. {})",
                                   kChartJsVariable, chosen, kChartJsPaths[0]));
    }
    return {chosen, CheckedLibrary(chosen, ReadWholeFile(chosen), true)};
  }
  for (std::string_view candidate : kChartJsPaths) {
    std::error_code ec;
    const std::string path(candidate);
    if (std::filesystem::is_regular_file(path, ec)) {
      return {path, CheckedLibrary(path, ReadWholeFile(path), false)};
    }
  }
  throw EnvironmentError(fmt::format(
      "Chart.js not found (looked for {}): HTML reports draw their charts with it; install it with "
      "`apt-get install {}`, or set {} to its chart.min.js",
      fmt::format("{}", fmt::join(kChartJsPaths, ", ")), kChartJsPackage, kChartJsVariable));
}

}  // namespace feedbench
