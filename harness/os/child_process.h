// Child processes: the one way feedbench starts another program.
//
// ChildProcess starts a program with fork and execve (never through a shell) and owns it until it
// is reaped. Four uses sit on it: RunChild (fio: a process group of its own, output to files, a
// time limit, descendants stopped), ProgramOutput and RunQuery (a short probe such as `fio
// --version` or one `nvidia-smi` query, its output captured), and `feedbench monitor`'s command
// (the terminal's stdin and process group, signals forwarded to it, its stdout and stderr captured
// through two pipes that monitor reads with poll and passes on, harness/os/output_relay.h). Every
// call blocks at most as its comment says; a
// ChildProcess is not thread-safe (one owner), distinct ones are independent. Errors are typed:
// SpawnError (an EnvironmentError) when a program cannot be started.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/base/errors.h"
#include "harness/base/unique_fd.h"

namespace feedbench {

// A program could not be started: not found (ENOENT), not executable (EACCES), a bad working
// directory, an output file that cannot be created. The message names the program and the cause.
class SpawnError : public EnvironmentError {
 public:
  SpawnError(const std::string& message, int error_number)
      : EnvironmentError(message), error_number_(error_number) {}
  int error_number() const { return error_number_; }  // the errno value of the cause

 private:
  int error_number_;
};

// How a child ended.
struct ChildExit {
  bool exited = false;  // true: exit_code is valid; false: term_signal is
  int exit_code = -1;
  int term_signal = 0;
  // As a shell reports it: the exit code, or 128 + the signal that killed it.
  int ShellStatus() const { return exited ? exit_code : 128 + term_signal; }
  // "exited with status 1", "killed by signal 9 (Killed)".
  std::string Describe() const;
};

struct SpawnOptions {
  // argv[0] is looked up on PATH (FindProgram) unless it contains a '/'. REQUIRES: not empty.
  std::vector<std::string> argv;
  std::filesystem::path working_dir;  // empty: the caller's
  // Each standard stream is the caller's own when nullopt (a terminal stays the terminal), else a
  // file: stdin opened for reading, stdout and stderr created or truncated ("/dev/null" discards).
  std::optional<std::filesystem::path> stdin_path;
  std::optional<std::filesystem::path> stdout_path;
  std::optional<std::filesystem::path> stderr_path;
  // stdout is a pipe whose read end is ChildProcess::stdout_fd() (stdout_path is then ignored).
  bool capture_stdout = false;
  // stderr is a pipe of its own whose read end is ChildProcess::stderr_fd() (stderr_path is then
  // ignored). Capturing both: read them together with poll (as RunQuery and OutputRelay do), never
  // one to its end before the other, or a child that fills the other pipe (64 KiB) blocks forever.
  bool capture_stderr = false;
  // "NAME=VALUE" entries put in the program's environment, replacing an inherited NAME; the rest
  // of the caller's environment is inherited as is.
  std::vector<std::string> extra_environment;
  // true: the child leads a process group of its own; Signal() and Stop() reach the whole group,
  // and a Ctrl-C typed at the terminal does not. false: it stays in the caller's group.
  bool own_process_group = false;
  // true: the child gets SIGKILL when the thread that started it dies (PR_SET_PDEATHSIG).
  bool killed_with_caller = false;
  // true: descriptors the caller left inheritable (a make jobserver, `3>file`) reach the program;
  // false: only stdin, stdout and stderr do.
  bool inherit_other_fds = false;
  // The child's signal mask; nullopt: nothing blocked.
  std::optional<sigset_t> signal_mask;
  // Signals whose disposition the child resets to SIG_DFL (an ignored signal survives exec).
  std::vector<int> default_signals{SIGINT, SIGTERM, SIGCHLD, SIGPIPE};
  // How long Stop() from the destructor waits between SIGTERM and SIGKILL.
  std::chrono::milliseconds stop_grace{5000};
};

class ChildProcess {
 public:
  // Starts the program; returns once it has exec'd. Throws SpawnError when it cannot be started
  // (the child, if one was forked, is reaped first).
  explicit ChildProcess(const SpawnOptions& options);
  // Stops (Stop(options.stop_grace)) and reaps the child if it has not been reaped.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The read end of the child's stdout when options.capture_stdout, else -1. Owned by this object
  // until taken.
  int stdout_fd() const { return stdout_read_.get(); }
  // The same for stderr (options.capture_stderr).
  int stderr_fd() const { return stderr_read_.get(); }
  // Hands the read end over to the caller (who may then close it early, so that the child's next
  // write fails with EPIPE/SIGPIPE as it would into a closed pipeline); -1 when not captured.
  UniqueFd TakeStdout() { return std::move(stdout_read_); }
  UniqueFd TakeStderr() { return std::move(stderr_read_); }
  bool reaped() const { return exit_.has_value(); }

  // Reaps the child if it has ended; never blocks. Returns how it ended, or nullopt while it runs.
  std::optional<ChildExit> TryWait();
  // Waits up to `timeout` for the child to end; nullopt when it is still running then.
  std::optional<ChildExit> WaitFor(std::chrono::milliseconds timeout);
  // Waits for the child to end, however long that takes.
  ChildExit Wait();
  // Sends `sig` to the child (its process group when it leads one). Returns false when it has
  // already been reaped (its pid may belong to another process by now) or kill fails.
  bool Signal(int sig);
  // SIGTERM, then SIGKILL if it is still running after `grace`; waits for it and reaps it.
  ChildExit Stop(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
  bool group_ = false;
  std::chrono::milliseconds stop_grace_;
  UniqueFd pidfd_;  // readable when the child ends (Linux 5.3+); -1: WaitFor polls
  UniqueFd stdout_read_;
  UniqueFd stderr_read_;
  std::optional<ChildExit> exit_;
};

// Running an external program (fio) to completion under a time limit.
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
  // "exited with status 1", "killed by signal 9 (Killed)", with " after its time limit passed".
  std::string Describe() const;
};

// The executable file `name` resolves to on $PATH, or nullopt. A name containing '/' is returned
// as is when it is an executable regular file.
std::optional<std::filesystem::path> FindProgram(std::string_view name);

// Runs the program to completion: a process group of its own, stdin from /dev/null, stdout and
// stderr to files (never mixed), only those three descriptors inherited, SIGKILL if the calling
// thread dies. While it runs its descendants are tracked (ProcessTree); when the time limit passes,
// the group and every descendant get SIGTERM, then SIGKILL after kill_grace, and the result says
// so (timed_out); descendants still running when the child exits are killed too. Inside an
// InterruptScope (harness/os/interrupt.h) a SIGINT or SIGTERM stops the child the same way within a
// quarter of a second, and RunChild then throws Interrupted. Blocking; thread-safe for distinct
// calls. Throws SpawnError when the program is not found or cannot be executed, or an output file
// cannot be created (naming the program and the errno text).
// REQUIRES: !options.argv.empty().
ChildResult RunChild(const ChildOptions& options);

// Runs a short query (`fio --version`) and returns its stdout, at most `max_bytes` of it; stdin
// and stderr are /dev/null. nullopt when the program cannot be started, exits with a non-zero
// status or a signal, or is still running after `time_limit` (then it is killed). Never throws.
std::optional<std::string> ProgramOutput(const std::vector<std::string>& argv,
                                         std::chrono::milliseconds time_limit,
                                         size_t max_bytes = 64 * 1024);

// What RunQuery saw.
struct QueryResult {
  std::optional<std::string> output;  // stdout, when the program exited 0 within the limit
  // Otherwise why not, in a few words: "not found on PATH", "exited with status 9: <the first line
  // of its stderr or stdout>", "did not answer within 5000 ms (killed)", "stopped".
  std::string failure;
};

// RunQuery's options.
struct QueryOptions {
  std::chrono::milliseconds time_limit{5000};
  size_t max_bytes = 64 * 1024;  // of stdout, and of stderr, kept; the rest is read and dropped
  // Checked every 50 ms while the program runs: true ends the query at once (the program is
  // killed; failure "stopped"). Empty: never.
  std::function<bool()> stop_requested;
};

// ProgramOutput that says why it failed: runs the program in a process group of its own, stdin
// /dev/null, stdout and stderr captured through two pipes read together with poll (so a program
// that writes much to both never blocks), and kills the group (SIGKILL) when it overruns the time
// limit or a stop is requested. Never throws.
QueryResult RunQuery(const std::vector<std::string>& argv, const QueryOptions& options);

// The last `max_bytes` of a text file (at a line start when possible), for error messages; "" when
// the file is missing or empty.
std::string TailOfFile(const std::filesystem::path& path, size_t max_bytes = 2000);

}  // namespace feedbench
