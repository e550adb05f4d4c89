// `feedbench report FILE... --html OUT`: one HTML page from files feedbench wrote — monitor
// JSON, run results, comparisons, qualifications, recognised by their content — one section per
// file, in the order given. Exit 0 written, 2 bad input (a file that is not one of those, an
// unwritable OUT: checked before anything is read), 3 Chart.js missing.
#include <fmt/format.h>

#include <memory>

#include "harness/cli/commands.h"
#include "harness/cli/html_output.h"
#include "harness/report/report_input.h"

namespace feedbench {
namespace {

struct ReportArgs {
  std::vector<std::string> files;
  std::string html;
};

int RunReport(const ReportArgs& args) {
  const std::optional<HtmlOutput> output = CheckHtmlOutput(args.html);
  std::vector<HtmlSection> sections;
  for (const std::string& file : args.files) sections.push_back(ReadReportInput(file));
  WriteHtmlOutput(*output, sections);
  fmt::print("{}\n", args.html);
  return 0;
}

}  // namespace

void AddReportCommand(CLI::App& app, CommandAction& action) {
  auto args = std::make_shared<ReportArgs>();
  auto* sub = app.add_subcommand(
      "report",
      "Render files feedbench wrote as one self-contained HTML page, a section per file: a\n"
      "monitor JSON (device timelines, phases, accelerator, diagnosis, log), run results\n"
      "(repetitions' spread, efficiency, device timeline), a comparison (ratio in its threshold\n"
      "band, verdicts) or a qualification (candidate vs reference). Recognised by content.\n"
      "Exit 0 written, 2 bad input (not a feedbench file, unwritable --html), 3 Chart.js\n"
      "(libjs-chart.js) missing.");
  sub->add_option("files", args->files,
                  "monitor --json, run results, compare --json or qualify --json files")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--html", args->html, "The HTML page to write (atomically)")->required();
  sub->callback([&action, args] { action = [args] { return RunReport(*args); }; });
}

}  // namespace feedbench
