// Shell completion generated from the CLI's own definition: the CLI11 app's subcommands (nested,
// hidden ones left out), each one's flags and options, and the shipped suite names for --suite.
// Nothing is kept by hand, so a new flag or subcommand completes as soon as it is registered. Pure
// over the app; thread-compatible.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace feedbench {

// A bash completion script for `program` (`complete -F _feedbench feedbench`), whose root is `app`:
// after a command path it offers that path's subcommands and option names; after an option that
// takes a value, files (and `suite_names` too for --suite);
// after `--`, files (monitor's command).
std::string BashCompletionScript(const CLI::App& app, std::string_view program,
                                 const std::vector<std::string>& suite_names);

}  // namespace feedbench
