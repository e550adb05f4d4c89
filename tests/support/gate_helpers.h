// Helpers shared by the regression-gate tests: a scratch directory removed on scope exit, running
// the built feedbench binary (or any shell command) and capturing its exit code and output, and
// (gate_fixtures.h) reading/writing the hand-made fixtures under tests/fixtures/gate/.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "tests/support/gate_fixtures.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace feedbench::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class ScratchDir : public TempDir {
 public:
  ScratchDir() : TempDir(EnvTmpDir()) {}

 private:
  static std::filesystem::path EnvTmpDir() {
    const char* base = std::getenv("TMPDIR");
    return base && *base ? base : "/tmp";
  }
};

// RunCommand (stdout and stderr captured together), but a shell that cannot be started at all
// throws instead of reporting exit code -1.
inline CommandResult RunShell(const std::string& command) {
  CommandResult result = RunCommand(command);
  if (result.exit_code == -1) throw std::runtime_error("popen failed");
  return result;
}

// Runs the built feedbench binary with `args` (already quoted where needed).
inline CommandResult RunFeedbench(const std::string& args) {
  return RunShell(ShellQuote(FEEDBENCH_BINARY) + " " + args);
}

}  // namespace feedbench::testing
