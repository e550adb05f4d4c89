// `feedbench completion bash` (hidden): prints the bash completion script generated from this
// binary's own CLI definition and the shipped suites it finds (harness/cli/completion.h). The
// build runs it to make the completion file the package installs.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "harness/base/errors.h"
#include "harness/cli/commands.h"
#include "harness/cli/completion.h"
#include "harness/suite/suite.h"

namespace feedbench {

void AddCompletionCommand(CLI::App& app, CommandAction& action) {
  auto shell = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("completion", "Print a shell completion script");
  sub->group("");  // hidden: for packagers, not in --help
  sub->add_option("shell", *shell, "The shell")->required()->check(CLI::IsMember({"bash"}));
  // The callback holds `shell`: CLI11 writes the parsed value into it while parsing, after this
  // function has returned (a local would be gone by then). Only bash passes the option's check.
  sub->callback([&app, &action, shell] {
    static_cast<void>(shell);  // held, not read
    action = [&app] {
      fmt::print("{}", BashCompletionScript(app, "feedbench", ShippedSuiteNames()));
      return kExitOk;
    };
  });
}

}  // namespace feedbench
