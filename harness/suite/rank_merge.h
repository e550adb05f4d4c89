// The ranks of one MPI run merged into the run's one model, on rank 0.
//
// Each rank measures its own repetitions (its part of each epoch, or all of it); the node's leader
// also samples the node's device. After the run every rank's repetitions travel to rank 0
// (EncodeRankRun, harness/os/mpi_world.h's GatherToRoot) and MergeRepetition makes the job's
// repetition from them, which the results file records as any repetition:
//   summed over ranks: samples, bytes, samples_per_second, bytes_per_second, consumer_wait_sec,
//     own_read_bytes (every rank started at one barrier, so the rates add up);
//   latency: the ranks' histograms merged bucket by bucket, percentiles taken from the merge
//     (never an average of percentiles); lat_max_us the largest; au_pct the ranks' mean;
//   the devices, summed over nodes (one leader each): device_read_bytes, r_per_second, aqu_sz;
//     rareq_kb and r_await_ms weighted by each node's r/s; util_pct the busiest node's;
//     device_read_ratio = the devices' read bytes / the bytes the ranks on those nodes read;
//     foreign_read_bytes = device read bytes - the node's ranks' own reads;
//   cpu_steal_pct, io_pressure_pct, cpu_pressure_pct: the highest rank's;
//   not merged (absent): foreign_cpu_* (the ranks of a node are each other's foreign CPU time),
//     epoch_read_ratio_min and the probe figures (no probe runs under MPI);
//   wall_sec the slowest rank's.
// State: the first rank that failed (or failed verification), named; else, cold, a node whose own
// read ratio (its device's bytes / its ranks' bytes) is below kContaminatedBelowRatio makes the
// repetition cache_contaminated, named (each node proves its own cold); else the disturbance rule
// on the merged figures. A rank's own disturbed state is not carried over (its node's other ranks
// look foreign to it). Pure functions over plain data; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/measure/measurement.h"

namespace feedbench {

// One rank's run, as it travels to rank 0. Timelines do not travel (rank 0 keeps its own).
struct RankRun {
  int rank = 0;
  std::string node;     // its node's name
  int node_index = 0;   // MpiWorld::NodeIndex
  bool leader = false;  // its node's leader: made the node cold and sampled its device
  std::optional<std::string> device;  // the device the leader sampled (leaders only)
  nlohmann::json device_fingerprint;  // the data directory's device on its node
  double barrier_sec = 0;             // time spent waiting at the repetitions' barriers, summed
  int barriers = 0;                   // those barriers
  std::vector<std::vector<RepetitionMeasurement>> workloads;  // [workload][repetition]
};

// The bytes of `run` for the wire (JSON text); DecodeRankRun reads them back (figures, state,
// reason, label, wall, round, latency histogram; no timeline). Decode throws std::runtime_error
// naming `rank` for bytes that do not parse.
std::string EncodeRankRun(const RankRun& run);
RankRun DecodeRankRun(std::string_view bytes, int rank);

// The job's repetition `repetition` of workload `workload` from every rank's (see the top of this
// file). `cold`: the repetition was meant cold (the per-node proof applies). REQUIRES: every rank
// has that repetition (the ranks ran the same plan).
RepetitionMeasurement MergeRepetition(const std::vector<RankRun>& ranks, size_t workload,
                                      size_t repetition, bool cold);

// context.feedbench.mpi: the ranks and nodes (each node's ranks, leader, device and its
// fingerprint), the rank data mode and dataset scope, and beside each workload's repetitions the
// per-rank figures (samples/s, bytes/s, samples, lat_p99_us, state, label: how it made the
// repetition cold, "drop_caches vda" on a leader, "node_leader no-device" on the others) and the
// per-node cold proof
// (device read bytes, the bytes its ranks read, their ratio), plus each rank's barrier time.
nlohmann::json MpiContext(const std::vector<RankRun>& ranks,
                          const std::vector<std::string>& workload_names,
                          std::string_view rank_data, std::string_view dataset_scope,
                          double merge_sec);

}  // namespace feedbench
