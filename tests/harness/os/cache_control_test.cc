// Cache control: eviction with posix_fadvise and the drop_caches path, checked with mincore().
#include "harness/os/cache_control.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fstream>
#include <vector>

#include "harness/base/errors.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// Pages of `path` resident in the page cache (mincore over a fresh mapping).
size_t ResidentPages(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return 0;
  const size_t bytes = fs::file_size(path);
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return 0;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> vec((bytes + page - 1) / page);
  ::mincore(map, bytes, vec.data());
  ::munmap(map, bytes);
  size_t resident = 0;
  for (unsigned char v : vec) resident += v & 1;
  return resident;
}

fs::path WriteAndRead(const TempDir& tmp, const std::string& name, size_t bytes) {
  const fs::path path = tmp / name;
  std::ofstream(path, std::ios::binary) << std::string(bytes, 'a');
  std::ifstream in(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return path;
}

TEST(EvictFiles, DropsTheFilesCachedPages) {
  TempDir tmp("/var/tmp");  // disk-backed: tmpfs pages cannot be evicted
  const fs::path a = WriteAndRead(tmp, "a", 1 << 20);
  const fs::path b = WriteAndRead(tmp, "b", 1 << 20);
  ASSERT_GT(ResidentPages(a), 0u);
  EvictFiles({a, b});
  EXPECT_EQ(ResidentPages(a), 0u);
  EXPECT_EQ(ResidentPages(b), 0u);
}

TEST(EvictFiles, AMissingFileIsAnEnvironmentErrorNamingIt) {
  TempDir tmp;
  try {
    EvictFiles({tmp / "missing"});
    FAIL();
  } catch (const EnvironmentError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("missing"));
  }
}

TEST(DropPageCache, DropsEverythingWhenPermitted) {
  TempDir tmp("/var/tmp");
  const fs::path a = WriteAndRead(tmp, "a", 1 << 20);
  if (const auto why_not = DropPageCache()) GTEST_SKIP() << *why_not;
  EXPECT_EQ(ResidentPages(a), 0u);
}

}  // namespace
}  // namespace feedbench
