// Chart.js, the charting library the HTML reports carry inline: found at run time in Debian's
// `libjs-chart.js` package, never downloaded and never built in.
//
// The file is the first of kChartJsPaths that exists, or the one FEEDBENCH_CHARTJS names. It must
// be Chart.js's UMD build (it defines the global `Chart` when run as a classic <script>) and may
// not contain "</script" (it is inlined in a <script> element). Reads one file; thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace feedbench {

inline constexpr std::string_view kChartJsVariable = "FEEDBENCH_CHARTJS";
inline constexpr std::string_view kChartJsPackage = "libjs-chart.js";

// Where Debian's libjs-chart.js puts the UMD build (3.x: chart.min.js and chart.js; 4.x:
// chart.umd.min.js, chart.umd.js), minified first.
inline constexpr std::array<std::string_view, 4> kChartJsPaths = {
    "/usr/share/javascript/chart.js/chart.min.js",
    "/usr/share/javascript/chart.js/chart.umd.min.js",
    "/usr/share/javascript/chart.js/chart.js",
    "/usr/share/javascript/chart.js/chart.umd.js",
};

struct ChartJsLibrary {
  std::string path;    // the file read
  std::string source;  // its text
};

// The library, read now. Throws UsageError (exit 2) when FEEDBENCH_CHARTJS is set but names no
// readable file or a file that is not Chart.js; EnvironmentError (exit 3) naming the package to
// install when it is unset and none of kChartJsPaths exists.
ChartJsLibrary LoadChartJs();

}  // namespace feedbench
