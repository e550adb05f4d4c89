#include "harness/suite/rank_merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "workloads/reader/workload.h"

namespace feedbench {
namespace {

using ::testing::HasSubstr;

// A rank's repetition as the reader measures it: `samples` reads of `latencies_ns` (cycled).
RepetitionMeasurement Reading(uint64_t samples, double wall_sec,
                              std::vector<uint64_t> latencies_ns) {
  RepetitionMeasurement m;
  m.wall_sec = wall_sec;
  m.latency.emplace();
  for (uint64_t i = 0; i < samples; ++i) m.latency->Record(latencies_ns[i % latencies_ns.size()]);
  m.figures.Set(Metric::kSamples, static_cast<double>(samples));
  m.figures.Set(Metric::kBytes, static_cast<double>(samples) * 4096);
  m.figures.Set(Metric::kSamplesPerSecond, static_cast<double>(samples) / wall_sec);
  m.figures.Set(Metric::kBytesPerSecond, static_cast<double>(samples) * 4096 / wall_sec);
  m.figures.Set(Metric::kLatP99Us, static_cast<double>(m.latency->PercentileNs(99)) / 1e3);
  m.figures.Set(Metric::kOwnReadBytes, static_cast<double>(samples) * 4096);
  m.label = "node_leader no-device";
  return m;
}

// A leader's: its node's device as sampled over the node's reading.
void Sampled(RepetitionMeasurement& m, double device_read_bytes, double r_per_second,
             double rareq_kb, double r_await_ms, double util_pct) {
  m.figures.Set(Metric::kDeviceReadBytes, device_read_bytes);
  m.figures.Set(Metric::kRPerSecond, r_per_second);
  m.figures.Set(Metric::kRareqKb, rareq_kb);
  m.figures.Set(Metric::kRAwaitMs, r_await_ms);
  m.figures.Set(Metric::kAquSz, 1.5);
  m.figures.Set(Metric::kUtilPct, util_pct);
  m.label = "drop_caches vda";
}

RankRun Rank(int rank, std::string node, int node_index, bool leader, RepetitionMeasurement m) {
  RankRun r;
  r.rank = rank;
  r.node = std::move(node);
  r.node_index = node_index;
  r.leader = leader;
  if (leader) r.device = "vda";
  r.workloads = {{std::move(m)}};
  return r;
}

// Two nodes of two ranks each; every node's device delivered what its ranks read.
std::vector<RankRun> TwoNodes() {
  RepetitionMeasurement a0 = Reading(250, 1.0, {100000, 200000, 900000});
  RepetitionMeasurement a1 = Reading(250, 1.25, {150000, 300000});
  RepetitionMeasurement b0 = Reading(250, 2.0, {50000, 4000000});
  RepetitionMeasurement b1 = Reading(250, 0.5, {70000});
  Sampled(a0, 500 * 4096, 100, 40, 2.0, 60);
  Sampled(b0, 500 * 4096, 300, 8, 1.0, 90);
  return {Rank(0, "a", 0, true, a0), Rank(1, "a", 0, false, a1), Rank(2, "b", 1, true, b0),
          Rank(3, "b", 1, false, b1)};
}

std::vector<RankRun> OverTheWire(const std::vector<RankRun>& ranks) {
  std::vector<RankRun> out;
  for (const RankRun& r : ranks) out.push_back(DecodeRankRun(EncodeRankRun(r), r.rank));
  return out;
}

TEST(RankMergeTest, TheAggregateIsTheSumOfTheRanks) {
  const std::vector<RankRun> ranks = OverTheWire(TwoNodes());
  const RepetitionMeasurement job = MergeRepetition(ranks, 0, 0, true);
  double samples_per_second = 0, bytes_per_second = 0, samples = 0;
  for (const RankRun& r : ranks) {
    samples_per_second += *r.workloads[0][0].figures.Get(Metric::kSamplesPerSecond);
    bytes_per_second += *r.workloads[0][0].figures.Get(Metric::kBytesPerSecond);
    samples += *r.workloads[0][0].figures.Get(Metric::kSamples);
  }
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kSamplesPerSecond), samples_per_second);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kSamplesPerSecond), 250 + 200 + 125 + 500);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kBytesPerSecond), bytes_per_second);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kSamples), samples);
  EXPECT_DOUBLE_EQ(job.wall_sec, 2.0);  // the slowest rank
  // The devices, summed over the nodes' leaders; request size and await weighted by r/s.
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kDeviceReadBytes), 1000.0 * 4096);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kRPerSecond), 400);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kRareqKb), (100 * 40 + 300 * 8) / 400.0);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kRAwaitMs), (100 * 2.0 + 300 * 1.0) / 400.0);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kAquSz), 3.0);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kUtilPct), 90);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kDeviceReadRatio), 1.0);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kForeignReadBytes), 0);
  EXPECT_EQ(job.state, RepetitionState::kValid) << job.reason;
  EXPECT_EQ(job.label, "drop_caches vda x 4 ranks on 2 nodes");
}

TEST(RankMergeTest, LatencyPercentilesComeFromTheMergedHistogramsNotAnAverage) {
  const std::vector<RankRun> ranks = OverTheWire(TwoNodes());
  // One histogram that saw every rank's reads: what the merge must equal, bucket for bucket.
  LatencyHistogram all;
  for (const auto& [samples, latencies] :
       std::vector<std::pair<uint64_t, std::vector<uint64_t>>>{{250, {100000, 200000, 900000}},
                                                               {250, {150000, 300000}},
                                                               {250, {50000, 4000000}},
                                                               {250, {70000}}}) {
    for (uint64_t i = 0; i < samples; ++i) all.Record(latencies[i % latencies.size()]);
  }
  const RepetitionMeasurement job = MergeRepetition(ranks, 0, 0, true);
  ASSERT_TRUE(job.latency.has_value());
  EXPECT_EQ(job.latency->count(), all.count());
  for (double p = 1; p <= 100; p += 1) {
    EXPECT_EQ(job.latency->PercentileNs(p), all.PercentileNs(p)) << "p" << p;
  }
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kLatP99Us), all.PercentileNs(99) / 1e3);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kLatMaxUs), 4000.0);
  double mean_of_p99 = 0;
  for (const RankRun& r : ranks) mean_of_p99 += *r.workloads[0][0].figures.Get(Metric::kLatP99Us);
  mean_of_p99 /= 4;
  EXPECT_NE(*job.figures.Get(Metric::kLatP99Us), mean_of_p99);
}

TEST(RankMergeTest, ANodeWhoseDeviceDeliveredTooLittleMakesTheColdRepetitionContaminated) {
  std::vector<RankRun> ranks = TwoNodes();
  // Node b's device delivered a third of what its ranks read: they read its page cache.
  ranks[2].workloads[0][0].figures.Set(Metric::kDeviceReadBytes, 500 * 4096 / 3.0);
  const RepetitionMeasurement job = MergeRepetition(ranks, 0, 0, true);
  EXPECT_EQ(job.state, RepetitionState::kCacheContaminated);
  EXPECT_THAT(job.reason, HasSubstr("node b: device read ratio 0.333"));
  EXPECT_EQ(MergeRepetition(ranks, 0, 0, false).state, RepetitionState::kValid);  // warm
  const nlohmann::json mpi = MpiContext(ranks, {"files-random"}, "shard", "shared", 0.001);
  EXPECT_EQ(mpi["ranks"], 4);
  EXPECT_EQ(mpi["node_count"], 2);
  EXPECT_EQ(mpi["nodes"][1]["leader"], 2);
  EXPECT_NEAR(mpi["workloads"]["files-random"][0]["nodes"][1]["device_read_ratio"].get<double>(),
              1 / 3.0, 1e-9);
  EXPECT_EQ(mpi["workloads"]["files-random"][0]["ranks"][3]["samples"], 250);
}

TEST(RankMergeTest, AFailedRankFailsTheRepetitionNamingIt) {
  std::vector<RankRun> ranks = TwoNodes();
  ranks[3].workloads[0][0].state = RepetitionState::kFailed;
  ranks[3].workloads[0][0].reason = "io: sample 17: No such file";
  const RepetitionMeasurement job = MergeRepetition(OverTheWire(ranks), 0, 0, true);
  EXPECT_EQ(job.state, RepetitionState::kFailed);
  EXPECT_EQ(job.reason, "rank 3 on b: io: sample 17: No such file");
}

TEST(RankMergeTest, NodeReadsOfTheOtherRanksAreNotForeign) {
  // One node, four ranks: the device delivered what all four read, none of it foreign.
  std::vector<RankRun> ranks = TwoNodes();
  for (RankRun& r : ranks) {
    r.node = "a";
    r.node_index = 0;
    r.leader = r.rank == 0;
  }
  ranks[0].workloads[0][0].figures.Set(Metric::kDeviceReadBytes, 1000 * 4096);
  const RepetitionMeasurement job = MergeRepetition(ranks, 0, 0, true);
  EXPECT_DOUBLE_EQ(*job.figures.Get(Metric::kForeignReadBytes), 0);
  EXPECT_EQ(job.state, RepetitionState::kValid) << job.reason;
}

TEST(RankMergeTest, BytesThatDoNotParseNameTheRank) {
  try {
    DecodeRankRun("{\"rank\": 2", 2);
    FAIL() << "parsed";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("the measurements rank 2 sent do not parse"));
  }
}

}  // namespace
}  // namespace feedbench
