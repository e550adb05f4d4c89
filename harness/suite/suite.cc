#include "harness/suite/suite.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/units.h"

namespace feedbench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Reads typed values out of a JSON object, naming the file and key path in every complaint, and
// rejecting keys nobody asked for.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string source, std::string path)
      : object_(object), source_(std::move(source)), path_(std::move(path)) {
    if (!object_.is_object()) Fail(path_, "an object");
  }

  [[noreturn]] void Fail(const std::string& key, std::string_view expected) const {
    throw UsageError(fmt::format("{}: {}: expected {}", source_, key, expected));
  }
  std::string Key(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }
  bool Has(std::string_view key) const { return object_.contains(key); }
  const json& Raw(std::string_view key) const {
    seen_.insert(std::string(key));
    return object_.at(key);
  }

  std::string String(std::string_view key,
                     std::optional<std::string> fallback = std::nullopt) const {
    if (!Has(key)) return Required(key, fallback, "a string");
    const json& v = Raw(key);
    if (!v.is_string()) Fail(Key(key), "a string");
    return v.get<std::string>();
  }
  std::string OneOf(std::string_view key, std::initializer_list<std::string_view> allowed,
                    std::optional<std::string> fallback = std::nullopt) const {
    const std::string value = String(key, fallback);
    for (auto a : allowed) {
      if (value == a) return value;
    }
    std::string list;
    for (auto a : allowed) list += fmt::format("{}\"{}\"", list.empty() ? "" : " or ", a);
    Fail(Key(key), fmt::format("{} (got \"{}\")", list, value));
  }
  int Int(std::string_view key, int min, int max, std::optional<int> fallback) const {
    if (!Has(key)) return Required(key, fallback, "an integer");
    const json& v = Raw(key);
    if (!v.is_number_integer()) Fail(Key(key), fmt::format("an integer in [{}, {}]", min, max));
    const auto value = v.get<int64_t>();
    if (value < min || value > max) {
      Fail(Key(key), fmt::format("an integer in [{}, {}] (got {})", min, max, value));
    }
    return static_cast<int>(value);
  }
  double Number(std::string_view key, double min, double max,
                std::optional<double> fallback) const {
    if (!Has(key)) return Required(key, fallback, "a number");
    const json& v = Raw(key);
    if (!v.is_number()) Fail(Key(key), fmt::format("a number in [{}, {}]", min, max));
    const double value = v.get<double>();
    if (!(value >= min && value <= max)) {
      Fail(Key(key), fmt::format("a number in [{}, {}] (got {})", min, max, value));
    }
    return value;
  }
  // A byte count: a non-negative integer, or a string with a unit ("256MiB").
  uint64_t Bytes(std::string_view key, uint64_t fallback) const {
    if (!Has(key)) return fallback;
    const json& v = Raw(key);
    if (v.is_string()) {
      return ParseBytes(v.get<std::string>(), fmt::format("{}: {}", source_, Key(key)));
    }
    if (!v.is_number_unsigned()) {
      Fail(Key(key), fmt::format("a size: a string with a unit (\"256MiB\") or bytes as a "
                                 "non-negative integer (got {})",
                                 v.dump()));
    }
    return v.get<uint64_t>();
  }
  const std::string& source() const { return source_; }
  bool Bool(std::string_view key, std::optional<bool> fallback) const {
    if (!Has(key)) return Required(key, fallback, "true or false");
    const json& v = Raw(key);
    if (!v.is_boolean()) Fail(Key(key), "true or false");
    return v.get<bool>();
  }
  // Call last: every key of the object must have been read.
  void RejectUnknown(std::string_view allowed_hint) const {
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.contains(key)) {
        Fail(Key(key), fmt::format("no such key; allowed keys: {}", allowed_hint));
      }
    }
  }

 private:
  template <typename T>
  T Required(std::string_view key, const std::optional<T>& fallback,
             std::string_view expected) const {
    if (!fallback) Fail(Key(key), fmt::format("{} (the key is required)", expected));
    return *fallback;
  }

  const json& object_;
  std::string source_, path_;
  mutable std::set<std::string> seen_;
};

constexpr std::string_view kSettingsKeys =
    "repetitions, epochs, cache, workers, batch_size, prefetch, compute_ms_per_batch, verify";

// Reads the settings keys present in `r` over `base`.
RunSettings ReadSettings(const ObjectReader& r, const RunSettings& base) {
  RunSettings s;
  s.repetitions = r.Int("repetitions", 1, 1000, base.repetitions);
  s.epochs = r.Int("epochs", 1, 1000, base.epochs);
  s.cache =
      ParseCacheMode(r.OneOf("cache", {"cold", "warm"}, std::string(CacheModeName(base.cache))));
  s.workers = r.Int("workers", 1, 256, base.workers);
  s.batch_size = r.Int("batch_size", 1, 65536, base.batch_size);
  s.prefetch = r.Int("prefetch", 1, 4096, base.prefetch);
  s.compute_ms_per_batch = r.Number("compute_ms_per_batch", 0, 60000, base.compute_ms_per_batch);
  s.verify = r.Bool("verify", base.verify);
  return s;
}

// The options of the packed layouts: shard_bytes (shards, records), shuffle_buffer (shards read
// in random order). Anywhere else they are errors, not silently ignored.
void ReadPackedOptions(const ObjectReader& w, const DatasetSpec& spec, SuiteWorkload& wl) {
  const std::optional<PackFormat> format = PackFormatOf(wl.layout);
  if (!format && w.Has("shard_bytes")) {
    w.Fail(w.Key("shard_bytes"),
           fmt::format("no shard_bytes for layout {}: it applies to layouts shards and records",
                       LayoutName(wl.layout)));
  }
  if (w.Has("shuffle_buffer") && (wl.layout != Layout::kShards || wl.order != Order::kRandom)) {
    w.Fail(w.Key("shuffle_buffer"),
           fmt::format("no shuffle_buffer for layout {} in {} order: it applies to layout shards "
                       "in random order (sequential reads shards in storage order, unshuffled)",
                       LayoutName(wl.layout), OrderName(wl.order)));
  }
  if (format) {
    wl.shard_bytes = w.Bytes("shard_bytes", kDefaultShardBytes);
    CheckShardBytes(spec, *format, wl.shard_bytes,
                    fmt::format("{}: {}", w.source(), w.Key("shard_bytes")));
  }
  wl.shuffle_buffer = w.Int("shuffle_buffer", 1, 10000000, wl.shuffle_buffer);
}

json SettingsToJson(const RunSettings& s) {
  return json{{"repetitions", s.repetitions},
              {"epochs", s.epochs},
              {"cache", CacheModeName(s.cache)},
              {"workers", s.workers},
              {"batch_size", s.batch_size},
              {"prefetch", s.prefetch},
              {"compute_ms_per_batch", s.compute_ms_per_batch},
              {"verify", s.verify}};
}

}  // namespace

std::string_view WorkloadKindName(WorkloadKind kind) {
  return kind == WorkloadKind::kFio ? "fio" : "reader";
}

std::optional<Layout> SuiteWorkload::DatasetLayout() const {
  if (kind == WorkloadKind::kFio) {
    return profile == "smallfile" ? std::optional<Layout>(Layout::kFiles) : std::nullopt;
  }
  return layout == Layout::kTmpfs ? Layout::kFiles : layout;
}

SuiteWorkload MakeFioSuiteWorkload(std::string name, std::string profile, json options,
                                   const RunSettings& settings, std::string_view where) {
  SuiteWorkload w;
  w.name = std::move(name);
  w.kind = WorkloadKind::kFio;
  w.profile = std::move(profile);
  w.settings = settings;
  w.fio.profile = w.profile;
  // A ceiling needs enough parallel readers to keep the device busy, and never fewer than the
  // loader it bounds has workers.
  w.fio.smallfile_jobs = std::max(w.fio.smallfile_jobs, settings.workers);
  ApplyFioSuiteOptions(options, where, w.fio);
  w.fio_options = std::move(options);
  return w;
}

Suite ParseSuite(const json& document, const std::string& source) {
  const ObjectReader top(document, source, "");
  const int version = top.Int("schema_version", 1, 1000, std::nullopt);
  if (version != kSuiteSchemaVersion) {
    top.Fail("schema_version", fmt::format("{} (got {})", kSuiteSchemaVersion, version));
  }
  Suite suite;
  suite.source = source;
  suite.name = top.String("name");
  if (!std::regex_match(suite.name, std::regex("[A-Za-z0-9_.-]+"))) {
    top.Fail("name", "letters, digits, '_', '.', '-'");
  }
  suite.description = top.String("description", "");
  if (!top.Has("dataset")) top.Fail("dataset", "an object (the key is required)");
  suite.dataset = top.Raw("dataset");
  if (!suite.dataset.is_object()) top.Fail("dataset", "an object");
  suite.spec = DatasetSpecFromJson(suite.dataset, source + ": dataset");
  if (top.Has("defaults")) {
    const ObjectReader d(top.Raw("defaults"), source, "defaults");
    suite.defaults = ReadSettings(d, RunSettings{});
    d.RejectUnknown(kSettingsKeys);
  }
  if (!top.Has("workloads")) top.Fail("workloads", "a non-empty array (the key is required)");
  const json& list = top.Raw("workloads");
  if (!list.is_array() || list.empty()) top.Fail("workloads", "a non-empty array of workloads");
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = fmt::format("workloads[{}]", i);
    const ObjectReader w(list[i], source, path);
    SuiteWorkload wl;
    wl.name = w.String("name");
    if (!std::regex_match(wl.name, std::regex("[A-Za-z0-9_.-]+"))) {
      w.Fail(w.Key("name"), "letters, digits, '_', '.', '-' (no '/')");
    }
    if (!names.insert(wl.name).second) w.Fail(w.Key("name"), "a name unique in the suite");
    const std::string kind = w.OneOf("kind", {"reader", "fio"}, "reader");
    if (kind == "reader") {
      wl.kind = WorkloadKind::kReader;
      wl.layout = ParseLayout(w.String("layout"), fmt::format("{}: {}", source, w.Key("layout")));
      wl.order = ParseOrder(w.OneOf("order", {"random", "sequential"}, "random"), w.Key("order"));
      wl.settings = ReadSettings(w, suite.defaults);
      ReadPackedOptions(w, suite.spec, wl);
      w.RejectUnknown(
          fmt::format("name, kind, layout, order, shard_bytes, shuffle_buffer, {}", kSettingsKeys));
      suite.workloads.push_back(std::move(wl));
    } else {
      const std::string profile = w.String("profile");
      RunSettings settings = suite.defaults;
      settings.repetitions = w.Int("repetitions", 1, 1000, suite.defaults.repetitions);
      json options = json::object();
      if (w.Has("options")) {
        options = w.Raw("options");
        if (!options.is_object()) w.Fail(w.Key("options"), "an object of profile options");
      }
      w.RejectUnknown("name, kind, profile, repetitions, options");
      suite.workloads.push_back(
          MakeFioSuiteWorkload(wl.name, profile, std::move(options), settings,
                               fmt::format("{}: workload {} options", source, wl.name)));
    }
  }
  top.RejectUnknown("schema_version, name, description, dataset, defaults, workloads");
  return suite;
}

json SuiteToJson(const Suite& suite) {
  json workloads = json::array();
  for (const auto& wl : suite.workloads) {
    json w{{"name", wl.name}, {"kind", WorkloadKindName(wl.kind)}};
    if (wl.kind == WorkloadKind::kReader) {
      w["layout"] = LayoutName(wl.layout);
      w["order"] = OrderName(wl.order);
      if (PackFormatOf(wl.layout)) w["shard_bytes"] = wl.shard_bytes;
      if (wl.layout == Layout::kShards && wl.order == Order::kRandom) {
        w["shuffle_buffer"] = wl.shuffle_buffer;
      }
      w.update(SettingsToJson(wl.settings));
    } else {
      w["profile"] = wl.profile;
      w["repetitions"] = wl.settings.repetitions;
      if (!wl.fio_options.empty()) w["options"] = wl.fio_options;
    }
    workloads.push_back(std::move(w));
  }
  return json{{"schema_version", kSuiteSchemaVersion},      {"name", suite.name},
              {"description", suite.description},           {"dataset", suite.dataset},
              {"defaults", SettingsToJson(suite.defaults)}, {"workloads", std::move(workloads)}};
}

namespace {

// The suite files (*.json) directly in `dir`, by name; empty when there are none or no such folder.
std::vector<std::string> SuiteNamesIn(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

fs::path FindShippedSuitesDir(std::string_view suites_dir_env, const fs::path& binary_dir) {
  std::error_code ec;
  if (!suites_dir_env.empty()) {
    const fs::path dir(suites_dir_env);
    if (!fs::is_directory(dir, ec)) {
      throw UsageError(fmt::format(
          "{}={}: not a directory; expected the folder holding the shipped suites (*.json)",
          kSuitesDirEnv, dir.string()));
    }
    if (SuiteNamesIn(dir).empty()) {
      throw UsageError(
          fmt::format("{}={}: holds no suite (*.json); expected the folder holding "
                      "the shipped suites",
                      kSuitesDirEnv, dir.string()));
    }
    return dir;
  }
  // An install (PREFIX/bin/feedbench → PREFIX/share/feedbench/suites), then a build tree, whose
  // share/feedbench/suites CMake links to the source tree's workloads/suites (the tests and
  // benchmarks, one folder down, find it as the first).
  const fs::path candidates[] = {binary_dir.parent_path() / "share" / "feedbench" / "suites",
                                 binary_dir / "share" / "feedbench" / "suites"};
  for (const fs::path& candidate : candidates) {
    if (fs::is_directory(candidate, ec)) return candidate;
  }
  throw EnvironmentError(fmt::format(
      "no shipped suites: neither {} nor {} is a folder (a feedbench install puts them in "
      "PREFIX/share/feedbench/suites); set {} to their folder, or pass a suite file path",
      candidates[0].string(), candidates[1].string(), kSuitesDirEnv));
}

fs::path ShippedSuitesDir() {
  const char* env = std::getenv(std::string(kSuitesDirEnv).c_str());
  std::error_code ec;
  const fs::path binary = fs::read_symlink("/proc/self/exe", ec);
  return FindShippedSuitesDir(env == nullptr ? "" : env, ec ? fs::path() : binary.parent_path());
}

std::vector<std::string> ShippedSuiteNames() { return SuiteNamesIn(ShippedSuitesDir()); }

Suite LoadSuite(const std::string& name_or_path) {
  fs::path path = name_or_path;
  const bool looks_like_path =
      name_or_path.find('/') != std::string::npos || path.extension() == ".json";
  if (!looks_like_path) {
    const fs::path dir = ShippedSuitesDir();
    path = dir / (name_or_path + ".json");
    if (!fs::exists(path)) {
      throw UsageError(fmt::format(
          "--suite {}: no such shipped suite in {}; shipped suites: {} (or pass a suite file path)",
          name_or_path, dir.string(), fmt::join(SuiteNamesIn(dir), ", ")));
    }
  } else if (!fs::exists(path)) {
    throw UsageError(fmt::format("--suite {}: file does not exist", name_or_path));
  }
  const std::string text = ReadWholeFile(path);
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& e) {  // a syntax error, or a number out of range (1e999)
    throw UsageError(fmt::format("{}: not valid JSON: {}", path.string(), e.what()));
  }
  return ParseSuite(document, path.string());
}

}  // namespace feedbench
