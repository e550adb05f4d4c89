#include "harness/os/followed_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

void Append(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

std::string ReadNew(FollowedFile& file, FollowEvents* events = nullptr) {
  std::string out;
  const FollowEvents e = file.ReadNew(out);
  if (events != nullptr) *events = e;
  return out;
}

TEST(FollowedFile, WaitsForTheFileThenReadsItFromItsFirstByteAsItGrows) {
  TempDir dir("/tmp");
  const fs::path path = dir.path() / "train.log";
  FollowedFile file(path);
  FollowEvents events;
  EXPECT_EQ(ReadNew(file, &events), "");
  EXPECT_FALSE(events.opened);
  EXPECT_FALSE(file.ever_opened());
  EXPECT_EQ(file.last_error(), "");  // not there yet is no error
  Append(path, "Epoch 1\n");
  EXPECT_EQ(ReadNew(file, &events), "Epoch 1\n");
  EXPECT_TRUE(events.opened);
  EXPECT_EQ(events.bytes, 8u);
  EXPECT_EQ(ReadNew(file), "");
  Append(path, "step 1\nEpo");
  EXPECT_EQ(ReadNew(file), "step 1\nEpo");
  Append(path, "ch 2\n");
  EXPECT_EQ(ReadNew(file), "ch 2\n");
  EXPECT_EQ(file.bytes_read(), 8u + 10u + 5u);
}

TEST(FollowedFile, ATruncatedFileIsReadAgainFromItsStart) {
  TempDir dir("/tmp");
  const fs::path path = dir.path() / "train.log";
  Append(path, "Epoch 1\nEpoch 2\n");
  FollowedFile file(path);
  EXPECT_EQ(ReadNew(file), "Epoch 1\nEpoch 2\n");
  ::truncate(path.c_str(), 0);
  Append(path, "new\n");
  FollowEvents events;
  EXPECT_EQ(ReadNew(file, &events), "");
  EXPECT_TRUE(events.truncated);
  EXPECT_TRUE(events.discontinuity);
  EXPECT_EQ(ReadNew(file), "new\n");
}

// Cut and rewritten past the old length between two reads: its first bytes changed.
TEST(FollowedFile, AFileRewrittenLongerThanBeforeIsSeenTruncatedByItsFirstBytes) {
  TempDir dir("/tmp");
  const fs::path path = dir.path() / "train.log";
  Append(path, "Epoch 1\n");
  FollowedFile file(path);
  EXPECT_EQ(ReadNew(file), "Epoch 1\n");
  std::ofstream(path, std::ios::trunc) << "Restarted run, Epoch 1\n";
  FollowEvents events;
  EXPECT_EQ(ReadNew(file, &events), "");
  EXPECT_TRUE(events.truncated);
  EXPECT_EQ(ReadNew(file), "Restarted run, Epoch 1\n");
}

TEST(FollowedFile, ARotatedFileIsReadToItsEndThenTheNewOneFromItsStart) {
  TempDir dir("/tmp");
  const fs::path path = dir.path() / "train.log";
  Append(path, "old 1\n");
  FollowedFile file(path);
  EXPECT_EQ(ReadNew(file), "old 1\n");
  Append(path, "old 2\n");
  fs::rename(path, dir.path() / "train.log.1");
  Append(path, "new 1\n");
  FollowEvents events;
  EXPECT_EQ(ReadNew(file, &events), "old 2\n");
  EXPECT_TRUE(events.replaced);
  EXPECT_TRUE(events.discontinuity);
  EXPECT_EQ(ReadNew(file), "new 1\n");
}

TEST(FollowedFile, ARemovedFileIsStillReadThroughItsDescriptor) {
  TempDir dir("/tmp");
  const fs::path path = dir.path() / "train.log";
  Append(path, "a\n");
  FollowedFile file(path);
  EXPECT_EQ(ReadNew(file), "a\n");
  std::ofstream out(path, std::ios::app);
  fs::remove(path);
  out << "b\n" << std::flush;
  EXPECT_EQ(ReadNew(file), "b\n");
  EXPECT_TRUE(file.is_open());
}

TEST(FollowedFile, ADirectoryIsNotFollowedAndSaysWhy) {
  TempDir dir("/tmp");
  FollowedFile file(dir.path());
  EXPECT_EQ(ReadNew(file), "");
  EXPECT_FALSE(file.ever_opened());
  EXPECT_EQ(file.last_error(), "is a directory");
}

}  // namespace
}  // namespace feedbench
