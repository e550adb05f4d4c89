// DataDir: marking, adopting and refusing a data directory, and one run per directory at a time.
#include "harness/os/data_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "harness/base/errors.h"
#include "tests/support/error_message.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::ErrorMessage;
using ::testing::HasSubstr;
using testing::TempDir;

TEST(DataDir, CreatesAMissingDirectoryAndMarksIt) {
  TempDir tmp;
  DataDir dir(tmp / "data", "--data-dir");
  EXPECT_TRUE(dir.created());
  std::ifstream marker(tmp / "data" / kDataDirMarker);
  std::stringstream text;
  text << marker.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("This directory holds feedbench datasets."));
}

TEST(DataDir, ASecondRunOnTheSameDirectoryIsRefusedNamingTheHolder) {
  TempDir tmp;
  DataDir first(tmp / "data", "--data-dir");
  EXPECT_EQ(ErrorMessage<EnvironmentError>([&] { DataDir second(tmp / "data", "--data-dir"); }),
            "--data-dir " + (tmp / "data").string() +
                ": another feedbench run is using this data directory (locked); held by pid " +
                std::to_string(::getpid()) + " (this process)");
}

TEST(DataDir, TheLockGoesWithTheDataDir) {
  TempDir tmp;
  { DataDir first(tmp / "data", "--data-dir"); }
  DataDir second(tmp / "data", "--data-dir");
  EXPECT_FALSE(second.created());
}

TEST(DataDir, ANonEmptyForeignDirectoryIsRefused) {
  TempDir tmp;
  std::ofstream(tmp / "theirs.txt") << "data";
  EXPECT_THAT(ErrorMessage<UsageError>([&] { DataDir dir(tmp.path(), "--data-dir"); }),
              HasSubstr("did not create"));
}

TEST(DataDir, RemoveIfEmptyAndOursLeavesNothing) {
  TempDir tmp;
  DataDir dir(tmp / "data", "--data-dir");
  dir.RemoveIfEmptyAndOurs();
  EXPECT_FALSE(fs::exists(tmp / "data"));
}

// The parents made for a new data directory go with it; a parent that was there stays, and so
// does one that holds something else by then.
TEST(DataDir, RemoveIfEmptyAndOursRemovesTheParentsItMadeAndNoOthers) {
  TempDir tmp;
  {
    DataDir dir(tmp / "a" / "b" / "data", "--data-dir");
    EXPECT_TRUE(dir.RemoveIfEmptyAndOurs());
  }
  EXPECT_FALSE(fs::exists(tmp / "a"));
  EXPECT_TRUE(fs::exists(tmp.path()));
  {
    DataDir dir(tmp / "x" / "y" / "data", "--data-dir");
    std::ofstream(tmp / "x" / "other") << "somebody's";
    EXPECT_TRUE(dir.RemoveIfEmptyAndOurs());
  }
  EXPECT_FALSE(fs::exists(tmp / "x" / "y"));
  EXPECT_TRUE(fs::exists(tmp / "x" / "other"));
}

}  // namespace
}  // namespace feedbench
