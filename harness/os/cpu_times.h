// The node's CPU time by state, from the aggregate "cpu" line of /proc/stat.
//
// Values are cumulative since boot, in USER_HZ ticks (sysconf(_SC_CLK_TCK), 100 on Linux), summed
// over every CPU; only differences between two readings mean anything, and their ratios need no
// unit. steal is the time a virtual CPU wanted to run but the hypervisor ran something else
// (kernels since 2.6.11). guest and guest_nice are already inside user and nice, so they are not
// kept. Pure parsing plus one reader; safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace feedbench {

struct CpuTimes {
  uint64_t user_ticks = 0, nice_ticks = 0, system_ticks = 0, idle_ticks = 0, iowait_ticks = 0;
  uint64_t irq_ticks = 0, softirq_ticks = 0, steal_ticks = 0;

  // Every state above: the CPUs' whole time.
  uint64_t total_ticks() const {
    return user_ticks + nice_ticks + system_ticks + idle_ticks + iowait_ticks + irq_ticks +
           softirq_ticks + steal_ticks;
  }
};

// Parses the "cpu " line of /proc/stat text (the first line, summed over CPUs). Kernels before
// 2.6.11 have no steal column: steal is 0 then. nullopt when there is no such line or it has fewer
// than 4 numbers.
std::optional<CpuTimes> ParseCpuTimes(std::string_view proc_stat_text);

// Reads and parses `path`; nullopt when it cannot be read or parsed.
std::optional<CpuTimes> ReadCpuTimes(const std::filesystem::path& path = "/proc/stat");

}  // namespace feedbench
