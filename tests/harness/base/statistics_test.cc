// Expected p-values come from exact tables or were computed once with
// scipy.stats.mannwhitneyu (method='exact' / 'asymptotic', scipy 1.10) and, for tied samples, by
// enumerating every C(N, n_x) arrangement of the mid-ranks; they are written here as numbers.
#include "harness/base/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace feedbench::stats {
namespace {

using V = std::vector<double>;

TEST(Median, OddEvenAndUnsortedInput) {
  EXPECT_DOUBLE_EQ(Median(V{3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median(V{4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median(V{7}), 7);
  EXPECT_TRUE(std::isnan(Median(V{})));
}

TEST(SampleStandardDeviation, DividesByNMinusOne) {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squares 32, 32 ÷ 7 → √4.5714… = 2.13809.
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_NEAR(stats::SampleStandardDeviation(v), std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_DOUBLE_EQ(stats::SampleStandardDeviation(std::vector<double>{3}), 0);
  EXPECT_DOUBLE_EQ(stats::SampleStandardDeviation(std::vector<double>{}), 0);
  EXPECT_DOUBLE_EQ(stats::SampleStandardDeviation(std::vector<double>{1, 3}), std::sqrt(2.0));
}

TEST(MedianAbsoluteDeviation, IsTheMedianOfAbsoluteDeviations) {
  // median 3; deviations 2, 1, 0, 1, 97 → MAD 1: the outlier does not move it.
  EXPECT_DOUBLE_EQ(MedianAbsoluteDeviation(V{1, 2, 3, 4, 100}), 1);
}

TEST(RobustRelativeSpread, IsScaledMadOverMedian) {
  // median 100, MAD 2 → 1.4826 · 2 / 100.
  EXPECT_NEAR(RobustRelativeSpread(V{96, 98, 100, 102, 104}), 0.029652, 1e-12);
  EXPECT_EQ(RobustRelativeSpread(V{5}), 0);
  EXPECT_EQ(RobustRelativeSpread(V{5, 5, 5}), 0);
  // median 0, MAD 0.5: a spread relative to zero is unbounded.
  EXPECT_TRUE(std::isinf(RobustRelativeSpread(V{0, 0, 1, -1, 0, 2})));
  EXPECT_TRUE(std::isinf(RobustRelativeSpread(V{-1, 0, 1})));
}

TEST(MannWhitney, FiveVersusFiveCompleteSeparationIsOneIn252) {
  const auto r = MannWhitneyU(V{6, 7, 8, 9, 10}, V{1, 2, 3, 4, 5}, Alternative::kGreater);
  EXPECT_TRUE(r.exact);
  EXPECT_FALSE(r.has_ties);
  EXPECT_DOUBLE_EQ(r.u_x, 25);
  EXPECT_NEAR(r.p_value, 1.0 / 252, 1e-15);
  EXPECT_LT(r.p_value, 0.004);
  EXPECT_NEAR(MinimumExactPValue(5, 5), 0.003968253968253968, 1e-15);
}

TEST(MannWhitney, WrongDirectionGivesPOne) {
  const auto r = MannWhitneyU(V{1, 2, 3, 4, 5}, V{6, 7, 8, 9, 10}, Alternative::kGreater);
  EXPECT_DOUBLE_EQ(r.u_x, 0);
  EXPECT_NEAR(r.p_value, 1.0, 1e-12);
}

TEST(MannWhitney, ExactValuesWithoutTiesMatchTables) {
  auto r = MannWhitneyU(V{3, 5, 7, 9, 11}, V{1, 2, 4, 6, 8}, Alternative::kGreater);
  EXPECT_DOUBLE_EQ(r.u_x, 19);
  EXPECT_NEAR(r.p_value, 0.1111111111111111, 1e-12);  // 28/252
  r = MannWhitneyU(V{3, 5, 7, 9, 11}, V{1, 2, 4, 6, 8}, Alternative::kLess);
  EXPECT_NEAR(r.p_value, 0.9246031746031744, 1e-12);
  r = MannWhitneyU(V{10, 11, 12}, V{1, 2, 3, 4, 5}, Alternative::kGreater);
  EXPECT_DOUBLE_EQ(r.u_x, 15);
  EXPECT_NEAR(r.p_value, 0.017857142857142856, 1e-12);  // 1/56: 3 vs 5 cannot reach 0.01
  r = MannWhitneyU(V{1, 2, 3}, V{4, 5, 6, 7, 8, 9}, Alternative::kLess);
  EXPECT_NEAR(r.p_value, 0.011904761904761904, 1e-12);  // 1/84
  r = MannWhitneyU(V{1.1, 2.5, 3.3, 4.8, 6.0, 7.2}, V{0.5, 1.0, 2.0, 2.2}, Alternative::kLess);
  EXPECT_DOUBLE_EQ(r.u_x, 22);
  EXPECT_NEAR(r.p_value, 0.9904761904761904, 1e-12);
  r = MannWhitneyU(V{5.2, 4.9, 5.1, 5.0, 5.3, 4.8}, V{5.05, 5.15, 4.95, 5.25, 4.85, 5.35, 4.75},
                   Alternative::kGreater);
  EXPECT_DOUBLE_EQ(r.u_x, 21);
  EXPECT_NEAR(r.p_value, 0.5273892773892773, 1e-12);
}

TEST(MannWhitney, ThirtyVersusThirtyIsStillExact) {
  V x, y;
  for (int i = 0; i < 30; ++i) {
    x.push_back(i);
    y.push_back(i + 10.5);
  }
  const auto r = MannWhitneyU(x, y, Alternative::kLess);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u_x, 190);
  EXPECT_NEAR(r.p_value, 3.607508878100685e-05, 1e-15);
}

TEST(MannWhitney, TiesUseTheExactPermutationDistributionOfMidRanks) {
  // Enumerating all 252 arrangements of the mid-ranks: 17 are at least as extreme.
  auto r = MannWhitneyU(V{3, 4, 4, 5, 6}, V{1, 2, 3, 4, 4}, Alternative::kGreater);
  EXPECT_TRUE(r.exact);
  EXPECT_TRUE(r.has_ties);
  EXPECT_DOUBLE_EQ(r.u_x, 20.5);
  EXPECT_NEAR(r.p_value, 17.0 / 252, 1e-12);
  // 10 of 126.
  r = MannWhitneyU(V{2, 2, 3, 3}, V{1, 1, 2, 2, 2}, Alternative::kGreater);
  EXPECT_DOUBLE_EQ(r.u_x, 17);
  EXPECT_NEAR(r.p_value, 10.0 / 126, 1e-12);
  // Mostly tied: 56 of 252.
  r = MannWhitneyU(V{10, 10, 10, 12, 12}, V{10, 10, 10, 10, 10}, Alternative::kGreater);
  EXPECT_NEAR(r.p_value, 56.0 / 252, 1e-12);
}

TEST(MannWhitney, IdenticalSamplesGivePOneBothWays) {
  const V same{7, 7, 7, 7, 7};
  EXPECT_DOUBLE_EQ(MannWhitneyU(same, same, Alternative::kGreater).p_value, 1);
  EXPECT_DOUBLE_EQ(MannWhitneyU(same, same, Alternative::kLess).p_value, 1);
  V big(40, 3.0);
  V big2(35, 3.0);
  const auto r = MannWhitneyU(big, big2, Alternative::kGreater);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.p_value, 1);
}

TEST(MannWhitney, LargeSamplesUseTheNormalApproximation) {
  V x, y;
  for (int i = 0; i < 40; ++i) x.push_back(i);
  for (int j = 0; j < 30; ++j) y.push_back(j * 1.5 + 5);  // 12 values tie with x
  auto r = MannWhitneyU(x, y, Alternative::kLess);
  EXPECT_FALSE(r.exact);
  EXPECT_TRUE(r.has_ties);
  EXPECT_DOUBLE_EQ(r.u_x, 414);
  EXPECT_NEAR(r.p_value, 0.013842860416639497, 1e-12);
  r = MannWhitneyU(x, y, Alternative::kGreater);
  EXPECT_NEAR(r.p_value, 0.9865711640464012, 1e-12);
  // Heavy ties: the tie correction of the variance matters.
  V xt, yt;
  for (int i = 0; i < 40; ++i) xt.push_back(i % 7);
  for (int i = 0; i < 30; ++i) yt.push_back(i % 5 + 2);
  r = MannWhitneyU(xt, yt, Alternative::kLess);
  EXPECT_DOUBLE_EQ(r.u_x, 402);
  EXPECT_NEAR(r.p_value, 0.008835085503397346, 1e-12);
}

TEST(RepetitionsToSettle, CompleteSeparationNeedsFivePerSideAtOnePercent) {
  EXPECT_EQ(RepetitionsToSettle(1.0, 0.01), 5u);   // 1/252 < 0.01 ≤ 1/70
  EXPECT_EQ(RepetitionsToSettle(1.0, 0.05), 4u);   // 1/70 < 0.05 = 1/20
  EXPECT_EQ(RepetitionsToSettle(1.0, 0.001), 7u);  // 1/3432 < 0.001 < 1/924
}

TEST(RepetitionsToSettle, PartialOverlapNeedsMore) {
  // Superiority 0.8: the normal approximation first drops below 0.01 at 11 per side
  // (p ≈ 0.0094; 10 per side gives ≈ 0.0129).
  EXPECT_EQ(RepetitionsToSettle(0.8, 0.01), 11u);
}

TEST(RepetitionsToSettle, NoEffectNeverSettles) {
  EXPECT_EQ(RepetitionsToSettle(0.5, 0.01), std::nullopt);
  EXPECT_EQ(RepetitionsToSettle(0.3, 0.01), std::nullopt);
  EXPECT_EQ(RepetitionsToSettle(0.51, 0.01, 50), std::nullopt);
}


// Hand-computed from the null distribution of W+ (2^n equally likely sign patterns).
TEST(SignedRankInterval, SixDifferencesGiveTheWidestIntervalAt96Point9Percent) {
  const std::vector<double> d{3, 1, 6, 2, 5, 4};
  const auto ci = SignedRankConfidenceInterval(d, 0.05);
  ASSERT_TRUE(ci.has_value());
  // P(W+ ≤ 0) = 1/64 ≤ 0.025 < P(W+ ≤ 1) = 2/64: k = 1, the smallest and largest Walsh averages.
  EXPECT_DOUBLE_EQ(ci->lower, 1);
  EXPECT_DOUBLE_EQ(ci->upper, 6);
  EXPECT_DOUBLE_EQ(ci->estimate, 3.5);
  EXPECT_DOUBLE_EQ(ci->confidence, 1 - 2.0 / 64);
}

TEST(SignedRankInterval, TenDifferencesUseTheNinthWalshAverageFromEachEnd) {
  std::vector<double> d;
  for (int i = 1; i <= 10; ++i) d.push_back(i);
  const auto ci = SignedRankConfidenceInterval(d, 0.05);
  ASSERT_TRUE(ci.has_value());
  // 25 of the 1024 sign patterns have W+ ≤ 8, 33 have W+ ≤ 9: k − 1 = 8. The Walsh averages of
  // 1..10 sorted start 1, 1.5, 2, 2, 2.5, 2.5, 3, 3, 3: the 9th is 3, and 11 − 3 = 8 from the top.
  EXPECT_DOUBLE_EQ(ci->lower, 3);
  EXPECT_DOUBLE_EQ(ci->upper, 8);
  EXPECT_DOUBLE_EQ(ci->estimate, 5.5);
  EXPECT_DOUBLE_EQ(ci->confidence, 1 - 50.0 / 1024);
}

TEST(SignedRankInterval, TooFewDifferencesHaveNoInterval) {
  EXPECT_EQ(SignedRankMinimumN(0.05), 6u);
  EXPECT_EQ(SignedRankMinimumN(0.01), 8u);
  const std::vector<double> five{1, 2, 3, 4, 5};
  EXPECT_FALSE(SignedRankConfidenceInterval(five, 0.05).has_value());
  EXPECT_TRUE(SignedRankConfidenceInterval(five, 0.07).has_value());
  EXPECT_FALSE(SignedRankConfidenceInterval({}, 0.05).has_value());
}

TEST(SignedRankInterval, LargeSamplesUseTheNormalApproximationAndCoverAsAsked) {
  std::vector<double> d;
  for (int i = 0; i < 150; ++i) d.push_back(std::sin(i * 1.7) + 0.2);
  const auto ci = SignedRankConfidenceInterval(d, 0.05);
  ASSERT_TRUE(ci.has_value());
  EXPECT_LT(ci->lower, ci->estimate);
  EXPECT_LT(ci->estimate, ci->upper);
  EXPECT_GE(ci->confidence, 0.95);
  EXPECT_LT(ci->confidence, 0.955);
  // The exact branch at its limit and the approximation just above it agree closely.
  std::vector<double> hundred(d.begin(), d.begin() + 100), hundred_one(d.begin(), d.begin() + 101);
  const auto exact = SignedRankConfidenceInterval(hundred, 0.05);
  const auto approx = SignedRankConfidenceInterval(hundred_one, 0.05);
  ASSERT_TRUE(exact && approx);
  EXPECT_NEAR(exact->confidence, approx->confidence, 0.003);
}

}  // namespace
}  // namespace feedbench::stats
