// Running a suite: the coordinator. suite → plan → datasets → repetitions (each sampled) → a typed
// SuiteRun.
//
// A SuiteSession takes the data directory (its lock), generates the suite's datasets once (reused
// when the spec matches), makes one Workload per selected suite workload (the reader or fio, behind
// harness/measure/measurement.h), runs their planned repetitions in suite order, and can then run
// more repetitions of chosen workloads over the same prepared datasets (RunMore: `run --compare`
// until decided), before it hands back every measurement, typed, with what the results context
// needs (datasets, fingerprints, times):
//   SuiteSession session(suite, request);  // validates and selects; touches nothing yet
//   session.Prepare();                      // data directory, datasets, one Workload each
//   session.RunPlanned();                   // the planned repetitions, suite order
//   session.RunMore({"files-random"}, 1);   // one more round of the chosen workloads
//   const SuiteRun run = session.Finish();  // every repetition; datasets removed unless kept
// RunSuite is those steps without RunMore. What the session generated is removed when it finishes
// or is destroyed, unless kept — also when preparing a later dataset or a repetition fails; but
// when a fio run failed (a fio workload's repetition or a probe), fio's job files, output and
// stderr in <data dir>/fio stay after Finish, as the failure's message names them. A SIGINT or
// SIGTERM while Prepare makes or stages the datasets (harness/os/interrupt.h) stops the generation
// or the copy; Prepare removes what the session made (with --keep-data too, except datasets that
// are complete) and throws Interrupted, saying what it removed. During RunPlanned or RunMore it
// stops the running repetition (its readers, or its fio child) and throws Interrupted with no
// measurement of it recorded; the caller then calls Abandon. It writes nothing but datasets and
// fio's files in the data directory: the results model and its files are the caller's
// (harness/results). A repetition's own failure is in its state; an EnvironmentError stops the run
// and propagates. A disturbed repetition (other work on the node beyond the limits of
// harness/measure/disturbance.h) is kept and rerun, at most as many extra times per workload as the
// workload has planned repetitions (RunRepetitions), added repetitions included. Blocking; a
// session is used from one thread; one session at a time per data directory (its lock refuses a
// second).
//
// Under mpirun with several ranks (harness/os/mpi_world.h) every rank runs a session of the same
// suite: Prepare checks that the ranks agree on the suite, the dataset spec and the run's settings
// (UsageError naming the first rank that differs), refuses fio workloads (UsageError), has each
// node's leader stage a tmpfs layout once for the node's ranks, lets the datasets' owners
// (RunRequest::dataset_scope) generate while the others wait and then verify the manifests, and
// shares rank 0's order seed; each repetition's reading starts at a barrier of all ranks, after
// each node's leader made it cold (the leader alone drops the cache and samples the node's device); disturbed repetitions are not rerun (every rank must run the same
// plan); a rank that does not reach a barrier within rank_timeout_sec ends the run (MpiTimeout,
// naming it). Finish waits for every rank, gathers the measurements to rank 0 and merges them there
// (SuiteRun::mpi); the datasets' owners remove them only after that.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/measure/fingerprint.h"
#include "harness/measure/measurement.h"
#include "harness/suite/accelerators.h"
#include "harness/suite/suite.h"

namespace feedbench {

// Whether each cold repetition of a reader workload on a device gets a probe right before it
// (workloads/fio/fio_probe.h): auto = when fio is on PATH (without it the run goes on and says
// so), on = required (no fio: EnvironmentError, exit 3), off = never.
enum class ProbeMode { kAuto, kOn, kOff };

// "auto", "on", "off"; ParseProbeMode throws UsageError naming --probe.
std::string_view ProbeModeName(ProbeMode mode);
ProbeMode ParseProbeMode(std::string_view text);

// The order of the planned repetitions: interleaved = in rounds, each round one repetition of
// every workload that has repetitions left, in a fresh random order per round, so that the node's
// drift over the run spreads over all workloads and over the whole run (randomized multiple
// interleaved trials); grouped = every repetition of a workload before the next, in suite order.
enum class Schedule { kInterleaved, kGrouped };

// "interleaved", "grouped"; ParseSchedule throws UsageError naming --schedule.
std::string_view ScheduleName(Schedule schedule);
Schedule ParseSchedule(std::string_view text);

// Under mpirun (several ranks, harness/os/mpi_world.h), what each rank reads: shard = its part of
// every epoch (the epoch's shuffle shared, each sample read by exactly one rank per epoch,
// workloads/reader/reader.h RankSlice), all = every sample, as a process alone would.
enum class RankData { kShard, kAll };

// "shard", "all"; ParseRankData throws UsageError naming --rank-data.
std::string_view RankDataName(RankData mode);
RankData ParseRankData(std::string_view text);

// Under mpirun, who generates the datasets: shared = rank 0, once, for a data directory every node
// sees (a shared filesystem); node = each node's leader (local rank 0), once per node, for
// node-local disks. The other ranks wait at a barrier, then verify the manifest.
enum class DatasetScope { kShared, kNode };

// "shared", "node"; ParseDatasetScope throws UsageError naming --dataset-scope.
std::string_view DatasetScopeName(DatasetScope scope);
DatasetScope ParseDatasetScope(std::string_view text);

// The most loader threads RunDemand starts for its accelerators.
inline constexpr int kMaxDemandWorkers = 256;

struct RunRequest {
  std::filesystem::path data_dir;     // where datasets live (DataDir rules apply)
  std::optional<int> repetitions;     // overrides every workload's
  std::optional<std::string> filter;  // ECMAScript regex over workload names
  std::vector<std::string> only;      // if non-empty: run exactly these workloads
  std::optional<std::string> cache;   // "cold" | "warm": overrides the suite's
  int interval_ms = 100;              // diskstats sampling interval
  bool keep_data = false;             // keep generated datasets after the run
  bool quiet = false;                 // no progress on stderr
  std::filesystem::path tmpfs_dir = "/dev/shm";
  Schedule schedule = Schedule::kInterleaved;
  ProbeMode probe = ProbeMode::kAuto;
  double probe_sec = 1;  // the probe's fio runtime, seconds (fio_probe.h bounds)
  // The warm control after each cold repetition of a reader workload on a device
  // (workloads/reader/reader_workload.h: warm_samples_per_second, warm_efficiency_pct); not under
  // mpirun (one rank's warm read would overlap the others' cold ones). --warm-control on|off.
  bool warm_control = true;
  // The seed of the interleaved rounds' orders (round_order.h); drawn at random when absent. The
  // seed used is in SuiteRun::order_seed, so a run's orders can be repeated.
  std::optional<uint64_t> order_seed;
  // Under mpirun (ignored by a process alone): what each rank reads, who generates, and how long a
  // rank waits at a barrier of the repetitions for the others before the job ends naming the
  // missing ones (the wait for the datasets' generation has no such limit), seconds.
  RankData rank_data = RankData::kShard;
  DatasetScope dataset_scope = DatasetScope::kShared;
  double rank_timeout_sec = 120;
};

// A dataset the run read: where, and whether it was generated now.
struct DatasetUse {
  Layout layout = Layout::kFiles;
  std::filesystem::path dir;
  bool reused = false;
  double generate_sec = 0;   // generated by this run: its generation's seconds; reused: 0
  uint64_t total_bytes = 0;  // the samples' bytes (payload)
  uint64_t samples = 0;
  uint64_t shard_bytes = 0;  // packed layouts: the shard (data file) size; 0 otherwise
  uint64_t containers = 0;   // packed layouts: shards (data files)
  uint64_t disk_bytes = 0;   // st_blocks x 512 of the dataset's data files
  double creation_sec = 0;   // the manifest's generation seconds (also when reused)
};

// One workload as it ran: the suite's definition, the settings the run applied, and every
// repetition's measurement in order.
struct WorkloadRun {
  SuiteWorkload workload;
  int repetitions = 0;                 // as planned
  CacheMode cache = CacheMode::kCold;  // readers: the cache mode applied
  std::optional<std::string> device;   // the sampled /proc/diskstats device; nullopt: none
  std::vector<RepetitionMeasurement> measurements;  // disturbed ones and their reruns included
  int reruns = 0;                                   // extra repetitions run for disturbed ones
  int added = 0;       // repetitions added after the planned ones (RunMore), reruns excluded
  double run_sec = 0;  // wall time of all its repetitions as the coordinator timed them
                       // (cache drops and probes included), seconds
  // The probe before each repetition: what it runs (fio_probe.h ProbeJob::description), or why
  // there is none (probe_skipped). A repetition whose probe failed says why in probe_problem.
  std::optional<std::string> probe;
  std::string probe_skipped;
  // The warm control after each repetition (reader_workload.h), or why there is none (readers
  // only; a repetition whose control was left out says why in its label).
  bool warm_control = false;
  std::string warm_control_skipped;

  // Planned and added repetitions: what --max-repetitions counts (disturbed reruns are not).
  int CountedRepetitions() const { return repetitions + added; }
};

struct SuiteRun {
  Suite suite;
  std::string cache_mode;  // the run's cache mode: --cache, else the suite's default
  int interval_ms = 100;
  std::filesystem::path data_dir;
  std::vector<DatasetUse> datasets;
  std::vector<WorkloadRun> workloads;  // in suite order
  Fingerprint fingerprint;             // of the machine and the data directory's device
  uint64_t order_seed = 0;             // the seed of the rounds' orders (RunRequest::order_seed)
  int rounds = 0;                      // interleaved rounds run (planned and added); 0 grouped
  std::string started_utc, finished_utc;
  double wall_sec = 0;  // the whole run, dataset preparation included
  // Under mpirun, on rank 0: every measurement above is the job's, merged from every rank's
  // (harness/suite/rank_merge.h), and this is context.feedbench.mpi (ranks, nodes, per-rank and
  // per-node figures); null for a process alone. On the other ranks `follower` is set: their
  // measurements went to rank 0, which records the run.
  nlohmann::json mpi;
  bool follower = false;
  // `feedbench fio --clients`: context.feedbench.fio_clients (the servers, and each workload's
  // repetitions per server, workloads/fio/fio_clients.h); null otherwise.
  nlohmann::json fio_clients;

  // A repetition failed (verification, I/O), as opposed to being merely invalid.
  bool AnyFailed() const;
};

// The workloads of `suite` that `request` selects, in suite order. Throws UsageError for an
// invalid --filter regex or a filter that matches nothing (listing the workload names).
std::vector<SuiteWorkload> SelectWorkloads(const Suite& suite, const RunRequest& request);

// Validates the request against the suite before any work (bad values → UsageError): flags in
// range, the selection non-empty, every .fio job file of a selected workload readable and safe,
// and no cold reader of a files or lmdb dataset with the data directory on a filesystem kept in
// memory (tmpfs, ramfs: cold would read memory); with a tmpfs workload, --tmpfs-dir a writable
// directory with room for at least the smallest the staging can need (EnvironmentError when not:
// no space is exit 3). Creates nothing.
void ValidateRequest(const Suite& suite, const RunRequest& request);

// One repetition of `workload`: a failure of the repetition itself (any exception but an
// EnvironmentError) becomes a failed measurement with the reason "io: <what>"; an
// EnvironmentError (the node cannot run it at all) propagates and ends the run.
RepetitionMeasurement RunRepetition(Workload& workload, int repetition);

// Runs the planned `run.repetitions` repetitions of `workload` into run.measurements, in order,
// repetition k of the results getting RunOnce(k). A disturbed repetition is kept and one more run
// in its place while fewer than `max_reruns` reruns were made for this workload (counted in
// run.reruns); once they are spent, disturbed repetitions stay, and are not judged. `progress`, if
// set, gets one line per repetition and per disturbed one ("repetition 2/5 disturbed: ...;
// rerunning it (1 of at most 5 extra)"). Throws what RunRepetition throws.
void RunRepetitions(Workload& workload, WorkloadRun& run, int max_reruns,
                    const std::function<void(const std::string&)>& progress);

// Runs one counted repetition of `workload` into run.measurements (RunOnce(k) for repetition k of
// the results), and while it is disturbed and fewer than `max_reruns` reruns were made for this
// workload, one more in its place (see RunRepetitions). `name` ("repetition 2/5") heads the
// progress lines; `round` is stamped on every measurement it makes (0: not run in rounds).
void RunCountedRepetition(Workload& workload, WorkloadRun& run, int max_reruns,
                          const std::string& name,
                          const std::function<void(const std::string&)>& progress, int round = 0);

// Makes the Workload that measures a suite workload. The session's own makes the reader or fio
// over the datasets it prepared; a test passes its own (then no dataset is generated).
using WorkloadFactory = std::function<std::unique_ptr<Workload>(const SuiteWorkload&)>;

// The coordinator, step by step (see the top of this file).
class SuiteSession {
 public:
  // Validates the request and selects the workloads (UsageError as ValidateRequest). REQUIRES:
  // `suite` outlives the session.
  SuiteSession(const Suite& suite, RunRequest request, WorkloadFactory factory = {});
  ~SuiteSession();
  SuiteSession(const SuiteSession&) = delete;
  SuiteSession& operator=(const SuiteSession&) = delete;

  // Takes the data directory, generates or reuses the datasets, makes each workload's Workload and
  // takes the fingerprint. Throws Interrupted after SIGINT or SIGTERM (see above). Once:
  // REQUIRES: not prepared yet.
  void Prepare();
  // The planned repetitions of every workload, in the request's Schedule: interleaved, round k
  // (from 1) runs every workload with repetitions left once, in the order RoundOrder gives
  // (seeded with SuiteRun::order_seed, balanced over rounds). REQUIRES: prepared.
  void RunPlanned();
  // `rounds` rounds; in each, one more counted repetition of each of `workloads` (names of the
  // selected workloads), in a balanced seeded order (round_order.h; the same set of workloads
  // chosen again continues its order), so that drift of the node spreads over them alike; each
  // round is numbered after the planned ones (RepetitionMeasurement::round). Nothing is prepared
  // again. Returns the wall time it took, seconds. Throws
  // UsageError for a name the session did not select. REQUIRES: prepared.
  double RunMore(const std::vector<std::string>& workloads, int rounds = 1);
  // One counted repetition of `workload`, stamped with `round` (a round the caller runs across
  // sessions: `feedbench ab` interleaves two), counted as planned while the workload has planned
  // repetitions left and as added after them; SuiteRun::rounds becomes at least `round`. Returns
  // its wall time, seconds. Throws UsageError for a name the session did not select. REQUIRES:
  // prepared, round ≥ 1.
  double RunOne(const std::string& workload, int round);
  // One repetition of reader workload `workload` as `accelerators` emulated accelerators of
  // `profile` read it (accelerators.h) for `steps_per_accelerator` steps each (the first batches
  // of one epoch): its dataset, order, cache mode and verification as planned, with the profile's
  // batch size and compute step, `accelerators` consumers, and profile.read_threads loader
  // threads per accelerator (at most kMaxDemandWorkers in all). Not recorded in the run. Throws
  // UsageError for a name the session did not select or a fio workload. REQUIRES: prepared,
  // accelerators ≥ 1, steps_per_accelerator ≥ 1.
  RepetitionMeasurement RunDemand(const std::string& workload, const AcceleratorProfile& profile,
                                  int accelerators, int steps_per_accelerator);
  // The run so far, as Finish would return it now (finished_utc and wall_sec as of now): what a
  // caller judges between rounds. REQUIRES: prepared.
  const SuiteRun& Current();
  // Ends the session: the run, every repetition; the datasets are removed unless kept.
  // REQUIRES: prepared; once.
  SuiteRun Finish();
  // Ends the session without a run, after an Interrupted from any step: the workloads go, tmpfs
  // staging is removed, the datasets are removed unless kept (as Finish does). Returns what it
  // removed and kept, one line each ("removed the tmpfs staging /dev/shm/feedbench-stage-…"); an
  // empty list on later calls.
  std::vector<std::string> Abandon() noexcept;

 private:
  // The index of a selected workload by name; UsageError when the session did not select it.
  size_t IndexOf(const std::string& name) const;

  struct State;
  std::unique_ptr<State> state_;
};

// Runs the suite (see the top of this file): Prepare, RunPlanned, Finish. Progress goes to stderr
// unless request.quiet.
SuiteRun RunSuite(const Suite& suite, const RunRequest& request);

}  // namespace feedbench
