// Profiling an existing directory tree into a replayable dataset spec.
//
// `feedbench dataset profile DIR` walks a real dataset (an image folder, an OCR corpus) and records
// what matters to storage: the file-size histogram, the file count and the directory fan-out. The
// result is a JSON document users commit and replay without the data: its "spec" is a DatasetSpec
// with a histogram size distribution (readable by ParseSizeSpec("histogram:FILE") and by
// `dataset create --spec FILE`). Histogram buckets are log-linear: 8 per power of two, so a bucket
// spans at most 12.5% of its lower bound; each is narrowed to the smallest and largest size seen
// in it. Regular files only; symlinks are not followed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "workloads/dataset/dataset.h"

namespace feedbench {

struct TreeProfile {
  std::string source;  // the profiled directory, as given
  uint64_t files = 0;
  uint64_t directories = 0;  // directories that hold at least one file
  uint64_t total_bytes = 0;
  uint64_t min_file_bytes = 0, max_file_bytes = 0, median_file_bytes = 0;
  double mean_file_bytes = 0;
  uint64_t max_files_per_dir = 0, median_files_per_dir = 0;
  std::vector<HistogramBucket> buckets;  // sizes as found (may be below the sample header)
  DatasetSpec spec;  // samples = files, histogram sizes, files_per_dir = median fan-out, seed 1
};

// Builds a profile from a list of file sizes and per-directory file counts. Pure.
TreeProfile ProfileFromSizes(std::string source, const std::vector<uint64_t>& file_bytes,
                             const std::vector<uint64_t>& files_per_dir);

// Walks `dir`. Throws UsageError when it is not a directory or holds no regular file.
TreeProfile ProfileTree(const std::filesystem::path& dir);

// {"feedbench_profile": 1, "source", "files", "directories", "total_bytes", "file_bytes": {min,
// median, mean, max}, "files_per_dir": {max, median}, "spec": <DatasetSpec JSON>}
nlohmann::json ToJson(const TreeProfile& profile);

// Reads a spec from a JSON document that is either a DatasetSpec or a profile (its "spec").
// Throws UsageError naming `where`.
DatasetSpec SpecFromSpecOrProfileJson(const nlohmann::json& json, std::string_view where);

// The log-linear bucket [min, max] holding `bytes` (8 buckets per power of two).
HistogramBucket BucketFor(uint64_t bytes);

}  // namespace feedbench
