#include "harness/suite/round_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <vector>

namespace feedbench {
namespace {

TEST(RoundOrder, EveryRoundIsAPermutationOfTheWorkloads) {
  RoundOrder order(5, 42);
  for (int round = 0; round < 23; ++round) {
    std::vector<std::size_t> r = order.Next();
    std::sort(r.begin(), r.end());
    std::vector<std::size_t> all(5);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(r, all) << "round " << round;
  }
}

TEST(RoundOrder, EachBlockOfNRoundsPutsEveryWorkloadOnceInEveryPosition) {
  for (const std::size_t n : {2u, 3u, 6u, 8u}) {
    RoundOrder order(n, 7 + n);
    for (int block = 0; block < 3; ++block) {
      std::vector<std::set<std::size_t>> seen_at(n);
      for (std::size_t round = 0; round < n; ++round) {
        const std::vector<std::size_t> r = order.Next();
        for (std::size_t pos = 0; pos < n; ++pos) seen_at[pos].insert(r[pos]);
      }
      for (std::size_t pos = 0; pos < n; ++pos) {
        EXPECT_EQ(seen_at[pos].size(), n) << "n " << n << " block " << block << " position " << pos;
      }
    }
  }
}

TEST(RoundOrder, TheSameSeedGivesTheSameOrdersAndAnotherSeedOthers) {
  RoundOrder a(6, 1), b(6, 1), c(6, 2);
  std::vector<std::vector<std::size_t>> ra, rb, rc;
  for (int i = 0; i < 12; ++i) {
    ra.push_back(a.Next());
    rb.push_back(b.Next());
    rc.push_back(c.Next());
  }
  EXPECT_EQ(ra, rb);
  EXPECT_NE(ra, rc);
}

TEST(RoundOrder, OrdersAreRandomNotOneRotationRepeated) {
  // Over many blocks, which workload follows workload 0 varies: the columns are shuffled per
  // block, so a workload does not always run right after the same one.
  RoundOrder order(4, 3);
  std::map<std::size_t, int> follows_zero;
  for (int round = 0; round < 400; ++round) {
    const std::vector<std::size_t> r = order.Next();
    const auto it = std::find(r.begin(), r.end(), 0u);
    if (it + 1 != r.end()) ++follows_zero[*(it + 1)];
  }
  EXPECT_EQ(follows_zero.size(), 3u);
  for (const auto& [w, count] : follows_zero) EXPECT_GT(count, 40) << "workload " << w;
}

TEST(RoundOrder, OneWorkloadIsAlwaysAlone) {
  RoundOrder order(1, 9);
  EXPECT_EQ(order.Next(), std::vector<std::size_t>{0});
  EXPECT_THROW(RoundOrder(0, 1), std::logic_error);
}

}  // namespace
}  // namespace feedbench
