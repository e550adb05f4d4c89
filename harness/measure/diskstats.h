// /proc/diskstats snapshots and iostat's extended statistics between two of them.
//
// A snapshot is one parse of /proc/diskstats: one DiskCounters per line. Lines of 14 fields
// (kernels before 4.18), 18 fields (4.18+: discards) and 20 fields (5.5+: flushes) are accepted.
// Counts are 64-bit. The *_ticks_ms fields are 32-bit in the kernel (unsigned int in
// diskstats_show) and wrap; ComputeIostat takes wrap-correct deltas. Figures follow sysstat's
// `iostat -x` definitions exactly (see ComputeIostat). All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace feedbench {

// One line of /proc/diskstats (see the kernel's Documentation/admin-guide/iostats.rst).
struct DiskCounters {
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string name;
  uint64_t read_ios = 0;          // field 1
  uint64_t read_merges = 0;       // field 2
  uint64_t read_sectors = 0;      // field 3, 512-byte sectors
  uint64_t read_ticks_ms = 0;     // field 4 (32-bit in the kernel)
  uint64_t write_ios = 0;         // field 5
  uint64_t write_merges = 0;      // field 6
  uint64_t write_sectors = 0;     // field 7
  uint64_t write_ticks_ms = 0;    // field 8 (32-bit)
  uint64_t in_flight = 0;         // field 9, instantaneous
  uint64_t io_ticks_ms = 0;       // field 10 (32-bit)
  uint64_t time_in_queue_ms = 0;  // field 11, weighted (32-bit)
  bool has_discards = false;      // fields 12-15 present (4.18+)
  uint64_t discard_ios = 0;
  uint64_t discard_merges = 0;
  uint64_t discard_sectors = 0;
  uint64_t discard_ticks_ms = 0;  // (32-bit)
  bool has_flushes = false;       // fields 16-17 present (5.5+)
  uint64_t flush_ios = 0;
  uint64_t flush_ticks_ms = 0;  // (32-bit)
};

// A parse failure: which line (1-based) and why.
struct ParseError {
  int line = 0;
  std::string message;
};

// Parses the whole text of /proc/diskstats. An empty text, a truncated line, a non-numeric field or
// an unknown field count gives a ParseError naming the line; nothing throws.
std::variant<std::vector<DiskCounters>, ParseError> ParseDiskstats(std::string_view text);

// Same as ParseDiskstats, but parses into `out`, reusing its capacity (and that of the names) so a
// sampler parsing every interval does not allocate. On error `out` holds the lines before it.
std::optional<ParseError> ParseDiskstatsInto(std::string_view text, std::vector<DiskCounters>& out);

// Parses only the lines of the devices in `names`, as a sampler does every interval: out[i] gets
// the counters of names[i], or keeps an empty name when no line has that device. Other lines are
// only split far enough to read their name (so their errors go unnoticed). A malformed line of a
// named device is a ParseError. Reuses `out`'s capacity.
std::optional<ParseError> ParseDiskstatsDevices(std::string_view text,
                                                const std::vector<std::string>& names,
                                                std::vector<DiskCounters>& out);

// Parses one line (line_number only labels the error).
std::variant<DiskCounters, ParseError> ParseDiskstatsLine(std::string_view line, int line_number);

// iostat -x figures for one device over one interval. Units are in the names; kB is 1024 bytes as
// in iostat. A figure whose denominator is zero (no I/O in the interval) is 0, never NaN.
struct IostatFigures {
  double r_per_sec = 0, rkb_per_sec = 0, rrqm_per_sec = 0, rrqm_pct = 0, r_await_ms = 0,
         rareq_kb = 0;
  double w_per_sec = 0, wkb_per_sec = 0, wrqm_per_sec = 0, wrqm_pct = 0, w_await_ms = 0,
         wareq_kb = 0;
  double d_per_sec = 0, dkb_per_sec = 0, drqm_per_sec = 0, drqm_pct = 0, d_await_ms = 0,
         dareq_kb = 0;
  double f_per_sec = 0, f_await_ms = 0;
  double aqu_sz = 0;
  double util_pct = 0;
  double await_ms = 0;  // combined await over reads, writes and discards, as iostat's "await"
};

// Exact deltas between two snapshots of one device (wrap-correct for the 32-bit tick fields).
struct CounterDelta {
  uint64_t read_ios = 0, read_merges = 0, read_sectors = 0, read_ticks_ms = 0;
  uint64_t write_ios = 0, write_merges = 0, write_sectors = 0, write_ticks_ms = 0;
  uint64_t discard_ios = 0, discard_merges = 0, discard_sectors = 0, discard_ticks_ms = 0;
  uint64_t flush_ios = 0, flush_ticks_ms = 0;
  uint64_t io_ticks_ms = 0, time_in_queue_ms = 0;
  bool reset = false;  // the device's counters went backwards: it was re-added; prev taken as zero
};

CounterDelta DeltaCounters(const DiskCounters& prev, const DiskCounters& curr);

// iostat's figures from a delta over interval_ms milliseconds (interval_ms > 0).
IostatFigures ComputeIostat(const CounterDelta& delta, double interval_ms);

// Convenience: DeltaCounters then ComputeIostat.
IostatFigures ComputeIostat(const DiskCounters& prev, const DiskCounters& curr, double interval_ms);

// Finds a device by name ("vda", "loop3") in a snapshot.
const DiskCounters* FindDevice(const std::vector<DiskCounters>& snapshot, std::string_view name);

}  // namespace feedbench
