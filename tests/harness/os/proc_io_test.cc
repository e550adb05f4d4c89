// Parsing /proc/<pid>/io: the storage reads a process caused.
#include "harness/os/proc_io.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

// /proc/self/io of a shell on kernel 6.18, after dd read 50 MiB with iflag=direct.
constexpr std::string_view kCapture =
    "rchar: 52436992\n"
    "wchar: 0\n"
    "syscr: 61\n"
    "syscw: 0\n"
    "read_bytes: 52428800\n"
    "write_bytes: 4096\n"
    "cancelled_write_bytes: 0\n";

TEST(ProcessIo, ParsesReadAndWriteBytes) {
  const auto io = ParseProcessIo(kCapture);
  ASSERT_TRUE(io.has_value());
  EXPECT_EQ(io->read_bytes, 52428800u);
  EXPECT_EQ(io->write_bytes, 4096u);
}

TEST(ProcessIo, CancelledWriteBytesIsNotWriteBytes) {
  // write_bytes must match the whole key, not the tail of cancelled_write_bytes.
  const auto io = ParseProcessIo("cancelled_write_bytes: 7\nread_bytes: 1\nwrite_bytes: 2\n");
  ASSERT_TRUE(io.has_value());
  EXPECT_EQ(io->write_bytes, 2u);
}

TEST(ProcessIo, MissingOrMalformedFieldsAreNotCounters) {
  EXPECT_FALSE(ParseProcessIo("rchar: 1\nwchar: 2\n").has_value());
  EXPECT_FALSE(ParseProcessIo("read_bytes: 12x\nwrite_bytes: 0\n").has_value());
  EXPECT_FALSE(ParseProcessIo("read_bytes: -1\nwrite_bytes: 0\n").has_value());
  EXPECT_FALSE(ParseProcessIo("").has_value());
}

TEST(ProcessIo, ReadsAFileAndSaysNothingForAMissingOne) {
  testing::TempDir dir;
  std::ofstream(dir / "io") << kCapture;
  ASSERT_TRUE(ReadProcessIo(dir / "io").has_value());
  EXPECT_EQ(ReadProcessIo(dir / "io")->read_bytes, 52428800u);
  EXPECT_FALSE(ReadProcessIo(dir / "absent").has_value());
}

TEST(ProcessIo, ThisProcessHasCounters) {
  // The kernel of every supported node has task I/O accounting; the reader must parse it.
  EXPECT_TRUE(ReadProcessIo().has_value());
}

}  // namespace
}  // namespace feedbench
