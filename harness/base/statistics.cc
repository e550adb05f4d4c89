#include "harness/base/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace feedbench::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Upper-tail probability of the standard normal: P(Z ≥ z).
double NormalUpperTail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

struct Ranked {
  std::vector<long> doubled_ranks;  // 2 × mid-rank of each pooled value, so ties stay integral
  double tie_term = 0;              // Σ (t³ − t) over groups of t tied values
  bool has_ties = false;
};

// Ranks x followed by y in one pooled sample; tied values share their mid-rank.
Ranked RankPooled(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = x.size() + y.size();
  std::vector<double> pooled;
  pooled.reserve(n);
  pooled.insert(pooled.end(), x.begin(), x.end());
  pooled.insert(pooled.end(), y.begin(), y.end());
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return pooled[a] < pooled[b]; });
  Ranked r;
  r.doubled_ranks.assign(n, 0);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && pooled[order[j]] == pooled[order[i]]) ++j;
    // Ranks i+1 … j share the mid-rank (i+1+j)/2; doubled: i+1+j.
    const long doubled = static_cast<long>(i + 1 + j);
    for (std::size_t k = i; k < j; ++k) r.doubled_ranks[order[k]] = doubled;
    const double t = static_cast<double>(j - i);
    if (j - i > 1) {
      r.has_ties = true;
      r.tie_term += t * t * t - t;
    }
    i = j;
  }
  return r;
}

// Exact permutation distribution of the sum of n_x doubled ranks drawn without replacement from
// `doubled_ranks`: returns the number of subsets (as doubles; C(60,30) ≈ 1.2e17 is well within
// range) reaching each sum.
std::vector<double> SubsetSumCounts(const std::vector<long>& doubled_ranks, std::size_t n_x) {
  const long max_sum = std::accumulate(doubled_ranks.begin(), doubled_ranks.end(), 0L);
  const std::size_t width = static_cast<std::size_t>(max_sum) + 1;
  // counts[k * width + s]: subsets of size k, among the values seen so far, with sum s.
  std::vector<double> counts((n_x + 1) * width, 0.0);
  counts[0] = 1.0;
  std::size_t seen = 0;
  for (const long rank : doubled_ranks) {
    ++seen;
    const std::size_t top = std::min(seen, n_x);
    for (std::size_t k = top; k >= 1; --k) {
      double* to = &counts[k * width];
      const double* from = &counts[(k - 1) * width];
      for (long s = max_sum; s >= rank; --s) to[s] += from[s - rank];
    }
  }
  return std::vector<double>(counts.begin() + static_cast<long>(n_x * width), counts.end());
}

double Binomial(std::size_t n, std::size_t k) {
  k = std::min(k, n - k);
  double c = 1;
  for (std::size_t i = 1; i <= k; ++i)
    c = c * static_cast<double>(n - k + i) / static_cast<double>(i);
  return c;
}

}  // namespace

double Median(std::span<const double> values) {
  if (values.empty()) return kNaN;
  std::vector<double> v(values.begin(), values.end());
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<long>(mid));
  return lower + (upper - lower) / 2;
}

double SampleStandardDeviation(std::span<const double> values) {
  if (values.size() < 2) return 0;
  const double n = static_cast<double>(values.size());
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  double squares = 0;
  for (const double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / (n - 1));
}

double MedianAbsoluteDeviation(std::span<const double> values) {
  if (values.empty()) return kNaN;
  const double m = Median(values);
  std::vector<double> deviations;
  deviations.reserve(values.size());
  for (const double v : values) deviations.push_back(std::fabs(v - m));
  return Median(deviations);
}

double RobustRelativeSpread(std::span<const double> values) {
  if (values.size() < 2) return 0;
  const double m = Median(values);
  const double mad = MedianAbsoluteDeviation(values);
  if (mad == 0) return 0;
  if (m == 0) return std::numeric_limits<double>::infinity();
  return kMadToSigma * mad / std::fabs(m);
}

MannWhitneyResult MannWhitneyU(std::span<const double> x, std::span<const double> y,
                               Alternative alternative) {
  MannWhitneyResult result;
  if (x.empty() || y.empty()) {
    result.u_x = kNaN;
    result.p_value = kNaN;
    return result;
  }
  const std::size_t n_x = x.size();
  const std::size_t n_y = y.size();
  const std::size_t n = n_x + n_y;
  const Ranked ranked = RankPooled(x, y);
  result.has_ties = ranked.has_ties;
  long doubled_rank_sum_x = 0;
  for (std::size_t i = 0; i < n_x; ++i) doubled_rank_sum_x += ranked.doubled_ranks[i];
  const double nx = static_cast<double>(n_x);
  const double ny = static_cast<double>(n_y);
  result.u_x = static_cast<double>(doubled_rank_sum_x) / 2 - nx * (nx + 1) / 2;

  if (n <= kExactMaxPooled) {
    result.exact = true;
    const std::vector<double> counts = SubsetSumCounts(ranked.doubled_ranks, n_x);
    double total = 0;
    double tail = 0;
    for (std::size_t s = 0; s < counts.size(); ++s) {
      total += counts[s];
      const long sum = static_cast<long>(s);
      const bool extreme = alternative == Alternative::kGreater ? sum >= doubled_rank_sum_x
                                                                : sum <= doubled_rank_sum_x;
      if (extreme) tail += counts[s];
    }
    result.p_value = std::min(1.0, tail / total);
    return result;
  }

  result.exact = false;
  const double mean_u = nx * ny / 2;
  const double nd = static_cast<double>(n);
  const double variance = nx * ny / 12 * ((nd + 1) - ranked.tie_term / (nd * (nd - 1)));
  if (variance <= 0) {
    result.p_value = 1;  // every value tied: degenerate distribution
    return result;
  }
  const double sd = std::sqrt(variance);
  // Continuity correction: move U half a step towards the mean before standardising.
  const double z = alternative == Alternative::kGreater ? (result.u_x - mean_u - 0.5) / sd
                                                        : (mean_u - result.u_x - 0.5) / sd;
  result.p_value = NormalUpperTail(z);
  return result;
}

double MinimumExactPValue(std::size_t n_x, std::size_t n_y) {
  return 1.0 / Binomial(n_x + n_y, n_x);
}

std::optional<std::size_t> RepetitionsToSettle(double superiority, double alpha,
                                               std::size_t max_n) {
  if (!(superiority > 0.5) || !(alpha > 0)) return std::nullopt;
  for (std::size_t n = 2; n <= max_n; ++n) {
    if (!(MinimumExactPValue(n, n) < alpha)) continue;
    if (superiority >= 1) return n;
    const double nd = static_cast<double>(n);
    const double mean_u = nd * nd / 2;
    const double sd = std::sqrt(nd * nd * (2 * nd + 1) / 12);
    const double z = (std::min(superiority, 1.0) * nd * nd - mean_u - 0.5) / sd;
    if (NormalUpperTail(z) < alpha) return n;
  }
  return std::nullopt;
}

namespace {

// P(W+ ≤ t) for t = 0 .. n(n+1)/2 under H0: the count of sign patterns of 1..n whose positive
// ranks sum to t, over 2^n (one rank added at a time, halving, so no count overflows).
std::vector<double> SignedRankCdf(std::size_t n) {
  const std::size_t max_sum = n * (n + 1) / 2;
  std::vector<double> p(max_sum + 1, 0.0);
  p[0] = 1;
  std::size_t reach = 0;
  for (std::size_t rank = 1; rank <= n; ++rank) {
    reach += rank;
    for (std::size_t s = reach + 1; s-- > 0;) p[s] = (p[s] + (s >= rank ? p[s - rank] : 0.0)) / 2;
  }
  for (std::size_t s = 1; s <= max_sum; ++s) p[s] += p[s - 1];
  return p;
}

// P(W+ ≤ t) by the normal approximation with a continuity correction.
double SignedRankNormalCdf(std::size_t n, double t) {
  const double nd = static_cast<double>(n);
  const double mean = nd * (nd + 1) / 4;
  const double sd = std::sqrt(nd * (nd + 1) * (2 * nd + 1) / 24);
  return NormalUpperTail((mean - (t + 0.5)) / sd);
}

}  // namespace

std::size_t SignedRankMinimumN(double alpha) {
  std::size_t n = 1;
  while (2.0 / std::ldexp(1.0, static_cast<int>(n)) > alpha && n < 64) ++n;
  return n;
}

std::optional<SignedRankInterval> SignedRankConfidenceInterval(std::span<const double> d,
                                                               double alpha) {
  const std::size_t n = d.size();
  if (n == 0 || !(alpha > 0 && alpha < 1)) return std::nullopt;
  const std::size_t m = n * (n + 1) / 2;
  // k − 1 = the largest t with P(W+ ≤ t) ≤ alpha/2.
  std::optional<std::size_t> t_max;
  double tail = 0;
  if (n <= kSignedRankExactMax) {
    const std::vector<double> cdf = SignedRankCdf(n);
    for (std::size_t t = 0; t < cdf.size() && cdf[t] <= alpha / 2; ++t) {
      t_max = t;
      tail = cdf[t];
    }
  } else {
    for (std::size_t t = 0; t <= m / 2 && SignedRankNormalCdf(n, static_cast<double>(t)) <=
                                              alpha / 2;
         ++t) {
      t_max = t;
      tail = SignedRankNormalCdf(n, static_cast<double>(t));
    }
  }
  if (!t_max) return std::nullopt;
  std::vector<double> walsh;
  walsh.reserve(m);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i; j < n; ++j) walsh.push_back((d[i] + d[j]) / 2);
  }
  std::sort(walsh.begin(), walsh.end());
  const std::size_t k = *t_max + 1;  // 1-based
  SignedRankInterval out;
  out.lower = walsh[k - 1];
  out.upper = walsh[m - k];
  out.estimate = Median(walsh);
  out.confidence = 1 - 2 * tail;
  return out;
}

}  // namespace feedbench::stats
