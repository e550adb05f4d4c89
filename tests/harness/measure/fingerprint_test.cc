#include "harness/measure/fingerprint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "harness/base/errors.h"
#include "tests/support/fake_sysfs.h"
#include "tests/support/loop_ext4.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::FakeSysfs;
using ::testing::HasSubstr;

// ---- scheduler, cpuinfo, meminfo ----

TEST(ActiveScheduler, IsTheBracketedOne) {
  EXPECT_EQ(ActiveScheduler("[mq-deadline] none"), "mq-deadline");
  EXPECT_EQ(ActiveScheduler("none [mq-deadline] kyber bfq \n"), "mq-deadline");
  EXPECT_EQ(ActiveScheduler("[none] mq-deadline kyber bfq"), "none");
}

TEST(ActiveScheduler, ASingleUnbracketedWordIsTheScheduler) {
  EXPECT_EQ(ActiveScheduler("none\n"), "none");
  EXPECT_EQ(ActiveScheduler(""), "");
  // Several words and no brackets: nothing says which is active.
  EXPECT_EQ(ActiveScheduler("noop deadline"), "");
}

TEST(ParseCpuinfo, CountsProcessorsAndTakesModelName) {
  const auto info = ParseCpuinfo(
      "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13 64-Core Processor\n"
      "\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13 64-Core Processor\n\n");
  EXPECT_EQ(info.count, 2u);
  EXPECT_EQ(info.model, "AMD EPYC 7B13 64-Core Processor");
}

TEST(ParseCpuinfo, Arm64NamesImplementerAndPart) {
  const auto info = ParseCpuinfo(
      "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\nCPU architecture: 8\n"
      "CPU part\t: 0xd0c\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n");
  EXPECT_EQ(info.count, 2u);
  EXPECT_EQ(info.model, "implementer 0x41 part 0xd0c");
}

TEST(ParseCpuinfo, PowerCpuLine) {
  const auto info = ParseCpuinfo("processor\t: 0\ncpu\t\t: POWER9, altivec supported\n");
  EXPECT_EQ(info.count, 1u);
  EXPECT_EQ(info.model, "POWER9, altivec supported");
}

TEST(ParseMemTotalBytes, KilobytesAreKibibytes) {
  EXPECT_EQ(ParseMemTotalBytes("MemTotal:       24684168 kB\nMemFree:  1 kB\n"),
            24684168ull * 1024);
  EXPECT_EQ(ParseMemTotalBytes("MemFree:  1 kB\n"), 0u);
}

TEST(FingerprintMachine, ReadsTheInjectedProcFiles) {
  FakeSysfs proc;
  FakeSysfs::WriteFile(proc.dir() / "cpuinfo",
                       "processor\t: 0\nmodel name\t: Test CPU\n\nprocessor\t: 1\n"
                       "model name\t: Test CPU\n\nprocessor\t: 2\nmodel name\t: Test CPU\n");
  FakeSysfs::WriteFile(proc.dir() / "meminfo", "MemTotal:        1000 kB\n");
  const MachineFingerprint fp = FingerprintMachine(proc.dir(), /*probe_fio=*/false);
  EXPECT_EQ(fp.cpu_model, "Test CPU");
  EXPECT_EQ(fp.cpu_count, 3u);
  EXPECT_EQ(fp.memory_total_bytes, 1024000u);
  EXPECT_EQ(fp.fio_version, "");
  struct utsname names {};
  ASSERT_EQ(::uname(&names), 0);
  EXPECT_EQ(fp.kernel_release, names.release);
  EXPECT_EQ(fp.hostname, names.nodename);
}

TEST(FingerprintMachine, MissingCpuinfoIsAnEnvironmentError) {
  FakeSysfs proc;
  EXPECT_THROW(FingerprintMachine(proc.dir(), false), EnvironmentError);
}

TEST(FingerprintMachine, ThisMachine) {
  const MachineFingerprint fp = FingerprintMachine();
  EXPECT_GE(fp.cpu_count, 1u);
  EXPECT_GT(fp.memory_total_bytes, 0u);
  EXPECT_FALSE(fp.kernel_release.empty());
  if (std::system("command -v fio >/dev/null 2>&1") == 0) {
    EXPECT_THAT(fp.fio_version, ::testing::StartsWith("fio-"));
  } else {
    EXPECT_EQ(fp.fio_version, "");
  }
}

// PATH holds only a directory with a fake `fio` running `script`, while this lives.
class FakeFioOnPath {
 public:
  explicit FakeFioOnPath(const std::string& script) {
    const fs::path fio = dir_.dir() / "fio";
    FakeSysfs::WriteFile(fio, "#!/bin/sh\n" + script + "\n");
    fs::permissions(fio, fs::perms::owner_all);
    const char* path = std::getenv("PATH");
    saved_ = path ? std::optional<std::string>(path) : std::nullopt;
    ::setenv("PATH", dir_.dir().c_str(), 1);
  }
  ~FakeFioOnPath() {
    if (saved_) {
      ::setenv("PATH", saved_->c_str(), 1);
    } else {
      ::unsetenv("PATH");
    }
  }

 private:
  FakeSysfs dir_;
  std::optional<std::string> saved_;
};

MachineFingerprint FingerprintWithFakeProc() {
  FakeSysfs proc;
  FakeSysfs::WriteFile(proc.dir() / "cpuinfo", "processor\t: 0\nmodel name\t: Test CPU\n");
  FakeSysfs::WriteFile(proc.dir() / "meminfo", "MemTotal:        1000 kB\n");
  return FingerprintMachine(proc.dir(), /*probe_fio=*/true);
}

TEST(FingerprintMachine, FioVersionIsWhatFioOnPathPrints) {
  FakeFioOnPath fio("echo 'fio-9.99'; echo noise >&2");
  EXPECT_EQ(FingerprintWithFakeProc().fio_version, "fio-9.99");
}

TEST(FingerprintMachine, AFioThatFailsLeavesTheVersionEmpty) {
  FakeFioOnPath fio("echo 'fio-9.99'; exit 1");
  EXPECT_EQ(FingerprintWithFakeProc().fio_version, "");
}

TEST(FingerprintMachine, NoFioOnPathLeavesTheVersionEmpty) {
  FakeFioOnPath fio("exit 0");
  ::setenv("PATH", "/nonexistent-feedbench-dir", 1);
  EXPECT_EQ(FingerprintWithFakeProc().fio_version, "");
}

// ---- device fingerprints on a fake sysfs ----

class FakeDevices : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string pci = "devices/pci0000:00/0000:00:05.0/host0/target0:0:0/0:0:0:0/block";
    sdx_ = sysfs_.AddDisk(pci, "sdx", "8:16",
                          {{"size", "2097152\n"},
                           {"device/model", "QEMU HARDDISK   \n"},
                           {"device/vendor", "ATA     \n"},
                           {"queue/rotational", "1\n"},
                           {"queue/logical_block_size", "512\n"},
                           {"queue/physical_block_size", "4096\n"},
                           {"queue/scheduler", "[mq-deadline] none\n"},
                           {"queue/nr_requests", "64\n"},
                           {"queue/read_ahead_kb", "128\n"}});
    sdx1_ = sysfs_.AddPartition(sdx_, "sdx1", "8:17", 1, {{"size", "1024\n"}});
    nvme_ = sysfs_.AddDisk("devices/pci0000:00/nvme/nvme0", "nvme0n1", "259:0",
                           {{"size", "4096\n"},
                            {"device/model", "Fast NVMe\n"},
                            {"queue/rotational", "0\n"},
                            {"queue/scheduler", "[none] mq-deadline\n"},
                            {"queue/nr_requests", "1023\n"},
                            {"queue/read_ahead_kb", "4096\n"}});
    dm_ = sysfs_.AddDisk("devices/virtual/block", "dm-0", "253:0",
                         {{"size", "3072\n"},
                          {"dm/name", "vg0-data\n"},
                          {"queue/scheduler", "none\n"},
                          {"queue/read_ahead_kb", "256\n"}});
    sysfs_.AddSlave(dm_, sdx1_);
    sysfs_.AddSlave(dm_, nvme_);
    bare_ = sysfs_.AddDisk("devices/virtual/block", "bare0", "250:0");
  }

  BlockDevice Find(const std::string& name) {
    auto device = FindBlockDevice(name, sysfs_.paths());
    if (!device) throw std::runtime_error("fake device missing: " + name);
    return *device;
  }

  FakeSysfs sysfs_;
  fs::path sdx_, sdx1_, nvme_, dm_, bare_;
};

TEST_F(FakeDevices, DiskFingerprintReadsSysfs) {
  const DeviceFingerprint fp = FingerprintDevice(Find("sdx"), sysfs_.paths());
  EXPECT_EQ(fp.name, "sdx");
  EXPECT_EQ(fp.kind, "disk");
  EXPECT_EQ(fp.model, "QEMU HARDDISK");
  EXPECT_EQ(fp.vendor, "ATA");
  EXPECT_EQ(fp.size_bytes, 2097152ull * 512);
  EXPECT_TRUE(fp.rotational);
  EXPECT_EQ(fp.logical_block_size_bytes, 512u);
  EXPECT_EQ(fp.physical_block_size_bytes, 4096u);
  EXPECT_EQ(fp.scheduler, "mq-deadline");
  EXPECT_EQ(fp.nr_requests, 64u);
  EXPECT_EQ(fp.read_ahead_kb, 128u);
  EXPECT_TRUE(fp.lower_devices.empty());
  EXPECT_EQ(fp.fs_type, "");
}

TEST_F(FakeDevices, PartitionHasItsOwnSizeAndItsDisksModelAndQueue) {
  const DeviceFingerprint fp = FingerprintDevice(Find("sdx1"), sysfs_.paths());
  EXPECT_EQ(fp.kind, "partition");
  EXPECT_EQ(fp.parent_disk, "sdx");
  EXPECT_EQ(fp.size_bytes, 1024u * 512);
  EXPECT_EQ(fp.model, "QEMU HARDDISK");
  EXPECT_EQ(fp.scheduler, "mq-deadline");
  EXPECT_EQ(fp.read_ahead_kb, 128u);
  EXPECT_TRUE(fp.rotational);
}

TEST_F(FakeDevices, DmFingerprintsEachSlaveBelowIt) {
  const DeviceFingerprint fp = FingerprintDevice(Find("dm-0"), sysfs_.paths());
  EXPECT_EQ(fp.kind, "dm");
  EXPECT_EQ(fp.dm_name, "vg0-data");
  EXPECT_EQ(fp.scheduler, "none");
  EXPECT_EQ(fp.read_ahead_kb, 256u);
  ASSERT_EQ(fp.lower_devices.size(), 2u);
  EXPECT_EQ(fp.lower_devices[0].name, "nvme0n1");
  EXPECT_EQ(fp.lower_devices[0].model, "Fast NVMe");
  EXPECT_FALSE(fp.lower_devices[0].rotational);
  EXPECT_EQ(fp.lower_devices[1].name, "sdx1");
  EXPECT_EQ(fp.lower_devices[1].model, "QEMU HARDDISK");
}

TEST_F(FakeDevices, MissingAttributesLeaveDefaults) {
  const DeviceFingerprint fp = FingerprintDevice(Find("bare0"), sysfs_.paths());
  EXPECT_EQ(fp.name, "bare0");
  EXPECT_EQ(fp.model, "");
  EXPECT_EQ(fp.size_bytes, 0u);
  EXPECT_EQ(fp.scheduler, "");
  EXPECT_EQ(fp.nr_requests, 0u);
}

TEST_F(FakeDevices, LoopIsModelLoopWithTheFingerprintOfItsBackingFilesDevice) {
  // The backing file is real; its st_dev maps to sdx1 in the fake tree, mounted as xfs.
  FakeSysfs images;
  const fs::path image = images.dir() / "disk.img";
  FakeSysfs::WriteFile(image, "x");
  struct stat st {};
  ASSERT_EQ(::stat(image.c_str(), &st), 0);
  sysfs_.LinkNumber(std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)),
                    sdx1_);
  sysfs_.WriteMountinfo("1 0 8:17 / / rw,noatime - xfs /dev/sdx1 rw,inode64\n");
  sysfs_.AddDisk("devices/virtual/block", "loop5", "7:5",
                 {{"size", "8\n"},
                  {"loop/backing_file", image.string() + "\n"},
                  {"queue/scheduler", "[none] mq-deadline\n"}});
  const DeviceFingerprint fp = FingerprintDevice(Find("loop5"), sysfs_.paths());
  EXPECT_EQ(fp.kind, "loop");
  EXPECT_EQ(fp.model, "loop");
  EXPECT_EQ(fp.loop_backing_file, image.string());
  ASSERT_EQ(fp.lower_devices.size(), 1u);
  const DeviceFingerprint& below = fp.lower_devices[0];
  EXPECT_EQ(below.name, "sdx1");
  EXPECT_EQ(below.model, "QEMU HARDDISK");
  EXPECT_EQ(below.fs_type, "xfs");
  EXPECT_EQ(below.mount_options, "rw,noatime");
  EXPECT_EQ(below.superblock_options, "rw,inode64");
}

TEST_F(FakeDevices, LoopOverADeletedFileHasNothingBelow) {
  sysfs_.AddDisk("devices/virtual/block", "loop6", "7:6",
                 {{"loop/backing_file", "/nonexistent/disk.img (deleted)\n"}});
  const DeviceFingerprint fp = FingerprintDevice(Find("loop6"), sysfs_.paths());
  EXPECT_EQ(fp.model, "loop");
  EXPECT_TRUE(fp.lower_devices.empty());
}

TEST_F(FakeDevices, PathWithoutADeviceKeepsTheFilesystemAndTheReason) {
  FakeSysfs data;
  sysfs_.WriteMountinfo("1 0 0:30 / / rw,nosuid - tmpfs tmpfs rw,size=1024k\n");
  const DeviceFingerprint fp =
      FingerprintPath(ResolvePath(data.dir(), sysfs_.paths()), sysfs_.paths());
  EXPECT_EQ(fp.name, "");
  EXPECT_EQ(fp.fs_type, "tmpfs");
  EXPECT_EQ(fp.mount_point, "/");
  EXPECT_EQ(fp.mount_options, "rw,nosuid");
  EXPECT_EQ(fp.superblock_options, "rw,size=1024k");
  EXPECT_THAT(fp.no_device_reason, HasSubstr("no block device (tmpfs"));
}

// ---- this machine, root only ----

TEST(RealFingerprint, LoopMountIsExt4OnALoopOverTheBackingFilesDevice) {
  if (const auto reason = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *reason;
  testing::LoopExt4 loop;
  const Fingerprint fp = TakeFingerprint(loop.mount_point());
  EXPECT_EQ(fp.device.name, loop.name());
  EXPECT_EQ(fp.device.kind, "loop");
  EXPECT_EQ(fp.device.model, "loop");
  EXPECT_EQ(fp.device.fs_type, "ext4");
  EXPECT_EQ(fp.device.size_bytes, 256ull << 20);  // LoopExt4's default image size
  EXPECT_FALSE(fp.device.scheduler.empty());
  ASSERT_EQ(fp.device.lower_devices.size(), 1u);
  // Below is whatever holds the image file: the same as resolving its directory directly.
  const DeviceFingerprint direct = FingerprintPath(ResolvePath(loop.mount_point().parent_path()));
  EXPECT_EQ(fp.device.lower_devices[0].name, direct.name);
  EXPECT_EQ(fp.device.lower_devices[0].fs_type, direct.fs_type);
  EXPECT_FALSE(fp.machine.kernel_release.empty());
}

// ---- JSON ----

DeviceFingerprint SampleDevice() {
  DeviceFingerprint fp;
  fp.name = "loop3";
  fp.kind = "loop";
  fp.model = "loop";
  fp.size_bytes = 268435456;
  fp.rotational = false;
  fp.logical_block_size_bytes = 512;
  fp.physical_block_size_bytes = 512;
  fp.scheduler = "none";
  fp.nr_requests = 128;
  fp.read_ahead_kb = 128;
  fp.loop_backing_file = "/var/tmp/image";
  fp.mount_point = "/mnt";
  fp.fs_type = "ext4";
  fp.mount_options = "rw,relatime";
  fp.superblock_options = "rw";
  DeviceFingerprint below;
  below.name = "vda";
  below.kind = "disk";
  below.vendor = "0x1af4";
  below.size_bytes = 274877906944;
  below.rotational = true;
  below.scheduler = "mq-deadline";
  below.nr_requests = 256;
  below.read_ahead_kb = 8192;
  below.fs_type = "ext4";
  fp.lower_devices.push_back(below);
  return fp;
}

Fingerprint Sample() {
  Fingerprint fp;
  fp.machine.hostname = "node1";
  fp.machine.kernel_release = "6.1.0-18-amd64";
  fp.machine.cpu_model = "AMD EPYC";
  fp.machine.cpu_count = 2;
  fp.machine.memory_total_bytes = 25276588032;
  fp.machine.fio_version = "fio-3.33";
  fp.device = SampleDevice();
  return fp;
}

TEST(FingerprintJson, KeysAreSnakeCaseWithUnits) {
  const nlohmann::json j = Sample();
  EXPECT_EQ(j.at("device").at("size_bytes"), 268435456u);
  EXPECT_EQ(j.at("device").at("read_ahead_kb"), 128u);
  EXPECT_EQ(j.at("device").at("logical_block_size_bytes"), 512u);
  EXPECT_EQ(j.at("device").at("scheduler"), "none");
  EXPECT_EQ(j.at("device").at("lower_devices").at(0).at("name"), "vda");
  EXPECT_EQ(j.at("machine").at("memory_total_bytes"), 25276588032u);
  EXPECT_EQ(j.at("machine").at("kernel_release"), "6.1.0-18-amd64");
}

TEST(FingerprintJson, RoundTripsExactly) {
  const nlohmann::json j = Sample();
  const Fingerprint back = j.get<Fingerprint>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.device.lower_devices.at(0).read_ahead_kb, 8192u);
}

TEST(FingerprintJson, MissingKeysTakeDefaults) {
  const auto fp = nlohmann::json::parse(R"({"device": {"name": "vda"}})").get<Fingerprint>();
  EXPECT_EQ(fp.device.name, "vda");
  EXPECT_EQ(fp.device.read_ahead_kb, 0u);
  EXPECT_EQ(fp.machine.kernel_release, "");
}

TEST(FingerprintJson, WrongTypeIsAUsageErrorNamingTheKey) {
  try {
    nlohmann::json::parse(R"({"device": {"rotational": "yes"}})").get<Fingerprint>();
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("device.rotational"));
  }
  try {
    nlohmann::json::parse(R"({"device": {"lower_devices": [{"nr_requests": -1}]}})")
        .get<Fingerprint>();
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("device.lower_devices[0].nr_requests"));
  }
  EXPECT_THROW(nlohmann::json::parse(R"({"machine": {"cpu_count": 1.5}})").get<Fingerprint>(),
               UsageError);
  EXPECT_THROW(nlohmann::json::parse(R"({"machine": []})").get<Fingerprint>(), UsageError);
  EXPECT_THROW(nlohmann::json::parse("[]").get<Fingerprint>(), UsageError);
}

// ---- differences ----

TEST(FingerprintDifferences, IdenticalFingerprintsHaveNone) {
  EXPECT_TRUE(FingerprintDifferences(Sample(), Sample()).empty());
}

TEST(FingerprintDifferences, SchedulerChangeIsOneReadableLine) {
  nlohmann::json a = Sample(), b = Sample();
  a["device"]["scheduler"] = "mq-deadline";
  b["device"]["scheduler"] = "none";
  EXPECT_THAT(FingerprintDifferences(a, b), ElementsAre("device.scheduler: mq-deadline → none"));
}

TEST(FingerprintDifferences, ARunAsMpiRanksDiffersFromOneProcessAndFromOtherCounts) {
  nlohmann::json alone = Sample();
  EXPECT_FALSE(alone["machine"].contains("mpi_ranks"));  // absent for a process alone
  Fingerprint ranks = Sample();
  ranks.machine.mpi_ranks = 16;
  ranks.machine.mpi_nodes = 2;
  const nlohmann::json job = ranks;
  EXPECT_EQ(job.get<Fingerprint>().machine.mpi_nodes, 2u);
  EXPECT_THAT(FingerprintDifferences(alone, job),
              ElementsAre("machine.mpi_ranks: (absent) → 16", "machine.mpi_nodes: (absent) → 2"));
  nlohmann::json more = job;
  more["machine"]["mpi_nodes"] = 4;
  EXPECT_THAT(FingerprintDifferences(job, more), ElementsAre("machine.mpi_nodes: 2 → 4"));
}

TEST(FingerprintDifferences, NamesPathsSizesAndHostnameDoNotMatter) {
  nlohmann::json a = Sample(), b = Sample();
  b["machine"]["hostname"] = "node2";
  b["device"]["name"] = "loop7";
  b["device"]["size_bytes"] = 1;
  b["device"]["loop_backing_file"] = "/elsewhere";
  b["device"]["mount_point"] = "/data";
  b["device"]["lower_devices"][0]["name"] = "vdb";
  EXPECT_TRUE(FingerprintDifferences(a, b).empty());
}

TEST(FingerprintDifferences, ListsEachFieldThatMatters) {
  nlohmann::json a = Sample(), b = Sample();
  b["machine"]["kernel_release"] = "6.8.0";
  b["machine"]["cpu_count"] = 4;
  b["device"]["read_ahead_kb"] = 4096;
  b["device"]["mount_options"] = "rw,noatime";
  b["device"]["lower_devices"][0]["rotational"] = false;
  b["device"]["lower_devices"][0]["model"] = "Fast NVMe";
  EXPECT_THAT(FingerprintDifferences(a, b),
              ElementsAre("machine.kernel_release: 6.1.0-18-amd64 → 6.8.0",
                          "machine.cpu_count: 2 → 4", "device.read_ahead_kb: 128 → 4096",
                          "device.mount_options: rw,relatime → rw,noatime",
                          "device.lower_devices[0].model: (empty) → Fast NVMe",
                          "device.lower_devices[0].rotational: true → false"));
}

TEST(FingerprintDifferences, AFieldOnOneSideOnlyIsReported) {
  nlohmann::json a = Sample(), b = Sample();
  b["machine"].erase("fio_version");
  a["device"]["lower_devices"].push_back(a["device"]["lower_devices"][0]);
  EXPECT_THAT(FingerprintDifferences(a, b), ElementsAre("machine.fio_version: fio-3.33 → (absent)",
                                                        "device.lower_devices: 2 → 1 devices"));
}

TEST(FingerprintDifferences, ANonObjectSideDiffersInEveryPresentField) {
  nlohmann::json only_device = nlohmann::json::object();
  only_device["device"] = nlohmann::json{{"fs_type", "ext4"}};
  EXPECT_THAT(FingerprintDifferences(nullptr, only_device),
              ElementsAre("device.fs_type: (absent) → ext4"));
  EXPECT_TRUE(FingerprintDifferences(nullptr, nlohmann::json::array()).empty());
}

}  // namespace
}  // namespace feedbench
