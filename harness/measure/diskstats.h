// /proc/diskstats snapshots and iostat's extended statistics between two of them.
//
// A snapshot is one parse of /proc/diskstats: one DiskCounters per readable line, and one
// LineProblem per line that was skipped or had a field count no kernel is known to print. As in
// iostat (sysstat), a line of 14 or more fields is read: its first 14 always (kernels before
// 4.18), fields 15-18 (discards, 4.18+) when it has 18 or more, fields 19-20 (flushes, 5.5+) when
// it has 20 or more; fields beyond those are ignored. A line of fewer than 14 fields, or one whose
// fields in use are not all non-negative integers, is skipped. A snapshot never fails as a whole:
// one odd line costs at most that line's device.
// Counts are 64-bit. The *_ticks_ms fields are 32-bit in the kernel (unsigned int in
// diskstats_show) and wrap; DeltaCounters takes wrap-correct deltas and gives 0 (and says so) for
// a counter that went backwards. Figures follow sysstat's `iostat -x` definitions exactly (see
// ComputeIostat). All functions are pure and thread-safe; none throws but std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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

// A line that was skipped, or read with a field count no kernel is known to print (14, 18, 20).
struct LineProblem {
  int line = 0;         // 1-based line number in the text
  std::string device;   // the line's third field; empty when it has fewer than three
  int field_count = 0;  // whitespace-separated fields on the line
  bool skipped = true;  // false: its known counters were read; only the field count was odd
  std::string message;  // what was found and what was expected: "13 fields, expected at least 14"
};

// One parse of /proc/diskstats.
struct DiskstatsSnapshot {
  std::vector<DiskCounters> devices;  // the readable lines, in file order
  std::vector<LineProblem> problems;  // in file order; empty for a well-formed text
};

// Parses the whole text of /proc/diskstats. An empty text gives an empty snapshot.
DiskstatsSnapshot ParseDiskstats(std::string_view text);

// Same as ParseDiskstats, but parses into `out`, reusing its capacity (and that of the names) so a
// sampler parsing every interval does not allocate.
void ParseDiskstatsInto(std::string_view text, DiskstatsSnapshot& out);

// Parses only the lines of the devices in `names`, as a sampler does every interval: out[i] gets
// the counters of names[i], or keeps an empty name when no readable line has that device. Other
// lines are only split far enough to read their name (so their problems go unnoticed). `problems`
// is cleared, then gets the problems of the named devices' lines. Reuses both vectors' capacity.
void ParseDiskstatsDevices(std::string_view text, const std::vector<std::string>& names,
                           std::vector<DiskCounters>& out, std::vector<LineProblem>& problems);

// One line parsed: `counters` unless the line was skipped; `problem` when it was skipped or its
// field count was odd (then both are set).
struct LineParse {
  std::optional<DiskCounters> counters;
  std::optional<LineProblem> problem;
};

// Parses one line (line_number only labels the problem).
LineParse ParseDiskstatsLine(std::string_view line, int line_number);

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

// The counters of a CounterDelta, each a bit of CounterDelta::went_backwards.
enum class CounterField : uint8_t {
  kReadIos,
  kReadMerges,
  kReadSectors,
  kReadTicks,
  kWriteIos,
  kWriteMerges,
  kWriteSectors,
  kWriteTicks,
  kDiscardIos,
  kDiscardMerges,
  kDiscardSectors,
  kDiscardTicks,
  kFlushIos,
  kFlushTicks,
  kIoTicks,
  kTimeInQueue,
};
inline constexpr int kCounterFieldCount = 16;

// The DiskCounters member name of `field`: "read_ios", "io_ticks_ms".
std::string_view CounterFieldName(CounterField field);

// Exact deltas between two snapshots of one device (wrap-correct for the 32-bit tick fields).
// A counter that went backwards while the device was not re-added (an accounting slip, a driver
// that restarted one counter) is neither a reset nor a wrap: its delta is 0 for the interval and
// its bit is set in went_backwards, so that the caller can say so. A count wraps only on 32-bit
// kernels (unsigned long), a tick field at 2^32 everywhere; a wrap is told from a step back by
// serial-number arithmetic (RFC 1982): a 32-bit difference below 2^31 is a wrap, one above is a
// step back. So a tick delta is valid up to 2^31 ms (time_in_queue_ms is weighted by queue depth:
// ~18 hours at depth 32), far beyond a sampling interval.
struct CounterDelta {
  uint64_t read_ios = 0, read_merges = 0, read_sectors = 0, read_ticks_ms = 0;
  uint64_t write_ios = 0, write_merges = 0, write_sectors = 0, write_ticks_ms = 0;
  uint64_t discard_ios = 0, discard_merges = 0, discard_sectors = 0, discard_ticks_ms = 0;
  uint64_t flush_ios = 0, flush_ticks_ms = 0;
  uint64_t io_ticks_ms = 0, time_in_queue_ms = 0;
  bool reset = false;  // the device's counters went backwards: it was re-added; prev taken as zero
  uint32_t went_backwards = 0;  // bit 1 << CounterField per counter counted as 0 (not a reset)

  bool WentBackwards(CounterField field) const {
    return ((went_backwards >> static_cast<int>(field)) & 1u) != 0;
  }
  // Adds another interval's deltas: a window's total is the sum of its intervals' deltas. The
  // flags are or-ed.
  CounterDelta& operator+=(const CounterDelta& other);
};

CounterDelta DeltaCounters(const DiskCounters& prev, const DiskCounters& curr);

// The names of the counters flagged in delta.went_backwards, comma-separated ("read_ios,
// io_ticks_ms"); empty when none.
std::string BackwardsCounterNames(const CounterDelta& delta);

// iostat's figures from a delta over interval_ms milliseconds (interval_ms > 0).
IostatFigures ComputeIostat(const CounterDelta& delta, double interval_ms);

// Convenience: DeltaCounters then ComputeIostat.
IostatFigures ComputeIostat(const DiskCounters& prev, const DiskCounters& curr, double interval_ms);

// Finds a device by name ("vda", "loop3") in a snapshot.
const DiskCounters* FindDevice(const std::vector<DiskCounters>& snapshot, std::string_view name);

}  // namespace feedbench
