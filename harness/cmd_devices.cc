// `feedbench devices`: placeholder until device resolution lands.
#include "harness/commands.h"
#include "harness/errors.h"

namespace feedbench {

void AddDevicesCommand(CLI::App& app, CommandAction& action) {
  auto* sub = app.add_subcommand("devices", "Show the block device behind each path");
  sub->callback([&action] {
    action = [] { throw UsageError("devices: not built yet"); return 0; };
  });
}

}  // namespace feedbench
