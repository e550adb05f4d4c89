// Device resolution: which block device holds the filesystem a path lives on, and what that
// device is (partition of which disk, dm/md device over which slaves, loop device over which file).
//
// A path resolves through stat() st_dev → major:minor → <sysfs>/dev/block/MAJ:MIN; its mount (mount
// point, filesystem type, source, options) comes from /proc/self/mountinfo, longest matching mount
// point. A filesystem with no block device (tmpfs, proc, sysfs, overlay, NFS…) is a normal result:
// PathDevice::device is empty and no_device_reason says why ("no block device (tmpfs)"). Device
// names are spelt as /proc/diskstats spells them ("vda", "sda1", "loop3", "dm-0", "nvme0n1p2").
//
// The sysfs root and the mountinfo file are injectable (SystemPaths) so tests can point them at a
// fake tree. Everything reads the file system afresh on each call; there is no cached state, and
// all functions are safe to call from several threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedbench {

// Where the kernel's views of devices and mounts are read from. Defaults are the real ones.
struct SystemPaths {
  std::filesystem::path sysfs_root = "/sys";
  std::filesystem::path mountinfo = "/proc/self/mountinfo";
};

// One block device as sysfs describes it.
struct BlockDevice {
  std::string name;  // as /proc/diskstats names it: "vda", "sda1", "loop3", "dm-0"
  uint32_t major = 0;
  uint32_t minor = 0;
  // "disk", "partition", "loop", "dm" or "md". A partition of a loop device is a "partition".
  std::string kind;
  bool is_partition = false;
  std::string parent_disk;          // the whole disk of a partition ("vda"); empty otherwise
  std::vector<std::string> slaves;  // dm/md: the devices below ("sda1", "sdb1"), sorted
  std::string loop_backing_file;    // loop (or a partition of one): the file it maps
  std::string dm_name;              // dm: the mapped name ("vg0-data"); empty otherwise
  std::string md_level;             // md: the RAID level ("raid1"); empty otherwise
  std::filesystem::path sysfs_dir;  // canonical sysfs directory of this device
};

// One line of mountinfo (see proc(5)). Octal escapes (\040 for a space…) are decoded.
struct MountInfo {
  uint32_t major = 0;  // st_dev of the filesystem, as mountinfo field 3 gives it
  uint32_t minor = 0;
  std::string root;           // the directory of the filesystem mounted here ("/" unless a bind)
  std::string mount_point;    // "/", "/dev/shm", "/mnt/data"
  std::string options;        // per-mount options: "rw,relatime"
  std::string fs_type;        // "ext4", "tmpfs", "fuse.sshfs"
  std::string source;         // "/dev/vda", "tmpfs", "server:/export"
  std::string super_options;  // per-filesystem options: "rw,discard,errors=remount-ro"
};

// What backs a path.
struct PathDevice {
  std::filesystem::path path;  // canonical (symlinks resolved)
  MountInfo mount;
  std::optional<BlockDevice> device;  // empty when the filesystem has no block device
  std::string no_device_reason;       // set iff device is empty: "no block device (tmpfs)"
};

// Resolves `path` to its mount and block device. Throws UsageError naming the path when it does
// not exist or cannot be stat()ed; EnvironmentError when mountinfo cannot be read or parsed. A
// filesystem without a block device is not an error (see PathDevice::no_device_reason). For
// filesystems whose st_dev is anonymous (btrfs), the mount source is tried when it is a /dev path.
PathDevice ResolvePath(const std::filesystem::path& path, const SystemPaths& system = {});

// Looks a device up by diskstats name ("vda"), device path ("/dev/vda", "/dev/mapper/vg-x", a
// symlink is followed), or "MAJ:MIN" ("254:0"). nullopt when no such block device exists.
std::optional<BlockDevice> FindBlockDevice(std::string_view name_or_dev_path,
                                           const SystemPaths& system = {});

// The block device with this major:minor, or nullopt when sysfs has none.
std::optional<BlockDevice> BlockDeviceByNumber(uint32_t major, uint32_t minor,
                                               const SystemPaths& system = {});

// Every block device in <sysfs>/class/block (disks, their partitions, loop, dm, md, zram…),
// each whole device followed by its partitions, in name order.
std::vector<BlockDevice> ListBlockDevices(const SystemPaths& system = {});

// The /proc/diskstats name whose counters measure I/O to `path_device`'s filesystem: the device
// itself (a partition, a dm device and a loop device each have their own diskstats line, and the
// I/O of a workload on that filesystem is exactly what that line counts). nullopt when the path has
// no block device.
std::optional<std::string> DiskstatsNameFor(const PathDevice& path_device);

// Parses the text of a mountinfo file. Throws EnvironmentError naming `source_name` and the line
// when a line has fewer fields than proc(5) defines or no " - " separator.
std::vector<MountInfo> ParseMountinfo(std::string_view text,
                                      std::string_view source_name = "/proc/self/mountinfo");

// The mount holding `canonical_path`: the entry with the longest mount point that is the path or a
// directory above it; among equal mount points, the last one (the one mounted on top). nullopt when
// none matches (an empty table).
std::optional<MountInfo> FindMount(const std::vector<MountInfo>& mounts,
                                   std::string_view canonical_path);

// Decodes mountinfo's octal escapes: "/mnt/my\\040disk" → "/mnt/my disk".
std::string UnescapeMountinfo(std::string_view text);

void to_json(nlohmann::json& j, const BlockDevice& device);
void to_json(nlohmann::json& j, const MountInfo& mount);
void to_json(nlohmann::json& j, const PathDevice& path_device);

}  // namespace feedbench
