// `feedbench monitor`: placeholder until the sampler lands.
#include "harness/commands.h"
#include "harness/errors.h"

namespace feedbench {

void AddMonitorCommand(CLI::App& app, CommandAction& action) {
  auto* sub = app.add_subcommand("monitor", "Sample block devices like iostat -x");
  sub->callback([&action] {
    action = [] { throw UsageError("monitor: not built yet"); return 0; };
  });
}

}  // namespace feedbench
