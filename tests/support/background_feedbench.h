// Test support: the feedbench binary started in the background, for tests that signal a run.
//
// No shell in between, so a signal reaches feedbench itself (and a SIGINT is not ignored, as it is
// for a shell's background job). stdout and stderr go to one log file, which the test can poll for
// a progress line (WaitForOutput). Killed with SIGKILL and reaped if still running when destroyed,
// also when an assertion failed. Not thread-safe: one owner.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace feedbench::testing {

class BackgroundFeedbench {
 public:
  // Runs FEEDBENCH_BINARY with `args` in `cwd`, output to `log`, with the caller's environment
  // plus `extra_env` ("NAME=value" each).
  BackgroundFeedbench(const std::filesystem::path& cwd, std::vector<std::string> args,
                      std::filesystem::path log, std::vector<std::string> extra_env = {})
      : log_(std::move(log)) {
    args.insert(args.begin(), FEEDBENCH_BINARY);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
    for (std::string& e : extra_env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0 || ::chdir(cwd.c_str()) != 0) {
        ::_exit(126);
      }
      ::execve(FEEDBENCH_BINARY, argv.data(), envp.data());
      ::_exit(127);
    }
  }
  ~BackgroundFeedbench() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  BackgroundFeedbench(const BackgroundFeedbench&) = delete;
  BackgroundFeedbench& operator=(const BackgroundFeedbench&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig) const { ::kill(pid_, sig); }
  // Whether it has ended (reaping it if so).
  bool Ended() {
    if (status_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }
  // The exit status as a shell reports it (128 + signal when a signal ended it); -1 when it did
  // not end within `limit`.
  int Wait(std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!Ended()) {
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return *status_;
  }
  std::string Output() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // Polls the log until it holds `text`; false when feedbench ended or `limit` passed first.
  bool WaitForOutput(const std::string& text, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Output().find(text) != std::string::npos) return true;
      if (Ended()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace feedbench::testing
