// Fingerprints: what a measurement ran on, recorded in results and baselines so that a comparison
// can say when two runs did not measure the same thing.
//
// DeviceFingerprint describes the storage under a path (the block device's model and queue
// settings, the filesystem and its mount options); MachineFingerprint describes the host (kernel,
// CPU, memory, fio). Fingerprint is the pair, as results embed it: {"machine": …, "device": …}.
// JSON keys are snake_case and carry their units (size_bytes, read_ahead_kb).
// FingerprintDifferences compares two such JSON objects on the fields that change performance.
// Reading a fingerprint reads sysfs, /proc and runs `fio --version`; nothing is cached; all
// functions are thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "harness/os/device.h"

namespace feedbench {

struct DeviceFingerprint {
  std::string name;         // diskstats name ("vda"); empty when the path has no block device
  std::string kind;         // BlockDevice::kind: "disk", "partition", "loop", "dm", "md"
  std::string parent_disk;  // a partition's disk; model, vendor and queue settings are the disk's
  std::string model;        // sysfs device/model, trimmed; "loop" for a loop device; "" if none
  std::string vendor;       // sysfs device/vendor, trimmed; "" if none
  uint64_t size_bytes = 0;  // of this device (a partition's own size)
  bool rotational = false;
  uint32_t logical_block_size_bytes = 0;
  uint32_t physical_block_size_bytes = 0;
  std::string scheduler;  // the active one, e.g. "mq-deadline", "none"
  uint32_t nr_requests = 0;
  uint32_t read_ahead_kb = 0;  // KiB, as sysfs spells it
  std::string loop_backing_file;
  std::string dm_name;
  std::string md_level;
  // Set when fingerprinting a path (FingerprintPath); empty for a bare device.
  std::string mount_point;
  std::string fs_type;             // "ext4", "tmpfs"
  std::string mount_options;       // per-mount: "rw,relatime"
  std::string superblock_options;  // per-filesystem: "rw,discard,errors=remount-ro"
  std::string no_device_reason;    // "no block device (tmpfs)" when name is empty
  // The storage below: for a loop device, the device holding its backing file (fingerprinted as a
  // path, so with its filesystem); for dm/md, each slave. Empty for a disk or partition.
  std::vector<DeviceFingerprint> lower_devices;
};

struct MachineFingerprint {
  std::string hostname;
  std::string kernel_release;       // uname -r
  std::string cpu_model;            // /proc/cpuinfo "model name" (or the architecture's equivalent)
  uint32_t cpu_count = 0;           // logical CPUs listed in /proc/cpuinfo
  uint64_t memory_total_bytes = 0;  // /proc/meminfo MemTotal
  std::string fio_version;          // "fio-3.33"; empty when fio is not on PATH or fails
  // A run as MPI ranks (harness/os/mpi_world.h): how many ranks on how many nodes (each node's
  // device is in the results' context.feedbench.mpi.nodes). 0 for a process alone, and then
  // absent from the JSON, so that a baseline of one process and a run of many differ.
  uint32_t mpi_ranks = 0;
  uint32_t mpi_nodes = 0;
  // `feedbench fio --clients`: the fio servers that ran the jobs ("node1:8765, node2:8765"), in
  // hostfile order; empty for a run on this node, and then absent from the JSON.
  std::string fio_servers;
};

struct Fingerprint {
  MachineFingerprint machine;
  DeviceFingerprint device;
};

// Fingerprints a block device from sysfs. A partition takes model, vendor and queue settings from
// its parent disk. A loop device is model "loop"; its lower device is the fingerprint of the path
// of its backing file, when that file still exists. dm/md fingerprint each slave. Missing sysfs
// files leave fields at their defaults; nothing throws for them.
DeviceFingerprint FingerprintDevice(const BlockDevice& device, const SystemPaths& system = {});

// Fingerprints what backs a resolved path: the device (as FingerprintDevice) plus the mount. For a
// path without a block device, only the mount fields and no_device_reason are set.
DeviceFingerprint FingerprintPath(const PathDevice& path_device, const SystemPaths& system = {});

// Reads the host's fingerprint: uname(), <proc_root>/cpuinfo, <proc_root>/meminfo, and
// `fio --version` when probe_fio and fio is on PATH. Throws EnvironmentError when cpuinfo or
// meminfo cannot be read.
MachineFingerprint FingerprintMachine(const std::filesystem::path& proc_root = "/proc",
                                      bool probe_fio = true);

// Machine plus the storage under `data_path`. Throws UsageError when the path does not exist.
Fingerprint TakeFingerprint(const std::filesystem::path& data_path, const SystemPaths& system = {});

// The active scheduler in the text of queue/scheduler: "none [mq-deadline] kyber" → "mq-deadline";
// a file with a single unbracketed word (old kernels, "none") → that word; "" for empty text.
std::string ActiveScheduler(std::string_view scheduler_file_text);

// From the text of /proc/cpuinfo: the CPU model ("model name", else "Processor", "cpu model",
// "Hardware" or "cpu") and the number of "processor" entries.
struct CpuInfo {
  std::string model;
  uint32_t count = 0;
};
CpuInfo ParseCpuinfo(std::string_view text);

// MemTotal from the text of /proc/meminfo, in bytes (the file says kB, meaning KiB). 0 if absent.
uint64_t ParseMemTotalBytes(std::string_view text);

// The fields that matter for comparing performance that differ between two Fingerprint JSON
// objects, one human-readable line each, "device.scheduler: mq-deadline → none". Compared:
// machine kernel_release, cpu_model, cpu_count, memory_total_bytes, fio_version; device kind,
// model, vendor, rotational, logical/physical block size, scheduler, nr_requests, read_ahead_kb,
// fs_type, mount_options, superblock_options, and the same device fields of each lower device
// ("device.lower_devices[0].model: … → …"). Names, sizes, paths and the hostname are not compared.
// A field present on one side only is reported ("(absent)"); absent on both sides is not. Empty
// when they match. Either argument may be a non-object (then every present field differs).
std::vector<std::string> FingerprintDifferences(const nlohmann::json& a, const nlohmann::json& b);

// JSON (de)serialisation. from_json takes defaults for missing keys (older files) and throws
// UsageError naming the key when a key has the wrong type.
void to_json(nlohmann::json& j, const DeviceFingerprint& fingerprint);
void from_json(const nlohmann::json& j, DeviceFingerprint& fingerprint);
void to_json(nlohmann::json& j, const MachineFingerprint& fingerprint);
void from_json(const nlohmann::json& j, MachineFingerprint& fingerprint);
void to_json(nlohmann::json& j, const Fingerprint& fingerprint);
void from_json(const nlohmann::json& j, Fingerprint& fingerprint);

}  // namespace feedbench
