#include "workloads/dataset/tar_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace feedbench {
namespace {

// Field offsets and widths of the ustar header (POSIX.1-1988).
constexpr size_t kNameAt = 0;
constexpr size_t kModeAt = 100, kUidAt = 108, kGidAt = 116;
constexpr size_t kSizeAt = 124, kSizeWidth = 12;
constexpr size_t kMtimeAt = 136;
constexpr size_t kChecksumAt = 148, kChecksumWidth = 8;
constexpr size_t kTypeAt = 156;
constexpr size_t kMagicAt = 257, kVersionAt = 263;

// An octal number in a field of `width` bytes: width - 1 digits and a NUL.
void PutOctal(std::span<std::byte> out, size_t at, size_t width, uint64_t value) {
  const std::string digits = fmt::format("{:0{}o}", value, width - 1);
  std::memcpy(out.data() + at, digits.data(), width - 1);
  out[at + width - 1] = std::byte{0};
}

void PutText(std::span<std::byte> out, size_t at, std::string_view text) {
  std::memcpy(out.data() + at, text.data(), text.size());
}

// The header checksum: the sum of its bytes as unsigned, the checksum field counted as spaces.
uint64_t Checksum(std::span<const std::byte> block) {
  uint64_t sum = 0;
  for (size_t i = 0; i < kTarBlockBytes; ++i) {
    const bool in_field = i >= kChecksumAt && i < kChecksumAt + kChecksumWidth;
    sum += in_field ? uint64_t{' '} : std::to_integer<uint64_t>(block[i]);
  }
  return sum;
}

// An octal field (digits, then NUL or spaces); nullopt when it holds anything else.
std::optional<uint64_t> GetOctal(std::span<const std::byte> block, size_t at, size_t width) {
  uint64_t value = 0;
  size_t i = 0;
  while (i < width && static_cast<char>(block[at + i]) == ' ') ++i;  // leading spaces are allowed
  bool any = false;
  for (; i < width; ++i) {
    const char c = static_cast<char>(block[at + i]);
    if (c == '\0' || c == ' ') break;
    if (c < '0' || c > '7') return std::nullopt;
    value = value * 8 + static_cast<uint64_t>(c - '0');
    any = true;
  }
  for (; i < width; ++i) {
    const char c = static_cast<char>(block[at + i]);
    if (c != '\0' && c != ' ') return std::nullopt;
  }
  if (!any) return std::nullopt;
  return value;
}

}  // namespace

void WriteTarHeader(std::string_view name, uint64_t data_bytes, std::span<std::byte> out) {
  std::fill(out.begin(), out.end(), std::byte{0});
  PutText(out, kNameAt, name.substr(0, kTarNameBytes));
  PutOctal(out, kModeAt, 8, 0644);
  PutOctal(out, kUidAt, 8, 0);
  PutOctal(out, kGidAt, 8, 0);
  PutOctal(out, kSizeAt, kSizeWidth, data_bytes);
  PutOctal(out, kMtimeAt, 12, kTarMtime);
  out[kTypeAt] = std::byte{'0'};
  PutText(out, kMagicAt, std::string_view("ustar\0", 6));
  PutText(out, kVersionAt, "00");
  // Six octal digits, a NUL and a space, as POSIX writes it.
  const std::string sum = fmt::format("{:06o}", Checksum(out));
  PutText(out, kChecksumAt, sum);
  out[kChecksumAt + 6] = std::byte{0};
  out[kChecksumAt + 7] = std::byte{' '};
}

std::optional<TarHeader> ParseTarHeader(std::span<const std::byte> block, std::string& problem) {
  problem.clear();
  if (std::all_of(block.begin(), block.end(), [](std::byte b) { return b == std::byte{0}; })) {
    return std::nullopt;
  }
  const std::optional<uint64_t> stored = GetOctal(block, kChecksumAt, kChecksumWidth);
  const uint64_t computed = Checksum(block);
  if (!stored || *stored != computed) {
    problem = stored ? fmt::format("tar header checksum {:o}, computed {:o}", *stored, computed)
                     : std::string("tar header checksum field is not an octal number");
    return std::nullopt;
  }
  if (std::memcmp(block.data() + kMagicAt, "ustar", 5) != 0) {
    problem = "not a ustar header (no \"ustar\" magic)";
    return std::nullopt;
  }
  const std::optional<uint64_t> size = GetOctal(block, kSizeAt, kSizeWidth);
  if (!size) {
    problem = "tar header size field is not an octal number";
    return std::nullopt;
  }
  TarHeader header;
  const auto* name = reinterpret_cast<const char*>(block.data() + kNameAt);
  header.name.assign(name, strnlen(name, kTarNameBytes));
  header.data_bytes = *size;
  header.type = static_cast<char>(block[kTypeAt]);
  return header;
}

}  // namespace feedbench
