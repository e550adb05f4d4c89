// Page-cache control for cold runs: drop the whole cache, or evict given files.
//
// DropPageCache syncs and writes "3" to /proc/sys/vm/drop_caches (needs root and a writable
// /proc/sys; in many containers it is read-only). EvictFiles calls fdatasync then
// posix_fadvise(POSIX_FADV_DONTNEED) on each file, which drops its clean cached pages for any user
// allowed to open it; pages still mapped by a process (an open LMDB env) are not dropped, so close
// mappings first. Eviction is best effort per file: what could not be done is returned, not thrown,
// so that a cold repetition can be marked contaminated with the reason. Both are thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace feedbench {

// Returns nullopt on success, or why it could not drop (e.g. "not permitted: /proc/sys/vm/
// drop_caches: Read-only file system"); never throws.
std::optional<std::string> DropPageCache();

// One call of EvictFiles that failed on one file: that file's pages may still be cached.
struct EvictionFailure {
  std::filesystem::path path;
  std::string call;      // "fdatasync" (dirty pages stay) or "posix_fadvise(DONTNEED)"
  int error_number = 0;  // the errno value
  // "/data/x.sample: fdatasync: Input/output error".
  std::string Describe() const;
};

// What EvictFiles did. Empty `failures`: every file given (directories aside) was evicted as far
// as the kernel allows (pages mapped by a live process are never dropped).
struct EvictionReport {
  size_t files = 0;                       // paths given
  size_t directories_skipped = 0;         // paths that were directories: nothing to evict
  std::vector<EvictionFailure> failures;  // in the order of the paths, at most two per file

  bool ok() const { return failures.empty(); }
  // For a contaminated repetition's reason; "" when ok(): "eviction failed for 2 of 40 files:
  // /a: fdatasync: Input/output error; /b: posix_fadvise(DONTNEED): Illegal seek", naming at most
  // `max_listed` failures and then "and N more".
  std::string Describe(size_t max_listed = 3) const;
};

// Evicts every file in `files` from the page cache. A directory is skipped (counted, not a
// failure); a FIFO or device node is tried (never blocks) and its failures reported. Returns the
// failures of fdatasync and posix_fadvise per file; throws EnvironmentError naming the first path
// that cannot be opened at all (missing, no permission), as a dataset file must exist.
EvictionReport EvictFiles(const std::vector<std::filesystem::path>& files);

}  // namespace feedbench
