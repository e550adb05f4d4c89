// What else used the node over a window: hand-computed deltas of fake /proc snapshots.
#include "harness/measure/node_activity.h"

#include <gtest/gtest.h>

#include <fstream>

#include <unistd.h>

#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

using std::chrono::milliseconds;

NodeActivitySnapshot Snapshot(milliseconds at, uint64_t own_read_bytes, CpuTimes cpu,
                              uint64_t io_some_us, uint64_t cpu_some_us) {
  NodeActivitySnapshot s;
  s.taken = std::chrono::steady_clock::time_point(at);
  s.own_io = ProcessIoCounters{.read_bytes = own_read_bytes, .write_bytes = 0};
  s.cpu = cpu;
  s.io_pressure = Pressure{.some = {.avg10_pct = 0, .total_us = io_some_us}, .full = {}};
  s.cpu_pressure = Pressure{.some = {.avg10_pct = 0, .total_us = cpu_some_us}, .full = {}};
  return s;
}

CpuTimes Cpu(uint64_t user, uint64_t idle, uint64_t steal) {
  return CpuTimes{.user_ticks = user, .idle_ticks = idle, .steal_ticks = steal};
}

TEST(NodeActivity, DeltasOverTheWindow) {
  // 2 s window; own reads 100 MiB → 160 MiB; CPU ticks: user +150, idle +40, steal +10 (of 200);
  // io some +500000 us, cpu some +100000 us.
  const auto start = Snapshot(milliseconds(1000), 100 << 20, Cpu(1000, 500, 20), 7000000, 300000);
  const auto end = Snapshot(milliseconds(3000), 160 << 20, Cpu(1150, 540, 30), 7500000, 400000);
  const NodeActivity a = ActivityBetween(start, end);
  EXPECT_DOUBLE_EQ(a.window_sec, 2.0);
  EXPECT_EQ(a.own_read_bytes, 60u << 20);
  ASSERT_TRUE(a.cpu_steal_pct.has_value());
  EXPECT_DOUBLE_EQ(*a.cpu_steal_pct, 5.0);  // 10 / 200
  ASSERT_TRUE(a.io_pressure_pct.has_value());
  EXPECT_DOUBLE_EQ(*a.io_pressure_pct, 25.0);  // 0.5 s of 2 s
  EXPECT_DOUBLE_EQ(*a.cpu_pressure_pct, 5.0);  // 0.1 s of 2 s
}

TEST(NodeActivity, ForeignCpuIsTheNodesBusyTimeLessThisProcesssAndItsChildrens) {
  // 2 s on 2 CPUs = 400 ticks. Node: user +200, nice +60, system +40, idle +60, iowait +20,
  // softirq +10, steal +10 (busy 300 of 400). This process: utime+stime +150, its reaped
  // children +30. Others: 300 - 180 = 120 ticks = 30% of the CPU time.
  auto start = Snapshot(milliseconds(0), 0, Cpu(0, 0, 0), 0, 0);
  auto end = Snapshot(milliseconds(2000), 0, Cpu(200, 60, 10), 0, 0);
  end.cpu->nice_ticks = 60;
  end.cpu->system_ticks = 40;
  end.cpu->iowait_ticks = 20;
  end.cpu->softirq_ticks = 10;
  start.own_cpu = ProcessCpuTicks{.self_ticks = 1000, .children_ticks = 5};
  end.own_cpu = ProcessCpuTicks{.self_ticks = 1150, .children_ticks = 35};
  const NodeActivity a = ActivityBetween(start, end);
  ASSERT_TRUE(a.foreign_cpu_pct.has_value());
  EXPECT_DOUBLE_EQ(*a.foreign_cpu_pct, 30.0);
  ASSERT_TRUE(a.foreign_cpu_sec.has_value());
  EXPECT_DOUBLE_EQ(*a.foreign_cpu_sec, 120.0 / static_cast<double>(::sysconf(_SC_CLK_TCK)));
  // This process alone used the busy time: nothing foreign (own above busy clamps at 0).
  end.own_cpu->self_ticks = 1400;
  EXPECT_EQ(ActivityBetween(start, end).foreign_cpu_pct, 0.0);
  // Without /proc/self/stat there is no figure.
  end.own_cpu.reset();
  EXPECT_FALSE(ActivityBetween(start, end).foreign_cpu_pct.has_value());
  Figures f;
  NodeActivity with;
  with.foreign_cpu_pct = 30;
  AddNodeActivityFigures(with, std::nullopt, f);
  EXPECT_EQ(f.Get(Metric::kForeignCpuPct), 30.0);
}

TEST(NodeActivity, AMissingSourceLeavesItsFiguresAbsent) {
  auto start = Snapshot(milliseconds(0), 0, Cpu(0, 0, 0), 0, 0);
  auto end = Snapshot(milliseconds(1000), 10, Cpu(50, 50, 0), 10, 10);
  start.io_pressure.reset();
  end.cpu_pressure.reset();
  end.own_io.reset();
  const NodeActivity a = ActivityBetween(start, end);
  EXPECT_FALSE(a.own_read_bytes.has_value());
  EXPECT_FALSE(a.io_pressure_pct.has_value());
  EXPECT_FALSE(a.cpu_pressure_pct.has_value());
  EXPECT_EQ(a.cpu_steal_pct, 0.0);
}

TEST(NodeActivity, AStallLongerThanTheClockSawIsClampedAndABackwardCounterIsAbsent) {
  const auto start = Snapshot(milliseconds(0), 50, Cpu(10, 10, 5), 0, 900);
  const auto end = Snapshot(milliseconds(1000), 40, Cpu(10, 10, 5), 1000100, 800);
  const NodeActivity a = ActivityBetween(start, end);
  EXPECT_EQ(a.io_pressure_pct, 100.0);
  EXPECT_FALSE(a.cpu_pressure_pct.has_value());
  EXPECT_FALSE(a.own_read_bytes.has_value());
  EXPECT_FALSE(a.cpu_steal_pct.has_value());  // no CPU time passed
}

TEST(NodeActivityFigures, ForeignReadsAreTheDevicesMinusOwn) {
  NodeActivity a;
  a.own_read_bytes = 300 << 20;
  a.cpu_steal_pct = 1.5;
  Figures f;
  AddNodeActivityFigures(a, uint64_t{400} << 20, f);
  EXPECT_EQ(f.Get(Metric::kOwnReadBytes), double(300 << 20));
  EXPECT_EQ(f.Get(Metric::kForeignReadBytes), double(100 << 20));
  EXPECT_DOUBLE_EQ(*f.Get(Metric::kForeignReadPct), 25.0);  // 100 of 400 MiB
  EXPECT_EQ(f.Get(Metric::kCpuStealPct), 1.5);
  EXPECT_FALSE(f.Has(Metric::kIoPressurePct));
}

TEST(NodeActivityFigures, OwnAboveTheDevicesIsNoForeignAndNoDeviceIsNoFigure) {
  NodeActivity a;
  a.own_read_bytes = 500;
  Figures f;
  AddNodeActivityFigures(a, uint64_t{400}, f);
  EXPECT_EQ(f.Get(Metric::kForeignReadBytes), 0.0);
  EXPECT_EQ(f.Get(Metric::kForeignReadPct), 0.0);
  Figures idle;
  AddNodeActivityFigures(a, uint64_t{0}, idle);
  EXPECT_EQ(idle.Get(Metric::kForeignReadPct), 0.0);
  Figures tmpfs;
  AddNodeActivityFigures(a, std::nullopt, tmpfs);
  EXPECT_TRUE(tmpfs.Has(Metric::kOwnReadBytes));
  EXPECT_FALSE(tmpfs.Has(Metric::kForeignReadBytes));
  EXPECT_FALSE(tmpfs.Has(Metric::kForeignReadPct));
}

TEST(NodeActivitySnapshot, ReadsFakeProcFilesAndAbsentPressureIsNotAnError) {
  testing::TempDir dir;
  std::ofstream(dir / "io") << "read_bytes: 4096\nwrite_bytes: 0\n";
  std::ofstream(dir / "stat") << "cpu  10 0 5 100 2 0 1 3 0 0\n";
  std::ofstream(dir / "self-stat")
      << "4242 (python3 (x) y) S 1 4242 1 0 -1 4194304 10 0 0 0 7 3 20 11 20 0 1 0 99 0 0\n";
  NodeActivitySources sources{.process_io = dir / "io",
                              .process_stat = dir / "self-stat",
                              .proc_stat = dir / "stat",
                              .pressure_dir = dir / "no-pressure"};
  const NodeActivitySnapshot s = TakeNodeActivitySnapshot(sources);
  ASSERT_TRUE(s.own_io.has_value());
  EXPECT_EQ(s.own_io->read_bytes, 4096u);
  ASSERT_TRUE(s.cpu.has_value());
  EXPECT_EQ(s.cpu->steal_ticks, 3u);
  ASSERT_TRUE(s.own_cpu.has_value());
  EXPECT_EQ(s.own_cpu->self_ticks, 10u);      // utime 7 + stime 3
  EXPECT_EQ(s.own_cpu->children_ticks, 31u);  // cutime 20 + cstime 11
  EXPECT_FALSE(s.io_pressure.has_value());
  EXPECT_FALSE(s.cpu_pressure.has_value());
}

}  // namespace
}  // namespace feedbench
