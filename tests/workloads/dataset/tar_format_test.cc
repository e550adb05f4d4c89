// The ustar header the shards layout writes and reads.
#include "workloads/dataset/tar_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

namespace feedbench {
namespace {

using ::testing::HasSubstr;

std::array<std::byte, kTarBlockBytes> Header(std::string_view name, uint64_t bytes) {
  std::array<std::byte, kTarBlockBytes> block{};
  WriteTarHeader(name, bytes, block);
  return block;
}

TEST(TarFormat, HeaderReadsBackItsNameAndSize) {
  const auto block = Header("0000000017.sample", 123456);
  std::string problem;
  const std::optional<TarHeader> header = ParseTarHeader(block, problem);
  ASSERT_TRUE(header) << problem;
  EXPECT_EQ(header->name, "0000000017.sample");
  EXPECT_EQ(header->data_bytes, 123456u);
  EXPECT_EQ(header->type, '0');
}

TEST(TarFormat, ChecksumFieldIsSixOctalDigitsNulSpaceAsPosixWrites) {
  const auto block = Header("a", 1);
  EXPECT_EQ(static_cast<char>(block[154]), '\0');
  EXPECT_EQ(static_cast<char>(block[155]), ' ');
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(block.data() + 257), 5), "ustar");
}

TEST(TarFormat, AnyFlippedByteOfAHeaderIsFound) {
  const auto good = Header("0000000003.sample", 4096);
  for (size_t i = 0; i < kTarBlockBytes; ++i) {
    auto bad = good;
    bad[i] ^= std::byte{0x01};
    std::string problem;
    const std::optional<TarHeader> header = ParseTarHeader(bad, problem);
    EXPECT_FALSE(header.has_value() && problem.empty() && header->name == "0000000003.sample" &&
                 header->data_bytes == 4096)
        << "a flip at byte " << i << " went unnoticed";
    EXPECT_FALSE(problem.empty()) << "byte " << i;
  }
}

TEST(TarFormat, ZeroBlockIsTheEndOfTheArchive) {
  std::array<std::byte, kTarBlockBytes> zero{};
  std::string problem;
  EXPECT_FALSE(ParseTarHeader(zero, problem));
  EXPECT_TRUE(problem.empty());
}

TEST(TarFormat, WrongChecksumIsNamed) {
  auto block = Header("x", 10);
  block[0] = std::byte{'y'};
  std::string problem;
  EXPECT_FALSE(ParseTarHeader(block, problem));
  EXPECT_THAT(problem, HasSubstr("checksum"));
}

TEST(TarFormat, MembersArePaddedToWholeBlocks) {
  EXPECT_EQ(TarMemberBytes(1), 1024u);
  EXPECT_EQ(TarMemberBytes(512), 1024u);
  EXPECT_EQ(TarMemberBytes(513), 1536u);
}

}  // namespace
}  // namespace feedbench
