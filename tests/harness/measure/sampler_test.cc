#include "harness/measure/sampler.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "harness/base/errors.h"
#include "tests/support/loop_ext4.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
// These tests have always kept their scratch files on /tmp.
const fs::path kScratchParent = "/tmp";
using namespace std::chrono_literals;

// One fake diskstats line (20 fields). Every number has a fixed width, so rewriting the file in
// place never changes its length or layout.
struct FakeDisk {
  std::string name;
  uint64_t read_ios = 0, read_merges = 0, read_sectors = 0, read_ticks_ms = 0;
  uint64_t write_ios = 0, write_sectors = 0, write_ticks_ms = 0;
  uint64_t io_ticks_ms = 0, time_in_queue_ms = 0;
};

std::string FakeDiskstats(const std::vector<FakeDisk>& disks) {
  std::string text;
  uint32_t minor = 0;
  for (const FakeDisk& d : disks) {
    text += fmt::format(
        "{:4d} {:7d} {:<6} {:12d} {:12d} {:12d} {:12d} {:12d} {:12d} {:12d} {:12d} {:12d} {:12d} "
        "{:12d} {:12d} {:12d} {:12d} {:12d} {:12d} {:12d}\n",
        8, minor++ * 16, d.name, d.read_ios, d.read_merges, d.read_sectors, d.read_ticks_ms,
        d.write_ios, 0, d.write_sectors, d.write_ticks_ms, 0, d.io_ticks_ms, d.time_in_queue_ms, 0,
        0, 0, 0, 0, 0);
  }
  return text;
}

// The lines of `disks` with the line of `name` cut to (or padded with zeros to) `fields` fields.
std::string WithFieldCount(const std::vector<FakeDisk>& disks, const std::string& name,
                           size_t fields) {
  std::istringstream lines(FakeDiskstats(disks));
  std::string text;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream split(line);
    std::vector<std::string> tokens;
    for (std::string token; split >> token;) tokens.push_back(token);
    if (tokens.size() >= 3 && tokens[2] == name) {
      tokens.resize(fields, "0");
      line = fmt::format("{}", fmt::join(tokens, " "));
    }
    text += line + "\n";
  }
  return text;
}

// Rewrites the file in place (same inode: the sampler keeps its descriptor open).
void Overwrite(const fs::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(text.size())), 0);
  ::close(fd);
}

class FakeDiskstatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = {{.name = "sda", .read_ios = 1000, .read_sectors = 80000, .read_ticks_ms = 5000},
          {.name = "sdb", .write_ios = 10, .write_sectors = 80, .write_ticks_ms = 20}};
    // sda reads 400 I/Os of 200 sectors (100 kB), 800 ms of read time; sdb writes 5 I/Os.
    b_ = a_;
    b_[0].read_ios += 400;
    b_[0].read_merges += 100;
    b_[0].read_sectors += 80000;
    b_[0].read_ticks_ms += 800;
    b_[0].io_ticks_ms += 300;
    b_[0].time_in_queue_ms += 900;
    b_[1].write_ios += 5;
    b_[1].write_sectors += 40;
    b_[1].write_ticks_ms += 15;
    Overwrite(path(), FakeDiskstats(a_));
  }
  fs::path path() const { return dir_.path() / "diskstats"; }
  SamplerOptions Options(std::chrono::milliseconds interval) const {
    SamplerOptions options;
    options.devices = {"sda", "sdb"};
    options.interval = interval;
    options.diskstats_path = path().string();
    return options;
  }

  TempDir dir_{kScratchParent};
  std::vector<FakeDisk> a_, b_;
};

template <typename Fn>
std::string UsageErrorMessage(Fn&& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no UsageError";
  return "";
}

TEST_F(FakeDiskstatsTest, RejectsIntervalOutsideOneMillisecondToSixtySeconds) {
  for (const auto interval : {0ms, -5ms, 60001ms}) {
    const std::string message = UsageErrorMessage([&] { Sampler sampler(Options(interval)); });
    EXPECT_NE(message.find("--interval-ms"), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(interval.count())), std::string::npos) << message;
  }
  EXPECT_NO_THROW(Sampler sampler(Options(1ms)));
  EXPECT_NO_THROW(Sampler sampler(Options(60000ms)));
}

TEST_F(FakeDiskstatsTest, RejectsDeviceNotInDiskstatsNamingItAndTheFile) {
  SamplerOptions options = Options(1000ms);
  options.devices = {"sda", "nvme9n1"};
  const std::string message = UsageErrorMessage([&] { Sampler sampler(options); });
  EXPECT_NE(message.find("'nvme9n1' is not in " + path().string()), std::string::npos) << message;
  EXPECT_NE(message.find("sdb"), std::string::npos) << message;  // lists what is there
}

TEST_F(FakeDiskstatsTest, ADeviceNamedTwiceIsSampledOnce) {
  SamplerOptions options = Options(60000ms);
  options.devices = {"sdb", "sda", "sdb"};
  Sampler sampler(options);
  sampler.Start();
  const auto summaries = sampler.Stop();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].device, "sdb");
  EXPECT_EQ(summaries[1].device, "sda");
}

TEST_F(FakeDiskstatsTest, RejectsAnEmptyDeviceList) {
  SamplerOptions options = Options(1000ms);
  options.devices.clear();
  EXPECT_THROW(Sampler sampler(options), UsageError);
}

TEST_F(FakeDiskstatsTest, MissingDiskstatsFileIsAnEnvironmentError) {
  SamplerOptions options = Options(1000ms);
  options.diskstats_path = (dir_.path() / "absent").string();
  EXPECT_THROW(Sampler sampler(options), EnvironmentError);
}

// Another device's malformed line is no concern of this sampler; its own device's line is.
TEST_F(FakeDiskstatsTest, UnreadableLineOfASampledDeviceIsAnEnvironmentErrorNamingFileAndLine) {
  Overwrite(path(), FakeDiskstats(a_) + "   8 32 sdc 1 2 3\n");
  EXPECT_NO_THROW(Sampler sampler(Options(1000ms)));
  SamplerOptions options = Options(1000ms);
  options.devices = {"sda", "sdc"};
  try {
    Sampler sampler(options);
    FAIL() << "no error";
  } catch (const EnvironmentError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path().string() + ": line 3: sdc: 6 fields"), std::string::npos)
        << message;
  }
}

// The window summary is b - a exactly (sda: 400 reads, 80000 sectors = 40960000 bytes, 800 ms;
// sdb: 5 writes of 40 sectors = 20480 bytes), whatever happened between, and its rates are over
// the window's own duration.
TEST_F(FakeDiskstatsTest, SummaryComesFromTheFirstAndLastSnapshotOnly) {
  Sampler sampler(Options(60000ms));
  sampler.Start();
  Overwrite(path(), FakeDiskstats(b_));
  const std::vector<WindowSummary> summaries = sampler.Stop();
  ASSERT_EQ(summaries.size(), 2u);
  const WindowSummary& sda = summaries[0];
  EXPECT_EQ(sda.device, "sda");
  EXPECT_EQ(sda.read_ios, 400u);
  EXPECT_EQ(sda.read_bytes, 80000u * 512);
  EXPECT_EQ(sda.write_bytes, 0u);
  EXPECT_DOUBLE_EQ(sda.figures.r_await_ms, 2.0);  // 800 / 400
  EXPECT_DOUBLE_EQ(sda.figures.rareq_kb, 100.0);  // 80000 / 400 / 2
  EXPECT_DOUBLE_EQ(sda.figures.rrqm_pct, 20.0);   // 100 / (100 + 400) * 100
  ASSERT_GT(sda.duration_sec, 0.0);
  EXPECT_NEAR(sda.figures.r_per_sec, 400 / sda.duration_sec, 1e-6);
  EXPECT_NEAR(sda.figures.util_pct, 100.0 * 300 / (sda.duration_sec * 1000), 1e-6);
  EXPECT_NEAR(sda.figures.aqu_sz, 900 / (sda.duration_sec * 1000), 1e-9);
  const WindowSummary& sdb = summaries[1];
  EXPECT_EQ(sdb.device, "sdb");
  EXPECT_EQ(sdb.write_ios, 5u);
  EXPECT_EQ(sdb.write_bytes, 40u * 512);
  EXPECT_EQ(sdb.read_bytes, 0u);
  EXPECT_DOUBLE_EQ(sdb.figures.w_await_ms, 3.0);  // 15 / 5
  EXPECT_DOUBLE_EQ(sdb.figures.r_await_ms, 0.0);  // no reads: 0, not NaN
  const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  EXPECT_TRUE(std::regex_match(sda.start_utc, iso)) << sda.start_utc;
  EXPECT_TRUE(std::regex_match(sda.end_utc, iso)) << sda.end_utc;
  EXPECT_LE(sda.start_utc, sda.end_utc);
}

// The window's last partial interval is in no row (without edge_rows): the summary hands it over
// as unreported_tail, with its exact deltas, so that rows + tail add up to the window's total
// (what the phases of `monitor --mark` rest on). With edge_rows the last row is it: no tail.
TEST_F(FakeDiskstatsTest, RowDeltasAndTheUnreportedTailAddUpToTheWindowTotal) {
  Sampler sampler(Options(60000ms));
  sampler.Start();
  Overwrite(path(), FakeDiskstats(b_));
  const std::vector<WindowSummary> summaries = sampler.Stop();
  EXPECT_TRUE(sampler.Rows().empty());
  ASSERT_EQ(summaries.size(), 2u);
  ASSERT_TRUE(summaries[0].unreported_tail.has_value());
  const SampleRow& tail = *summaries[0].unreported_tail;
  EXPECT_EQ(tail.device, "sda");
  EXPECT_EQ(tail.delta.read_ios, 400u);
  EXPECT_EQ(tail.delta.read_sectors, 80000u);
  EXPECT_EQ(tail.delta.read_ticks_ms, 800u);
  EXPECT_EQ(tail.delta.read_ios, summaries[0].total.read_ios);
  EXPECT_DOUBLE_EQ(tail.offset_sec, summaries[0].duration_sec);
  EXPECT_DOUBLE_EQ(tail.figures.r_await_ms, 2.0);
  ASSERT_TRUE(summaries[1].unreported_tail.has_value());
  EXPECT_EQ(summaries[1].unreported_tail->delta.write_ios, 5u);

  SamplerOptions edges = Options(60000ms);
  edges.edge_rows = true;
  Sampler with_edges(edges);
  with_edges.Start();
  const std::vector<WindowSummary> edged = with_edges.Stop();
  ASSERT_EQ(with_edges.Rows().size(), 4u);  // start and stop, two devices
  EXPECT_FALSE(edged[0].unreported_tail.has_value());
}

// Holds the sampling thread inside on_row after the first tick's rows until the test has
// rewritten the file, so the second tick sees exactly b and the third sees no change.
TEST_F(FakeDiskstatsTest, RowsAreDeltasBetweenConsecutiveSamples) {
  std::mutex mutex;
  std::condition_variable cv;
  int rows_seen = 0;
  bool rewritten = false;
  SamplerOptions options = Options(2ms);
  options.on_row = [&](const SampleRow&) {
    std::unique_lock lock(mutex);
    ++rows_seen;
    cv.notify_all();
    if (rows_seen == 2) cv.wait(lock, [&] { return rewritten; });
  };
  Sampler sampler(options);
  sampler.Start();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return rows_seen >= 2; }));
  }
  Overwrite(path(), FakeDiskstats(b_));
  {
    std::unique_lock lock(mutex);
    rewritten = true;
    cv.notify_all();
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return rows_seen >= 6; }));
  }
  sampler.Stop();
  const std::vector<SampleRow>& rows = sampler.Rows();
  ASSERT_GE(rows.size(), 6u);
  // Tick 1: a to a, nothing happened.
  EXPECT_EQ(rows[0].device, "sda");
  EXPECT_EQ(rows[1].device, "sdb");
  EXPECT_EQ(rows[0].figures.r_per_sec, 0.0);
  EXPECT_EQ(rows[0].figures.r_await_ms, 0.0);
  // Tick 2: a to b.
  EXPECT_EQ(rows[2].device, "sda");
  EXPECT_GT(rows[2].figures.r_per_sec, 0.0);
  EXPECT_DOUBLE_EQ(rows[2].figures.r_await_ms, 2.0);
  EXPECT_DOUBLE_EQ(rows[2].figures.rareq_kb, 100.0);
  EXPECT_EQ(rows[2].delta.read_ios, 400u);  // the exact deltas the figures came from
  EXPECT_EQ(rows[2].delta.read_sectors, 80000u);
  EXPECT_EQ(rows[3].device, "sdb");
  EXPECT_DOUBLE_EQ(rows[3].figures.w_await_ms, 3.0);
  EXPECT_DOUBLE_EQ(rows[3].figures.wareq_kb, 4.0);  // 40 / 5 / 2
  // Tick 3: b to b.
  EXPECT_EQ(rows[4].figures.r_per_sec, 0.0);
  EXPECT_EQ(rows[5].figures.w_per_sec, 0.0);
  // Offsets grow; the timestamps are ISO 8601 UTC with milliseconds.
  const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_TRUE(std::regex_match(rows[i].timestamp_utc, iso)) << rows[i].timestamp_utc;
    if (i >= 2) {
      EXPECT_GT(rows[i].offset_sec, rows[i - 2].offset_sec);
    }
  }
}

// The schedule is start + k * interval: row k (1-based, one per device) is never taken before
// its tick, however late the previous one was. No upper bound is asserted (a busy machine).
TEST_F(FakeDiskstatsTest, SamplesAreNeverTakenBeforeTheirTick) {
  std::mutex mutex;
  std::condition_variable cv;
  size_t rows_seen = 0;
  SamplerOptions options = Options(3ms);
  options.devices = {"sda"};
  options.on_row = [&](const SampleRow&) {
    std::lock_guard lock(mutex);
    ++rows_seen;
    cv.notify_all();
  };
  Sampler sampler(options);
  sampler.Start();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return rows_seen >= 20; }));
  }
  sampler.Stop();
  const auto& rows = sampler.Rows();
  ASSERT_GE(rows.size(), 20u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_GE(rows[i].offset_sec, 0.003 * double(i + 1)) << "row " << i;
  }
}

TEST_F(FakeDiskstatsTest, KeepRowsFalseStillCallsBackButKeepsNothing) {
  std::mutex mutex;
  std::condition_variable cv;
  int rows_seen = 0;
  SamplerOptions options = Options(1ms);
  options.keep_rows = false;
  options.on_row = [&](const SampleRow&) {
    std::lock_guard lock(mutex);
    ++rows_seen;
    cv.notify_all();
  };
  Sampler sampler(options);
  sampler.Start();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return rows_seen >= 4; }));
  }
  EXPECT_EQ(sampler.Stop().size(), 2u);
  EXPECT_TRUE(sampler.Rows().empty());
}

// sysstat's regression data has a line of 17 fields. It is read (its 14 known fields), and the
// other devices are sampled as ever.
TEST_F(FakeDiskstatsTest, ASeventeenFieldLineDoesNotStopTheSampler) {
  Overwrite(path(), WithFieldCount(a_, "sdb", 17));
  std::vector<std::string> noted;
  SamplerOptions options = Options(60000ms);
  options.on_note = [&noted](const std::string& device, const std::string& note) {
    noted.push_back(device + " | " + note);
  };
  Sampler sampler(options);
  sampler.Start();
  Overwrite(path(), WithFieldCount(b_, "sdb", 17));
  const std::vector<WindowSummary> summaries = sampler.Stop();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].read_ios, 400u);
  EXPECT_TRUE(summaries[0].notes.empty());
  EXPECT_EQ(summaries[1].device, "sdb");
  EXPECT_EQ(summaries[1].write_ios, 5u);
  EXPECT_EQ(summaries[1].write_bytes, 40u * 512);
  // Said once (read at Start and at Stop), naming the file, the line and the count.
  ASSERT_EQ(summaries[1].notes.size(), 1u);
  const std::string& note = summaries[1].notes[0];
  EXPECT_NE(note.find(path().string() + ": line 2: sdb: 17 fields"), std::string::npos) << note;
  ASSERT_EQ(noted.size(), 1u);
  EXPECT_EQ(noted[0], "sdb | " + note);
}

// Another device's line of 13 fields is skipped; the sampled devices are unaffected.
TEST_F(FakeDiskstatsTest, AThirteenFieldLineOfAnotherDeviceIsSkipped) {
  std::vector<FakeDisk> a = a_, b = b_;
  a.push_back({.name = "sdc"});
  b.push_back({.name = "sdc"});
  Overwrite(path(), WithFieldCount(a, "sdc", 13));
  Sampler sampler(Options(60000ms));
  sampler.Start();
  Overwrite(path(), WithFieldCount(b, "sdc", 13));
  const std::vector<WindowSummary> summaries = sampler.Stop();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].read_ios, 400u);
  EXPECT_EQ(summaries[1].write_ios, 5u);
  EXPECT_TRUE(summaries[0].notes.empty());  // sdc is not sampled: nothing to say
  EXPECT_TRUE(summaries[1].notes.empty());
}

// sdb's own line loses fields mid-window: sdb keeps its last good sample, sda is sampled on, and
// nothing fails.
TEST_F(FakeDiskstatsTest, ASampledDeviceLineTooShortMidWindowKeepsTheOtherDevices) {
  std::mutex mutex;
  std::condition_variable cv;
  int rows_seen = 0;
  SamplerOptions options = Options(2ms);
  options.on_row = [&](const SampleRow&) {
    std::lock_guard lock(mutex);
    ++rows_seen;
    cv.notify_all();
  };
  Sampler sampler(options);
  sampler.Start();
  Overwrite(path(), WithFieldCount(b_, "sdb", 13));
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return rows_seen >= 6; }));
  }
  const std::vector<WindowSummary> summaries = sampler.Stop();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].read_ios, 400u);
  EXPECT_TRUE(summaries[0].notes.empty());
  EXPECT_EQ(summaries[1].write_ios, 0u);  // never read after the first sample
  // Skipped at every sample since, said once.
  ASSERT_EQ(summaries[1].notes.size(), 1u) << summaries[1].notes.back();
  EXPECT_NE(summaries[1].notes[0].find("sdb: 13 fields, expected at least 14"), std::string::npos)
      << summaries[1].notes[0];
  for (const SampleRow& row : sampler.Rows()) EXPECT_GE(row.figures.r_per_sec, 0.0);
}

// sda's read_ios goes 1000 -> 990 while its sectors grow: not a re-add, so no reset, and not a
// 32-bit wrap: that count is 0 over the window, not 4294967286.
TEST_F(FakeDiskstatsTest, ACountGoingBackwardsCountsZeroNotAWrappedValue) {
  Sampler sampler(Options(60000ms));
  sampler.Start();
  std::vector<FakeDisk> b = a_;
  b[0].read_ios -= 10;
  b[0].read_sectors += 800;
  Overwrite(path(), FakeDiskstats(b));
  const std::vector<WindowSummary> summaries = sampler.Stop();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].read_ios, 0u);
  EXPECT_EQ(summaries[0].figures.r_per_sec, 0.0);
  EXPECT_EQ(summaries[0].read_bytes, 800u * 512);
  ASSERT_EQ(summaries[0].notes.size(), 1u);
  EXPECT_NE(summaries[0].notes[0].find("sda: read_ios went backwards"), std::string::npos)
      << summaries[0].notes[0];
  EXPECT_TRUE(summaries[1].notes.empty());
}

// Once a counter went backwards, the intervals after it count again from the new value: the
// window's total is the sum of its intervals (here 0, then +50), not last - first.
TEST_F(FakeDiskstatsTest, AfterACountWentBackwardsTheNextIntervalsCountOn) {
  std::mutex mutex;
  std::condition_variable cv;
  int rows_seen = 0;
  bool rewritten = false;
  SamplerOptions options = Options(2ms);
  options.devices = {"sda"};
  options.on_row = [&](const SampleRow&) {
    std::unique_lock lock(mutex);
    ++rows_seen;
    cv.notify_all();
    if (rows_seen == 2) cv.wait(lock, [&] { return rewritten; });
  };
  Sampler sampler(options);
  sampler.Start();
  std::vector<FakeDisk> back = a_;
  back[0].read_ios -= 10;
  back[0].read_sectors += 800;
  Overwrite(path(), FakeDiskstats(back));
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return rows_seen >= 2; }));
  }
  std::vector<FakeDisk> on = back;
  on[0].read_ios += 50;
  Overwrite(path(), FakeDiskstats(on));
  {
    std::unique_lock lock(mutex);
    rewritten = true;
    cv.notify_all();
  }
  const std::vector<WindowSummary> summaries = sampler.Stop();
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].read_ios, 50u);
  EXPECT_EQ(summaries[0].notes.size(), 1u);
  for (const SampleRow& row : sampler.Rows()) EXPECT_LT(row.figures.r_per_sec, 1e6);
}

TEST(DiskstatsReader, ReadsATextLongerThanOneProcfsRead) {
  TempDir dir(kScratchParent);
  std::vector<FakeDisk> disks;
  for (int i = 0; i < 300; ++i) disks.push_back({.name = fmt::format("d{}", i), .read_ios = 1});
  const std::string text = FakeDiskstats(disks);
  ASSERT_GT(text.size(), 64u * 1024);  // beyond the reader's first buffer too
  Overwrite(dir.path() / "diskstats", text);
  DiskstatsReader reader((dir.path() / "diskstats").string());
  EXPECT_EQ(reader.Read(), text);
  EXPECT_EQ(reader.Read(), text);  // again, from the same descriptor
}

TEST(DiskstatsReader, ReadsAllOfProcDiskstats) {
  std::ifstream in("/proc/diskstats");
  if (!in) GTEST_SKIP() << "no /proc/diskstats";
  std::stringstream whole;
  whole << in.rdbuf();
  auto names = [](std::string_view text) {
    std::vector<std::string> out;
    for (const auto& c : ParseDiskstats(text).devices) out.push_back(c.name);
    return out;
  };
  DiskstatsReader reader("/proc/diskstats");
  const std::vector<std::string> expected = names(whole.str());
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(names(reader.Read()), expected);
  EXPECT_EQ(names(reader.Read()), expected);
}

// Root only: an ext4 on a loop device. A file of known size is written and synced, the page
// cache dropped, the file opened (its inode read) and then read with O_DIRECT while sampling:
// the device read exactly the file's bytes.
TEST(SamplerOnLoopDevice, ColdODirectReadOfAFileIsExactlyItsSize) {
  if (auto why = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  testing::LoopExt4 loop(128);
  const fs::path file = loop.mount_point() / "data.bin";
  constexpr size_t kFileBytes = 24 * 1024 * 1024 + 3 * 4096;  // whole 4 KiB blocks: no tail
  {
    std::vector<char> block(1 << 20);
    for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 131);
    std::ofstream out(file, std::ios::binary);
    size_t left = kFileBytes;
    while (left > 0) {
      const size_t n = std::min(left, block.size());
      out.write(block.data(), static_cast<std::streamsize>(n));
      left -= n;
    }
  }
  ::sync();
  {
    std::ofstream drop("/proc/sys/vm/drop_caches");
    drop << "3\n";
    ASSERT_TRUE(drop.good()) << "cannot drop caches";
  }
  const int fd = ::open(file.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  SamplerOptions options;
  options.devices = {loop.name()};
  options.interval = 50ms;
  Sampler sampler(options);
  sampler.Start();
  void* buffer = nullptr;
  ASSERT_EQ(::posix_memalign(&buffer, 4096, 1 << 20), 0);
  size_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer, 1 << 20);
    ASSERT_GE(n, 0) << std::strerror(errno);
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  std::free(buffer);
  ::close(fd);
  const std::vector<WindowSummary> summaries = sampler.Stop();
  ASSERT_EQ(total, kFileBytes);
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].device, loop.name());
  EXPECT_EQ(summaries[0].read_bytes, kFileBytes);
  EXPECT_GT(summaries[0].read_ios, 0u);
  EXPECT_GT(summaries[0].figures.rareq_kb, 0.0);
}

}  // namespace
}  // namespace feedbench
