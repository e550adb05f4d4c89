// Test support: an ext4 filesystem on a loop device, mounted in a temporary directory.
//
// For root-only integration tests. Construction makes a sparse image file, attaches it with
// `losetup --find --show`, formats it with mkfs.ext4 and mounts it; the destructor unmounts,
// detaches and removes everything it made, also when the test failed half-way (each step is undone
// only if it was done). `Available()` says whether the machine allows it at all (root, losetup,
// mkfs.ext4) and why not; tests call GTEST_SKIP() with that reason.
#pragma once

#include <sys/mount.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "tests/support/subprocess.h"

namespace feedbench::testing {

// Runs a shell command (RunCommand: stderr merged), returns its output trimmed; throws on a
// non-zero exit or a shell that cannot start.
inline std::string ShellOutput(const std::string& command) {
  CommandResult r = RunCommand(command);
  while (!r.output.empty() && (r.output.back() == '\n' || r.output.back() == ' ')) {
    r.output.pop_back();
  }
  if (r.exit_code != 0) throw std::runtime_error("command failed: " + command + ": " + r.output);
  return r.output;
}

class LoopExt4 {
 public:
  // Why a loop filesystem cannot be made here, or nullopt when it can.
  static std::optional<std::string> Unavailable() {
    if (::geteuid() != 0) return "needs root (loop devices and mount)";
    if (std::system("command -v losetup >/dev/null 2>&1 && command -v mkfs.ext4 >/dev/null 2>&1") !=
        0) {
      return "losetup or mkfs.ext4 not installed";
    }
    if (!std::filesystem::exists("/dev/loop-control")) return "no /dev/loop-control";
    return std::nullopt;
  }

  // `direct_io`: the loop device reads its image with O_DIRECT (losetup --direct-io=on), so that
  // its requests reach the disk under it, and a blkio throttle there (the loop device's workers
  // charge the cgroup of the process that made the request) keeps them in flight, as on a slow
  // disk. Without it they are served from the page cache.
  explicit LoopExt4(uint64_t size_mib = 256, bool direct_io = false) {
    char tmpl[] = "/var/tmp/feedbench-loop-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    image_ = dir_ / "image.ext4";
    mount_point_ = dir_ / "mnt";
    try {
      std::filesystem::create_directory(mount_point_);
      ShellOutput("truncate -s " + std::to_string(size_mib) + "M " + image_.string());
      device_ = ShellOutput(std::string("losetup --find --show ") +
                            (direct_io ? "--direct-io=on " : "") + image_.string());
      ShellOutput("mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 " + device_);
      ShellOutput("mount -t ext4 " + device_ + " " + mount_point_.string());
      mounted_ = true;
    } catch (...) {
      Cleanup();
      throw;
    }
  }
  ~LoopExt4() { Cleanup(); }
  LoopExt4(const LoopExt4&) = delete;
  LoopExt4& operator=(const LoopExt4&) = delete;

  const std::filesystem::path& mount_point() const { return mount_point_; }
  const std::filesystem::path& image() const { return image_; }
  // "/dev/loop3"
  const std::string& device() const { return device_; }
  // "loop3", as /proc/diskstats names it
  std::string name() const { return std::filesystem::path(device_).filename().string(); }

 private:
  void Cleanup() {
    if (mounted_) {
      if (::umount2(mount_point_.c_str(), 0) != 0) ::umount2(mount_point_.c_str(), MNT_DETACH);
      mounted_ = false;
    }
    if (!device_.empty()) {
      std::system(("losetup -d " + device_ + " >/dev/null 2>&1").c_str());
      device_.clear();
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path dir_, image_, mount_point_;
  std::string device_;
  bool mounted_ = false;
};

}  // namespace feedbench::testing
