// The index of a records dataset (packed_layout.h): where each sample's record lies, loaded once
// when the store opens, as an indexed-binary (RecordIO-style) loader does.
//
// File format (<dir>/records/index.bin, little-endian):
//   "FBRECIX1" (8 bytes), files (u64), samples (u64),
//   per sample in index order: file (u64), offset (u64), length (u64),
//   XXH3-64 of every byte before it (u64).
// Pure apart from LoadRecordIndex and WriteRecordIndex, which read and write files; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "workloads/dataset/packed_layout.h"

namespace feedbench {

struct RecordEntry {
  uint64_t file = 0;
  uint64_t offset = 0;  // bytes from the start of the data file
  uint64_t length = 0;  // bytes
  bool operator==(const RecordEntry&) const = default;
};

struct RecordIndex {
  uint64_t files = 0;
  std::vector<RecordEntry> entries;  // one per sample, by index
};

// The index of a records plan (PlanPack with PackFormat::kRecords).
RecordIndex IndexOfPlan(const PackPlan& plan, const DatasetSpec& spec);

// The file's bytes, checksum included.
std::string EncodeRecordIndex(const RecordIndex& index);

// Parses `bytes` (the content of `path`, for messages). Throws UsageError naming `path` and what is
// wrong: too short, wrong magic, a checksum that does not match, a count that disagrees with
// `expected_samples` or with the file's length, an entry outside [0, files).
RecordIndex DecodeRecordIndex(const std::string& bytes, uint64_t expected_samples,
                              const std::filesystem::path& path);

// Reads <dataset_dir>/records/index.bin and checks it against the data files: every record inside
// its file, records contiguous, each file exactly as long as its records. Throws UsageError
// naming the index and the data file that disagree ("does not match data-000001.rec: ..."): the
// dataset is corrupt.
RecordIndex LoadRecordIndex(const std::filesystem::path& dataset_dir, uint64_t expected_samples);

// Writes the index file (not atomically: a records dataset is complete only when its manifest says
// so; the generation's syncfs makes it durable). Throws EnvironmentError.
void WriteRecordIndex(const std::filesystem::path& dataset_dir, const RecordIndex& index);

}  // namespace feedbench
