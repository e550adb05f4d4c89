#include "harness/measure/sampled_window.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/base/errors.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A one-device stand-in for /proc/diskstats (kernel 5.5+ layout, 20 fields).
void WriteDiskstats(const fs::path& path, uint64_t read_sectors) {
  std::ofstream(path) << "   8       0 sda 100 0 " << read_sectors
                      << " 50 0 0 0 0 0 60 50 0 0 0 0 0 0\n";
}

// sda's line, garbled: the sampler cannot parse it.
void GarbleDiskstats(const fs::path& path) {
  std::ofstream(path) << "   8       0 sda one two three\n";
}

SamplerOptions Options(const fs::path& diskstats,
                       std::chrono::milliseconds interval = 60000ms /* first and last only */) {
  SamplerOptions options;
  options.devices = {"sda"};
  options.interval = interval;
  options.diskstats_path = diskstats.string();
  return options;
}

TEST(SampledWindow, SpansExactlyTheWork) {
  feedbench::testing::TempDir dir("/tmp");
  const fs::path diskstats = dir.path() / "diskstats";
  WriteDiskstats(diskstats, 1000);
  const SampledWindow window =
      RunSampled(Options(diskstats), [&] { WriteDiskstats(diskstats, 1000 + 2048); });
  const auto sda = window.SummaryOf("sda");
  ASSERT_TRUE(sda.has_value());
  EXPECT_EQ(sda->read_bytes, 2048u * 512u);  // sectors are 512 bytes in diskstats
  EXPECT_FALSE(window.SummaryOf("sdb").has_value());
}

// A repetition far shorter than the interval (here 60 s) still has its timeline: a row at its
// start, with every rate 0, and one at its end, over the whole window.
TEST(SampledWindow, AWindowShorterThanTheIntervalHasARowAtItsStartAndAtItsEnd) {
  feedbench::testing::TempDir dir("/tmp");
  const fs::path diskstats = dir.path() / "diskstats";
  WriteDiskstats(diskstats, 1000);
  const SampledWindow window =
      RunSampled(Options(diskstats), [&] { WriteDiskstats(diskstats, 1000 + 2048); });
  ASSERT_EQ(window.rows.size(), 2u);
  EXPECT_EQ(window.rows[0].device, "sda");
  EXPECT_EQ(window.rows[0].offset_sec, 0.0);
  EXPECT_EQ(window.rows[0].figures.r_per_sec, 0.0);
  EXPECT_EQ(window.rows[1].device, "sda");
  EXPECT_GE(window.rows[1].offset_sec, window.rows[0].offset_sec);
  // The end row's rates are over the interval in which the read happened.
  if (window.rows[1].offset_sec > 0) EXPECT_GT(window.rows[1].figures.rkb_per_sec, 0.0);
}

TEST(SampledWindow, WithoutDevicesTheWorkRunsUnsampled) {
  bool ran = false;
  const SampledWindow window = RunSampled({}, 100ms, [&] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_TRUE(window.summaries.empty());
  EXPECT_TRUE(window.rows.empty());
}

TEST(SampledWindow, TheWorksErrorSurvivesASamplerThatFailsToo) {
  feedbench::testing::TempDir dir("/tmp");
  const fs::path diskstats = dir.path() / "diskstats";
  WriteDiskstats(diskstats, 1000);
  try {
    RunSampled(Options(diskstats, 1ms), [&] {
      GarbleDiskstats(diskstats);
      std::this_thread::sleep_for(50ms);  // the sampling thread meets the garbled line
      throw RunError("read /data/x: Input/output error");
    });
    FAIL() << "no exception";
  } catch (const RunError& e) {
    EXPECT_STREQ(e.what(), "read /data/x: Input/output error");
  }
}

// One unreadable line of the sampled device while the work runs costs that interval only: the
// window still ends with its figures, and the summary says what was skipped (diskstats.h).
TEST(SampledWindow, AnUnreadableLineMidWindowIsNotedAndTheWindowStillEnds) {
  feedbench::testing::TempDir dir("/tmp");
  const fs::path diskstats = dir.path() / "diskstats";
  WriteDiskstats(diskstats, 1000);
  const SampledWindow window = RunSampled(Options(diskstats, 1ms), [&] {
    GarbleDiskstats(diskstats);
    std::this_thread::sleep_for(50ms);  // the sampling thread meets the garbled line
    WriteDiskstats(diskstats, 3000);
    std::this_thread::sleep_for(20ms);
  });
  ASSERT_EQ(window.summaries.size(), 1u);
  EXPECT_FALSE(window.summaries[0].notes.empty());
  EXPECT_EQ(window.summaries[0].read_bytes, 2000u * 512);
}

// Two windows taken one after the other (a cold repetition's epochs) are one window without the
// gap between them: counts add up, iostat's figures are those of the summed deltas over the
// summed seconds (hand-computed), rows are appended and node activity is time-weighted.
TEST(SampledWindow, AppendedWindowsAreOneWindowWithoutTheGap) {
  auto window = [](double seconds, uint64_t read_ios, uint64_t read_ticks_ms, uint64_t io_ticks_ms,
                   double steal_pct) {
    SampledWindow w;
    WindowSummary s;
    s.device = "sda";
    s.duration_sec = seconds;
    s.total.read_ios = read_ios;
    s.total.read_sectors = read_ios * 8;  // 4 KiB reads
    s.total.read_ticks_ms = read_ticks_ms;
    s.total.io_ticks_ms = io_ticks_ms;
    s.total.time_in_queue_ms = read_ticks_ms;
    s.read_ios = read_ios;
    s.read_bytes = read_ios * 4096;
    s.figures = ComputeIostat(s.total, seconds * 1000);
    s.start_utc = "start" + std::to_string(read_ios);
    s.end_utc = "end" + std::to_string(read_ios);
    s.notes = {"a note"};
    w.summaries.push_back(s);
    w.rows.resize(2);
    w.activity.window_sec = seconds;
    w.activity.own_read_bytes = s.read_bytes;
    w.activity.cpu_steal_pct = steal_pct;
    w.activity.foreign_cpu_pct = 2 * steal_pct;
    w.activity.foreign_cpu_sec = steal_pct / 10;
    return w;
  };
  SampledWindow total;
  AppendWindow(total, window(1.0, 100, 200, 500, 10));
  AppendWindow(total, window(3.0, 300, 1800, 1500, 2));
  ASSERT_EQ(total.summaries.size(), 1u);
  const WindowSummary& s = total.summaries[0];
  EXPECT_EQ(s.read_ios, 400u);
  EXPECT_EQ(s.read_bytes, 400u * 4096);
  EXPECT_DOUBLE_EQ(s.duration_sec, 4.0);
  EXPECT_DOUBLE_EQ(s.figures.r_per_sec, 100.0);     // 400 reads in 4 s
  EXPECT_DOUBLE_EQ(s.figures.r_await_ms, 5.0);      // 2000 ms of reads / 400 reads
  EXPECT_DOUBLE_EQ(s.figures.util_pct, 50.0);       // 2000 ms busy of 4000 ms
  EXPECT_DOUBLE_EQ(s.figures.aqu_sz, 0.5);          // 2000 ms in queue / 4000 ms
  EXPECT_DOUBLE_EQ(s.figures.rareq_kb, 4.0);
  EXPECT_EQ(s.start_utc, "start100");
  EXPECT_EQ(s.end_utc, "end300");
  EXPECT_EQ(s.notes, std::vector<std::string>{"a note"});
  EXPECT_EQ(total.rows.size(), 4u);
  EXPECT_DOUBLE_EQ(total.activity.window_sec, 4.0);
  EXPECT_EQ(total.activity.own_read_bytes, 400u * 4096);
  EXPECT_DOUBLE_EQ(*total.activity.cpu_steal_pct, 4.0);  // (10 x 1 + 2 x 3) / 4
  EXPECT_DOUBLE_EQ(*total.activity.foreign_cpu_pct, 8.0);  // (20 x 1 + 4 x 3) / 4
  EXPECT_DOUBLE_EQ(*total.activity.foreign_cpu_sec, 1.2);  // 1.0 + 0.2
  EXPECT_EQ(total.activity.io_pressure_pct, std::nullopt);
}

}  // namespace
}  // namespace feedbench
