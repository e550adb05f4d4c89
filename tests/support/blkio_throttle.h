// Test support: a cgroup v1 blkio cgroup that throttles reads from one block device.
//
// For root-only tests that need a slower device. Construction creates
// /sys/fs/cgroup/blkio/feedbench-test-<pid>-<n>; SetReadBps writes "MAJ:MIN BYTES" to
// blkio.throttle.read_bps_device (0 removes the limit); ShellPrefix gives a command prefix that
// moves the shell into the cgroup before it execs the rest. The destructor removes the limit and
// the cgroup, also when the test failed (processes in it must have exited by then).
#pragma once

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

namespace feedbench::testing {

class BlkioThrottle {
 public:
  static constexpr const char* kRoot = "/sys/fs/cgroup/blkio";

  static std::optional<std::string> Unavailable() {
    if (::geteuid() != 0) return "needs root (cgroup blkio throttling)";
    if (!std::filesystem::exists(std::string(kRoot) + "/blkio.throttle.read_bps_device")) {
      return "no cgroup v1 blkio controller with throttling at /sys/fs/cgroup/blkio";
    }
    return std::nullopt;
  }

  // `device` is "/dev/loop3".
  explicit BlkioThrottle(const std::string& device) {
    struct stat st {};
    if (::stat(device.c_str(), &st) != 0) throw std::runtime_error("stat " + device);
    dev_ = std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::path(kRoot) /
           ("feedbench-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directory(dir_);
  }
  ~BlkioThrottle() {
    try {
      SetReadBps(0);
    } catch (...) {
    }
    ::rmdir(dir_.c_str());
  }
  BlkioThrottle(const BlkioThrottle&) = delete;
  BlkioThrottle& operator=(const BlkioThrottle&) = delete;

  void SetReadBps(uint64_t bytes_per_sec) {
    std::ofstream out(dir_ / "blkio.throttle.read_bps_device");
    out << dev_ << " " << bytes_per_sec << "\n";
    out.flush();
    if (!out) throw std::runtime_error("cannot write the throttle for " + dev_);
  }

  // "sh -c 'echo $$ > .../cgroup.procs && exec \"$0\" \"$@\"' " : prefix a command with it.
  std::string ShellPrefix() const {
    return "sh -c 'echo $$ > " + (dir_ / "cgroup.procs").string() + " && exec \"$0\" \"$@\"' ";
  }

 private:
  std::string dev_;
  std::filesystem::path dir_;
};

}  // namespace feedbench::testing
