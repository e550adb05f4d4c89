#include "harness/os/device.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>

#include "harness/base/errors.h"
#include "harness/base/text.h"
#include "harness/os/sysfs.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

bool ParseUint32(std::string_view text, uint32_t& value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

// "254:0" → (254, 0).
bool ParseMajorMinor(std::string_view text, uint32_t& major_number, uint32_t& minor_number) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  return ParseUint32(text.substr(0, colon), major_number) &&
         ParseUint32(text.substr(colon + 1), minor_number);
}

// sysfs spells a '/' in a device name as '!' ("cciss!c0d0"); /proc/diskstats keeps the '/'.
std::string DiskstatsSpelling(std::string sysfs_name) {
  std::replace(sysfs_name.begin(), sysfs_name.end(), '!', '/');
  return sysfs_name;
}
std::string SysfsSpelling(std::string name) {
  std::replace(name.begin(), name.end(), '/', '!');
  return name;
}

std::optional<BlockDevice> BlockDeviceFromSysfsDir(const fs::path& dir) {
  std::error_code ec;
  const fs::path canonical = fs::canonical(dir, ec);
  if (ec) return std::nullopt;
  const auto dev = ReadSysfsAttribute(canonical / "dev");
  BlockDevice device;
  if (!dev || !ParseMajorMinor(*dev, device.major, device.minor)) return std::nullopt;
  device.sysfs_dir = canonical;
  device.name = DiskstatsSpelling(canonical.filename().string());
  device.is_partition = fs::exists(canonical / "partition", ec);
  if (device.is_partition) {
    device.parent_disk = DiskstatsSpelling(canonical.parent_path().filename().string());
  }
  if (fs::is_directory(canonical / "slaves", ec)) {
    for (const auto& entry : fs::directory_iterator(canonical / "slaves", ec)) {
      device.slaves.push_back(DiskstatsSpelling(entry.path().filename().string()));
    }
    std::sort(device.slaves.begin(), device.slaves.end());
  }
  // A partition of a loop device (loop0p1) maps a part of its disk's backing file.
  const fs::path loop_dir = (device.is_partition ? canonical.parent_path() : canonical) / "loop";
  if (fs::is_directory(loop_dir, ec)) {
    device.loop_backing_file = ReadSysfsAttribute(loop_dir / "backing_file").value_or("");
  }
  if (fs::is_directory(canonical / "dm", ec)) {
    device.dm_name = ReadSysfsAttribute(canonical / "dm" / "name").value_or("");
  }
  if (fs::is_directory(canonical / "md", ec)) {
    device.md_level = ReadSysfsAttribute(canonical / "md" / "level").value_or("");
  }
  constexpr uint32_t kLoopMajor = 7;  // fixed in the kernel (include/uapi/linux/major.h)
  if (device.is_partition) {
    device.kind = "partition";
  } else if (fs::is_directory(loop_dir, ec) || device.major == kLoopMajor) {
    device.kind = "loop";
  } else if (fs::is_directory(canonical / "dm", ec)) {
    device.kind = "dm";
  } else if (fs::is_directory(canonical / "md", ec)) {
    device.kind = "md";
  } else {
    device.kind = "disk";
  }
  return device;
}

// Natural order, so that loop2 sorts before loop10.
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t i_end = i, j_end = j;
      while (i_end < a.size() && std::isdigit(static_cast<unsigned char>(a[i_end]))) ++i_end;
      while (j_end < b.size() && std::isdigit(static_cast<unsigned char>(b[j_end]))) ++j_end;
      const std::string_view da(a.data() + i, i_end - i), db(b.data() + j, j_end - j);
      // Compare digit runs by value: a longer run (leading zeros aside) is larger.
      const auto strip = [](std::string_view d) {
        const auto nz = d.find_first_not_of('0');
        return nz == std::string_view::npos ? std::string_view{} : d.substr(nz);
      };
      const auto sa = strip(da), sb = strip(db);
      if (sa.size() != sb.size()) return sa.size() < sb.size();
      if (sa != sb) return sa < sb;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

}  // namespace

std::string UnescapeMountinfo(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    // The kernel escapes space, tab, newline and backslash as \ooo (three octal digits).
    const auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
    if (text[i] == '\\' && i + 3 < text.size() && is_octal(text[i + 1]) && is_octal(text[i + 2]) &&
        is_octal(text[i + 3])) {
      out.push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                      (text[i + 3] - '0')));
      i += 3;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

std::vector<MountInfo> ParseMountinfo(std::string_view text, std::string_view source_name) {
  std::vector<MountInfo> mounts;
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (Trim(line, kLineWhitespace).empty()) continue;
    std::vector<std::string_view> fields;
    size_t pos = 0;
    while (pos < line.size()) {
      const auto space = line.find(' ', pos);
      const auto stop = space == std::string_view::npos ? line.size() : space;
      if (stop > pos) fields.push_back(line.substr(pos, stop - pos));
      pos = stop + 1;
    }
    const auto bad = [&](std::string_view why) {
      return EnvironmentError(
          fmt::format("{} line {}: {} (expected \"ID PARENT MAJ:MIN ROOT "
                      "MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE "
                      "SUPER_OPTIONS\")",
                      source_name, line_number, why));
    };
    // Fields 0-5 are fixed, then zero or more optional fields, then "-", then three more.
    const auto separator = std::find(fields.begin() + std::min<size_t>(fields.size(), 6),
                                     fields.end(), std::string_view("-"));
    if (fields.size() < 6 || separator == fields.end()) throw bad("no \" - \" separator");
    if (fields.end() - separator < 3) throw bad("missing fields after \" - \"");
    MountInfo mount;
    if (!ParseMajorMinor(fields[2], mount.major, mount.minor)) {
      throw bad(fmt::format("\"{}\" is not MAJ:MIN", fields[2]));
    }
    mount.root = UnescapeMountinfo(fields[3]);
    mount.mount_point = UnescapeMountinfo(fields[4]);
    mount.options = UnescapeMountinfo(fields[5]);
    mount.fs_type = UnescapeMountinfo(*(separator + 1));
    mount.source = UnescapeMountinfo(*(separator + 2));
    // Super options may be absent on a few pseudo filesystems in old kernels.
    mount.super_options =
        fields.end() - separator >= 4 ? UnescapeMountinfo(*(separator + 3)) : std::string();
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

std::optional<MountInfo> FindMount(const std::vector<MountInfo>& mounts,
                                   std::string_view canonical_path) {
  const MountInfo* best = nullptr;
  for (const auto& mount : mounts) {
    const std::string_view point = mount.mount_point;
    const bool contains =
        point == "/" || canonical_path == point ||
        (canonical_path.size() > point.size() && canonical_path.substr(0, point.size()) == point &&
         canonical_path[point.size()] == '/');
    // ">=": a later entry on the same mount point was mounted on top of the earlier one.
    if (contains && (best == nullptr || point.size() >= best->mount_point.size())) best = &mount;
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::optional<BlockDevice> BlockDeviceByNumber(uint32_t major_number, uint32_t minor_number,
                                               const SystemPaths& system) {
  const fs::path link =
      system.sysfs_root / "dev" / "block" / fmt::format("{}:{}", major_number, minor_number);
  std::error_code ec;
  if (!fs::exists(link, ec)) return std::nullopt;
  return BlockDeviceFromSysfsDir(link);
}

std::optional<BlockDevice> FindBlockDevice(std::string_view name_or_dev_path,
                                           const SystemPaths& system) {
  std::string name(Trim(name_or_dev_path, kLineWhitespace));
  uint32_t major_number = 0, minor_number = 0;
  if (ParseMajorMinor(name, major_number, minor_number)) {
    return BlockDeviceByNumber(major_number, minor_number, system);
  }
  if (!name.empty() && name.front() == '/') {
    struct stat st {};
    if (::stat(name.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
      return BlockDeviceByNumber(major(st.st_rdev), minor(st.st_rdev), system);
    }
    if (name.rfind("/dev/", 0) != 0) return std::nullopt;
    name = name.substr(5);
  }
  if (name.empty() || name == "." || name == "..") return std::nullopt;
  const fs::path dir = system.sysfs_root / "class" / "block" / SysfsSpelling(name);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return std::nullopt;
  return BlockDeviceFromSysfsDir(dir);
}

std::vector<BlockDevice> ListBlockDevices(const SystemPaths& system) {
  std::vector<BlockDevice> devices;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(system.sysfs_root / "class" / "block", ec)) {
    if (auto device = BlockDeviceFromSysfsDir(entry.path())) devices.push_back(std::move(*device));
  }
  // Each whole device, then its partitions by partition number (minor).
  std::sort(devices.begin(), devices.end(), [](const BlockDevice& a, const BlockDevice& b) {
    const std::string& group_a = a.is_partition ? a.parent_disk : a.name;
    const std::string& group_b = b.is_partition ? b.parent_disk : b.name;
    if (group_a != group_b) return NaturalLess(group_a, group_b);
    if (a.is_partition != b.is_partition) return !a.is_partition;
    return a.minor < b.minor;
  });
  return devices;
}

PathDevice ResolvePath(const fs::path& path, const SystemPaths& system) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      throw UsageError(fmt::format("path does not exist: {}", path.string()));
    }
    throw UsageError(fmt::format("cannot stat {}: {}", path.string(), std::strerror(error)));
  }
  PathDevice result;
  std::error_code ec;
  result.path = fs::canonical(path, ec);
  if (ec) result.path = fs::absolute(path);

  std::ifstream in(system.mountinfo);
  if (!in) {
    throw EnvironmentError(
        fmt::format("cannot read {}: {}", system.mountinfo.string(), std::strerror(errno)));
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto mounts = ParseMountinfo(text, system.mountinfo.string());
  if (auto mount = FindMount(mounts, result.path.string())) result.mount = std::move(*mount);

  result.device = BlockDeviceByNumber(major(st.st_dev), minor(st.st_dev), system);
  // btrfs and some others give each filesystem an anonymous st_dev (major 0); the mount source
  // then names the real device.
  if (!result.device && result.mount.source.rfind("/dev/", 0) == 0) {
    result.device = FindBlockDevice(result.mount.source, system);
  }
  if (!result.device) {
    const std::string fs_type =
        result.mount.fs_type.empty() ? "filesystem type unknown" : result.mount.fs_type;
    if (major(st.st_dev) == 0) {
      result.no_device_reason = fmt::format("no block device ({})", fs_type);
    } else {
      result.no_device_reason =
          fmt::format("no block device ({}; st_dev {}:{} is not in {})", fs_type, major(st.st_dev),
                      minor(st.st_dev), (system.sysfs_root / "dev" / "block").string());
    }
  }
  return result;
}

std::optional<std::string> DiskstatsNameFor(const PathDevice& path_device) {
  if (!path_device.device) return std::nullopt;
  return path_device.device->name;
}

void to_json(nlohmann::json& j, const BlockDevice& device) {
  j = nlohmann::json{{"name", device.name},
                     {"major", device.major},
                     {"minor", device.minor},
                     {"kind", device.kind},
                     {"is_partition", device.is_partition},
                     {"parent_disk", device.parent_disk},
                     {"slaves", device.slaves},
                     {"loop_backing_file", device.loop_backing_file},
                     {"dm_name", device.dm_name},
                     {"md_level", device.md_level},
                     {"sysfs_dir", device.sysfs_dir.string()}};
}

void to_json(nlohmann::json& j, const MountInfo& mount) {
  j = nlohmann::json{{"mount_point", mount.mount_point},
                     {"fs_type", mount.fs_type},
                     {"source", mount.source},
                     {"options", mount.options},
                     {"super_options", mount.super_options},
                     {"root", mount.root},
                     {"major", mount.major},
                     {"minor", mount.minor}};
}

void to_json(nlohmann::json& j, const PathDevice& path_device) {
  j = nlohmann::json{{"path", path_device.path.string()}, {"mount", path_device.mount}};
  if (path_device.device) {
    j["device"] = *path_device.device;
  } else {
    j["device"] = nullptr;
  }
  j["no_device_reason"] = path_device.no_device_reason;
  const auto diskstats_name = DiskstatsNameFor(path_device);
  j["diskstats_name"] = diskstats_name ? nlohmann::json(*diskstats_name) : nlohmann::json(nullptr);
}

}  // namespace feedbench
