#include "harness/os/data_dir.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "harness/base/errors.h"

namespace feedbench {
namespace fs = std::filesystem;

fs::path DefaultDataDir() {
  const char* tmp = std::getenv("TMPDIR");
  // /var/tmp, not /tmp, without TMPDIR: /tmp is a tmpfs on many distributions, where a cold run
  // cannot prove it read a device (and is refused); /var/tmp is on disk by convention (FHS).
  const fs::path base = (tmp != nullptr && *tmp != '\0') ? fs::path(tmp) : fs::path("/var/tmp");
  return base / "feedbench-data";
}

std::optional<std::string> MemoryFilesystemOf(const fs::path& path, const SystemPaths& system) {
  std::error_code ec;
  fs::path existing = fs::absolute(path, ec);
  if (ec) existing = path;
  while (!fs::exists(existing, ec) && existing.has_parent_path() &&
         existing != existing.parent_path()) {
    existing = existing.parent_path();
  }
  const PathDevice resolved = ResolvePath(existing, system);
  if (resolved.device) return std::nullopt;
  const std::string& type = resolved.mount.fs_type;
  if (type == "tmpfs" || type == "ramfs") return type;
  return std::nullopt;
}

DataDir::DataDir(const fs::path& path, std::string_view flag) : path_(fs::absolute(path)) {
  std::error_code ec;
  const fs::path marker = path_ / kDataDirMarker;
  if (!fs::exists(path_, ec)) {
    // The highest directory this run makes: what it removes again when it leaves them empty.
    created_top_ = path_;
    while (created_top_.has_parent_path() && created_top_.parent_path() != created_top_ &&
           !fs::exists(created_top_.parent_path(), ec)) {
      created_top_ = created_top_.parent_path();
    }
    if (!fs::create_directories(path_, ec)) {
      throw EnvironmentError(fmt::format("{} {}: cannot create the directory: {}", flag,
                                         path_.string(), ec.message()));
    }
    created_ = true;
  } else if (!fs::is_directory(path_, ec)) {
    throw UsageError(fmt::format("{} {}: not a directory", flag, path_.string()));
  } else if (!fs::exists(marker, ec) && !fs::is_empty(path_, ec)) {
    throw UsageError(fmt::format(
        "{} {}: a non-empty directory that feedbench did not create (no {} marker); "
        "refusing to write into or delete somebody else's data — pass an empty or new directory",
        flag, path_.string(), kDataDirMarker));
  }
  try {
    lock_.emplace(marker, FileLock::Mode::kExclusive, FileLock::Open::kCreate);
  } catch (const FileLockError& e) {
    RemoveIfEmptyAndOurs();  // refused: nothing of this run's is left behind
    if (!e.busy()) {
      throw EnvironmentError(fmt::format("{} {}: cannot create {}: {}", flag, path_.string(),
                                         kDataDirMarker, std::strerror(e.error_number())));
    }
    throw EnvironmentError(
        fmt::format("{} {}: another feedbench run is using this data directory (locked){}", flag,
                    path_.string(), e.holder().empty() ? "" : "; held by " + e.holder()));
  }
  static constexpr std::string_view kNote =
      "This directory holds feedbench datasets. feedbench may delete what it generated here.\n";
  if (::ftruncate(lock_->fd(), 0) == 0) {
    [[maybe_unused]] const ssize_t n = ::write(lock_->fd(), kNote.data(), kNote.size());
  }
}

bool DataDir::RemoveIfEmptyAndOurs() {
  if (!created_) return false;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path_, ec)) {
    if (entry.path().filename() != kDataDirMarker) return false;
  }
  fs::remove(path_ / kDataDirMarker, ec);
  if (!fs::remove(path_, ec)) return false;
  created_ = false;
  // The parents this run made for it, while empty (fs::remove leaves a non-empty one).
  for (fs::path dir = path_; dir != created_top_ && dir.has_parent_path();) {
    dir = dir.parent_path();
    if (!fs::remove(dir, ec)) break;
  }
  return true;
}

}  // namespace feedbench
