// The storage I/O this process caused, from /proc/self/io (the kernel's task I/O accounting).
//
// read_bytes counts the bytes this process's threads caused to be fetched from the storage layer:
// it is charged when a read bio is submitted (submit_bio), so buffered reads, readahead and
// O_DIRECT reads all count, page-cache hits do not. The kernel adds a child's counters to its
// parent's when the parent reaps it (wait_task_zombie), so a program run and waited for (fio)
// counts once it has exited. Reads submitted by kernel threads on the process's behalf
// (a loop device's worker, io_uring's SQ poll thread, writeback) are not charged to it.
// write_bytes is charged when pages are dirtied, not when they reach the device. Needs
// CONFIG_TASK_IO_ACCOUNTING. Pure parsing plus one reader; safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace feedbench {

struct ProcessIoCounters {
  uint64_t read_bytes = 0;   // storage reads caused (bytes)
  uint64_t write_bytes = 0;  // page-cache bytes dirtied (bytes)
};

// Parses the text of /proc/<pid>/io ("read_bytes: 123" lines). nullopt when read_bytes or
// write_bytes is missing or not a whole number.
std::optional<ProcessIoCounters> ParseProcessIo(std::string_view text);

// Reads and parses `path` (default: this process's own counters); nullopt when the file is absent
// or unreadable (a kernel without task I/O accounting) or does not parse.
std::optional<ProcessIoCounters> ReadProcessIo(const std::filesystem::path& path = "/proc/self/io");

}  // namespace feedbench
