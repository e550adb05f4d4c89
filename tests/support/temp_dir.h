// Test support: a temporary directory removed with everything in it when the test ends (RAII, so
// also when an assertion fails). Not copyable; one owner.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace feedbench::testing {

class TempDir {
 public:
  // `parent`: where to make it ("/var/tmp" for a disk-backed one, "/dev/shm" for tmpfs).
  explicit TempDir(const std::filesystem::path& parent = "/var/tmp") {
    std::string tmpl = (parent / "feedbench-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed in " + parent.string());
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    // A test may have made the directory read-only; give it back so it can be removed.
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace feedbench::testing
