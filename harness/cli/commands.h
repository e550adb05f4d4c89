// The subcommands of the feedbench binary. Each Add*Command registers its CLI11 subcommand and its
// options on `app`; when that subcommand is parsed, it stores in `action` the function main() runs.
// The action returns the process exit code (see errors.h) and may throw the typed errors there.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace feedbench {

using CommandAction = std::function<int()>;

void AddRunCommand(CLI::App& app, CommandAction& action);
void AddMonitorCommand(CLI::App& app, CommandAction& action);
void AddDevicesCommand(CLI::App& app, CommandAction& action);
void AddDatasetCommand(CLI::App& app, CommandAction& action);
void AddCompareCommand(CLI::App& app, CommandAction& action);
void AddBaselineCommand(CLI::App& app, CommandAction& action);
void AddQualifyCommand(CLI::App& app, CommandAction& action);
void AddFioCommand(CLI::App& app, CommandAction& action);
void AddMetricsCommand(CLI::App& app, CommandAction& action);
void AddLayoutsCommand(CLI::App& app, CommandAction& action);
void AddAbCommand(CLI::App& app, CommandAction& action);
void AddReportCommand(CLI::App& app, CommandAction& action);
// Hidden; registered last, since it describes every other command of `app`, which it keeps.
void AddCompletionCommand(CLI::App& app, CommandAction& action);

}  // namespace feedbench
