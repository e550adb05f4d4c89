// feedbench: the CLI. Parses, dispatches to a subcommand, and maps typed errors to exit codes.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <string_view>

#include "harness/base/errors.h"
#include "harness/base/version.h"
#include "harness/cli/commands.h"
#include "harness/os/mpi_world.h"

namespace {

using namespace feedbench;

// The commands that run as one job under mpirun with more than one rank.
constexpr std::array<std::string_view, 1> kMpiCommands{"run"};

struct Outcome {
  int exit_code = kExitOk;
  bool threw = false;  // the code comes from an error this rank raised
};

// Runs the chosen command and maps what it throws to an exit code, printing the message (under
// mpirun, naming this rank and its node).
Outcome Dispatch(const CommandAction& action, const MpiWorld& world) {
  const std::string who = world.Size() > 1 ? world.Describe() + ": " : "";
  try {
    return {action ? action() : kExitBadInput, false};
  } catch (const UsageError& e) {
    std::fprintf(stderr, "feedbench: %serror: %s\n", who.c_str(), e.what());
    return {kExitBadInput, true};
  } catch (const EnvironmentError& e) {
    std::fprintf(stderr, "feedbench: %senvironment: %s\n", who.c_str(), e.what());
    return {kExitEnvironment, true};
  } catch (const RunError& e) {
    std::fprintf(stderr, "feedbench: %sfailed: %s\n", who.c_str(), e.what());
    return {kExitFailed, true};
  } catch (const Interrupted& e) {
    // As a shell reports a process the signal ended: 130 for SIGINT, 143 for SIGTERM.
    std::fprintf(stderr, "feedbench: %s%s\n", who.c_str(), e.what());
    return {128 + e.signal(), true};
  } catch (const std::exception& e) {
    std::fprintf(stderr, "feedbench: %sinternal error: %s\n", who.c_str(), e.what());
    return {kExitFailed, true};
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Under mpirun (its environment says so) MPI starts here; alone, no MPI call is made.
  MpiWorld* started = nullptr;
  try {
    started = &MpiWorld::Start(&argc, &argv);
  } catch (const EnvironmentError& e) {
    std::fprintf(stderr, "feedbench: environment: %s\n", e.what());
    return kExitEnvironment;
  }
  MpiWorld& world = *started;
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
  if (world.Size() > 1) {
    const std::string command = app.get_subcommands().front()->get_name();
    if (std::find(kMpiCommands.begin(), kMpiCommands.end(), command) == kMpiCommands.end()) {
      // Every rank knows: rank 0 says it, and every rank ends alike.
      if (world.Rank() == 0) {
        std::fprintf(stderr, "feedbench: error: %s: does not run as %d MPI ranks (mpirun -np %d)\n",
                     command.c_str(), world.Size(), world.Size());
      }
      return kExitBadInput;
    }
  }
  const Outcome outcome = Dispatch(action, world);
  // An error on one rank ends the job on every rank (its clean-up has run): the others may be
  // waiting for it at a barrier.
  if (outcome.threw && world.Size() > 1) world.Abort(outcome.exit_code);
  return outcome.exit_code;
}
