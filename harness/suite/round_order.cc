#include "harness/suite/round_order.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace feedbench {

RoundOrder::RoundOrder(std::size_t workloads, uint64_t seed) : n_(workloads), rng_(seed) {
  if (workloads == 0) throw std::logic_error("RoundOrder: no workloads");
}

void RoundOrder::NewBlock() {
  auto permutation = [this] {
    std::vector<std::size_t> p(n_);
    std::iota(p.begin(), p.end(), 0);
    std::shuffle(p.begin(), p.end(), rng_);
    return p;
  };
  const std::vector<std::size_t> symbol = permutation(), row = permutation(), column = permutation();
  block_.assign(n_, std::vector<std::size_t>(n_));
  for (std::size_t i = 0; i < n_; ++i) {
    for (std::size_t j = 0; j < n_; ++j) block_[i][j] = symbol[(row[i] + column[j]) % n_];
  }
  next_ = 0;
}

std::vector<std::size_t> RoundOrder::Next() {
  if (next_ == block_.size()) NewBlock();
  return block_[next_++];
}

}  // namespace feedbench
