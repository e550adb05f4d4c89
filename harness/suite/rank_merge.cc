#include "harness/suite/rank_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "harness/measure/disturbance.h"
#include "workloads/reader/workload.h"

namespace feedbench {
namespace {

using nlohmann::json;

// Figures on the wire: [metric index, value] pairs of the figures present. Both ends are the same
// binary (the ranks agreed on one suite, harness/suite/suite_run.cc), so indices mean the same.
json FiguresToWire(const Figures& figures) {
  json out = json::array();
  for (size_t i = 0; i < kMetricCount; ++i) {
    if (const auto v = figures.Get(static_cast<Metric>(i))) out.push_back(json::array({i, *v}));
  }
  return out;
}

Figures FiguresFromWire(const json& wire) {
  Figures figures;
  for (const json& pair : wire) {
    const auto index = pair.at(0).get<size_t>();
    if (index >= kMetricCount) throw std::runtime_error(fmt::format("metric {}", index));
    figures.Set(static_cast<Metric>(index), pair.at(1).get<double>());
  }
  return figures;
}

json RepetitionToWire(const RepetitionMeasurement& m) {
  json out{{"wall_sec", m.wall_sec},
           {"figures", FiguresToWire(m.figures)},
           {"state", static_cast<int>(m.state)},
           {"reason", m.reason},
           {"label", m.label},
           {"round", m.round}};
  if (m.latency) {
    const LatencyHistogram::Parts parts = m.latency->ToParts();
    json buckets = json::array();
    for (const auto& [index, count] : parts.buckets) buckets.push_back(json::array({index, count}));
    out["latency"] = json{{"buckets", std::move(buckets)},
                          {"sum_ns", parts.sum_ns},
                          {"min_ns", parts.min_ns},
                          {"max_ns", parts.max_ns}};
  }
  return out;
}

RepetitionMeasurement RepetitionFromWire(const json& wire) {
  RepetitionMeasurement m;
  m.wall_sec = wire.at("wall_sec").get<double>();
  m.figures = FiguresFromWire(wire.at("figures"));
  const int state = wire.at("state").get<int>();
  if (state < 0 || state > static_cast<int>(RepetitionState::kDisturbed)) {
    throw std::runtime_error(fmt::format("state {}", state));
  }
  m.state = static_cast<RepetitionState>(state);
  m.reason = wire.at("reason").get<std::string>();
  m.label = wire.at("label").get<std::string>();
  m.round = wire.at("round").get<int>();
  if (wire.contains("latency")) {
    const json& l = wire.at("latency");
    LatencyHistogram::Parts parts;
    for (const json& pair : l.at("buckets")) {
      parts.buckets.emplace_back(pair.at(0).get<int>(), pair.at(1).get<uint64_t>());
    }
    parts.sum_ns = l.at("sum_ns").get<uint64_t>();
    parts.min_ns = l.at("min_ns").get<uint64_t>();
    parts.max_ns = l.at("max_ns").get<uint64_t>();
    m.latency = LatencyHistogram::FromParts(parts);
  }
  return m;
}

double SumOverRanks(const std::vector<const RepetitionMeasurement*>& reps, Metric metric) {
  double total = 0;
  for (const RepetitionMeasurement* m : reps) total += m->figures.Get(metric).value_or(0);
  return total;
}

// Sets `metric` to the sum over the ranks that have it; absent when none has.
void SetSumOverRanks(Figures& out, const std::vector<const RepetitionMeasurement*>& reps,
                     Metric metric) {
  bool any = false;
  for (const RepetitionMeasurement* m : reps) any = any || m->figures.Has(metric);
  if (any) out.Set(metric, SumOverRanks(reps, metric));
}

void SetMaxOverRanks(Figures& out, const std::vector<const RepetitionMeasurement*>& reps,
                     Metric metric) {
  std::optional<double> highest;
  for (const RepetitionMeasurement* m : reps) {
    if (const auto v = m->figures.Get(metric)) highest = std::max(highest.value_or(*v), *v);
  }
  if (highest) out.Set(metric, *highest);
}

// One node's cold proof: what its device delivered against what its ranks read.
struct NodeProof {
  std::string node;
  std::optional<double> device_read_bytes;  // its leader's sampled device; none without one
  double bytes = 0;                         // what its ranks read
  std::optional<double> Ratio() const {
    if (!device_read_bytes || bytes <= 0) return std::nullopt;
    return *device_read_bytes / bytes;
  }
};

std::vector<NodeProof> NodeProofsOf(const std::vector<RankRun>& ranks, size_t workload,
                                    size_t repetition) {
  std::map<int, NodeProof> nodes;
  for (const RankRun& r : ranks) {
    const RepetitionMeasurement& m = r.workloads.at(workload).at(repetition);
    NodeProof& proof = nodes[r.node_index];
    proof.node = r.node;
    proof.bytes += m.figures.Get(Metric::kBytes).value_or(0);
    if (r.leader) {
      if (const auto device = m.figures.Get(Metric::kDeviceReadBytes)) {
        proof.device_read_bytes = *device;
      }
    }
  }
  std::vector<NodeProof> out;
  for (auto& [index, proof] : nodes) out.push_back(std::move(proof));
  return out;
}

}  // namespace

std::string EncodeRankRun(const RankRun& run) {
  json workloads = json::array();
  for (const auto& reps : run.workloads) {
    json list = json::array();
    for (const RepetitionMeasurement& m : reps) list.push_back(RepetitionToWire(m));
    workloads.push_back(std::move(list));
  }
  json out{{"rank", run.rank},
           {"node", run.node},
           {"node_index", run.node_index},
           {"leader", run.leader},
           {"device_fingerprint", run.device_fingerprint},
           {"barrier_sec", run.barrier_sec},
           {"barriers", run.barriers},
           {"workloads", std::move(workloads)}};
  if (run.device) out["device"] = *run.device;
  return out.dump();
}

RankRun DecodeRankRun(std::string_view bytes, int rank) {
  try {
    const json in = json::parse(bytes);
    RankRun run;
    run.rank = in.at("rank").get<int>();
    run.node = in.at("node").get<std::string>();
    run.node_index = in.at("node_index").get<int>();
    run.leader = in.at("leader").get<bool>();
    run.device_fingerprint = in.at("device_fingerprint");
    run.barrier_sec = in.at("barrier_sec").get<double>();
    run.barriers = in.at("barriers").get<int>();
    if (in.contains("device")) run.device = in.at("device").get<std::string>();
    for (const json& list : in.at("workloads")) {
      std::vector<RepetitionMeasurement> reps;
      for (const json& m : list) reps.push_back(RepetitionFromWire(m));
      run.workloads.push_back(std::move(reps));
    }
    return run;
  } catch (const std::exception& e) {
    throw std::runtime_error(
        fmt::format("the measurements rank {} sent do not parse: {}", rank, e.what()));
  }
}

RepetitionMeasurement MergeRepetition(const std::vector<RankRun>& ranks, size_t workload,
                                      size_t repetition, bool cold) {
  std::vector<const RepetitionMeasurement*> reps;
  std::vector<const RepetitionMeasurement*> leaders;
  for (const RankRun& r : ranks) {
    reps.push_back(&r.workloads.at(workload).at(repetition));
    if (r.leader && reps.back()->figures.Has(Metric::kDeviceReadBytes)) {
      leaders.push_back(reps.back());
    }
  }
  RepetitionMeasurement merged;
  merged.round = reps.front()->round;
  Figures& f = merged.figures;
  for (const Metric metric :
       {Metric::kSamples, Metric::kBytes, Metric::kSamplesPerSecond, Metric::kBytesPerSecond,
        Metric::kConsumerWaitSec, Metric::kOwnReadBytes}) {
    SetSumOverRanks(f, reps, metric);
  }
  for (const Metric metric :
       {Metric::kCpuStealPct, Metric::kIoPressurePct, Metric::kCpuPressurePct}) {
    SetMaxOverRanks(f, reps, metric);
  }
  double au_total = 0;
  int au_ranks = 0;
  for (const RepetitionMeasurement* m : reps) {
    merged.wall_sec = std::max(merged.wall_sec, m->wall_sec);
    if (const auto au = m->figures.Get(Metric::kAuPct)) {
      au_total += *au;
      ++au_ranks;
    }
    if (m->latency) {
      if (!merged.latency) merged.latency.emplace();
      merged.latency->Merge(*m->latency);
    }
  }
  if (au_ranks > 0) f.Set(Metric::kAuPct, au_total / au_ranks);
  if (merged.latency) {
    const LatencyHistogram& h = *merged.latency;
    f.Set(Metric::kLatP50Us, static_cast<double>(h.PercentileNs(50)) / 1e3);
    f.Set(Metric::kLatP95Us, static_cast<double>(h.PercentileNs(95)) / 1e3);
    f.Set(Metric::kLatP99Us, static_cast<double>(h.PercentileNs(99)) / 1e3);
    f.Set(Metric::kLatMaxUs, static_cast<double>(h.max_ns()) / 1e3);
  }

  // The devices: one per node, each sampled by its leader.
  const std::vector<NodeProof> proofs = NodeProofsOf(ranks, workload, repetition);
  if (!leaders.empty()) {
    const double r_per_second = SumOverRanks(leaders, Metric::kRPerSecond);
    double rkb_per_second = 0, await_weighted = 0;
    for (const RepetitionMeasurement* m : leaders) {
      const double r = m->figures.Get(Metric::kRPerSecond).value_or(0);
      rkb_per_second += r * m->figures.Get(Metric::kRareqKb).value_or(0);
      await_weighted += r * m->figures.Get(Metric::kRAwaitMs).value_or(0);
    }
    const double device_read_bytes = SumOverRanks(leaders, Metric::kDeviceReadBytes);
    f.Set(Metric::kDeviceReadBytes, device_read_bytes);
    f.Set(Metric::kRPerSecond, r_per_second);
    f.Set(Metric::kRareqKb, r_per_second > 0 ? rkb_per_second / r_per_second : 0);
    f.Set(Metric::kRAwaitMs, r_per_second > 0 ? await_weighted / r_per_second : 0);
    f.Set(Metric::kAquSz, SumOverRanks(leaders, Metric::kAquSz));
    SetMaxOverRanks(f, leaders, Metric::kUtilPct);
    double sampled_bytes = 0;  // what the ranks on nodes with a sampled device read
    for (const NodeProof& p : proofs) {
      if (p.device_read_bytes) sampled_bytes += p.bytes;
    }
    if (sampled_bytes > 0) f.Set(Metric::kDeviceReadRatio, device_read_bytes / sampled_bytes);
    if (const auto own = f.Get(Metric::kOwnReadBytes)) {
      const double foreign = std::max(0.0, device_read_bytes - *own);
      f.Set(Metric::kForeignReadBytes, foreign);
      f.Set(Metric::kForeignReadPct,
            device_read_bytes > 0 ? 100.0 * foreign / device_read_bytes : 0);
    }
  }
  const RepetitionMeasurement& first = *reps.front();
  merged.label = fmt::format("{} x {} ranks on {} node{}", first.label, ranks.size(), proofs.size(),
                             proofs.size() == 1 ? "" : "s");
  merged.timeline = first.timeline;

  for (size_t r = 0; r < reps.size(); ++r) {
    const RepetitionMeasurement& m = *reps[r];
    if (m.state == RepetitionState::kFailed || m.state == RepetitionState::kVerificationFailed) {
      merged.state = m.state;
      merged.reason = fmt::format("rank {} on {}: {}", ranks[r].rank, ranks[r].node, m.reason);
      return merged;
    }
  }
  if (cold) {
    for (const NodeProof& p : proofs) {
      const auto ratio = p.Ratio();
      if (!ratio || *ratio >= kContaminatedBelowRatio) continue;
      merged.state = RepetitionState::kCacheContaminated;
      merged.reason = fmt::format(
          "cache_contaminated: node {}: device read ratio {:.3f} < {} (its device delivered {:.0f} "
          "of the {:.0f} bytes its ranks read)",
          p.node, *ratio, kContaminatedBelowRatio, *p.device_read_bytes, p.bytes);
      return merged;
    }
  }
  MarkIfDisturbed(merged);
  return merged;
}

json MpiContext(const std::vector<RankRun>& ranks, const std::vector<std::string>& workload_names,
                std::string_view rank_data, std::string_view dataset_scope, double merge_sec) {
  std::map<int, json> nodes;
  json per_rank_barriers = json::array();
  for (const RankRun& r : ranks) {
    json& node = nodes[r.node_index];
    if (node.is_null()) node = json{{"name", r.node}, {"ranks", json::array()}};
    node["ranks"].push_back(r.rank);
    if (r.leader) {
      node["leader"] = r.rank;
      node["device"] = r.device ? json(*r.device) : json(nullptr);
      node["device_fingerprint"] = r.device_fingerprint;
    }
    per_rank_barriers.push_back(
        json{{"rank", r.rank}, {"barriers", r.barriers}, {"barrier_sec", r.barrier_sec}});
  }
  json node_list = json::array();
  for (auto& [index, node] : nodes) node_list.push_back(std::move(node));
  json workloads = json::object();
  for (size_t w = 0; w < workload_names.size(); ++w) {
    json repetitions = json::array();
    const size_t count = ranks.front().workloads.at(w).size();
    for (size_t k = 0; k < count; ++k) {
      json per_rank = json::array();
      for (const RankRun& r : ranks) {
        const RepetitionMeasurement& m = r.workloads.at(w).at(k);
        json entry{{"rank", r.rank}, {"state", RepetitionStateName(m.state)}, {"label", m.label}};
        for (const auto& [key, metric] :
             {std::pair{"samples_per_second", Metric::kSamplesPerSecond},
              std::pair{"bytes_per_second", Metric::kBytesPerSecond},
              std::pair{"samples", Metric::kSamples}, std::pair{"lat_p99_us", Metric::kLatP99Us}}) {
          if (const auto v = m.figures.Get(metric)) entry[key] = *v;
        }
        per_rank.push_back(std::move(entry));
      }
      json per_node = json::array();
      for (const NodeProof& p : NodeProofsOf(ranks, w, k)) {
        json entry{{"node", p.node}, {"bytes", p.bytes}};
        if (p.device_read_bytes) entry["device_read_bytes"] = *p.device_read_bytes;
        if (const auto ratio = p.Ratio()) entry["device_read_ratio"] = *ratio;
        per_node.push_back(std::move(entry));
      }
      repetitions.push_back(json{{"ranks", std::move(per_rank)}, {"nodes", std::move(per_node)}});
    }
    workloads[workload_names[w]] = std::move(repetitions);
  }
  return json{{"ranks", ranks.size()},
              {"node_count", node_list.size()},
              {"nodes", std::move(node_list)},
              {"rank_data", rank_data},
              {"dataset_scope", dataset_scope},
              {"merge_sec", merge_sec},
              {"barriers", std::move(per_rank_barriers)},
              {"workloads", std::move(workloads)}};
}

}  // namespace feedbench
