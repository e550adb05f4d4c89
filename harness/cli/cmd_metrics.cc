// `feedbench metrics [--json]`: every figure feedbench writes, from the metric registry.
#include <fmt/format.h>

#include <memory>

#include "harness/base/errors.h"
#include "harness/cli/commands.h"
#include "harness/report/metrics_report.h"

namespace feedbench {

void AddMetricsCommand(CLI::App& app, CommandAction& action) {
  auto json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand(
      "metrics",
      "List every figure feedbench writes: counter name, unit, which way is better, the gate\n"
      "tolerance that applies, and what it measures for the reader and for fio.");
  sub->add_flag("--json", *json, "As JSON");
  sub->callback([&action, json] {
    action = [json] {
      if (*json) {
        fmt::print("{}\n", MetricsToJson(KnownMetrics()).dump(2));
      } else {
        fmt::print("{}", RenderMetricsTable(KnownMetrics()));
      }
      return kExitOk;
    };
  });
}

}  // namespace feedbench
