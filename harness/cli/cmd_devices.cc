// `feedbench devices [PATH...] [--json] [--all]`: what backs each path (mount, block device,
// partition → disk, dm/md slaves, loop backing file) with its fingerprint; with no path, every
// block device. Every path is resolved before anything is printed, so a bad path prints nothing but
// the error (exit 2).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "harness/base/errors.h"
#include "harness/base/units.h"
#include "harness/cli/commands.h"
#include "harness/measure/fingerprint.h"
#include "harness/os/device.h"

namespace feedbench {
namespace {

struct DevicesOptions {
  std::vector<std::string> paths;
  bool json = false;
  bool all = false;
};

std::string OrNone(const std::string& text) { return text.empty() ? "(none)" : text; }

std::string DescribeMachine(const MachineFingerprint& m) {
  return fmt::format("{}, Linux {}, {} × {} CPUs, {} memory, {}", m.hostname, m.kernel_release,
                     OrNone(m.cpu_model), m.cpu_count, FormatBytesIec(m.memory_total_bytes),
                     m.fio_version.empty() ? "fio not on PATH" : m.fio_version);
}

// "vda1 (254:1), partition of vda", "dm-0 (253:0), dm vg-data over sda1, sdb1"
std::string DescribeDevice(const BlockDevice& d) {
  std::string text = fmt::format("{} ({}:{}), {}", d.name, d.major, d.minor, d.kind);
  if (d.is_partition) text += " of " + d.parent_disk;
  if (!d.dm_name.empty()) text += " " + d.dm_name;
  if (!d.md_level.empty()) text += " " + d.md_level;
  if (!d.slaves.empty()) text += fmt::format(" over {}", fmt::join(d.slaves, ", "));
  if (!d.loop_backing_file.empty()) text += " backed by " + d.loop_backing_file;
  return text;
}

void PrintFingerprintLines(const DeviceFingerprint& fp, const std::string& indent) {
  std::printf("%smodel       %s, vendor %s\n", indent.c_str(), OrNone(fp.model).c_str(),
              OrNone(fp.vendor).c_str());
  std::printf("%ssize        %s (%s bytes), %s, blocks %u B logical / %u B physical\n",
              indent.c_str(), FormatBytesIec(static_cast<double>(fp.size_bytes)).c_str(),
              std::to_string(fp.size_bytes).c_str(),
              fp.rotational ? "rotational" : "non-rotational", fp.logical_block_size_bytes,
              fp.physical_block_size_bytes);
  std::printf("%squeue       scheduler %s, nr_requests %u, read_ahead_kb %u\n", indent.c_str(),
              OrNone(fp.scheduler).c_str(), fp.nr_requests, fp.read_ahead_kb);
}

void PrintMount(const DeviceFingerprint& fp, const std::string& indent) {
  std::printf("%smount       %s  %s  (%s; %s)\n", indent.c_str(), OrNone(fp.mount_point).c_str(),
              OrNone(fp.fs_type).c_str(), OrNone(fp.mount_options).c_str(),
              OrNone(fp.superblock_options).c_str());
}

void PrintLower(const DeviceFingerprint& fp, const std::string& indent) {
  for (const auto& lower : fp.lower_devices) {
    if (lower.name.empty()) {
      std::printf("%sbelow       %s\n", indent.c_str(), OrNone(lower.no_device_reason).c_str());
    } else {
      std::printf("%sbelow       %s (%s)\n", indent.c_str(), lower.name.c_str(),
                  lower.kind.c_str());
    }
    const std::string deeper = indent + "  ";
    if (!lower.fs_type.empty()) PrintMount(lower, deeper);
    if (!lower.name.empty()) PrintFingerprintLines(lower, deeper);
    PrintLower(lower, deeper);
  }
}

struct ResolvedPath {
  PathDevice path_device;
  DeviceFingerprint fingerprint;
};

int ShowPaths(const DevicesOptions& options) {
  std::vector<ResolvedPath> resolved;
  for (const auto& path : options.paths) {
    PathDevice path_device = ResolvePath(path);
    DeviceFingerprint fingerprint = FingerprintPath(path_device);
    resolved.push_back({std::move(path_device), std::move(fingerprint)});
  }
  const MachineFingerprint machine = FingerprintMachine();
  if (options.json) {
    nlohmann::json out{{"machine", machine}, {"paths", nlohmann::json::array()}};
    for (const auto& r : resolved) {
      nlohmann::json entry = r.path_device;
      entry["fingerprint"] = r.fingerprint;
      out["paths"].push_back(std::move(entry));
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  std::printf("machine: %s\n", DescribeMachine(machine).c_str());
  for (const auto& r : resolved) {
    const PathDevice& pd = r.path_device;
    std::printf("\n%s\n", pd.path.c_str());
    std::printf("  mount       %s  %s from %s  (%s; %s)\n", OrNone(pd.mount.mount_point).c_str(),
                OrNone(pd.mount.fs_type).c_str(), OrNone(pd.mount.source).c_str(),
                OrNone(pd.mount.options).c_str(), OrNone(pd.mount.super_options).c_str());
    if (!pd.device) {
      std::printf("  device      %s\n", pd.no_device_reason.c_str());
      continue;
    }
    std::printf("  device      %s\n", DescribeDevice(*pd.device).c_str());
    std::printf("  diskstats   %s\n", DiskstatsNameFor(pd).value_or("(none)").c_str());
    PrintFingerprintLines(r.fingerprint, "  ");
    PrintLower(r.fingerprint, "  ");
  }
  return kExitOk;
}

int ShowAllDevices(const DevicesOptions& options) {
  struct Row {
    BlockDevice device;
    DeviceFingerprint fingerprint;
  };
  std::vector<Row> rows;
  for (auto& device : ListBlockDevices()) {
    DeviceFingerprint fingerprint = FingerprintDevice(device);
    // Unattached loop devices and unconfigured zram have size 0: noise unless asked for.
    if (fingerprint.size_bytes == 0 && !options.all) continue;
    rows.push_back({std::move(device), std::move(fingerprint)});
  }
  const MachineFingerprint machine = FingerprintMachine();
  if (options.json) {
    nlohmann::json out{{"machine", machine}, {"devices", nlohmann::json::array()}};
    for (const auto& row : rows) {
      out["devices"].push_back({{"device", row.device}, {"fingerprint", row.fingerprint}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  std::printf("machine: %s\n\n", DescribeMachine(machine).c_str());
  std::vector<std::vector<std::string>> table{{"NAME", "MAJ:MIN", "KIND", "SIZE", "ROTA",
                                               "SCHEDULER", "NR_REQ", "RA_KB", "LOG/PHYS", "VENDOR",
                                               "MODEL", "BELOW"}};
  for (const auto& [d, fp] : rows) {
    std::string below;
    if (d.is_partition) below = "partition of " + d.parent_disk;
    if (!d.slaves.empty()) below = fmt::format("{}", fmt::join(d.slaves, ","));
    if (!d.loop_backing_file.empty()) below = d.loop_backing_file;
    table.push_back(
        {d.name, fmt::format("{}:{}", d.major, d.minor), d.kind,
         FormatBytesIec(static_cast<double>(fp.size_bytes)), fp.rotational ? "yes" : "no",
         OrNone(fp.scheduler), std::to_string(fp.nr_requests), std::to_string(fp.read_ahead_kb),
         fmt::format("{}/{}", fp.logical_block_size_bytes, fp.physical_block_size_bytes),
         OrNone(fp.vendor), OrNone(fp.model), below});
  }
  std::vector<size_t> widths(table.front().size(), 0);
  for (const auto& row : table) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : table) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
  if (rows.empty()) std::printf("(no block devices%s)\n", options.all ? "" : " of non-zero size");
  return kExitOk;
}

}  // namespace

void AddDevicesCommand(CLI::App& app, CommandAction& action) {
  auto options = std::make_shared<DevicesOptions>();
  auto* sub = app.add_subcommand(
      "devices",
      "Show what backs each PATH (mount, block device, partition/dm/md/loop, fingerprint); "
      "with no PATH, every block device");
  sub->add_option("paths", options->paths, "Paths to resolve (files or directories)");
  sub->add_flag("--json", options->json, "Print JSON instead of text");
  sub->add_flag("--all", options->all,
                "With no PATH: also list devices of size 0 (unattached loop devices)");
  sub->callback([&action, options] {
    action = [options] {
      return options->paths.empty() ? ShowAllDevices(*options) : ShowPaths(*options);
    };
  });
}

}  // namespace feedbench
