#include "harness/measure/diskstats.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <optional>
#include <utility>

namespace feedbench {
namespace {

// Whole-line field counts: major, minor, name, then 11 (before 4.18), 15 (4.18+: discards) or
// 17 (5.5+: flushes) counters.
constexpr int kFields14 = 14;
constexpr int kFields18 = 18;
constexpr int kFields20 = 20;
constexpr int kMaxFields = kFields20;  // the fields read; any beyond are ignored, as in iostat

constexpr std::array<std::string_view, kFields20> kFieldNames{"major",
                                                              "minor",
                                                              "name",
                                                              "read_ios",
                                                              "read_merges",
                                                              "read_sectors",
                                                              "read_ticks_ms",
                                                              "write_ios",
                                                              "write_merges",
                                                              "write_sectors",
                                                              "write_ticks_ms",
                                                              "in_flight",
                                                              "io_ticks_ms",
                                                              "time_in_queue_ms",
                                                              "discard_ios",
                                                              "discard_merges",
                                                              "discard_sectors",
                                                              "discard_ticks_ms",
                                                              "flush_ios",
                                                              "flush_ticks_ms"};

constexpr uint64_t kTickMask = 0xffffffffULL;   // the kernel prints these fields as unsigned int
constexpr uint64_t kHalfRange = 0x80000000ULL;  // 2^31: serial-number arithmetic (RFC 1982)

constexpr std::array<std::string_view, kCounterFieldCount> kCounterFieldNames{
    "read_ios",    "read_merges",    "read_sectors",    "read_ticks_ms",
    "write_ios",   "write_merges",   "write_sectors",   "write_ticks_ms",
    "discard_ios", "discard_merges", "discard_sectors", "discard_ticks_ms",
    "flush_ios",   "flush_ticks_ms", "io_ticks_ms",     "time_in_queue_ms"};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Splits a line into at most kMaxFields + 1 whitespace-separated tokens (one more than allowed, so
// that an over-long line is detected without scanning it all); returns the count found.
int Tokenize(std::string_view line, std::array<std::string_view, kMaxFields + 1>& tokens) {
  int count = 0;
  size_t i = 0;
  while (i < line.size() && count <= kMaxFields) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i == line.size()) break;
    const size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    tokens[count++] = line.substr(start, i - start);
  }
  // Count the rest, only to report it.
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i == line.size()) break;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    ++count;
  }
  return count;
}

template <typename T>
bool ParseUnsigned(std::string_view token, T& value) {
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  return ec == std::errc() && ptr == end;
}

// The fields of a line that are read: 14, 18 or 20, the largest known layout the line holds.
int FieldsUsed(int count) {
  if (count >= kFields20) return kFields20;
  if (count >= kFields18) return kFields18;
  return kFields14;
}

// Parses one line into `out`; returns whether it was read. Appends to `problems` when the line
// was skipped or its field count is not a known one. `unterminated`: the line is the last of the
// text and has no newline, as when a read stopped half-way through it.
bool ParseLineInto(std::string_view line, int line_number, bool unterminated, DiskCounters& out,
                   std::vector<LineProblem>& problems) {
  std::array<std::string_view, kMaxFields + 1> tokens;
  const int count = Tokenize(line, tokens);
  auto problem = [&](bool skipped, std::string message) {
    problems.push_back(LineProblem{.line = line_number,
                                   .device = std::string(count >= 3 ? tokens[2] : ""),
                                   .field_count = count,
                                   .skipped = skipped,
                                   .message = std::move(message)});
  };
  const bool known_count = count == kFields14 || count == kFields18 || count == kFields20;
  if (count < kFields14) {
    problem(true, fmt::format("{} fields{}, expected at least 14 (14 before kernel 4.18, 18 from "
                              "4.18, 20 from 5.5); line skipped",
                              count, unterminated ? " and no newline at the end" : ""));
    return false;
  }
  if (unterminated && !known_count) {
    // A line cut short by the read may end inside a number: none of it can be trusted.
    problem(true, fmt::format("{} fields and no newline at the end (a read cut short?), expected "
                              "14, 18 or 20; line skipped",
                              count));
    return false;
  }
  for (int i = 0; i < 2; ++i) {
    if (!ParseUnsigned(tokens[i], i == 0 ? out.major : out.minor)) {
      problem(true, fmt::format("field {} ({}) is not a non-negative integer: '{}'; line skipped",
                                i + 1, kFieldNames[i], tokens[i]));
      return false;
    }
  }
  const int used = FieldsUsed(count);
  std::array<uint64_t, kFields20> v{};
  for (int i = 3; i < used; ++i) {
    if (!ParseUnsigned(tokens[i], v[i])) {
      problem(true, fmt::format("field {} ({}) of {} is not a non-negative integer: '{}'; line "
                                "skipped",
                                i + 1, kFieldNames[i], tokens[2], tokens[i]));
      return false;
    }
  }
  out.name.assign(tokens[2]);
  out.read_ios = v[3];
  out.read_merges = v[4];
  out.read_sectors = v[5];
  out.read_ticks_ms = v[6];
  out.write_ios = v[7];
  out.write_merges = v[8];
  out.write_sectors = v[9];
  out.write_ticks_ms = v[10];
  out.in_flight = v[11];
  out.io_ticks_ms = v[12];
  out.time_in_queue_ms = v[13];
  out.has_discards = used >= kFields18;
  out.discard_ios = v[14];
  out.discard_merges = v[15];
  out.discard_sectors = v[16];
  out.discard_ticks_ms = v[17];
  out.has_flushes = used >= kFields20;
  out.flush_ios = v[18];
  out.flush_ticks_ms = v[19];
  if (!known_count) {
    problem(false, fmt::format("{} fields, expected 14, 18 or 20; read the first {} (as iostat "
                               "does), ignored the rest",
                               count, used));
  }
  return true;
}

// A 64-bit count's delta, or nullopt when it went backwards. On 64-bit kernels these counters
// are unsigned long and do not wrap in practice; on 32-bit kernels they wrap at 2^32. As iostat's
// write_basic_stat does for sectors, a value below a previous one that fits in 32 bits may be a
// 32-bit wrap, but only when the 32-bit difference is below 2^31: a count a little below its
// previous value stepped back (masked, it would be ~4.29e9).
std::optional<uint64_t> CountDelta(uint64_t prev, uint64_t curr) {
  if (curr >= prev) return curr - prev;
  const uint64_t wrapped = (curr - prev) & kTickMask;
  if (prev <= kTickMask && wrapped < kHalfRange) return wrapped;
  return std::nullopt;
}

// A tick field's delta, modulo 2^32: the kernel keeps and prints them as unsigned int, and iostat
// subtracts them as unsigned int, so a wrapped counter still gives the right difference. A value
// below the previous one whose 32-bit difference is 2^31 or more stepped back: nullopt.
std::optional<uint64_t> TickDelta(uint64_t prev, uint64_t curr) {
  if (curr >= prev) return curr - prev;
  const uint64_t wrapped = (curr - prev) & kTickMask;
  if (wrapped < kHalfRange) return wrapped;
  return std::nullopt;
}

double Ratio(double numerator, double denominator) {
  return denominator != 0 ? numerator / denominator : 0.0;
}

}  // namespace

LineParse ParseDiskstatsLine(std::string_view line, int line_number) {
  LineParse parse;
  DiskCounters counters;
  std::vector<LineProblem> problems;
  if (ParseLineInto(line, line_number, false, counters, problems)) {
    parse.counters = std::move(counters);
  }
  if (!problems.empty()) parse.problem = std::move(problems.front());
  return parse;
}

void ParseDiskstatsInto(std::string_view text, DiskstatsSnapshot& out) {
  std::vector<DiskCounters>& devices = out.devices;
  out.problems.clear();
  size_t used = 0;
  int line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    const bool unterminated = end == std::string_view::npos;
    if (unterminated) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    bool blank = true;
    for (const char c : line) blank = blank && IsSpace(c);
    if (blank) continue;
    if (used == devices.size()) devices.emplace_back();
    if (ParseLineInto(line, line_number, unterminated, devices[used], out.problems)) ++used;
  }
  devices.resize(used);
}

void ParseDiskstatsDevices(std::string_view text, const std::vector<std::string>& names,
                           std::vector<DiskCounters>& out, std::vector<LineProblem>& problems) {
  out.resize(names.size());
  for (DiskCounters& counters : out) counters.name.clear();
  problems.clear();
  int line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    const bool unterminated = end == std::string_view::npos;
    if (unterminated) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    // The third token is the name: skip major and minor.
    size_t i = 0;
    std::string_view name;
    for (int token = 0; token < 3; ++token) {
      while (i < line.size() && IsSpace(line[i])) ++i;
      const size_t start = i;
      while (i < line.size() && !IsSpace(line[i])) ++i;
      name = line.substr(start, i - start);
    }
    for (size_t n = 0; n < names.size(); ++n) {
      if (name == names[n]) {
        // A skipped line may have set part of out[n]: its empty name marks it absent.
        if (!ParseLineInto(line, line_number, unterminated, out[n], problems)) out[n].name.clear();
        break;
      }
    }
  }
}

DiskstatsSnapshot ParseDiskstats(std::string_view text) {
  DiskstatsSnapshot snapshot;
  ParseDiskstatsInto(text, snapshot);
  return snapshot;
}

std::string_view CounterFieldName(CounterField field) {
  return kCounterFieldNames[static_cast<size_t>(field)];
}

std::string BackwardsCounterNames(const CounterDelta& delta) {
  std::string names;
  for (int i = 0; i < kCounterFieldCount; ++i) {
    const auto field = static_cast<CounterField>(i);
    if (!delta.WentBackwards(field)) continue;
    if (!names.empty()) names += ", ";
    names += CounterFieldName(field);
  }
  return names;
}

CounterDelta& CounterDelta::operator+=(const CounterDelta& o) {
  read_ios += o.read_ios;
  read_merges += o.read_merges;
  read_sectors += o.read_sectors;
  read_ticks_ms += o.read_ticks_ms;
  write_ios += o.write_ios;
  write_merges += o.write_merges;
  write_sectors += o.write_sectors;
  write_ticks_ms += o.write_ticks_ms;
  discard_ios += o.discard_ios;
  discard_merges += o.discard_merges;
  discard_sectors += o.discard_sectors;
  discard_ticks_ms += o.discard_ticks_ms;
  flush_ios += o.flush_ios;
  flush_ticks_ms += o.flush_ticks_ms;
  io_ticks_ms += o.io_ticks_ms;
  time_in_queue_ms += o.time_in_queue_ms;
  reset = reset || o.reset;
  went_backwards |= o.went_backwards;
  return *this;
}

CounterDelta DeltaCounters(const DiskCounters& prev_in, const DiskCounters& curr) {
  CounterDelta d;
  // iostat (sysstat 12.6, iostat.c, "Try to detect if device has been removed then inserted
  // again"): the sum of read+write+discard+flush I/Os went down, and each of the read, write and
  // discard sector counters either went down or was zero before. Then the previous sample is
  // taken as all zeros.
  const uint64_t prev_ios =
      prev_in.read_ios + prev_in.write_ios + prev_in.discard_ios + prev_in.flush_ios;
  const uint64_t curr_ios = curr.read_ios + curr.write_ios + curr.discard_ios + curr.flush_ios;
  auto down_or_was_zero = [](uint64_t prev, uint64_t now) { return prev == 0 || now < prev; };
  d.reset = curr_ios < prev_ios && down_or_was_zero(prev_in.read_sectors, curr.read_sectors) &&
            down_or_was_zero(prev_in.write_sectors, curr.write_sectors) &&
            down_or_was_zero(prev_in.discard_sectors, curr.discard_sectors);
  const DiskCounters zero;
  const DiskCounters& prev = d.reset ? zero : prev_in;

  // A counter that went backwards counts 0 for the interval, flagged.
  auto set = [&d](CounterField field, uint64_t& delta, std::optional<uint64_t> value) {
    delta = value.value_or(0);
    if (!value) d.went_backwards |= 1u << static_cast<int>(field);
  };
  using F = CounterField;
  set(F::kReadIos, d.read_ios, CountDelta(prev.read_ios, curr.read_ios));
  set(F::kReadMerges, d.read_merges, CountDelta(prev.read_merges, curr.read_merges));
  set(F::kReadSectors, d.read_sectors, CountDelta(prev.read_sectors, curr.read_sectors));
  set(F::kReadTicks, d.read_ticks_ms, TickDelta(prev.read_ticks_ms, curr.read_ticks_ms));
  set(F::kWriteIos, d.write_ios, CountDelta(prev.write_ios, curr.write_ios));
  set(F::kWriteMerges, d.write_merges, CountDelta(prev.write_merges, curr.write_merges));
  set(F::kWriteSectors, d.write_sectors, CountDelta(prev.write_sectors, curr.write_sectors));
  set(F::kWriteTicks, d.write_ticks_ms, TickDelta(prev.write_ticks_ms, curr.write_ticks_ms));
  set(F::kDiscardIos, d.discard_ios, CountDelta(prev.discard_ios, curr.discard_ios));
  set(F::kDiscardMerges, d.discard_merges, CountDelta(prev.discard_merges, curr.discard_merges));
  set(F::kDiscardSectors, d.discard_sectors,
      CountDelta(prev.discard_sectors, curr.discard_sectors));
  set(F::kDiscardTicks, d.discard_ticks_ms,
      TickDelta(prev.discard_ticks_ms, curr.discard_ticks_ms));
  set(F::kFlushIos, d.flush_ios, CountDelta(prev.flush_ios, curr.flush_ios));
  set(F::kFlushTicks, d.flush_ticks_ms, TickDelta(prev.flush_ticks_ms, curr.flush_ticks_ms));
  set(F::kIoTicks, d.io_ticks_ms, TickDelta(prev.io_ticks_ms, curr.io_ticks_ms));
  set(F::kTimeInQueue, d.time_in_queue_ms, TickDelta(prev.time_in_queue_ms, curr.time_in_queue_ms));
  return d;
}

IostatFigures ComputeIostat(const CounterDelta& d, double interval_ms) {
  // iostat takes its interval from /proc/uptime in 1/100 s (itv) and writes every rate as
  // S_VALUE(prev, curr, itv) = delta / itv * 100, i.e. delta per second. Here the interval comes
  // in milliseconds. A non-positive interval gives zero rates (iostat forces itv >= 1).
  const double per_sec = interval_ms > 0 ? 1000.0 / interval_ms : 0.0;
  // Sectors are 512 bytes; iostat's "kB" is sectors / 2 (its fctr), i.e. KiB.
  constexpr double kSectorsPerKb = 2.0;
  IostatFigures f;

  // r/s, rkB/s, rrqm/s: S_VALUE of rd_ios, rd_sectors / fctr, rd_merges.
  // %rrqm = merges / (merges + ios) * 100; r_await = rd_ticks / rd_ios;
  // rareq-sz = rd_sectors / rd_ios / 2 (kB). Each 0 when its denominator is 0 (iostat.c,
  // write_ext_stat). The same for writes and discards.
  f.r_per_sec = d.read_ios * per_sec;
  f.rkb_per_sec = d.read_sectors * per_sec / kSectorsPerKb;
  f.rrqm_per_sec = d.read_merges * per_sec;
  f.rrqm_pct = Ratio(d.read_merges, double(d.read_merges) + double(d.read_ios)) * 100.0;
  f.r_await_ms = Ratio(d.read_ticks_ms, d.read_ios);
  f.rareq_kb = Ratio(d.read_sectors, d.read_ios) / kSectorsPerKb;

  f.w_per_sec = d.write_ios * per_sec;
  f.wkb_per_sec = d.write_sectors * per_sec / kSectorsPerKb;
  f.wrqm_per_sec = d.write_merges * per_sec;
  f.wrqm_pct = Ratio(d.write_merges, double(d.write_merges) + double(d.write_ios)) * 100.0;
  f.w_await_ms = Ratio(d.write_ticks_ms, d.write_ios);
  f.wareq_kb = Ratio(d.write_sectors, d.write_ios) / kSectorsPerKb;

  f.d_per_sec = d.discard_ios * per_sec;
  f.dkb_per_sec = d.discard_sectors * per_sec / kSectorsPerKb;
  f.drqm_per_sec = d.discard_merges * per_sec;
  f.drqm_pct = Ratio(d.discard_merges, double(d.discard_merges) + double(d.discard_ios)) * 100.0;
  f.d_await_ms = Ratio(d.discard_ticks_ms, d.discard_ios);
  f.dareq_kb = Ratio(d.discard_sectors, d.discard_ios) / kSectorsPerKb;

  // f/s = S_VALUE(fl_ios); f_await = fl_ticks / fl_ios, 0 without flushes.
  f.f_per_sec = d.flush_ios * per_sec;
  f.f_await_ms = Ratio(d.flush_ticks_ms, d.flush_ios);

  // aqu-sz = S_VALUE(rq_ticks) / 1000 = Δtime_in_queue_ms / interval_ms.
  f.aqu_sz = interval_ms > 0 ? d.time_in_queue_ms / interval_ms : 0.0;

  // %util: compute_ext_disk_stats (rd_stats.c) sets util = S_VALUE(tot_ticks) and iostat prints
  // util / 10, i.e. Δio_ticks_ms / interval_ms * 100. sysstat 12.6 does not cap it at 100 (a
  // slightly short measured interval can show 100.3%), so neither do we.
  f.util_pct = interval_ms > 0 ? 100.0 * d.io_ticks_ms / interval_ms : 0.0;

  // await (compute_ext_disk_stats): (Δrd_ticks + Δwr_ticks + Δdc_ticks) / (Δrd_ios + Δwr_ios +
  // Δdc_ios). Flushes are in neither sum ("origin (unmerged) flush operations are counted as
  // writes" by the kernel already).
  const uint64_t ios = d.read_ios + d.write_ios + d.discard_ios;
  f.await_ms = Ratio(
      double(d.read_ticks_ms) + double(d.write_ticks_ms) + double(d.discard_ticks_ms), double(ios));
  return f;
}

IostatFigures ComputeIostat(const DiskCounters& prev, const DiskCounters& curr,
                            double interval_ms) {
  return ComputeIostat(DeltaCounters(prev, curr), interval_ms);
}

const DiskCounters* FindDevice(const std::vector<DiskCounters>& snapshot, std::string_view name) {
  for (const DiskCounters& counters : snapshot) {
    if (counters.name == name) return &counters;
  }
  return nullptr;
}

}  // namespace feedbench
