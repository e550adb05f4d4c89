// Cache control: eviction with posix_fadvise and the drop_caches path, checked with mincore().
//
// Each eviction test first proves its precondition (every page of the file is in the page cache),
// or it could pass on a file that was never cached.
#include "harness/os/cache_control.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

#include "harness/base/errors.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

struct Residency {
  size_t resident_pages = 0;
  size_t total_pages = 0;
};

// Pages of `path` in the page cache, by mincore over a fresh mapping (mapping alone faults nothing
// in). Throws when the file cannot be mapped, so that "0 resident" always means evicted.
Residency PagesOf(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("open " + path.string());
  const size_t bytes = fs::file_size(path);
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw std::runtime_error("mmap " + path.string());
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> vec((bytes + page - 1) / page);
  const int rc = ::mincore(map, bytes, vec.data());
  ::munmap(map, bytes);
  if (rc != 0) throw std::runtime_error("mincore " + path.string());
  Residency r;
  r.total_pages = vec.size();
  for (unsigned char v : vec) r.resident_pages += v & 1;
  return r;
}

// The precondition of an eviction test: the whole file is cached.
::testing::AssertionResult FullyCached(const fs::path& path) {
  const Residency r = PagesOf(path);
  if (r.total_pages > 0 && r.resident_pages == r.total_pages) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "precondition: only " << r.resident_pages << " of " << r.total_pages << " pages of "
         << path << " are cached after reading it; eviction cannot be tested";
}

size_t ResidentPages(const fs::path& path) { return PagesOf(path).resident_pages; }

void ReadWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A file of `bytes` written, then read back: cached. `clean`: synced first, so no page is dirty.
fs::path CachedFile(const TempDir& tmp, const std::string& name, size_t bytes, bool clean = true) {
  const fs::path path = tmp / name;
  std::ofstream(path, std::ios::binary) << std::string(bytes, 'a');
  if (clean) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ::fdatasync(fd);
    ::close(fd);
  }
  ReadWhole(path);
  return path;
}

TEST(EvictFiles, DropsTheFilesCachedPages) {
  TempDir tmp("/var/tmp");  // disk-backed: tmpfs pages cannot be evicted
  const fs::path a = CachedFile(tmp, "a", 1 << 20);
  const fs::path b = CachedFile(tmp, "b", 1 << 20);
  ASSERT_TRUE(FullyCached(a));
  ASSERT_TRUE(FullyCached(b));
  const EvictionReport report = EvictFiles({a, b});
  EXPECT_TRUE(report.ok()) << report.Describe();
  EXPECT_EQ(report.files, 2u);
  EXPECT_EQ(ResidentPages(a), 0u);
  EXPECT_EQ(ResidentPages(b), 0u);
}

TEST(EvictFiles, WritesBackAndDropsDirtyPages) {
  TempDir tmp("/var/tmp");
  const fs::path dirty = CachedFile(tmp, "dirty", 1 << 20, /*clean=*/false);
  ASSERT_TRUE(FullyCached(dirty));
  EXPECT_TRUE(EvictFiles({dirty}).ok());
  EXPECT_EQ(ResidentPages(dirty), 0u);
}

TEST(EvictFiles, AMissingFileIsAnEnvironmentErrorNamingIt) {
  TempDir tmp;
  try {
    EvictFiles({tmp / "missing"});
    FAIL();
  } catch (const EnvironmentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing"));
  }
}

TEST(EvictFiles, ReportsAFileWhoseDataCannotBeSyncedAndStillEvictsTheOthers) {
  TempDir tmp("/var/tmp");
  const fs::path good = CachedFile(tmp, "good", 1 << 20);
  ASSERT_TRUE(FullyCached(good));
  // procfs files have no fdatasync: EINVAL.
  const fs::path proc = "/proc/self/status";
  const EvictionReport report = EvictFiles({proc, good});
  ASSERT_EQ(report.failures.size(), 1u) << report.Describe();
  EXPECT_EQ(report.failures[0].path, proc);
  EXPECT_EQ(report.failures[0].call, "fdatasync");
  EXPECT_EQ(report.failures[0].error_number, EINVAL);
  EXPECT_EQ(report.Describe(),
            "eviction failed for 1 of 2 files: /proc/self/status: fdatasync: Invalid argument");
  EXPECT_EQ(ResidentPages(good), 0u);
}

TEST(EvictFiles, ReportsAFifoWithoutBlockingOnIt) {
  TempDir tmp;
  const fs::path fifo = tmp / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const EvictionReport report = EvictFiles({fifo});
  ASSERT_EQ(report.failures.size(), 2u) << report.Describe();
  EXPECT_EQ(report.failures[0].call, "fdatasync");
  EXPECT_EQ(report.failures[1].call, "posix_fadvise(DONTNEED)");
  EXPECT_EQ(report.failures[1].error_number, ESPIPE);
  EXPECT_THAT(report.Describe(), HasSubstr("eviction failed for 1 of 1 files: "));
  EXPECT_THAT(report.Describe(), HasSubstr(fifo.string() + ": posix_fadvise(DONTNEED): "));
}

TEST(EvictFiles, SkipsADirectoryAndEvictsTheFilesBesideIt) {
  TempDir tmp("/var/tmp");
  const fs::path a = CachedFile(tmp, "a", 1 << 20);
  ASSERT_TRUE(FullyCached(a));
  const EvictionReport report = EvictFiles({tmp.path(), a});
  EXPECT_TRUE(report.ok()) << report.Describe();
  EXPECT_EQ(report.directories_skipped, 1u);
  EXPECT_EQ(ResidentPages(a), 0u);
}

TEST(EvictionReport, DescribeNamesAtMostMaxListedFailuresAndCountsTheRest) {
  EvictionReport report;
  report.files = 10;
  EXPECT_EQ(report.Describe(), "");
  report.failures = {{"/a", "fdatasync", EIO},
                     {"/a", "posix_fadvise(DONTNEED)", EIO},
                     {"/b", "fdatasync", EIO},
                     {"/c", "fdatasync", EIO}};
  EXPECT_EQ(report.Describe(2),
            "eviction failed for 3 of 10 files: /a: fdatasync: Input/output error; "
            "/a: posix_fadvise(DONTNEED): Input/output error; and 2 more");
}

TEST(DropPageCache, DropsEverythingWhenPermitted) {
  TempDir tmp("/var/tmp");
  const fs::path a = CachedFile(tmp, "a", 1 << 20);
  ASSERT_TRUE(FullyCached(a));
  if (const auto why_not = DropPageCache()) GTEST_SKIP() << *why_not;
  EXPECT_EQ(ResidentPages(a), 0u);
}

}  // namespace
}  // namespace feedbench
