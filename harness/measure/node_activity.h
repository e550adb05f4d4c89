// What else used the node while a piece of work ran: this process's own storage reads, the CPU
// time other work took, CPU steal and pressure stalls, from two snapshots (start and end of a
// window) of /proc/self/io, /proc/self/stat, /proc/stat and /proc/pressure/{io,cpu}.
//
// With the device's read bytes over the same window (the sampler's), the reads that were not this
// process's are foreign: foreign = device read bytes − own read bytes, clamped at 0. Own reads are
// the kernel's task I/O accounting (harness/os/proc_io.h): this process's threads and the
// children it reaped inside the window (fio), charged at submission. Caveats, all of which make
// the foreign figure approximate rather than wrong in one direction: own reads on other devices
// (none in a feedbench repetition, which reads one dataset or one test file) would hide as many
// foreign bytes; bios still in flight at an edge of the window are counted by one side only;
// reads a kernel thread submits for this process (a loop device's worker reading its backing
// file) are charged to the kernel thread — harmless when the sampled device is the loop device
// itself, which the process's own bios reach. A window of a few seconds keeps the edge error
// small against the megabytes a repetition reads.
//
// Figures (harness/measure/measurement.h, meanings in the metric registry):
//   own_read_bytes, foreign_read_bytes, foreign_read_pct (of the device's read bytes; 0 when the
//   device read nothing) — with a sampled device and task I/O accounting;
//   cpu_steal_pct = Δsteal / Δall CPU time × 100 (/proc/stat);
//   foreign_cpu_pct = (Δ(user + nice + system) of the node − Δ(utime + stime + cutime + cstime)
//     of this process) / Δall CPU time × 100, clamped at 0: the share of the node's CPU capacity
//     that other processes ran on (/proc/stat, /proc/self/stat; both in USER_HZ ticks). Idle,
//     iowait, irq, softirq and steal are left out of the node's side: interrupt work serves every
//     process's I/O, this one's included. Kernel threads working for this process (a loop
//     device's worker, writeback) count as foreign; on an idle node a cold reader leaves a few
//     percent. foreign_cpu_sec is the same time in CPU-seconds (ticks ÷ sysconf(_SC_CLK_TCK)).
//   io_pressure_pct, cpu_pressure_pct = Δ"some" total_us / window µs × 100 (PSI), where the kernel
//   has /proc/pressure. A source that is missing leaves its figures absent; a missing
//   /proc/pressure is said once per process on stderr, not an error.
// Snapshots are plain values; taking one reads four small files (no thread, a few µs). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "harness/measure/measurement.h"
#include "harness/os/cpu_times.h"
#include "harness/os/pressure.h"
#include "harness/os/proc_io.h"

namespace feedbench {

// Where the snapshot reads from (tests point these at fake files).
struct NodeActivitySources {
  std::filesystem::path process_io = "/proc/self/io";
  std::filesystem::path process_stat = "/proc/self/stat";
  std::filesystem::path proc_stat = "/proc/stat";
  std::filesystem::path pressure_dir = "/proc/pressure";
};

struct NodeActivitySnapshot {
  std::chrono::steady_clock::time_point taken{};
  std::optional<ProcessIoCounters> own_io;
  std::optional<CpuTimes> cpu;
  std::optional<ProcessCpuTicks> own_cpu;
  std::optional<Pressure> io_pressure, cpu_pressure;
};

// The activity over one window; each figure absent when a snapshot lacked its source.
struct NodeActivity {
  double window_sec = 0;
  std::optional<uint64_t> own_read_bytes;
  std::optional<double> cpu_steal_pct;
  std::optional<double> foreign_cpu_pct;   // other processes' share of the node's CPU time
  std::optional<double> foreign_cpu_sec;   // the same time, CPU-seconds summed over CPUs
  std::optional<double> io_pressure_pct;   // PSI io "some" over the window
  std::optional<double> cpu_pressure_pct;  // PSI cpu "some" over the window
};

// Reads the sources now. Says once per process on stderr when /proc/pressure is missing.
NodeActivitySnapshot TakeNodeActivitySnapshot(const NodeActivitySources& sources = {});

// The activity between two snapshots (pure). Shares are clamped to 0..100 (the PSI total and the
// clock are read microseconds apart); a counter that went backwards gives an absent figure.
NodeActivity ActivityBetween(const NodeActivitySnapshot& start, const NodeActivitySnapshot& end);

// Sets the figures of `activity` in `figures` (pure); foreign reads only when `device_read_bytes`
// (the sampled device's, over the same window) and own reads are both known.
void AddNodeActivityFigures(const NodeActivity& activity, std::optional<uint64_t> device_read_bytes,
                            Figures& figures);

}  // namespace feedbench
