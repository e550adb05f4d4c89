// Test support: a fake sysfs tree and mountinfo file in a temporary directory.
//
// Builds the parts of /sys that device resolution reads, laid out as the kernel lays them out:
// the device directories under devices/…/block/NAME (partitions inside their disk's directory),
// and the symlinks dev/block/MAJ:MIN, class/block/NAME and, for whole devices, block/NAME. Point
// SystemPaths at sysfs_root() and mountinfo(). The destructor removes everything. Not thread-safe.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include "harness/os/device.h"

namespace feedbench::testing {

class FakeSysfs {
 public:
  // `name_hint` ends up in the directory name; it may contain spaces.
  explicit FakeSysfs(const std::string& name_hint = "feedbench-sysfs") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (name_hint + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + tmpl);
    dir_ = std::filesystem::canonical(tmpl);
    std::filesystem::create_directories(dir_ / "sys" / "dev" / "block");
    std::filesystem::create_directories(dir_ / "sys" / "class" / "block");
    std::filesystem::create_directories(dir_ / "sys" / "block");
    WriteMountinfo("");
  }
  ~FakeSysfs() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeSysfs(const FakeSysfs&) = delete;
  FakeSysfs& operator=(const FakeSysfs&) = delete;

  // The temporary directory holding it all (canonical).
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path sysfs_root() const { return dir_ / "sys"; }
  std::filesystem::path mountinfo() const { return dir_ / "mountinfo"; }
  SystemPaths paths() const { return SystemPaths{sysfs_root(), mountinfo()}; }

  // A whole device at sys/<parent_dir>/<sysfs_name> with `dev` = "MAJ:MIN" and `files`
  // (relative path → content). Returns its directory.
  std::filesystem::path AddDisk(const std::string& parent_dir, const std::string& sysfs_name,
                                const std::string& dev,
                                const std::map<std::string, std::string>& files = {}) {
    const auto device_dir = sysfs_root() / parent_dir / sysfs_name;
    Populate(device_dir, dev, files);
    Link(sysfs_root() / "block" / sysfs_name, device_dir);
    return device_dir;
  }

  // A partition inside `disk_dir` (as AddDisk returned), with a `partition` file.
  std::filesystem::path AddPartition(const std::filesystem::path& disk_dir,
                                     const std::string& sysfs_name, const std::string& dev,
                                     int number,
                                     const std::map<std::string, std::string>& files = {}) {
    const auto device_dir = disk_dir / sysfs_name;
    auto with_partition = files;
    with_partition["partition"] = std::to_string(number) + "\n";
    Populate(device_dir, dev, with_partition);
    return device_dir;
  }

  // Makes <sysfs>/dev/block/MAJ:MIN point at `device_dir` (e.g. to map a real st_dev).
  void LinkNumber(const std::string& dev, const std::filesystem::path& device_dir) {
    Link(sysfs_root() / "dev" / "block" / dev, device_dir);
  }

  // `slaves/<name>` → the slave's directory, as the kernel makes them for dm and md.
  void AddSlave(const std::filesystem::path& device_dir, const std::filesystem::path& slave_dir) {
    std::filesystem::create_directories(device_dir / "slaves");
    Link(device_dir / "slaves" / slave_dir.filename(), slave_dir);
  }

  void WriteMountinfo(const std::string& text) { WriteFile(mountinfo(), text); }

  static void WriteFile(const std::filesystem::path& file, const std::string& content) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + file.string());
  }

 private:
  void Populate(const std::filesystem::path& device_dir, const std::string& dev,
                const std::map<std::string, std::string>& files) {
    std::filesystem::create_directories(device_dir);
    WriteFile(device_dir / "dev", dev + "\n");
    for (const auto& [relative, content] : files) WriteFile(device_dir / relative, content);
    LinkNumber(dev, device_dir);
    Link(sysfs_root() / "class" / "block" / device_dir.filename(), device_dir);
  }

  static void Link(const std::filesystem::path& link, const std::filesystem::path& target) {
    std::error_code ec;
    std::filesystem::remove(link, ec);
    std::filesystem::create_directory_symlink(target, link);
  }

  std::filesystem::path dir_;
};

}  // namespace feedbench::testing
