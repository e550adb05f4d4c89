// A process told apart from a later one that reuses its pid: the pid and its start time.
//
// The start time is field 22 of /proc/<pid>/stat (clock ticks after boot), fixed for a process's
// life, so (pid, start ticks) names one process of one boot; the boot is named by
// /proc/sys/kernel/random/boot_id. Reading /proc never throws: a process that is gone, or whose
// entry vanishes while it is read, is simply absent. Thread-safe (no state).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace feedbench {

// What /proc/<pid>/stat says of a process.
struct ProcessStat {
  char state = '?';          // field 3: R, S, D, Z (zombie: it has exited), ...
  pid_t ppid = 0;            // field 4
  uint64_t start_ticks = 0;  // field 22
};

// /proc/<pid>/stat of `pid`, or nullopt when there is no such process.
std::optional<ProcessStat> ReadProcessStat(pid_t pid);

// Whether the process `pid` runs, and its start ticks where /proc shows them. A zombie (exited, not
// yet reaped) does not run. A pid /proc does not show (hidepid, another namespace) but kill(pid, 0)
// finds runs, with unknown start ticks: never taken for gone when it may not be.
struct PidLiveness {
  bool runs = false;
  std::optional<uint64_t> start_ticks;
};
PidLiveness ProbePid(pid_t pid);

// This process's identity.
struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_ticks = 0;  // 0 when /proc/self/stat cannot be read
  std::string boot_id;       // "" when /proc/sys/kernel/random/boot_id cannot be read
};
ProcessIdentity SelfIdentity();

// The id of the running boot (/proc/sys/kernel/random/boot_id without its newline), or "".
std::string BootId();

}  // namespace feedbench
