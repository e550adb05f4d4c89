// The records layout (packed_layout.h) as the reader sees it: each sample read with one pread(2)
// at the offset its index entry gives, as an indexed-binary (RecordIO-style) loader does.
//
// Opening the store loads the index once (record_index.h: its checksum and its agreement with the
// data files are checked then) and opens every data file once; the descriptors are shared by all
// cursors (pread has no file position). Random access advises the files POSIX_FADV_RANDOM (no
// readahead of neighbouring records nobody asked for), sequential access POSIX_FADV_SEQUENTIAL.
// The store is safe to share between threads once opened; a cursor belongs to one thread.
#pragma once

#include <filesystem>
#include <memory>

#include "workloads/dataset/sample_store.h"

namespace feedbench {

// Throws UsageError for an index that is missing, corrupt or does not match the data files (the
// dataset is damaged), RunError when a data file cannot be opened.
std::unique_ptr<SampleStore> OpenRecordsStore(const std::filesystem::path& dataset_dir,
                                              const DatasetSpec& spec, StoreAccess access);

}  // namespace feedbench
