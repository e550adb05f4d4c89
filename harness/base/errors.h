// Typed errors of feedbench and the exit codes they map to.
//
// Library code throws these; only the CLI (harness/main.cc) catches them, prints the message and
// exits with the code. A message names the file, key or flag and what was expected.
#pragma once

#include <stdexcept>
#include <string>

namespace feedbench {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,       // a workload failed, or compare found a regression
  kExitBadInput = 2,     // bad CLI value, suite, baseline or results file
  kExitEnvironment = 3,  // no space, no permission, a missing tool
  // The regression gate could not judge a gated row (NOISY, UNCERTAIN, too few repetitions or
  // baseline runs) and nothing failed: not a pass. `--allow-inconclusive` makes it 0.
  kExitInconclusive = 4,
};

// Bad input from the user: flag values, files they passed. Exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The machine cannot do what was asked: no space, no permission, fio missing. Exit 3.
class EnvironmentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Work that ran and failed: verification error, I/O error during a workload. Exit 1.
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// SIGINT or SIGTERM stopped work that stops cleanly (harness/os/interrupt.h). The message says
// what was interrupted and what was removed. Exit 128 + the signal: 130, 143.
class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal, const std::string& message)
      : std::runtime_error(message), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

}  // namespace feedbench
