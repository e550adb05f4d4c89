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

}  // namespace
}  // namespace feedbench
