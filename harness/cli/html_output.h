// `--html FILE` of `report`, `run`, `compare` and `qualify`: the HTML report (harness/report/
// html_report.h) written atomically at the end, its destination and Chart.js checked first.
//
// CheckHtmlOutput runs before any work (before a run starts): an unwritable FILE is a UsageError
// naming --html (exit 2), a missing Chart.js an EnvironmentError naming the package (exit 3).
// WriteHtmlOutput renders and writes; nothing is written where FILE was when it fails.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/report/chartjs_library.h"
#include "harness/report/html_report.h"

namespace feedbench {

struct HtmlOutput {
  std::string path;
  ChartJsLibrary chartjs;
};

// Registers --html on `sub`, described as writing `what`.
void AddHtmlFlag(CLI::App& sub, std::string& path, const std::string& what);

// nullopt when `path` is empty (no --html); otherwise the checked destination and the library.
std::optional<HtmlOutput> CheckHtmlOutput(const std::string& path);

void WriteHtmlOutput(const HtmlOutput& output, const std::vector<HtmlSection>& sections);

}  // namespace feedbench
