// Page-cache control for cold runs: drop the whole cache, or evict given files.
//
// DropPageCache syncs and writes "3" to /proc/sys/vm/drop_caches (needs root and a writable
// /proc/sys; in many containers it is read-only). EvictFiles calls fdatasync then
// posix_fadvise(POSIX_FADV_DONTNEED) on each file, which drops its clean cached pages for any user
// allowed to open it; pages still mapped by a process (an open LMDB env) are not dropped, so close
// mappings first. Both are thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace feedbench {

// Returns nullopt on success, or why it could not drop (e.g. "not permitted: /proc/sys/vm/
// drop_caches: Read-only file system"); never throws.
std::optional<std::string> DropPageCache();

// Evicts every file in `files` (regular files; directories are skipped). Throws EnvironmentError
// naming the first file that cannot be opened.
void EvictFiles(const std::vector<std::filesystem::path>& files);

}  // namespace feedbench
