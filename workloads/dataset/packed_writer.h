// Generation of the packed layouts (packed_layout.h): the shards of a shards dataset, or the data
// files and index of a records dataset, from a plan.
//
// Containers are written in parallel, one thread per container at a time, each sequentially
// through a buffer of 4 MiB (shards: header, sample, zero padding per member, then the end
// blocks). Contents follow from the spec alone: one spec and shard size give byte-identical files.
// Nothing is synced here (the caller syncs the filesystem before marking the dataset complete).
// Throws EnvironmentError (I/O, ENOSPC) and Interrupted (a SIGINT or SIGTERM inside an
// InterruptScope: checked every 64 samples); the partial files stay for the caller to remove.
#pragma once

#include <filesystem>

#include "harness/base/progress_meter.h"
#include "workloads/dataset/dataset.h"
#include "workloads/dataset/packed_layout.h"

namespace feedbench {

void WritePacked(const std::filesystem::path& dataset_dir, const DatasetSpec& spec,
                 const PackPlan& plan, int threads, ProgressMeter& meter);

}  // namespace feedbench
