// Whole-buffer reads and writes on a file descriptor: retried after EINTR and short counts, so a
// caller sees all of its bytes or an exception naming the file. Thread-safe (no state).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace feedbench {

// Writes all of `data` at the file position. Throws EnvironmentError naming `path` (ENOSPC, EIO).
void WriteAll(int fd, std::span<const std::byte> data, const std::filesystem::path& path);

// Reads `out.size()` bytes at `offset` (pread), fewer only at the end of the file; returns the
// bytes read. Throws RunError "<what>: pread <path>: <errno text>".
size_t PreadAll(int fd, std::span<std::byte> out, uint64_t offset,
                const std::filesystem::path& path, std::string_view what);

}  // namespace feedbench
