// `feedbench run`: not built yet; says so plainly.
#include <cstdio>

#include "harness/commands.h"
#include "harness/errors.h"

namespace feedbench {

void AddRunCommand(CLI::App& app, CommandAction& action) {
  auto* sub = app.add_subcommand("run", "Run a benchmark suite (not built yet)");
  sub->allow_extras();
  sub->callback([&action] {
    action = [] {
      std::fprintf(stderr, "feedbench run: not built yet; no results were produced\n");
      return static_cast<int>(kExitBadInput);
    };
  });
}

}  // namespace feedbench
