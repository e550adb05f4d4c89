// Atomic file replacement: results, baselines and manifests are never left half-written.
//
// WriteFileAtomic writes to a temporary file in the destination's directory, fsyncs it, renames it
// over the destination and fsyncs the directory. On any failure the destination is untouched and
// the temporary file is removed. Safe to call from several threads for different destinations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace feedbench {

// The policy for every output path (results, timelines, baselines, reports, monitor files): the
// file's folder may be new, and is then made when the file is written, if its own parent exists
// (one level only, so that a typo does not make a tree of folders).
//
// Throws EnvironmentError (naming the path and errno text) when the directory is missing (and
// cannot be made as above) or unwritable, or the disk is full.
void WriteFileAtomic(const std::filesystem::path& destination, std::string_view content);

// Reads a whole file. Throws UsageError naming the path when it cannot be read.
std::string ReadWholeFile(const std::filesystem::path& path);

// Throws UsageError naming `flag` when `path` could not be written under the policy above: its
// folder neither exists nor may be made, or is not writable, or `path` is a directory; and
// EnvironmentError (no space: exit 3) when its filesystem has fewer than `room_bytes` bytes free.
// Creates nothing: used to fail before long work rather than after it.
void CheckWritableDestination(const std::filesystem::path& path, std::string_view flag,
                              uint64_t room_bytes = 0);

}  // namespace feedbench
