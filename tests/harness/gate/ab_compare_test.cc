#include "harness/gate/ab_compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "harness/base/errors.h"
#include "harness/base/statistics.h"

namespace feedbench {
namespace {

// Rounds 1..n with value(r).
template <typename F>
RoundValues Rounds(int n, F value) {
  RoundValues out;
  for (int r = 1; r <= n; ++r) out[r] = value(r);
  return out;
}

// A small deterministic wobble, ±2%, different per round and side.
double Wobble(int r, int side) { return 1 + 0.02 * std::sin(r * 2.3 + side * 1.1); }

TEST(CompareInRounds, TheRatioIsTheMedianOfPerRoundRatiosAndTheIntervalTheSignedRanks) {
  const RoundValues ref{{1, 100}, {2, 100}, {3, 100}, {4, 100}, {5, 100}, {6, 100}};
  const RoundValues cand{{1, 150}, {2, 120}, {3, 200}, {4, 130}, {5, 170}, {6, 110}};
  AbOptions options;  // alpha 0.05, one look: 6 rounds give the widest interval [min, max]
  const AbComparison c = CompareInRounds("lmdb", cand, "files", ref, options);
  ASSERT_TRUE(c.ratio && c.lower && c.upper);
  EXPECT_DOUBLE_EQ(*c.ratio, 1.4);  // median of 1.5 1.2 2.0 1.3 1.7 1.1
  EXPECT_NEAR(*c.lower, 1.1, 1e-12);
  EXPECT_NEAR(*c.upper, 2.0, 1e-12);
  EXPECT_DOUBLE_EQ(c.confidence, 1 - 2.0 / 64);
  EXPECT_EQ(c.verdict, AbVerdict::kFaster);
  EXPECT_EQ(c.rounds, (std::vector<int>{1, 2, 3, 4, 5, 6}));
}

TEST(CompareInRounds, VerdictsFasterSlowerSameAndInconclusive) {
  AbOptions options;
  auto verdict = [&](double factor, int rounds = 10) {
    return CompareInRounds("b", Rounds(rounds, [&](int r) { return 100 * factor * Wobble(r, 1); }),
                           "a", Rounds(rounds, [&](int r) { return 100 * Wobble(r, 0); }), options)
        .verdict;
  };
  EXPECT_EQ(verdict(1.30), AbVerdict::kFaster);
  EXPECT_EQ(verdict(0.70), AbVerdict::kSlower);
  EXPECT_EQ(verdict(1.00), AbVerdict::kSame);   // within ±5%
  EXPECT_EQ(verdict(1.02), AbVerdict::kSame);
  EXPECT_EQ(verdict(1.30, 5), AbVerdict::kInconclusive);  // 5 rounds: no 95% interval
  // 5% faster with ±2% wobble: the interval reaches past the margin but lies above 1.
  EXPECT_EQ(verdict(1.05), AbVerdict::kFaster);
}

TEST(CompareInRounds, SpreadThatSpansOneAndTheMarginIsInconclusive) {
  AbOptions options;
  const RoundValues a = Rounds(8, [](int) { return 100.0; });
  const RoundValues b{{1, 80}, {2, 125}, {3, 90}, {4, 115}, {5, 85}, {6, 120}, {7, 95}, {8, 110}};
  const AbComparison c = CompareInRounds("b", b, "a", a, options);
  EXPECT_EQ(c.verdict, AbVerdict::kInconclusive);
  EXPECT_NE(c.reason.find("spans 1"), std::string::npos) << c.reason;
}

TEST(CompareInRounds, OnlyRoundsWithBothSidesArePaired) {
  AbOptions options;
  RoundValues a = Rounds(8, [](int r) { return 100.0 + r; });
  RoundValues b = Rounds(8, [](int r) { return 200.0 + r; });
  a.erase(3);  // an invalid repetition of a in round 3
  b.erase(7);
  const AbComparison c = CompareInRounds("b", b, "a", a, options);
  EXPECT_EQ(c.rounds, (std::vector<int>{1, 2, 4, 5, 6, 8}));
  const AbComparison none = CompareInRounds("b", {{1, 5.0}}, "a", {{2, 5.0}}, options);
  EXPECT_FALSE(none.ratio.has_value());
  EXPECT_EQ(none.verdict, AbVerdict::kInconclusive);
  EXPECT_NE(none.reason.find("no round"), std::string::npos);
}

// The node speeds up by 5% a round (a drifting disk). The candidate is truly 10% faster. Measured
// in rounds, every round's ratio is about 1.10 and the verdict is FASTER. Measured un-interleaved —
// the candidate's repetitions all in the first half, the reference's in the second, as one layout
// after the other — the candidate's median is below the reference's: that comparison flips.
TEST(CompareInRounds, InterleavedRoundsStayRightOnADriftingNodeWhereGroupedRunsFlip) {
  const int n = 12;
  auto speed = [](int r) { return 1 + 0.05 * r; };
  const RoundValues reference = Rounds(n, [&](int r) { return 1000 * speed(r) * Wobble(r, 0); });
  const RoundValues candidate = Rounds(n, [&](int r) { return 1100 * speed(r) * Wobble(r, 1); });
  AbOptions options;
  const AbComparison c = CompareInRounds("packed", candidate, "files", reference, options);
  EXPECT_EQ(c.verdict, AbVerdict::kFaster) << c.reason;
  EXPECT_NEAR(*c.ratio, 1.10, 0.03);

  std::vector<double> grouped_candidate, grouped_reference;
  for (int r = 1; r <= n / 2; ++r) grouped_candidate.push_back(1100 * speed(r) * Wobble(r, 1));
  for (int r = n / 2 + 1; r <= n; ++r) grouped_reference.push_back(1000 * speed(r) * Wobble(r, 0));
  EXPECT_LT(stats::Median(grouped_candidate) / stats::Median(grouped_reference), 1.0);
}

TEST(AbLooks, CountsOnlyTheRoundsAtWhichAnIntervalIsPossible) {
  // 5 planned, up to 15: 11 rounds, but at 0.05 ÷ looks the first useful round is later.
  // 11 looks → alpha 0.0045 needs 9 rounds (2/2^9 ≤ 0.0045): rounds 9..15 are 7 looks; at
  // 0.05 ÷ 7 = 0.0071 the first useful round is still 9.
  const std::size_t looks = AbLooks(5, 15, 0.05);
  EXPECT_EQ(looks, 7u);
  EXPECT_GE(static_cast<int>(stats::SignedRankMinimumN(0.05 / looks)), 15 - static_cast<int>(looks) + 1);
  EXPECT_EQ(AbLooks(10, 10, 0.05), 1u);
  EXPECT_EQ(AbLooks(20, 20, 0.05), 1u);
  // Rounds too few for any interval: one look, which will say so.
  EXPECT_EQ(AbLooks(2, 3, 0.05), 1u);
}

TEST(ValidateAbOptions, NamesTheFlag) {
  AbOptions o;
  o.margin = 0;
  EXPECT_THROW(ValidateAbOptions(o), UsageError);
  o = AbOptions{};
  o.alpha = 1.5;
  EXPECT_THROW(ValidateAbOptions(o), UsageError);
  o = AbOptions{};
  o.metric = "r_await_ms";  // lower is better
  try {
    ValidateAbOptions(o);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--metric r_await_ms"), std::string::npos);
  }
}

AbComparison Undecided(const std::string& name) {
  AbComparison c;
  c.candidate = name;
  c.reference = "files";
  c.ratios = {1.0};
  return c;
}

TEST(NextAbRound, ExtendsTheUndecidedAndTheReferenceUntilDecidedOrBudgetSpent) {
  ExtensionBudget budget;
  for (const char* w : {"files", "lmdb", "tmpfs"}) budget.max_repetitions[w] = 10;
  budget.time_budget_sec = 100;
  ExtensionState state;
  for (const char* w : {"files", "lmdb", "tmpfs"}) {
    state.repetitions[w] = 5;
    state.seconds_per_repetition[w] = 10;
  }
  AbComparison decided = Undecided("tmpfs");
  decided.verdict = AbVerdict::kFaster;
  const auto d = NextAbRound({Undecided("lmdb"), decided}, budget, state);
  ASSERT_EQ(d.reason, StopReason::kContinue) << d.message;
  EXPECT_EQ(d.extend, (std::vector<std::string>{"lmdb", "files"}));

  EXPECT_NE(d.message.find("one more round of lmdb against files"), std::string::npos) << d.message;
  // ab: each workload against its namesake on the other side.
  AbComparison namesake = Undecided("files");
  const auto both = NextAbRound({namesake}, budget, state);
  EXPECT_NE(both.message.find("one more round of files on both sides"), std::string::npos)
      << both.message;

  EXPECT_EQ(NextAbRound({decided}, budget, state).reason, StopReason::kDecided);
  state.spent_sec = 81;  // 20 s more would pass 100
  EXPECT_EQ(NextAbRound({Undecided("lmdb")}, budget, state).reason, StopReason::kTimeBudget);
  state.spent_sec = 0;
  state.repetitions["lmdb"] = 10;
  EXPECT_EQ(NextAbRound({Undecided("lmdb")}, budget, state).reason, StopReason::kRepetitions);
  // Nothing paired yet (every round had an invalid repetition on one side, as a busy node's
  // disturbed ones): one more round while there is room, as for any undecided comparison...
  AbComparison unpaired = Undecided("tmpfs");
  unpaired.ratios.clear();
  const auto more = NextAbRound({unpaired}, budget, state);
  ASSERT_EQ(more.reason, StopReason::kContinue) << more.message;
  EXPECT_EQ(more.extend, (std::vector<std::string>{"tmpfs", "files"}));
  EXPECT_NE(more.message.find("no valid pair yet: tmpfs"), std::string::npos) << more.message;
  EXPECT_EQ(more.undecided, (std::vector<std::string>{"tmpfs"}));
  // ...and none when its rounds are spent.
  state.repetitions["tmpfs"] = 10;
  const auto stuck = NextAbRound({unpaired}, budget, state);
  EXPECT_EQ(stuck.reason, StopReason::kNothingToLearn);
  EXPECT_NE(stuck.message.find("tmpfs had no round with a valid repetition"), std::string::npos)
      << stuck.message;
}

}  // namespace
}  // namespace feedbench
