#include "harness/measure/fingerprint.h"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>

#include "harness/base/errors.h"
#include "harness/base/text.h"
#include "harness/os/child_process.h"
#include "harness/os/sysfs.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

// Loop over loop over a file on dm over… stops here; real stacks are two or three deep.
constexpr int kMaxDepth = 6;

template <typename Number>
Number ReadNumber(const fs::path& file) {
  const auto text = ReadSysfsAttribute(file);
  Number value = 0;
  if (!text) return 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) return 0;
  return value;
}

std::string ReadProcFile(const fs::path& file) {
  std::ifstream in(file);
  if (!in) {
    throw EnvironmentError(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  }
  return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

DeviceFingerprint PathFingerprintAt(const PathDevice& path_device, const SystemPaths& system,
                                    int depth);

DeviceFingerprint DeviceFingerprintAt(const BlockDevice& device, const SystemPaths& system,
                                      int depth) {
  DeviceFingerprint fp;
  fp.name = device.name;
  fp.kind = device.kind;
  fp.parent_disk = device.parent_disk;
  fp.loop_backing_file = device.loop_backing_file;
  fp.dm_name = device.dm_name;
  fp.md_level = device.md_level;
  // A partition has no queue/ and no device/ of its own: they are its disk's.
  const fs::path disk_dir = device.is_partition ? device.sysfs_dir.parent_path() : device.sysfs_dir;
  fp.model = ReadSysfsAttribute(disk_dir / "device" / "model").value_or("");
  fp.vendor = ReadSysfsAttribute(disk_dir / "device" / "vendor").value_or("");
  std::error_code ec;
  const bool on_loop = device.kind == "loop" || fs::is_directory(disk_dir / "loop", ec);
  if (fp.model.empty() && on_loop) fp.model = "loop";
  // sysfs `size` counts 512-byte sectors whatever the logical block size.
  fp.size_bytes = ReadNumber<uint64_t>(device.sysfs_dir / "size") * 512;
  const fs::path queue = disk_dir / "queue";
  fp.rotational = ReadNumber<uint32_t>(queue / "rotational") != 0;
  fp.logical_block_size_bytes = ReadNumber<uint32_t>(queue / "logical_block_size");
  fp.physical_block_size_bytes = ReadNumber<uint32_t>(queue / "physical_block_size");
  fp.scheduler = ActiveScheduler(ReadSysfsAttribute(queue / "scheduler").value_or(""));
  fp.nr_requests = ReadNumber<uint32_t>(queue / "nr_requests");
  fp.read_ahead_kb = ReadNumber<uint32_t>(queue / "read_ahead_kb");

  if (depth >= kMaxDepth) return fp;
  if (!device.loop_backing_file.empty()) {
    // A detached or deleted backing file ("/x/image (deleted)") no longer resolves; say nothing.
    try {
      const PathDevice backing = ResolvePath(device.loop_backing_file, system);
      fp.lower_devices.push_back(PathFingerprintAt(backing, system, depth + 1));
    } catch (const UsageError&) {
    }
  }
  for (const auto& slave : device.slaves) {
    if (auto lower = FindBlockDevice(slave, system)) {
      fp.lower_devices.push_back(DeviceFingerprintAt(*lower, system, depth + 1));
    }
  }
  return fp;
}

DeviceFingerprint PathFingerprintAt(const PathDevice& path_device, const SystemPaths& system,
                                    int depth) {
  DeviceFingerprint fp;
  if (path_device.device) fp = DeviceFingerprintAt(*path_device.device, system, depth);
  fp.mount_point = path_device.mount.mount_point;
  fp.fs_type = path_device.mount.fs_type;
  fp.mount_options = path_device.mount.options;
  fp.superblock_options = path_device.mount.super_options;
  fp.no_device_reason = path_device.no_device_reason;
  return fp;
}

// "fio-3.33", or "" when fio is not on PATH or does not answer within 10 s.
std::string FioVersion() {
  const std::optional<std::string> out =
      ProgramOutput({"fio", "--version"}, std::chrono::seconds(10));
  return out ? std::string(Trim(*out, kLineWhitespace)) : std::string();
}

// ---- JSON ----

// Reads j[key] into `value` when present; throws UsageError naming prefix+key on a wrong type.
void Get(const nlohmann::json& j, const char* key, std::string_view prefix, std::string& value) {
  if (!j.contains(key) || j[key].is_null()) return;
  if (!j[key].is_string()) {
    throw UsageError(fmt::format("fingerprint key {}{}: expected a string, got {}", prefix, key,
                                 j[key].type_name()));
  }
  value = j[key].get<std::string>();
}
void Get(const nlohmann::json& j, const char* key, std::string_view prefix, bool& value) {
  if (!j.contains(key) || j[key].is_null()) return;
  if (!j[key].is_boolean()) {
    throw UsageError(fmt::format("fingerprint key {}{}: expected true or false, got {}", prefix,
                                 key, j[key].type_name()));
  }
  value = j[key].get<bool>();
}
template <typename Unsigned>
void Get(const nlohmann::json& j, const char* key, std::string_view prefix, Unsigned& value) {
  if (!j.contains(key) || j[key].is_null()) return;
  const auto& v = j[key];
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    throw UsageError(fmt::format("fingerprint key {}{}: expected a non-negative integer, got {}",
                                 prefix, key, v.is_number() ? v.dump() : v.type_name()));
  }
  const uint64_t wide = v.get<uint64_t>();
  if (wide > std::numeric_limits<Unsigned>::max()) {
    throw UsageError(fmt::format("fingerprint key {}{}: {} is too large", prefix, key, wide));
  }
  value = static_cast<Unsigned>(wide);
}

void RequireObject(const nlohmann::json& j, std::string_view what) {
  if (!j.is_object()) {
    throw UsageError(fmt::format("fingerprint {}: expected an object, got {}",
                                 what.empty() ? "(top level)" : what, j.type_name()));
  }
}

void DeviceFromJson(const nlohmann::json& j, std::string_view prefix, DeviceFingerprint& fp,
                    int depth) {
  RequireObject(j, prefix.empty() ? prefix : prefix.substr(0, prefix.size() - 1));
  fp = DeviceFingerprint{};
  Get(j, "name", prefix, fp.name);
  Get(j, "kind", prefix, fp.kind);
  Get(j, "parent_disk", prefix, fp.parent_disk);
  Get(j, "model", prefix, fp.model);
  Get(j, "vendor", prefix, fp.vendor);
  Get(j, "size_bytes", prefix, fp.size_bytes);
  Get(j, "rotational", prefix, fp.rotational);
  Get(j, "logical_block_size_bytes", prefix, fp.logical_block_size_bytes);
  Get(j, "physical_block_size_bytes", prefix, fp.physical_block_size_bytes);
  Get(j, "scheduler", prefix, fp.scheduler);
  Get(j, "nr_requests", prefix, fp.nr_requests);
  Get(j, "read_ahead_kb", prefix, fp.read_ahead_kb);
  Get(j, "loop_backing_file", prefix, fp.loop_backing_file);
  Get(j, "dm_name", prefix, fp.dm_name);
  Get(j, "md_level", prefix, fp.md_level);
  Get(j, "mount_point", prefix, fp.mount_point);
  Get(j, "fs_type", prefix, fp.fs_type);
  Get(j, "mount_options", prefix, fp.mount_options);
  Get(j, "superblock_options", prefix, fp.superblock_options);
  Get(j, "no_device_reason", prefix, fp.no_device_reason);
  if (j.contains("lower_devices") && !j["lower_devices"].is_null()) {
    const auto& lower = j["lower_devices"];
    if (!lower.is_array()) {
      throw UsageError(fmt::format("fingerprint key {}lower_devices: expected an array, got {}",
                                   prefix, lower.type_name()));
    }
    if (depth >= kMaxDepth) {
      throw UsageError(
          fmt::format("fingerprint key {}lower_devices: nested deeper than {}", prefix, kMaxDepth));
    }
    for (size_t i = 0; i < lower.size(); ++i) {
      DeviceFingerprint child;
      DeviceFromJson(lower[i], fmt::format("{}lower_devices[{}].", prefix, i), child, depth + 1);
      fp.lower_devices.push_back(std::move(child));
    }
  }
}

void MachineFromJson(const nlohmann::json& j, std::string_view prefix, MachineFingerprint& fp) {
  RequireObject(j, prefix.empty() ? prefix : prefix.substr(0, prefix.size() - 1));
  fp = MachineFingerprint{};
  Get(j, "hostname", prefix, fp.hostname);
  Get(j, "kernel_release", prefix, fp.kernel_release);
  Get(j, "cpu_model", prefix, fp.cpu_model);
  Get(j, "cpu_count", prefix, fp.cpu_count);
  Get(j, "memory_total_bytes", prefix, fp.memory_total_bytes);
  Get(j, "fio_version", prefix, fp.fio_version);
  Get(j, "mpi_ranks", prefix, fp.mpi_ranks);
  Get(j, "mpi_nodes", prefix, fp.mpi_nodes);
  Get(j, "fio_servers", prefix, fp.fio_servers);
}

// ---- differences ----

constexpr std::array kMachineFields = {"kernel_release",     "cpu_model",   "cpu_count",
                                       "memory_total_bytes", "fio_version", "mpi_ranks",
                                       "mpi_nodes",          "fio_servers"};
constexpr std::array kDeviceFields = {"kind",
                                      "model",
                                      "vendor",
                                      "rotational",
                                      "logical_block_size_bytes",
                                      "physical_block_size_bytes",
                                      "scheduler",
                                      "nr_requests",
                                      "read_ahead_kb",
                                      "fs_type",
                                      "mount_options",
                                      "superblock_options"};

const nlohmann::json* Field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string Display(const nlohmann::json* value) {
  if (value == nullptr) return "(absent)";
  if (value->is_string()) {
    const auto& text = value->get_ref<const std::string&>();
    return text.empty() ? "(empty)" : text;
  }
  return value->dump();
}

void CompareFields(const nlohmann::json& a, const nlohmann::json& b, std::string_view prefix,
                   const auto& fields, std::vector<std::string>& out) {
  for (const char* key : fields) {
    const auto* va = Field(a, key);
    const auto* vb = Field(b, key);
    if (va == nullptr && vb == nullptr) continue;
    if (va != nullptr && vb != nullptr && *va == *vb) continue;
    out.push_back(fmt::format("{}{}: {} → {}", prefix, key, Display(va), Display(vb)));
  }
}

void CompareDevices(const nlohmann::json& a, const nlohmann::json& b, const std::string& prefix,
                    std::vector<std::string>& out, int depth) {
  CompareFields(a, b, prefix, kDeviceFields, out);
  if (depth >= kMaxDepth) return;
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const auto* la = Field(a, "lower_devices");
  const auto* lb = Field(b, "lower_devices");
  const auto& lower_a = la != nullptr && la->is_array() ? *la : kEmpty;
  const auto& lower_b = lb != nullptr && lb->is_array() ? *lb : kEmpty;
  if (lower_a.size() != lower_b.size()) {
    out.push_back(
        fmt::format("{}lower_devices: {} → {} devices", prefix, lower_a.size(), lower_b.size()));
  }
  for (size_t i = 0; i < std::min(lower_a.size(), lower_b.size()); ++i) {
    CompareDevices(lower_a[i], lower_b[i], fmt::format("{}lower_devices[{}].", prefix, i), out,
                   depth + 1);
  }
}

}  // namespace

std::string ActiveScheduler(std::string_view text) {
  const auto open = text.find('[');
  if (open != std::string_view::npos) {
    const auto close = text.find(']', open);
    if (close != std::string_view::npos)
      return std::string(Trim(text.substr(open + 1, close - open - 1), kLineWhitespace));
  }
  const std::string trimmed(Trim(text, kLineWhitespace));
  // Without brackets, only a single word is unambiguous.
  if (trimmed.find_first_of(" \t") != std::string::npos) return {};
  return trimmed;
}

CpuInfo ParseCpuinfo(std::string_view text) {
  CpuInfo info;
  // Preference order across architectures: x86 "model name", old ARM "Processor", MIPS
  // "cpu model", POWER "cpu", and some ARM boards' "Hardware".
  constexpr std::array kModelKeys = {"model name", "Processor", "cpu model", "cpu", "Hardware"};
  std::array<std::string, kModelKeys.size()> found{};
  std::string implementer, part;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string key(Trim(line.substr(0, colon), kLineWhitespace));
    const std::string value(Trim(line.substr(colon + 1), kLineWhitespace));
    if (key == "processor") ++info.count;
    for (size_t i = 0; i < kModelKeys.size(); ++i) {
      if (key == kModelKeys[i] && found[i].empty()) found[i] = value;
    }
    if (key == "CPU implementer" && implementer.empty()) implementer = value;
    if (key == "CPU part" && part.empty()) part = value;
  }
  for (const auto& model : found) {
    if (!model.empty()) {
      info.model = model;
      break;
    }
  }
  // arm64 names no model, only the implementer and part numbers.
  if (info.model.empty() && !implementer.empty()) {
    info.model = fmt::format("implementer {} part {}", implementer, part);
  }
  return info;
}

uint64_t ParseMemTotalBytes(std::string_view text) {
  const auto pos = text.find("MemTotal:");
  if (pos == std::string_view::npos) return 0;
  auto rest = text.substr(pos + 9);
  rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
  uint64_t kib = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kib);
  if (ec != std::errc()) return 0;
  // /proc/meminfo's "kB" is KiB.
  return kib * 1024;
}

DeviceFingerprint FingerprintDevice(const BlockDevice& device, const SystemPaths& system) {
  return DeviceFingerprintAt(device, system, 0);
}

DeviceFingerprint FingerprintPath(const PathDevice& path_device, const SystemPaths& system) {
  return PathFingerprintAt(path_device, system, 0);
}

MachineFingerprint FingerprintMachine(const fs::path& proc_root, bool probe_fio) {
  MachineFingerprint fp;
  struct utsname names {};
  if (::uname(&names) == 0) {
    fp.hostname = names.nodename;
    fp.kernel_release = names.release;
  }
  const CpuInfo cpu = ParseCpuinfo(ReadProcFile(proc_root / "cpuinfo"));
  fp.cpu_model = cpu.model;
  fp.cpu_count = cpu.count;
  fp.memory_total_bytes = ParseMemTotalBytes(ReadProcFile(proc_root / "meminfo"));
  if (probe_fio) fp.fio_version = FioVersion();
  return fp;
}

Fingerprint TakeFingerprint(const fs::path& data_path, const SystemPaths& system) {
  Fingerprint fp;
  fp.device = FingerprintPath(ResolvePath(data_path, system), system);
  fp.machine = FingerprintMachine();
  return fp;
}

std::vector<std::string> FingerprintDifferences(const nlohmann::json& a, const nlohmann::json& b) {
  static const nlohmann::json kNull;
  const auto part = [](const nlohmann::json& j, const char* key) -> const nlohmann::json& {
    const auto* field = Field(j, key);
    return field != nullptr ? *field : kNull;
  };
  std::vector<std::string> out;
  CompareFields(part(a, "machine"), part(b, "machine"), "machine.", kMachineFields, out);
  CompareDevices(part(a, "device"), part(b, "device"), "device.", out, 0);
  return out;
}

void to_json(nlohmann::json& j, const DeviceFingerprint& fp) {
  j = nlohmann::json{{"name", fp.name},
                     {"kind", fp.kind},
                     {"parent_disk", fp.parent_disk},
                     {"model", fp.model},
                     {"vendor", fp.vendor},
                     {"size_bytes", fp.size_bytes},
                     {"rotational", fp.rotational},
                     {"logical_block_size_bytes", fp.logical_block_size_bytes},
                     {"physical_block_size_bytes", fp.physical_block_size_bytes},
                     {"scheduler", fp.scheduler},
                     {"nr_requests", fp.nr_requests},
                     {"read_ahead_kb", fp.read_ahead_kb},
                     {"loop_backing_file", fp.loop_backing_file},
                     {"dm_name", fp.dm_name},
                     {"md_level", fp.md_level},
                     {"mount_point", fp.mount_point},
                     {"fs_type", fp.fs_type},
                     {"mount_options", fp.mount_options},
                     {"superblock_options", fp.superblock_options},
                     {"no_device_reason", fp.no_device_reason},
                     {"lower_devices", fp.lower_devices}};
}

void from_json(const nlohmann::json& j, DeviceFingerprint& fp) { DeviceFromJson(j, "", fp, 0); }

void to_json(nlohmann::json& j, const MachineFingerprint& fp) {
  j = nlohmann::json{{"hostname", fp.hostname},
                     {"kernel_release", fp.kernel_release},
                     {"cpu_model", fp.cpu_model},
                     {"cpu_count", fp.cpu_count},
                     {"memory_total_bytes", fp.memory_total_bytes},
                     {"fio_version", fp.fio_version}};
  if (fp.mpi_ranks > 0) {
    j["mpi_ranks"] = fp.mpi_ranks;
    j["mpi_nodes"] = fp.mpi_nodes;
  }
  if (!fp.fio_servers.empty()) j["fio_servers"] = fp.fio_servers;
}

void from_json(const nlohmann::json& j, MachineFingerprint& fp) { MachineFromJson(j, "", fp); }

void to_json(nlohmann::json& j, const Fingerprint& fp) {
  j = nlohmann::json{{"machine", fp.machine}, {"device", fp.device}};
}

void from_json(const nlohmann::json& j, Fingerprint& fp) {
  RequireObject(j, "");
  fp = Fingerprint{};
  if (const auto it = j.find("machine"); it != j.end() && !it->is_null()) {
    MachineFromJson(*it, "machine.", fp.machine);
  }
  if (const auto it = j.find("device"); it != j.end() && !it->is_null()) {
    DeviceFromJson(*it, "device.", fp.device, 0);
  }
}

}  // namespace feedbench
