#include "workloads/dataset/profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <map>
#include <system_error>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

uint64_t Median(std::vector<uint64_t> values) {
  if (values.empty()) return 0;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  return values[mid];
}

}  // namespace

HistogramBucket BucketFor(uint64_t bytes) {
  if (bytes < 8) return {bytes, bytes, 0};
  const int exponent = std::bit_width(bytes) - 1;
  const uint64_t base = 1ULL << exponent;
  const uint64_t width = base >> 3;
  const uint64_t low = base + (bytes - base) / width * width;
  return {low, low + width - 1, 0};
}

TreeProfile ProfileFromSizes(std::string source, const std::vector<uint64_t>& file_bytes,
                             const std::vector<uint64_t>& files_per_dir) {
  TreeProfile p;
  p.source = std::move(source);
  p.files = file_bytes.size();
  p.directories = files_per_dir.size();
  if (file_bytes.empty()) return p;
  std::map<uint64_t, HistogramBucket> buckets;
  p.min_file_bytes = UINT64_MAX;
  for (const uint64_t bytes : file_bytes) {
    p.total_bytes += bytes;
    p.min_file_bytes = std::min(p.min_file_bytes, bytes);
    p.max_file_bytes = std::max(p.max_file_bytes, bytes);
    // Each bucket keeps the smallest and largest size seen in it, so a tree of equal-sized files
    // replays exactly rather than spread over the bucket's 12.5% width.
    const uint64_t key = BucketFor(bytes).min_bytes;
    auto [it, inserted] = buckets.try_emplace(key, HistogramBucket{bytes, bytes, 0});
    it->second.min_bytes = std::min(it->second.min_bytes, bytes);
    it->second.max_bytes = std::max(it->second.max_bytes, bytes);
    ++it->second.count;
  }
  p.mean_file_bytes = static_cast<double>(p.total_bytes) / static_cast<double>(p.files);
  p.median_file_bytes = Median(file_bytes);
  if (!files_per_dir.empty()) {
    p.max_files_per_dir = *std::max_element(files_per_dir.begin(), files_per_dir.end());
    p.median_files_per_dir = Median(files_per_dir);
  }
  for (auto& [low, b] : buckets) {
    // Oversized files cannot be replayed as one sample; cap the bucket at the largest sample.
    b.max_bytes = std::min(b.max_bytes, kMaxSampleBytes);
    b.min_bytes = std::min(b.min_bytes, b.max_bytes);
    p.buckets.push_back(b);
  }
  p.spec.samples = p.files;
  p.spec.sizes.kind = SizeDistributionKind::kHistogram;
  p.spec.sizes.buckets = p.buckets;
  p.spec.seed = 1;
  p.spec.files_per_dir =
      static_cast<uint32_t>(std::clamp<uint64_t>(p.median_files_per_dir, 1, UINT32_MAX));
  return p;
}

TreeProfile ProfileTree(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(fmt::format("dataset profile: {} is not a directory", dir.string()));
  }
  std::vector<uint64_t> sizes;
  std::map<fs::path, uint64_t> per_dir;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    throw UsageError(
        fmt::format("dataset profile: cannot read {}: {}", dir.string(), ec.message()));
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      throw EnvironmentError(
          fmt::format("dataset profile: walking {}: {}", dir.string(), ec.message()));
    }
    const auto status = it->symlink_status(ec);
    if (ec || !fs::is_regular_file(status)) continue;
    const uint64_t bytes = it->file_size(ec);
    if (ec) continue;
    sizes.push_back(bytes);
    ++per_dir[it->path().parent_path()];
  }
  if (sizes.empty()) {
    throw UsageError(fmt::format("dataset profile: {} holds no regular file", dir.string()));
  }
  std::vector<uint64_t> fan_out;
  fan_out.reserve(per_dir.size());
  for (const auto& [path, count] : per_dir) fan_out.push_back(count);
  return ProfileFromSizes(dir.string(), sizes, fan_out);
}

nlohmann::json ToJson(const TreeProfile& p) {
  return {{"feedbench_profile", 1},
          {"source", p.source},
          {"files", p.files},
          {"directories", p.directories},
          {"total_bytes", p.total_bytes},
          {"file_bytes",
           {{"min", p.min_file_bytes},
            {"median", p.median_file_bytes},
            {"mean", p.mean_file_bytes},
            {"max", p.max_file_bytes}}},
          {"files_per_dir", {{"max", p.max_files_per_dir}, {"median", p.median_files_per_dir}}},
          {"spec", ToJson(p.spec)}};
}

DatasetSpec SpecFromSpecOrProfileJson(const nlohmann::json& json, std::string_view where) {
  if (json.is_object() && json.contains("feedbench_profile")) {
    if (!json.contains("spec")) {
      throw UsageError(fmt::format("{}: key 'spec': missing from the profile", where));
    }
    return DatasetSpecFromJson(json["spec"], fmt::format("{}: spec", where));
  }
  return DatasetSpecFromJson(json, where);
}

}  // namespace feedbench
