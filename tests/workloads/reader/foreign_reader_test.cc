// Disturbance detection on a real device: a reader repetition on a loop device while another
// process reads the same device is disturbed, and names the foreign reads; without it, it is not.
// Root only (loop devices); skipped otherwise; everything made is removed, also on failure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "harness/measure/disturbance.h"
#include "tests/support/loop_ext4.h"
#include "tests/support/subprocess.h"
#include "workloads/reader/reader_workload.h"
#include "workloads/reader/workload.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::LoopExt4;
using ::testing::StartsWith;

// Another process reading `file` with O_DIRECT in a loop until destroyed; killed and reaped by
// the destructor (after the measured window, so its reads are never this process's own).
class ForeignReader {
 public:
  explicit ForeignReader(const fs::path& file) {
    const std::string loop = "while :; do dd if=" + testing::ShellQuote(file.string()) +
                             " of=/dev/null bs=1M iflag=direct 2>/dev/null; done";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::execl("/bin/sh", "sh", "-c", loop.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid_ > 0) ::setpgid(pid_, pid_);
  }
  ~ForeignReader() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  ForeignReader(const ForeignReader&) = delete;
  ForeignReader& operator=(const ForeignReader&) = delete;
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

class ForeignReadsOnLoopExt4 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto why = LoopExt4::Unavailable()) GTEST_SKIP() << *why;
    loop_ = std::make_unique<LoopExt4>(384);
    EnsureOptions quiet;
    quiet.progress = false;
    DatasetSpec spec;
    spec.samples = 800;
    spec.sizes = ParseSizeSpec("64KiB");
    spec.files_per_dir = 100;
    EnsureDataset(loop_->mount_point() / "d", spec, Layout::kFiles, quiet);
    big_ = loop_->mount_point() / "big";
    testing::ShellOutput("dd if=/dev/urandom of=" + big_.string() + " bs=1M count=128 conv=fsync");
  }

  static WorkloadOptions Cold() {
    WorkloadOptions o;
    o.cache = CacheMode::kCold;
    o.reader.workers = 2;
    o.sample_interval = std::chrono::milliseconds(50);
    return o;
  }

  std::unique_ptr<LoopExt4> loop_;
  fs::path big_;
};

TEST_F(ForeignReadsOnLoopExt4, AQuietRepetitionReadsItsOwnBytesAndIsNotDisturbed) {
  PreparedDataset prepared(loop_->mount_point() / "d", Layout::kFiles);
  const RepetitionMeasurement m = ToMeasurement(prepared.RunOnce(Cold()));
  ASSERT_TRUE(m.figures.Has(Metric::kForeignReadPct));
  // Own reads cover the device's: the reader's bios are charged to its threads.
  EXPECT_GE(*m.figures.Get(Metric::kOwnReadBytes), 0.9 * *m.figures.Get(Metric::kBytes));
  EXPECT_LE(*m.figures.Get(Metric::kForeignReadPct), 10.0);
  EXPECT_EQ(m.state, RepetitionState::kValid) << m.reason;
}

TEST_F(ForeignReadsOnLoopExt4, ARepetitionBesideAForeignReaderIsDisturbedAndSaysSo) {
  PreparedDataset prepared(loop_->mount_point() / "d", Layout::kFiles);
  ForeignReader foreign(big_);
  ASSERT_TRUE(foreign.started());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // dd is reading by now
  const RepetitionMeasurement m = ToMeasurement(prepared.RunOnce(Cold()));
  ASSERT_TRUE(m.figures.Has(Metric::kForeignReadBytes));
  // Precondition: the device really read more than the reader did.
  ASSERT_GT(*m.figures.Get(Metric::kDeviceReadBytes), 1.2 * *m.figures.Get(Metric::kBytes));
  EXPECT_GT(*m.figures.Get(Metric::kForeignReadPct), 10.0);
  EXPECT_EQ(m.state, RepetitionState::kDisturbed);
  EXPECT_THAT(m.reason, StartsWith("disturbed: foreign device reads "));
  EXPECT_THAT(m.reason, HasSubstr("(limit 10%)"));
}

}  // namespace
}  // namespace feedbench
