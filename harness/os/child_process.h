// Running an external program (fio) as a child process under a time limit.
//
// RunChild forks and execs the program in a process group of its own, with stdout and stderr sent
// to files (never mixed), waits for it, and reaps it. While it runs, its descendants are tracked
// (through /proc, since fio's job processes leave the group with setsid). When the time limit
// passes, the group and every descendant get SIGTERM, then SIGKILL after a grace period, and the
// result says so (timed_out); descendants still running when the child exits are killed too. The
// child gets SIGKILL if the thread that started it dies (PR_SET_PDEATHSIG). Blocking; thread-safe
// for distinct calls (each owns its child). Nothing is ever passed through a shell.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedbench {

struct ChildOptions {
  // argv[0] is looked up on PATH (FindProgram) unless it contains a '/'.
  std::vector<std::string> argv;
  std::filesystem::path working_dir;           // empty: the caller's
  std::filesystem::path stdout_path;           // created or truncated; empty: /dev/null
  std::filesystem::path stderr_path;           // created or truncated; empty: /dev/null
  std::chrono::milliseconds time_limit{0};     // 0: no limit
  std::chrono::milliseconds kill_grace{3000};  // SIGTERM → SIGKILL delay on overrun
};

struct ChildResult {
  bool exited = false;  // true: exit_code is valid; false: term_signal is
  int exit_code = -1;
  int term_signal = 0;
  bool timed_out = false;  // the time limit passed and the group was killed
  double wall_sec = 0;     // from start to reaping
  int orphans_killed = 0;  // descendants still running after the child exited, killed then
  bool Succeeded() const { return exited && exit_code == 0 && !timed_out; }
  // "exited with status 1", "killed by signal 9 (Killed)".
  std::string Describe() const;
};

// The executable file `name` resolves to on $PATH, or nullopt. A name containing '/' is returned
// as is when it is an executable regular file.
std::optional<std::filesystem::path> FindProgram(std::string_view name);

// Runs the child to completion. Throws EnvironmentError when the program is not found or cannot
// be executed, or an output file cannot be created (naming the program and the errno text).
// REQUIRES: !options.argv.empty().
ChildResult RunChild(const ChildOptions& options);

// The last `max_bytes` of a text file (at a line start when possible), for error messages; "" when
// the file is missing or empty.
std::string TailOfFile(const std::filesystem::path& path, size_t max_bytes = 2000);

}  // namespace feedbench
