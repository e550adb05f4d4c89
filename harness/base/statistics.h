// Small robust statistics for the regression gate: medians, a robust relative spread, the
// Mann–Whitney U rank test (one-sided), and how many repetitions would settle an undecided test.
//
// All functions are pure and thread-safe; inputs are plain samples (any unit, the functions are
// unit-free), never modified. Empty inputs are a precondition violation (REQUIRES below) and give
// NaN rather than a crash.
//
// Mann–Whitney U, as used here:
// - U_x = R_x − n_x(n_x+1)/2, where R_x is the sum of x's ranks in the pooled sample and tied
// values
//   share their mid-rank. U_x counts pairs (x_i, y_j) with x_i > y_j, a tie counting one half.
// - Alternative::kGreater tests "x tends to be larger than y": p = P(U ≥ U_x observed) under H0
//   (all arrangements of the pooled values equally likely); kLess is the mirror, p = P(U ≤ U_x).
// - Exact when n_x + n_y ≤ kExactMaxPooled: the permutation distribution of the sum of the
//   (mid-)ranks, counted over every way of choosing n_x of the pooled values. Without ties this is
//   the classical exact table (5 vs 5, complete separation: p = 1/C(10,5) = 1/252 ≈ 0.00397). With
//   ties it is the exact permutation distribution over the tie-corrected mid-ranks (not the no-ties
//   table applied to a tied U, which is what some libraries do).
// - Larger samples: the normal approximation with the tie correction of the variance and a
//   continuity correction of 0.5: σ² = n_x·n_y/12 · ((N+1) − Σ(t³−t)/(N(N−1))).
// - Identical samples (every value tied) have a degenerate distribution: every arrangement is as
//   extreme as the one observed, so p = 1 for both alternatives. Identical reruns never look
//   significant.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace feedbench::stats {

// Pooled sizes up to this use the exact permutation distribution; larger ones the normal
// approximation. The exact count costs O(N · n_x · N²) additions, a few milliseconds at the limit.
inline constexpr std::size_t kExactMaxPooled = 60;

// Scale factor making the median absolute deviation a consistent estimator of the standard
// deviation of normally distributed data (1 / Φ⁻¹(3/4)).
inline constexpr double kMadToSigma = 1.4826;

// REQUIRES: !values.empty(). The middle value, or the mean of the two middle values.
double Median(std::span<const double> values);

// The sample standard deviation, √(Σ(v − mean)² ÷ (n − 1)); 0 for fewer than two values.
double SampleStandardDeviation(std::span<const double> values);

// REQUIRES: !values.empty(). median(|v − median(v)|), unscaled.
double MedianAbsoluteDeviation(std::span<const double> values);

// Robust relative spread: 1.4826 · MAD ÷ |median|, a fraction (0.03 = 3%); the robust analogue of
// the coefficient of variation. 0 for fewer than two values. When the median is 0 it is 0 if the
// MAD is 0 too and +infinity otherwise (a spread relative to zero is unbounded).
double RobustRelativeSpread(std::span<const double> values);

enum class Alternative {
  kGreater,  // H1: x tends to be larger than y
  kLess,     // H1: x tends to be smaller than y
};

struct MannWhitneyResult {
  double u_x = 0;      // U statistic of x (pairs where x wins; ties count 1/2)
  double p_value = 1;  // one-sided, for the alternative asked
  bool exact = true;   // exact permutation distribution (true) or normal approximation
  bool has_ties = false;
};

// REQUIRES: !x.empty() && !y.empty(). One-sided Mann–Whitney U test of x against y.
MannWhitneyResult MannWhitneyU(std::span<const double> x, std::span<const double> y,
                               Alternative alternative);

// The smallest one-sided p an exact Mann–Whitney test of n_x vs n_y samples without ties can reach
// (complete separation): 1 / C(n_x + n_y, n_x).
double MinimumExactPValue(std::size_t n_x, std::size_t n_y);

// How many repetitions per side (baseline and current alike) a one-sided test at `alpha` needs to
// reach significance, given the effect seen so far: `superiority` = U ÷ (n_x·n_y), the probability
// that a value of one side beats one of the other (1 = complete separation). The answer is the
// smallest n ≥ 2 with both (a) the exact minimum p, 1/C(2n, n), below alpha, and (b) for
// superiority < 1, the normal-approximation p of U = superiority·n² below alpha. 5 vs 5 at
// alpha 0.01 for complete separation (1/252 ≈ 0.004 < 0.01; 4 vs 4 gives 1/70 ≈ 0.014).
// Returns nullopt when superiority ≤ 0.5 (no effect to settle) or more than `max_n` are needed.
std::optional<std::size_t> RepetitionsToSettle(double superiority, double alpha,
                                               std::size_t max_n = 200);

// The Wilcoxon signed-rank confidence interval of the pseudo-median (the Hodges–Lehmann location)
// of paired differences d: with W+ the signed-rank statistic of n differences, the M = n(n+1)/2
// Walsh averages (d_i + d_j)/2, i ≤ j, sorted, the interval is [A_(k), A_(M+1−k)] where k − 1 is the
// largest t with P(W+ ≤ t) ≤ alpha/2 under H0 (every sign pattern equally likely; Hollander &
// Wolfe, Nonparametric Statistical Methods, §3.3). Exact for n ≤ kSignedRankExactMax (the
// distribution of W+ counted over the 2^n sign patterns), the normal approximation with a continuity
// correction above (mean n(n+1)/4, variance n(n+1)(2n+1)/24). `confidence` is the interval's
// actual coverage, 1 − 2·P(W+ ≤ k−1) (≥ 1 − alpha; the exact distribution is discrete). It assumes
// the differences are symmetric about their centre; ties and zeros are kept as they are.
inline constexpr std::size_t kSignedRankExactMax = 100;

struct SignedRankInterval {
  double lower = 0;
  double upper = 0;
  double estimate = 0;    // the Hodges–Lehmann estimate: the median of the Walsh averages
  double confidence = 0;  // actual two-sided coverage
};

// REQUIRES: 0 < alpha < 1. nullopt when n is too small for any interval at 1 − alpha (the widest,
// [min d, max d], covers 1 − 2/2^n: n ≥ SignedRankMinimumN(alpha)) or d is empty.
std::optional<SignedRankInterval> SignedRankConfidenceInterval(std::span<const double> d,
                                                               double alpha);

// The fewest differences for which SignedRankConfidenceInterval has an interval at 1 − alpha:
// the smallest n with 2 ÷ 2^n ≤ alpha (6 at alpha 0.05, 8 at 0.01).
std::size_t SignedRankMinimumN(double alpha);

}  // namespace feedbench::stats
