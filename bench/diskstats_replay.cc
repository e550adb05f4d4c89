// iostat -x figures from two /proc/diskstats snapshots kept as files, with feedbench's own parser
// and math (harness/measure/diskstats.h), for replaying recorded data such as sysstat's
// regression snapshots (bench/sysstat_replay.sh).
//
//   diskstats_replay PREV CURR INTERVAL_MS
//
// PREV is a diskstats file, or "-" for counters since boot (all zero, as iostat's first report).
// Prints a CSV header and one row per device of CURR, in file order, with iostat's column names
// (-x's, then -xs's combined "await");
// a device missing from PREV is taken from zero. Exit 0; 2 for bad arguments or unreadable files.
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "harness/measure/diskstats.h"

namespace {

bool ReadText(const std::string& path, std::string& text) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  text = s.str();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using feedbench::DiskCounters;
  if (argc != 4) {
    fmt::print(stderr, "usage: diskstats_replay PREV|- CURR INTERVAL_MS\n");
    return 2;
  }
  const std::string prev_path = argv[1], curr_path = argv[2];
  char* end = nullptr;
  const double interval_ms = std::strtod(argv[3], &end);
  if (end == argv[3] || *end != '\0' || !(interval_ms > 0)) {
    fmt::print(stderr, "diskstats_replay: INTERVAL_MS '{}': expected a number of ms above 0\n",
               argv[3]);
    return 2;
  }
  std::string prev_text, curr_text;
  if (prev_path != "-" && !ReadText(prev_path, prev_text)) {
    fmt::print(stderr, "diskstats_replay: {}: cannot read\n", prev_path);
    return 2;
  }
  if (!ReadText(curr_path, curr_text)) {
    fmt::print(stderr, "diskstats_replay: {}: cannot read\n", curr_path);
    return 2;
  }
  const feedbench::DiskstatsSnapshot prev = feedbench::ParseDiskstats(prev_text);
  const feedbench::DiskstatsSnapshot curr = feedbench::ParseDiskstats(curr_text);
  fmt::print(
      "Device,r/s,rkB/s,rrqm/s,%rrqm,r_await,rareq-sz,w/s,wkB/s,wrqm/s,%wrqm,w_await,wareq-sz,"
      "d/s,dkB/s,drqm/s,%drqm,d_await,dareq-sz,f/s,f_await,aqu-sz,%util,await\n");
  for (const DiskCounters& c : curr.devices) {
    const DiskCounters* p = feedbench::FindDevice(prev.devices, c.name);
    const DiskCounters zero{.major = c.major, .minor = c.minor, .name = c.name};
    const feedbench::IostatFigures f = feedbench::ComputeIostat(p ? *p : zero, c, interval_ms);
    fmt::print("{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},"
               "{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f}\n",
               c.name, f.r_per_sec, f.rkb_per_sec, f.rrqm_per_sec, f.rrqm_pct, f.r_await_ms,
               f.rareq_kb, f.w_per_sec, f.wkb_per_sec, f.wrqm_per_sec, f.wrqm_pct, f.w_await_ms,
               f.wareq_kb, f.d_per_sec, f.dkb_per_sec, f.drqm_per_sec, f.drqm_pct, f.d_await_ms,
               f.dareq_kb, f.f_per_sec, f.f_await_ms, f.aqu_sz, f.util_pct, f.await_ms);
  }
  return 0;
}
