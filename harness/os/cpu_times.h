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

// One process's CPU time, from /proc/[pid]/stat (proc(5)), in the same USER_HZ ticks as
// /proc/stat: the whole thread group's user and system time (utime + stime), and that of the
// children it has waited for (cutime + cstime: fio, once reaped). Cumulative; only differences
// mean anything.
struct ProcessCpuTicks {
  uint64_t self_ticks = 0;      // utime + stime
  uint64_t children_ticks = 0;  // cutime + cstime

  uint64_t total_ticks() const { return self_ticks + children_ticks; }
};

// Parses the one line of /proc/[pid]/stat. The command name (field 2) is in parentheses and may
// hold blanks and parentheses itself, so fields are counted from the last ')'. nullopt when the
// line has no ')' or fewer than 17 fields, or utime..cstime are not unsigned numbers.
std::optional<ProcessCpuTicks> ParseProcessCpuTicks(std::string_view proc_pid_stat_text);

// Reads and parses `path`; nullopt when it cannot be read or parsed.
std::optional<ProcessCpuTicks> ReadProcessCpuTicks(
    const std::filesystem::path& path = "/proc/self/stat");

}  // namespace feedbench
