// Test support: an ext4 filesystem on a loop device, mounted in a temporary directory.
//
// For root-only integration tests. Construction makes a sparse image file, attaches it with
// `losetup --find --show`, formats it with mkfs.ext4 and mounts it; the destructor unmounts, detaches
// and removes everything it made, also when the test failed half-way (each step is undone only if it
// was done). `Available()` says whether the machine allows it at all (root, losetup, mkfs.ext4) and
// why not; tests call GTEST_SKIP() with that reason.
#pragma once

#include <sys/mount.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace feedbench::testing {

// Runs a shell command, returns its stdout (trimmed); throws on a non-zero exit.
inline std::string RunShell(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (status != 0) throw std::runtime_error("command failed: " + command + ": " + out);
  return out;
}

class LoopExt4 {
 public:
  // Why a loop filesystem cannot be made here, or nullopt when it can.
  static std::optional<std::string> Unavailable() {
    if (::geteuid() != 0) return "needs root (loop devices and mount)";
    if (std::system("command -v losetup >/dev/null 2>&1 && command -v mkfs.ext4 >/dev/null 2>&1") != 0) {
      return "losetup or mkfs.ext4 not installed";
    }
    if (!std::filesystem::exists("/dev/loop-control")) return "no /dev/loop-control";
    return std::nullopt;
  }

  explicit LoopExt4(uint64_t size_mib = 256) {
    char tmpl[] = "/var/tmp/feedbench-loop-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    image_ = dir_ / "image.ext4";
    mount_point_ = dir_ / "mnt";
    try {
      std::filesystem::create_directory(mount_point_);
      RunShell("truncate -s " + std::to_string(size_mib) + "M " + image_.string());
      device_ = RunShell("losetup --find --show " + image_.string());
      RunShell("mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 " + device_);
      RunShell("mount -t ext4 " + device_ + " " + mount_point_.string());
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
