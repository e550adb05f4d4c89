// The order of workloads within interleaved rounds (randomized multiple interleaved trials): each
// round runs every workload once, in an order drawn from a seeded generator, and the orders are
// balanced over rounds — in every block of n consecutive rounds (n workloads) each workload runs
// once in each position, so no workload is always first after a cache drop or always last when
// the node tires, and a drift of the node over the run falls on every workload alike.
//
// A block is a random Latin square: round i of the block runs, at position j, workload
// σ((r_i + c_j) mod n), with σ, r and c three permutations drawn from the generator (the cyclic
// square with its symbols, rows and columns shuffled). The same seed and n give the same orders.
// Not thread-safe (one generator per run); pure otherwise (no clock, no IO).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace feedbench {

class RoundOrder {
 public:
  // REQUIRES: workloads ≥ 1.
  RoundOrder(std::size_t workloads, uint64_t seed);

  // The next round's order: a permutation of 0 .. workloads − 1 (indices of the workloads).
  std::vector<std::size_t> Next();

  std::size_t workloads() const { return n_; }

 private:
  void NewBlock();

  std::size_t n_;
  std::mt19937_64 rng_;
  std::vector<std::vector<std::size_t>> block_;  // the rounds of the current block
  std::size_t next_ = 0;                         // the next round of block_ to hand out
};

}  // namespace feedbench
