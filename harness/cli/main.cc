// feedbench: the CLI. Parses, dispatches to a subcommand, and maps typed errors to exit codes.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "harness/base/errors.h"
#include "harness/base/version.h"
#include "harness/cli/commands.h"

int main(int argc, char** argv) {
  using namespace feedbench;
  CLI::App app{
      "feedbench: benchmark and regression-test the storage that feeds deep-learning training.\n"
      "Replays data-loading workloads while sampling /proc/diskstats the way `iostat -x` does,\n"
      "measures fio's raw ceiling, and gates CI on stored baselines."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "feedbench " + std::string(FeedbenchVersion()));
  CommandAction action;
  AddRunCommand(app, action);
  AddMonitorCommand(app, action);
  AddDevicesCommand(app, action);
  AddDatasetCommand(app, action);
  AddCompareCommand(app, action);
  AddBaselineCommand(app, action);
  AddQualifyCommand(app, action);
  AddLayoutsCommand(app, action);
  AddAbCommand(app, action);
  AddFioCommand(app, action);
  AddMetricsCommand(app, action);
  AddReportCommand(app, action);
  AddCompletionCommand(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  // An empty value ("--dir ''") is never meant: refused here, once for every flag and positional,
  // rather than read as "not given" by one command and as the current directory by another.
  // monitor's command is the user's own argv, where an empty argument is theirs to pass.
  for (const CLI::App* sub = &app; sub != nullptr;) {
    const auto chosen = sub->get_subcommands();
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt->get_name() == "command") continue;
      for (const std::string& value : opt->results()) {
        if (!value.empty()) continue;
        std::fprintf(stderr, "feedbench: error: %s: an empty value; expected %s\n",
                     opt->get_name().c_str(),
                     opt->get_type_name().empty() ? "a value" : opt->get_type_name().c_str());
        return kExitBadInput;
      }
    }
    sub = chosen.empty() ? nullptr : chosen.front();
  }
  try {
    return action ? action() : kExitBadInput;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "feedbench: error: %s\n", e.what());
    return kExitBadInput;
  } catch (const EnvironmentError& e) {
    std::fprintf(stderr, "feedbench: environment: %s\n", e.what());
    return kExitEnvironment;
  } catch (const RunError& e) {
    std::fprintf(stderr, "feedbench: failed: %s\n", e.what());
    return kExitFailed;
  } catch (const Interrupted& e) {
    // As a shell reports a process the signal ended: 130 for SIGINT, 143 for SIGTERM.
    std::fprintf(stderr, "feedbench: %s\n", e.what());
    return 128 + e.signal();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "feedbench: internal error: %s\n", e.what());
    return kExitFailed;
  }
}
