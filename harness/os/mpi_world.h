// The MPI job this process is one rank of, if any: its rank, size and node, and the few collective
// steps feedbench needs (a barrier with a deadline, bytes gathered to rank 0, a hash compared
// across ranks, the job aborted). The only code of feedbench that calls MPI.
//
// Launch detection: Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_RANK and
// OMPI_COMM_WORLD_LOCAL_RANK in the environment of every rank it starts; only then is MPI_Init
// called. Without them the world is this one process (rank 0 of 1, one node) and no MPI function
// is called at all: the binary runs exactly as it does without MPI.
//
// Nodes: ranks are grouped by node name, the host name (gethostname) or, when set, the
// environment variable FEEDBENCH_MPI_NODE (so that several ranks of one machine can stand for
// several nodes). A rank's local rank is its position among the ranks of its node, by rank; local
// rank 0 is the node's leader (drops the node's page cache, samples its devices, stages tmpfs).
//
// Failure: a barrier that does not complete within its timeout throws MpiTimeout naming the ranks
// (and their nodes) that did not arrive; the caller ends the job (Abort) once its own clean-up has
// run. Durations in seconds. Thread-safety: MPI is initialised MPI_THREAD_FUNNELED; every method
// must be called from the thread that called Start (main), never concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/base/errors.h"

namespace feedbench {

// What mpirun's environment says about this process.
struct MpiLaunch {
  int rank = 0;
  int size = 1;
  int local_rank = 0;  // Open MPI's own (OMPI_COMM_WORLD_LOCAL_RANK), before FEEDBENCH_MPI_NODE
};

// The launch mpirun's environment describes (`getenv` reads it), or nullopt when this process was
// not started by mpirun (OMPI_COMM_WORLD_SIZE unset). Throws EnvironmentError naming the variable
// when one is set but not a number in range (rank < size, local rank < size).
std::optional<MpiLaunch> DetectMpiLaunch(const std::function<const char*(const char*)>& getenv);

// A barrier or exchange did not complete in time: who did not arrive, and where.
class MpiTimeout : public EnvironmentError {
 public:
  using EnvironmentError::EnvironmentError;
};

// Where each rank runs (index = rank): its node name. The node index of a rank is the position of
// its node name in order of first appearance by rank (rank 0's node is node 0).
struct RankPlacement {
  std::vector<std::string> node_of_rank;

  int NodeCount() const;
  int NodeIndexOf(int rank) const;
  int LocalRankOf(int rank) const;       // position among the ranks of its node
  std::vector<int> NodeLeaders() const;  // the local rank 0 of each node, by node index
};

class MpiWorld {
 public:
  // Detects the launch and, under mpirun, initialises MPI and learns every rank's node. Once per
  // process, from main, before any thread starts. Throws EnvironmentError when MPI cannot start.
  static MpiWorld& Start(int* argc, char*** argv);
  // The world Start made; a one-process world when Start was not called (tests of the layers).
  static MpiWorld& Process();

  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  bool Launched() const { return launched_; }  // started by mpirun (even with one rank)
  int Rank() const { return rank_; }
  int Size() const { return size_; }
  const RankPlacement& Placement() const { return placement_; }
  const std::string& NodeName() const { return placement_.node_of_rank[rank_]; }
  int NodeIndex() const { return placement_.NodeIndexOf(rank_); }
  int NodeCount() const { return placement_.NodeCount(); }
  int LocalRank() const { return placement_.LocalRankOf(rank_); }
  bool NodeLeader() const { return LocalRank() == 0; }
  // "rank 2 on node7": how a message names this rank.
  std::string Describe() const { return DescribeRank(rank_); }
  std::string DescribeRank(int rank) const;

  // Waits until every rank has called Barrier with the same `what`, at most `timeout_sec`.
  // Returns the seconds this rank waited. Throws MpiTimeout ("ranks 1, 3 (on node7) did not reach
  // <what> within 30 s") when rank 0 did not hear from every rank, or a rank did not hear rank 0
  // release it, in time (the others wait 5 s longer than rank 0, so that rank 0, which knows who
  // is missing, says it); on rank 0 also when a rank arrived at a barrier of another `what`. One
  // rank: returns 0 at once.
  double Barrier(const std::string& what, double timeout_sec);
  // Every rank passes its bytes; rank 0 gets all of them, by rank; the others get an empty list.
  // REQUIRES: called by every rank (after a Barrier, so that none is missing).
  std::vector<std::string> GatherToRoot(const std::string& bytes);
  // Rank 0's bytes, on every rank. REQUIRES: called by every rank.
  std::string BroadcastFromRoot(const std::string& bytes);
  // The lowest rank whose `hash` differs from rank 0's, on every rank; nullopt when all agree.
  // REQUIRES: called by every rank.
  std::optional<int> FirstRankDiffering(uint64_t hash);

  // Ends the whole job (every rank) with `exit_code`, after this rank's clean-up already ran.
  // Under mpirun MPI_Abort (mpirun exits with `exit_code`); alone, std::exit. Never returns.
  [[noreturn]] void Abort(int exit_code);

  // Under mpirun: MPI_Finalize (every rank must reach it). Called at the end of main.
  ~MpiWorld();

 private:
  MpiWorld() = default;

  bool launched_ = false;
  int rank_ = 0;
  int size_ = 1;
  RankPlacement placement_;
  int barrier_sequence_ = 0;
};

}  // namespace feedbench
