// The POSIX ustar archive format (POSIX.1-1988, pax's "ustar" interchange format) as the shards
// layout writes and reads it: one 512-byte header per member, the member's bytes padded with
// zeros to a multiple of 512, and two zero blocks at the end of the archive.
//
// feedbench writes regular-file members only, with fixed metadata (mode 0644, uid/gid 0, mtime
// kTarMtime, empty user and group names), so that one spec gives byte-identical shards anywhere;
// GNU tar and any ustar reader list and extract them. Sizes are bytes. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace feedbench {

inline constexpr uint64_t kTarBlockBytes = 512;
// The end of an archive: two zero blocks.
inline constexpr uint64_t kTarEndBytes = 2 * kTarBlockBytes;
// The fixed modification time of every member (2024-01-01T00:00:00Z), seconds since the epoch.
inline constexpr uint64_t kTarMtime = 1704067200;
// A member's name is at most 100 bytes (no prefix field is used).
inline constexpr size_t kTarNameBytes = 100;

// `bytes` rounded up to whole 512-byte blocks.
constexpr uint64_t TarPaddedBytes(uint64_t bytes) {
  return (bytes + kTarBlockBytes - 1) / kTarBlockBytes * kTarBlockBytes;
}
// What a member of `data_bytes` occupies in an archive: its header and its padded data.
constexpr uint64_t TarMemberBytes(uint64_t data_bytes) {
  return kTarBlockBytes + TarPaddedBytes(data_bytes);
}

// Writes the ustar header of a regular file `name` (at most 100 bytes) of `data_bytes` (below
// 8 GiB, what 11 octal digits hold) into `out`. REQUIRES: out.size() == kTarBlockBytes.
void WriteTarHeader(std::string_view name, uint64_t data_bytes, std::span<std::byte> out);

struct TarHeader {
  std::string name;
  uint64_t data_bytes = 0;
  char type = '0';
};

// Reads a header block. nullopt with `problem` unset: a zero block (the end of the archive);
// nullopt with `problem` set: not a valid ustar header ("header checksum 1234, computed 1235",
// "not a ustar header (magic ...)", "size field ..."). REQUIRES: block.size() == kTarBlockBytes.
std::optional<TarHeader> ParseTarHeader(std::span<const std::byte> block, std::string& problem);

}  // namespace feedbench
