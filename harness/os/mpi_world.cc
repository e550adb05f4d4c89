#include "harness/os/mpi_world.h"

#include <fmt/format.h>
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "harness/os/interrupt.h"

namespace feedbench {
namespace {

using MpiClock = std::chrono::steady_clock;

// A rank that is not rank 0 waits this much longer than rank 0 for a barrier, so that when a rank
// is missing, rank 0 (which knows who) is the one that names it.
constexpr double kFollowerGraceSec = 5;
// Barrier messages: two tags per barrier, cycling, above the tags of the other exchanges.
constexpr int kBarrierTagBase = 1000;
constexpr int kBarrierTagCycle = 10000;
constexpr size_t kNodeNameBytes = 256;

int ParseOmpiEnvInt(const char* name, const char* text) {
  int value = -1;
  const char* end = text + std::char_traits<char>::length(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || value < 0) {
    throw EnvironmentError(
        fmt::format("{}={}: expected a whole number ≥ 0 (set by mpirun)", name, text));
  }
  return value;
}

std::string ThisMpiNodeName() {
  if (const char* forced = std::getenv("FEEDBENCH_MPI_NODE"); forced != nullptr && *forced) {
    return std::string(forced).substr(0, kNodeNameBytes - 1);
  }
  std::array<char, kNodeNameBytes> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) return "localhost";
  return host.data();
}

// The ranks' list as a message names it: "rank 3 (on node7)", "ranks 1, 3 (on node7, node8)".
std::string NameMpiRanks(const MpiWorld& world, const std::vector<int>& ranks) {
  std::string names, nodes;
  for (const int r : ranks) {
    names += (names.empty() ? "" : ", ") + std::to_string(r);
    const std::string& node = world.Placement().node_of_rank[r];
    if (nodes.find(node) == std::string::npos) nodes += (nodes.empty() ? "" : ", ") + node;
  }
  return fmt::format("{} {} (on {})", ranks.size() == 1 ? "rank" : "ranks", names, nodes);
}

// Polls `requests` until all completed or `deadline`; returns the indices still pending (their
// requests cancelled and freed). Checks for SIGINT/SIGTERM between polls.
std::vector<size_t> WaitMpiRequestsUntil(std::vector<MPI_Request>& requests,
                                         MpiClock::time_point deadline) {
  auto pause = std::chrono::microseconds(20);
  while (true) {
    int done = 0;
    MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done, MPI_STATUSES_IGNORE);
    if (done) return {};
    if (MpiClock::now() >= deadline) break;
    ThrowIfInterrupted();
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
  std::vector<size_t> pending;
  for (size_t i = 0; i < requests.size(); ++i) {
    int done = 0;
    MPI_Test(&requests[i], &done, MPI_STATUS_IGNORE);
    if (done) continue;
    pending.push_back(i);
    MPI_Cancel(&requests[i]);
    MPI_Request_free(&requests[i]);
  }
  return pending;
}

}  // namespace

std::optional<MpiLaunch> DetectMpiLaunch(const std::function<const char*(const char*)>& getenv) {
  const char* size_text = getenv("OMPI_COMM_WORLD_SIZE");
  if (size_text == nullptr) return std::nullopt;
  MpiLaunch launch;
  launch.size = ParseOmpiEnvInt("OMPI_COMM_WORLD_SIZE", size_text);
  const char* rank_text = getenv("OMPI_COMM_WORLD_RANK");
  const char* local_text = getenv("OMPI_COMM_WORLD_LOCAL_RANK");
  if (rank_text == nullptr || local_text == nullptr) {
    throw EnvironmentError(fmt::format(
        "OMPI_COMM_WORLD_SIZE={} is set but {} is not: expected both from mpirun", size_text,
        rank_text == nullptr ? "OMPI_COMM_WORLD_RANK" : "OMPI_COMM_WORLD_LOCAL_RANK"));
  }
  launch.rank = ParseOmpiEnvInt("OMPI_COMM_WORLD_RANK", rank_text);
  launch.local_rank = ParseOmpiEnvInt("OMPI_COMM_WORLD_LOCAL_RANK", local_text);
  if (launch.size < 1 || launch.rank >= launch.size || launch.local_rank >= launch.size) {
    throw EnvironmentError(fmt::format(
        "OMPI_COMM_WORLD_RANK={}, OMPI_COMM_WORLD_LOCAL_RANK={}, OMPI_COMM_WORLD_SIZE={}: "
        "expected ranks below the size",
        rank_text, local_text, size_text));
  }
  return launch;
}

int RankPlacement::NodeCount() const { return static_cast<int>(NodeLeaders().size()); }

int RankPlacement::NodeIndexOf(int rank) const {
  std::vector<std::string> seen;
  for (int r = 0; r <= rank; ++r) {
    if (std::find(seen.begin(), seen.end(), node_of_rank[r]) == seen.end()) {
      seen.push_back(node_of_rank[r]);
    }
  }
  return static_cast<int>(std::find(seen.begin(), seen.end(), node_of_rank[rank]) - seen.begin());
}

int RankPlacement::LocalRankOf(int rank) const {
  return static_cast<int>(
      std::count(node_of_rank.begin(), node_of_rank.begin() + rank, node_of_rank[rank]));
}

std::vector<int> RankPlacement::NodeLeaders() const {
  std::vector<int> leaders;
  for (int r = 0; r < static_cast<int>(node_of_rank.size()); ++r) {
    if (LocalRankOf(r) == 0) leaders.push_back(r);
  }
  return leaders;
}

MpiWorld& MpiWorld::Process() {
  static MpiWorld world;
  if (world.placement_.node_of_rank.empty()) world.placement_.node_of_rank = {ThisMpiNodeName()};
  return world;
}

MpiWorld& MpiWorld::Start(int* argc, char*** argv) {
  MpiWorld& world = Process();
  const std::optional<MpiLaunch> launch = DetectMpiLaunch(&std::getenv);
  if (!launch || world.launched_) return world;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    throw EnvironmentError("MPI_Init_thread failed under mpirun");
  }
  world.launched_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &world.rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &world.size_);
  // Every rank's node name, fixed-size, in rank order.
  std::array<char, kNodeNameBytes> mine{};
  const std::string name = ThisMpiNodeName();
  std::copy(name.begin(), name.end(), mine.begin());
  std::vector<char> all(kNodeNameBytes * static_cast<size_t>(world.size_));
  MPI_Allgather(mine.data(), kNodeNameBytes, MPI_CHAR, all.data(), kNodeNameBytes, MPI_CHAR,
                MPI_COMM_WORLD);
  world.placement_.node_of_rank.clear();
  for (int r = 0; r < world.size_; ++r) {
    world.placement_.node_of_rank.emplace_back(all.data() + r * kNodeNameBytes);
  }
  return world;
}

MpiWorld::~MpiWorld() {
  if (!launched_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

std::string MpiWorld::DescribeRank(int rank) const {
  return fmt::format("rank {} on {}", rank, placement_.node_of_rank[rank]);
}

double MpiWorld::Barrier(const std::string& what, double timeout_sec) {
  if (size_ == 1) return 0;
  const MpiClock::time_point start = MpiClock::now();
  const int cycle = barrier_sequence_++ % kBarrierTagCycle;
  const int arrive_tag = kBarrierTagBase + 2 * cycle;
  const int release_tag = arrive_tag + 1;
  const auto deadline_after = [&](double sec) {
    return start +
           std::chrono::duration_cast<MpiClock::duration>(std::chrono::duration<double>(sec));
  };
  const std::string limit = fmt::format("{:g} s", timeout_sec);
  // Each rank sends a digest of `what`: a rank at another step is named, not paired by mistake.
  const int step = static_cast<int>(std::hash<std::string>{}(what)&0x7fffffff);
  if (rank_ == 0) {
    std::vector<int> tokens(size_ - 1);
    std::vector<MPI_Request> arrivals(size_ - 1);
    for (int r = 1; r < size_; ++r) {
      MPI_Irecv(&tokens[r - 1], 1, MPI_INT, r, arrive_tag, MPI_COMM_WORLD, &arrivals[r - 1]);
    }
    const std::vector<size_t> missing = WaitMpiRequestsUntil(arrivals, deadline_after(timeout_sec));
    if (!missing.empty()) {
      std::vector<int> ranks;
      for (const size_t i : missing) ranks.push_back(static_cast<int>(i) + 1);
      throw MpiTimeout(fmt::format("{} did not reach {} within {} (stopped, hung or failed)",
                                   NameMpiRanks(*this, ranks), what, limit));
    }
    for (int r = 1; r < size_; ++r) {
      if (tokens[r - 1] != step) {
        throw MpiTimeout(fmt::format("{} reached another barrier than {} (the ranks' steps differ)",
                                     NameMpiRanks(*this, {r}), what));
      }
    }
    int token = 1;
    std::vector<MPI_Request> releases(size_ - 1);
    for (int r = 1; r < size_; ++r) {
      MPI_Isend(&token, 1, MPI_INT, r, release_tag, MPI_COMM_WORLD, &releases[r - 1]);
    }
    MPI_Waitall(size_ - 1, releases.data(), MPI_STATUSES_IGNORE);
  } else {
    int token = step, released = 0;
    std::vector<MPI_Request> requests(2);
    MPI_Isend(&token, 1, MPI_INT, 0, arrive_tag, MPI_COMM_WORLD, &requests[0]);
    MPI_Irecv(&released, 1, MPI_INT, 0, release_tag, MPI_COMM_WORLD, &requests[1]);
    if (!WaitMpiRequestsUntil(requests, deadline_after(timeout_sec + kFollowerGraceSec)).empty()) {
      throw MpiTimeout(fmt::format("{} did not release {} within {} (stopped, hung or failed)",
                                   DescribeRank(0), what, limit));
    }
  }
  return std::chrono::duration<double>(MpiClock::now() - start).count();
}

std::vector<std::string> MpiWorld::GatherToRoot(const std::string& bytes) {
  if (size_ == 1) return {bytes};
  // MPI counts are ints: one rank's bytes and their sum stay below 2 GiB.
  const int mine = static_cast<int>(bytes.size());
  std::vector<int> counts(rank_ == 0 ? size_ : 0);
  MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> offsets(counts.size());
  int total = 0;
  for (size_t r = 0; r < counts.size(); ++r) {
    offsets[r] = total;
    total += counts[r];
  }
  std::string all(static_cast<size_t>(total), '\0');
  MPI_Gatherv(bytes.data(), mine, MPI_CHAR, all.data(), counts.data(), offsets.data(), MPI_CHAR, 0,
              MPI_COMM_WORLD);
  if (rank_ != 0) return {};
  std::vector<std::string> out;
  for (size_t r = 0; r < counts.size(); ++r) out.push_back(all.substr(offsets[r], counts[r]));
  return out;
}

std::string MpiWorld::BroadcastFromRoot(const std::string& bytes) {
  if (size_ == 1) return bytes;
  uint64_t length = bytes.size();
  MPI_Bcast(&length, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  std::string out = rank_ == 0 ? bytes : std::string(length, '\0');
  MPI_Bcast(out.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD);
  return out;
}

std::optional<int> MpiWorld::FirstRankDiffering(uint64_t hash) {
  if (size_ == 1) return std::nullopt;
  std::vector<uint64_t> hashes(rank_ == 0 ? size_ : 0);
  MPI_Gather(&hash, 1, MPI_UINT64_T, hashes.data(), 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  int differing = -1;
  for (int r = 1; r < static_cast<int>(hashes.size()) && differing < 0; ++r) {
    if (hashes[r] != hashes[0]) differing = r;
  }
  MPI_Bcast(&differing, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (differing < 0) return std::nullopt;
  return differing;
}

void MpiWorld::Abort(int exit_code) {
  if (launched_) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

}  // namespace feedbench
