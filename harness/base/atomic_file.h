// Atomic file replacement: results, baselines and manifests are never left half-written.
//
// WriteFileAtomic writes to a temporary file in the destination's directory, fsyncs it, renames it
// over the destination and fsyncs the directory. On any failure the destination is untouched and
// the temporary file is removed. Safe to call from several threads for different destinations.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace feedbench {

// Throws EnvironmentError (naming the path and errno text) when the directory is missing or
// unwritable, or the disk is full.
void WriteFileAtomic(const std::filesystem::path& destination, std::string_view content);

// Reads a whole file. Throws UsageError naming the path when it cannot be read.
std::string ReadWholeFile(const std::filesystem::path& path);

// Throws UsageError naming `flag` when the directory that would hold `path` does not exist or is
// not writable: used to fail before long work rather than after it.
void CheckWritableDestination(const std::filesystem::path& path, std::string_view flag);

}  // namespace feedbench
