// Test support: a small program that drives harness/os/mpi_world.h under mpirun, for
// tests/harness/os/mpi_world_test.cc. Prints one line per fact it checks, on stdout.
//   mpi_world_probe place            each rank: its rank, size, node, local rank
//   mpi_world_probe exchange         a barrier, every rank's bytes gathered, a broadcast, hashes
//   mpi_world_probe differ RANK      rank RANK's hash differs: every rank learns which
//   mpi_world_probe hang RANK        rank RANK never reaches the barrier (2 s): the job aborts, 3
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "harness/os/mpi_world.h"

int main(int argc, char** argv) {
  using namespace feedbench;
  MpiWorld& world = MpiWorld::Start(&argc, &argv);
  const std::string mode = argc > 1 ? argv[1] : "place";
  const int chosen = argc > 2 ? std::atoi(argv[2]) : -1;
  if (mode == "place") {
    fmt::print("rank {} of {} node {} index {} of {} local {}{}\n", world.Rank(), world.Size(),
               world.NodeName(), world.NodeIndex(), world.NodeCount(), world.LocalRank(),
               world.NodeLeader() ? " leader" : "");
  } else if (mode == "exchange") {
    world.Barrier("the exchange", 10);
    const auto all = world.GatherToRoot(fmt::format("bytes of rank {}", world.Rank()));
    if (world.Rank() == 0) {
      for (const std::string& bytes : all) fmt::print("gathered: {}\n", bytes);
    }
    const std::string root = world.BroadcastFromRoot(world.Rank() == 0 ? "from rank 0" : "");
    fmt::print("rank {} received: {}\n", world.Rank(), root);
    const auto differing = world.FirstRankDiffering(42);
    fmt::print("rank {} differing: {}\n", world.Rank(), differing ? *differing : -1);
  } else if (mode == "differ") {
    const auto differing = world.FirstRankDiffering(world.Rank() == chosen ? 7 : 42);
    fmt::print("rank {} differing: {}\n", world.Rank(), differing ? *differing : -1);
  } else if (mode == "hang") {
    if (world.Rank() == chosen) ::sleep(60);
    try {
      world.Barrier("the first repetition", 2);
    } catch (const MpiTimeout& e) {
      fmt::print(stderr, "probe: {}: {}\n", world.Describe(), e.what());
      world.Abort(3);
    }
  }
  std::fflush(stdout);
  return 0;
}
