#include "harness/os/device.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/blkpg.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/base/errors.h"
#include "harness/measure/fingerprint.h"
#include "tests/support/fake_sysfs.h"
#include "tests/support/loop_ext4.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::FakeSysfs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// ---- a fake sysfs tree shaped like a real one ----

class FakeTree : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string pci = "devices/pci0000:00/0000:00:05.0/host0/target0:0:0/0:0:0:0/block";
    sdx_ = sysfs_.AddDisk(pci, "sdx", "8:16", {{"size", "2097152\n"}});
    sdx1_ = sysfs_.AddPartition(sdx_, "sdx1", "8:17", 1, {{"size", "1024\n"}});
    sdx2_ = sysfs_.AddPartition(sdx_, "sdx2", "8:18", 2);
    sdy_ = sysfs_.AddDisk(pci, "sdy", "8:32");
    sdy1_ = sysfs_.AddPartition(sdy_, "sdy1", "8:33", 1);
    dm_ = sysfs_.AddDisk("devices/virtual/block", "dm-7", "253:7", {{"dm/name", "vg0-data\n"}});
    sysfs_.AddSlave(dm_, sdy1_);
    sysfs_.AddSlave(dm_, sdx2_);
    md_ = sysfs_.AddDisk("devices/virtual/block", "md9", "9:9", {{"md/level", "raid1\n"}});
    sysfs_.AddSlave(md_, sdx1_);
    sysfs_.AddSlave(md_, sdy1_);
    loop_ = sysfs_.AddDisk("devices/virtual/block", "loop42", "7:42",
                           {{"loop/backing_file", "/var/lib/images/disk one.img\n"}});
    sysfs_.AddPartition(loop_, "loop42p1", "259:3", 1);
    sysfs_.AddDisk("devices/virtual/block", "loop10", "7:10");
    sysfs_.AddDisk("devices/virtual/block", "loop2", "7:2");
    sysfs_.AddDisk("devices/pci0000:00/cciss0/block", "cciss!c0d0", "104:0");
  }

  FakeSysfs sysfs_;
  fs::path sdx_, sdx1_, sdx2_, sdy_, sdy1_, dm_, md_, loop_;
};

TEST_F(FakeTree, PartitionNamesItsParentDisk) {
  const auto device = FindBlockDevice("sdx1", sysfs_.paths());
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->name, "sdx1");
  EXPECT_EQ(device->major, 8u);
  EXPECT_EQ(device->minor, 17u);
  EXPECT_TRUE(device->is_partition);
  EXPECT_EQ(device->kind, "partition");
  EXPECT_EQ(device->parent_disk, "sdx");
  EXPECT_TRUE(device->slaves.empty());
  EXPECT_EQ(device->sysfs_dir, sdx1_);
}

TEST_F(FakeTree, WholeDiskIsNotAPartition) {
  const auto device = FindBlockDevice("sdx", sysfs_.paths());
  ASSERT_TRUE(device.has_value());
  EXPECT_FALSE(device->is_partition);
  EXPECT_EQ(device->kind, "disk");
  EXPECT_EQ(device->parent_disk, "");
}

TEST_F(FakeTree, FindsByDevPathAndByMajorMinor) {
  const auto by_path = FindBlockDevice("/dev/sdx1", sysfs_.paths());
  ASSERT_TRUE(by_path.has_value());
  EXPECT_EQ(by_path->name, "sdx1");
  const auto by_number = FindBlockDevice("8:33", sysfs_.paths());
  ASSERT_TRUE(by_number.has_value());
  EXPECT_EQ(by_number->name, "sdy1");
  const auto by_function = BlockDeviceByNumber(253, 7, sysfs_.paths());
  ASSERT_TRUE(by_function.has_value());
  EXPECT_EQ(by_function->name, "dm-7");
}

TEST_F(FakeTree, UnknownDeviceIsNullopt) {
  EXPECT_FALSE(FindBlockDevice("sdq", sysfs_.paths()).has_value());
  EXPECT_FALSE(FindBlockDevice("/dev/sdq", sysfs_.paths()).has_value());
  EXPECT_FALSE(FindBlockDevice("8:99", sysfs_.paths()).has_value());
  EXPECT_FALSE(FindBlockDevice("", sysfs_.paths()).has_value());
  EXPECT_FALSE(FindBlockDevice("..", sysfs_.paths()).has_value());
  EXPECT_FALSE(FindBlockDevice("/etc/hostname", sysfs_.paths()).has_value());
}

TEST_F(FakeTree, DmDeviceListsItsSlavesSorted) {
  const auto device = FindBlockDevice("dm-7", sysfs_.paths());
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->kind, "dm");
  EXPECT_EQ(device->dm_name, "vg0-data");
  EXPECT_THAT(device->slaves, ElementsAre("sdx2", "sdy1"));
  EXPECT_FALSE(device->is_partition);
}

TEST_F(FakeTree, MdDeviceListsItsSlavesAndLevel) {
  const auto device = FindBlockDevice("md9", sysfs_.paths());
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->kind, "md");
  EXPECT_EQ(device->md_level, "raid1");
  EXPECT_THAT(device->slaves, ElementsAre("sdx1", "sdy1"));
}

TEST_F(FakeTree, LoopDeviceGivesItsBackingFile) {
  const auto device = FindBlockDevice("loop42", sysfs_.paths());
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->kind, "loop");
  EXPECT_EQ(device->loop_backing_file, "/var/lib/images/disk one.img");
}

TEST_F(FakeTree, PartitionOfALoopDeviceGivesTheDisksBackingFile) {
  const auto device = FindBlockDevice("loop42p1", sysfs_.paths());
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->kind, "partition");
  EXPECT_EQ(device->parent_disk, "loop42");
  EXPECT_EQ(device->loop_backing_file, "/var/lib/images/disk one.img");
}

TEST_F(FakeTree, UnattachedLoopDeviceIsLoopWithoutBackingFile) {
  const auto device = FindBlockDevice("loop2", sysfs_.paths());
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->kind, "loop");
  EXPECT_EQ(device->loop_backing_file, "");
}

TEST_F(FakeTree, SysfsBangIsASlashInTheDiskstatsName) {
  const auto device = FindBlockDevice("cciss/c0d0", sysfs_.paths());
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->name, "cciss/c0d0");
}

TEST_F(FakeTree, ListPutsEachDiskBeforeItsPartitionsInNaturalOrder) {
  std::vector<std::string> names;
  for (const auto& device : ListBlockDevices(sysfs_.paths())) names.push_back(device.name);
  EXPECT_THAT(names, ElementsAre("cciss/c0d0", "dm-7", "loop2", "loop10", "loop42", "loop42p1",
                                 "md9", "sdx", "sdx1", "sdx2", "sdy", "sdy1"));
}

TEST_F(FakeTree, ResolvePathFollowsStDevThroughSysfsAndDecodesTheMountPoint) {
  // A real directory whose name has a space, so mountinfo must spell it \040.
  FakeSysfs spaced("feedbench dev test");
  const fs::path data = spaced.dir() / "data";
  fs::create_directories(data / "sub");
  struct stat st {};
  ASSERT_EQ(::stat(data.c_str(), &st), 0);
  sysfs_.LinkNumber(std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)),
                    sdx1_);
  std::string escaped = data.string();
  for (size_t pos = 0; (pos = escaped.find(' ', pos)) != std::string::npos;) {
    escaped.replace(pos, 1, "\\040");
  }
  sysfs_.WriteMountinfo(
      "1 0 8:16 / / rw,relatime shared:1 - ext4 /dev/sdx rw\n"
      "2 1 8:17 / " +
      escaped + " rw,noatime shared:2 master:1 - xfs /dev/sdx1 rw,attr2,inode64\n");
  const PathDevice resolved = ResolvePath(data / "sub", sysfs_.paths());
  EXPECT_EQ(resolved.path, data / "sub");
  EXPECT_EQ(resolved.mount.mount_point, data.string());
  EXPECT_EQ(resolved.mount.fs_type, "xfs");
  EXPECT_EQ(resolved.mount.source, "/dev/sdx1");
  EXPECT_EQ(resolved.mount.options, "rw,noatime");
  EXPECT_EQ(resolved.mount.super_options, "rw,attr2,inode64");
  ASSERT_TRUE(resolved.device.has_value());
  EXPECT_EQ(resolved.device->name, "sdx1");
  EXPECT_EQ(resolved.device->parent_disk, "sdx");
  EXPECT_EQ(resolved.no_device_reason, "");
  EXPECT_EQ(DiskstatsNameFor(resolved), "sdx1");
}

TEST_F(FakeTree, ResolvePathTriesTheMountSourceWhenStDevIsAnonymous) {
  // As on btrfs: st_dev is not a block device, the mount source names the real one.
  FakeSysfs data_dir;
  sysfs_.WriteMountinfo("1 0 0:45 / / rw - btrfs /dev/sdy1 rw,ssd\n");
  const PathDevice resolved = ResolvePath(data_dir.dir(), sysfs_.paths());
  ASSERT_TRUE(resolved.device.has_value());
  EXPECT_EQ(resolved.device->name, "sdy1");
  EXPECT_EQ(resolved.mount.fs_type, "btrfs");
}

TEST_F(FakeTree, ResolvePathWithoutADeviceSaysSoPlainly) {
  FakeSysfs data_dir;
  sysfs_.WriteMountinfo("1 0 0:23 / / rw,relatime - tmpfs tmpfs rw,size=1024k\n");
  const PathDevice resolved = ResolvePath(data_dir.dir(), sysfs_.paths());
  EXPECT_FALSE(resolved.device.has_value());
  EXPECT_THAT(resolved.no_device_reason, StartsWith("no block device (tmpfs"));
  EXPECT_EQ(resolved.mount.fs_type, "tmpfs");
  EXPECT_FALSE(DiskstatsNameFor(resolved).has_value());
}

TEST_F(FakeTree, ResolvePathOfAMissingPathIsAUsageErrorNamingIt) {
  try {
    ResolvePath("/nonexistent/feedbench/path", sysfs_.paths());
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/feedbench/path"));
    EXPECT_THAT(e.what(), HasSubstr("does not exist"));
  }
}

TEST_F(FakeTree, UnreadableMountinfoIsAnEnvironmentError) {
  SystemPaths paths = sysfs_.paths();
  paths.mountinfo = sysfs_.dir() / "no-such-mountinfo";
  EXPECT_THROW(ResolvePath("/", paths), EnvironmentError);
}

// ---- mountinfo ----

TEST(Mountinfo, ParsesFixedOptionalAndTrailingFields) {
  const auto mounts = ParseMountinfo(
      "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 - ext3 /dev/root "
      "rw,errors=continue\n"
      "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k\n");
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].major, 98u);
  EXPECT_EQ(mounts[0].minor, 0u);
  EXPECT_EQ(mounts[0].root, "/mnt1");
  EXPECT_EQ(mounts[0].mount_point, "/mnt2");
  EXPECT_EQ(mounts[0].options, "rw,noatime");
  EXPECT_EQ(mounts[0].fs_type, "ext3");
  EXPECT_EQ(mounts[0].source, "/dev/root");
  EXPECT_EQ(mounts[0].super_options, "rw,errors=continue");
  EXPECT_EQ(mounts[1].mount_point, "/dev/shm");
  EXPECT_EQ(mounts[1].fs_type, "tmpfs");
}

TEST(Mountinfo, DecodesOctalEscapes) {
  const auto mounts =
      ParseMountinfo("40 1 8:1 / /mnt/my\\040data\\011set\\134x rw - ext4 /dev/disk\\040a rw\n");
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].mount_point, "/mnt/my data\tset\\x");
  EXPECT_EQ(mounts[0].source, "/dev/disk a");
  EXPECT_EQ(UnescapeMountinfo("a\\012b"), "a\nb");
  // Not three octal digits: left as written.
  EXPECT_EQ(UnescapeMountinfo("a\\04"), "a\\04");
  EXPECT_EQ(UnescapeMountinfo("a\\089"), "a\\089");
}

TEST(Mountinfo, MountPointNamedDashIsNotTheSeparator) {
  const auto mounts = ParseMountinfo("40 1 8:1 / - rw - ext4 /dev/sda1 rw\n");
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].mount_point, "-");
  EXPECT_EQ(mounts[0].fs_type, "ext4");
}

TEST(Mountinfo, MalformedLineIsAnEnvironmentErrorNamingTheLine) {
  try {
    ParseMountinfo("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 8:2 / /data rw ext4\n", "fixture");
    FAIL() << "expected EnvironmentError";
  } catch (const EnvironmentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("fixture line 2"));
  }
  EXPECT_THROW(ParseMountinfo("1 0 x:y / / rw - ext4 /dev/sda1 rw\n"), EnvironmentError);
  EXPECT_THROW(ParseMountinfo("1 0 8:1 / / rw -\n"), EnvironmentError);
}

TEST(Mountinfo, EmptyTextHasNoMounts) {
  EXPECT_TRUE(ParseMountinfo("").empty());
  EXPECT_TRUE(ParseMountinfo("\n\n").empty());
}

MountInfo Mount(std::string point, std::string fs_type) {
  MountInfo mount;
  mount.mount_point = std::move(point);
  mount.fs_type = std::move(fs_type);
  return mount;
}

TEST(FindMount, LongestMatchingMountPointWins) {
  const std::vector<MountInfo> mounts{Mount("/", "ext4"), Mount("/data/set", "xfs"),
                                      Mount("/data", "btrfs")};
  EXPECT_EQ(FindMount(mounts, "/data/set/file")->fs_type, "xfs");
  EXPECT_EQ(FindMount(mounts, "/data/set")->fs_type, "xfs");
  EXPECT_EQ(FindMount(mounts, "/data/other")->fs_type, "btrfs");
  EXPECT_EQ(FindMount(mounts, "/home")->fs_type, "ext4");
  EXPECT_EQ(FindMount(mounts, "/")->fs_type, "ext4");
}

TEST(FindMount, APrefixMustEndAtADirectoryBoundary) {
  const std::vector<MountInfo> mounts{Mount("/", "ext4"), Mount("/data", "xfs")};
  EXPECT_EQ(FindMount(mounts, "/database/x")->fs_type, "ext4");
}

TEST(FindMount, TheLaterOfTwoMountsOnOnePointIsOnTop) {
  const std::vector<MountInfo> mounts{Mount("/", "ext4"), Mount("/dev/shm", "tmpfs"),
                                      Mount("/dev/shm", "ramfs")};
  EXPECT_EQ(FindMount(mounts, "/dev/shm/x")->fs_type, "ramfs");
}

TEST(FindMount, NoMountsIsNullopt) { EXPECT_FALSE(FindMount({}, "/x").has_value()); }

// ---- this machine ----

bool IsTmpfs(const char* path) {
  struct statfs st {};
  constexpr long kTmpfsMagic = 0x01021994;  // TMPFS_MAGIC, linux/magic.h
  return ::statfs(path, &st) == 0 && st.f_type == kTmpfsMagic;
}

TEST(RealSystem, RootResolvesToTheBlockDeviceOfItsStDev) {
  struct stat st {};
  ASSERT_EQ(::stat("/", &st), 0);
  if (major(st.st_dev) == 0) GTEST_SKIP() << "/ has an anonymous st_dev here (no block device)";
  const PathDevice resolved = ResolvePath("/");
  EXPECT_EQ(resolved.mount.mount_point, "/");
  ASSERT_TRUE(resolved.device.has_value()) << resolved.no_device_reason;
  EXPECT_EQ(resolved.device->major, major(st.st_dev));
  EXPECT_EQ(resolved.device->minor, minor(st.st_dev));
  // The name is one /proc/diskstats has a line for.
  std::ifstream diskstats("/proc/diskstats");
  std::string line;
  bool found = false;
  while (std::getline(diskstats, line)) {
    std::istringstream fields(line);
    std::string maj, min, name;
    fields >> maj >> min >> name;
    if (name == resolved.device->name) found = true;
  }
  EXPECT_TRUE(found) << resolved.device->name << " is not in /proc/diskstats";
  EXPECT_EQ(DiskstatsNameFor(resolved), resolved.device->name);
}

TEST(RealSystem, DevShmHasNoBlockDevice) {
  if (!IsTmpfs("/dev/shm")) GTEST_SKIP() << "/dev/shm is not a tmpfs here";
  const PathDevice resolved = ResolvePath("/dev/shm");
  EXPECT_FALSE(resolved.device.has_value());
  EXPECT_EQ(resolved.mount.fs_type, "tmpfs");
  EXPECT_EQ(resolved.no_device_reason, "no block device (tmpfs)");
}

TEST(RealSystem, ProcHasNoBlockDevice) {
  const PathDevice resolved = ResolvePath("/proc");
  EXPECT_FALSE(resolved.device.has_value());
  EXPECT_EQ(resolved.mount.fs_type, "proc");
  EXPECT_EQ(resolved.no_device_reason, "no block device (proc)");
}

TEST(RealSystem, ListedDevicesIncludeTheRootDevice) {
  const PathDevice root = ResolvePath("/");
  if (!root.device) GTEST_SKIP() << "/ has no block device here: " << root.no_device_reason;
  bool found = false;
  for (const auto& device : ListBlockDevices()) found |= device.name == root.device->name;
  EXPECT_TRUE(found);
}

TEST(RealSystem, LoopMountResolvesToTheLoopDeviceAndItsBackingFile) {
  if (const auto reason = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *reason;
  testing::LoopExt4 loop;
  fs::create_directories(loop.mount_point() / "dataset");
  const PathDevice resolved = ResolvePath(loop.mount_point() / "dataset");
  ASSERT_TRUE(resolved.device.has_value()) << resolved.no_device_reason;
  EXPECT_EQ(resolved.device->name, loop.name());
  EXPECT_EQ(resolved.device->kind, "loop");
  EXPECT_FALSE(resolved.device->is_partition);
  // LoopExt4 keeps its image beside the mount point.
  EXPECT_EQ(resolved.device->loop_backing_file,
            fs::canonical(loop.mount_point().parent_path() / "image.ext4").string());
  EXPECT_EQ(resolved.mount.mount_point, fs::canonical(loop.mount_point()).string());
  EXPECT_EQ(resolved.mount.fs_type, "ext4");
  EXPECT_EQ(resolved.mount.source, loop.device());
  EXPECT_EQ(DiskstatsNameFor(resolved), loop.name());
  const auto by_path = FindBlockDevice(loop.device());
  ASSERT_TRUE(by_path.has_value());
  EXPECT_EQ(by_path->name, loop.name());
}

// An ext4 filesystem on partition 1 of a loop device (loopNp1), for a real partition on machines
// whose disks have none. The partition is added with the BLKPG ioctl rather than a partition table,
// so it works also on kernels built without partition-table parsers.
class PartitionedLoop {
 public:
  static constexpr uint64_t kImageBytes = 64ull << 20;
  static constexpr uint64_t kFirstSector = 2048;
  static constexpr uint64_t kSectors = kImageBytes / 512 - kFirstSector;

  PartitionedLoop() {
    char tmpl[] = "/var/tmp/feedbench-part-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    image_ = dir_ / "image.img";
    mount_point_ = dir_ / "mnt";
    try {
      fs::create_directory(mount_point_);
      testing::ShellOutput("truncate -s " + std::to_string(kImageBytes) + " " + image_.string());
      // --partscan lets the loop device have partitions at all.
      disk_ = testing::ShellOutput("losetup --partscan --find --show " + image_.string());
      AddPartition();
      partition_ = disk_ + "p1";
      // devtmpfs creates the node shortly after the kernel adds the partition.
      for (int i = 0; i < 500 && !fs::exists(partition_); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      testing::ShellOutput("mkfs.ext4 -q -F " + partition_);
      testing::ShellOutput("mount -t ext4 " + partition_ + " " + mount_point_.string());
      mounted_ = true;
    } catch (...) {
      Cleanup();
      throw;
    }
  }
  ~PartitionedLoop() { Cleanup(); }
  PartitionedLoop(const PartitionedLoop&) = delete;
  PartitionedLoop& operator=(const PartitionedLoop&) = delete;

  const fs::path& mount_point() const { return mount_point_; }
  const fs::path& image() const { return image_; }
  std::string disk_name() const { return fs::path(disk_).filename().string(); }
  std::string partition_name() const { return fs::path(partition_).filename().string(); }

 private:
  void AddPartition() {
    const int fd = ::open(disk_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + disk_);
    blkpg_partition partition{};
    partition.start = static_cast<long long>(kFirstSector * 512);
    partition.length = static_cast<long long>(kSectors * 512);
    partition.pno = 1;
    blkpg_ioctl_arg arg{};
    arg.op = BLKPG_ADD_PARTITION;
    arg.datalen = sizeof partition;
    arg.data = &partition;
    const int rc = ::ioctl(fd, BLKPG, &arg);
    const int error = errno;
    ::close(fd);
    if (rc != 0) throw std::runtime_error("BLKPG_ADD_PARTITION: " + std::string(strerror(error)));
  }
  void Cleanup() {
    if (mounted_) {
      if (::umount2(mount_point_.c_str(), 0) != 0) ::umount2(mount_point_.c_str(), MNT_DETACH);
      mounted_ = false;
    }
    if (!disk_.empty()) {
      std::system(("losetup -d " + disk_ + " >/dev/null 2>&1").c_str());
      disk_.clear();
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  fs::path dir_, image_, mount_point_;
  std::string disk_, partition_;
  bool mounted_ = false;
};

TEST(RealSystem, PartitionOfALoopDeviceResolvesToThePartitionAndItsDisk) {
  if (const auto reason = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *reason;
  PartitionedLoop loop;
  const PathDevice resolved = ResolvePath(loop.mount_point());
  ASSERT_TRUE(resolved.device.has_value()) << resolved.no_device_reason;
  EXPECT_EQ(resolved.device->name, loop.partition_name());
  EXPECT_TRUE(resolved.device->is_partition);
  EXPECT_EQ(resolved.device->kind, "partition");
  EXPECT_EQ(resolved.device->parent_disk, loop.disk_name());
  EXPECT_EQ(resolved.device->loop_backing_file, fs::canonical(loop.image()).string());
  EXPECT_EQ(DiskstatsNameFor(resolved), loop.partition_name());
  const DeviceFingerprint fp = FingerprintPath(resolved);
  EXPECT_EQ(fp.size_bytes, uint64_t{PartitionedLoop::kSectors} * 512);
  EXPECT_EQ(fp.model, "loop");
  EXPECT_EQ(fp.fs_type, "ext4");
  // Queue settings are the disk's.
  const auto disk = FindBlockDevice(loop.disk_name());
  ASSERT_TRUE(disk.has_value());
  const DeviceFingerprint disk_fp = FingerprintDevice(*disk);
  EXPECT_EQ(fp.scheduler, disk_fp.scheduler);
  EXPECT_EQ(fp.read_ahead_kb, disk_fp.read_ahead_kb);
  EXPECT_EQ(fp.logical_block_size_bytes, disk_fp.logical_block_size_bytes);
}

TEST(RealSystem, AMountedPartitionOfThisMachineResolvesToItsDisk) {
  // Any mounted filesystem whose device sysfs calls a partition (loop partitions made by other
  // tests excluded: this is about the machine's own disks).
  std::ifstream in("/proc/self/mountinfo");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (const auto& mount : ParseMountinfo(text)) {
    const fs::path sysfs_dir = fs::path("/sys/dev/block") /
                               (std::to_string(mount.major) + ":" + std::to_string(mount.minor));
    std::error_code ec;
    if (!fs::exists(sysfs_dir / "partition", ec)) continue;
    const std::string disk = fs::canonical(sysfs_dir).parent_path().filename().string();
    if (disk.rfind("loop", 0) == 0) continue;
    const PathDevice resolved = ResolvePath(mount.mount_point);
    ASSERT_TRUE(resolved.device.has_value());
    EXPECT_TRUE(resolved.device->is_partition);
    EXPECT_EQ(resolved.device->parent_disk, disk);
    return;
  }
  GTEST_SKIP() << "no mounted filesystem on a partition of this machine's disks "
                  "(no /sys/class/block/*/partition behind any mount)";
}

// ---- the CLI ----

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CommandResult RunFeedbench(const std::string& args) {
  FakeSysfs scratch;  // only for its temporary directory
  const fs::path err_file = scratch.dir() / "stderr";
  const std::string command =
      std::string(FEEDBENCH_BINARY) + " " + args + " 2>" + err_file.string();
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  result.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  return result;
}

TEST(DevicesCommand, NonexistentPathExitsTwoNamingIt) {
  const auto result = RunFeedbench("devices /nonexistent");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("/nonexistent"));
  EXPECT_EQ(result.out, "");
}

TEST(DevicesCommand, OneBadPathAmongGoodOnesPrintsNothingButTheError) {
  const auto result = RunFeedbench("devices / /nonexistent");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
}

TEST(DevicesCommand, DevShmSaysNoBlockDevice) {
  if (!IsTmpfs("/dev/shm")) GTEST_SKIP() << "/dev/shm is not a tmpfs here";
  const auto result = RunFeedbench("devices /dev/shm");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("no block device (tmpfs)"));
}

TEST(DevicesCommand, JsonForAPathNamesItsDiskstatsDevice) {
  const auto result = RunFeedbench("devices --json /");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json.at("paths").size(), 1u);
  const auto& entry = json["paths"][0];
  EXPECT_EQ(entry.at("path"), "/");
  EXPECT_EQ(entry.at("mount").at("mount_point"), "/");
  const PathDevice root = ResolvePath("/");
  if (root.device) {
    EXPECT_EQ(entry.at("diskstats_name"), root.device->name);
    EXPECT_EQ(entry.at("fingerprint").at("name"), root.device->name);
  } else {
    EXPECT_TRUE(entry.at("diskstats_name").is_null());
  }
  EXPECT_TRUE(json.at("machine").contains("kernel_release"));
}

TEST(DevicesCommand, WithoutPathsListsTheNonEmptyBlockDevices) {
  const auto result = RunFeedbench("devices --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto listed = nlohmann::json::parse(result.out).at("devices");
  std::vector<std::string> names;
  for (const auto& entry : listed) {
    names.push_back(entry.at("device").at("name"));
    EXPECT_GT(entry.at("fingerprint").at("size_bytes").get<uint64_t>(), 0u) << names.back();
  }
  const auto all = nlohmann::json::parse(RunFeedbench("devices --json --all").out).at("devices");
  std::vector<std::string> all_names;
  for (const auto& entry : all) all_names.push_back(entry.at("device").at("name"));
  const PathDevice root = ResolvePath("/");
  if (root.device) {
    EXPECT_THAT(names, ::testing::Contains(root.device->name));
    EXPECT_THAT(all_names, ::testing::Contains(root.device->name));
    const auto text = RunFeedbench("devices");
    EXPECT_EQ(text.exit_code, 0) << text.err;
    EXPECT_THAT(text.out, HasSubstr("NAME"));
    EXPECT_THAT(text.out, HasSubstr("\n" + root.device->name + " "));
  }
}

}  // namespace
}  // namespace feedbench
