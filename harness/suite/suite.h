// A suite: one dataset spec, run defaults, and the workloads replayed against that dataset.
//
// Suites are JSON files (workloads/suites/*.json for the shipped ones), schema-versioned. Parsing
// is strict: an unknown key, a wrong type or an out-of-range value is a UsageError naming the file,
// the key (as a JSON path, e.g. "workloads[1].workers") and what was expected. The suite is parsed
// once into typed values (kind, layout, order and cache as enums, the dataset spec, fio's options);
// the JSON as written is kept only to write the suite back out (SuiteToJson). Pure apart from
// LoadSuite, ShippedSuitesDir and ShippedSuiteNames, which read the file system; thread-compatible.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/dataset/dataset.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/fio/fio_workload.h"
#include "workloads/reader/reader.h"
#include "workloads/reader/workload.h"

namespace feedbench {

inline constexpr int kSuiteSchemaVersion = 1;

// Settings of a data-loading workload; suite "defaults" and each workload's overrides.
struct RunSettings {
  int repetitions = 3;
  int epochs = 1;
  CacheMode cache = CacheMode::kCold;
  int workers = 4;
  int batch_size = 32;
  int prefetch = 4;
  double compute_ms_per_batch = 0;
  bool verify = true;
};

// The two workload kinds: the data-loading reader and fio's raw ceiling.
enum class WorkloadKind { kReader, kFio };
std::string_view WorkloadKindName(WorkloadKind kind);  // "reader", "fio"

struct SuiteWorkload {
  std::string name;  // [A-Za-z0-9_.-]+, unique in the suite
  WorkloadKind kind = WorkloadKind::kReader;
  Layout layout = Layout::kFiles;  // reader
  Order order = Order::kRandom;    // reader
  // Reader of a packed layout (shards, records): the shard (data file) size its dataset is cut
  // with ("shard_bytes", default 256 MiB); 0 for the other layouts.
  uint64_t shard_bytes = 0;
  // Reader of shards in random order: each worker's shuffle buffer, samples ("shuffle_buffer").
  int shuffle_buffer = 1000;
  std::string profile;             // fio: a built-in profile name or a .fio file
  nlohmann::json fio_options = nlohmann::json::object();  // fio: as written (for SuiteToJson)
  FioWorkloadOptions fio;  // fio: `options` parsed (ApplyFioSuiteOptions) over the defaults
  RunSettings settings;    // defaults with this workload's overrides applied

  // The dataset layout this workload reads from disk, if any: a reader's layout (tmpfs stages the
  // files layout), smallfile's files layout; the other fio profiles read a test file of their own.
  // A packed layout's dataset is also named by its shard_bytes.
  std::optional<Layout> DatasetLayout() const;
};

// A fio workload named `name` running `profile` with `options` (the suite's "options" object),
// parsed and checked as ParseSuite does; `where` names it in errors.
SuiteWorkload MakeFioSuiteWorkload(std::string name, std::string profile, nlohmann::json options,
                                   const RunSettings& settings, std::string_view where);

struct Suite {
  std::string name;
  std::string description;
  nlohmann::json dataset;  // the dataset spec object as written (for SuiteToJson)
  DatasetSpec spec;        // the same, parsed
  RunSettings defaults;
  std::vector<SuiteWorkload> workloads;
  std::string source;  // the file it came from, for messages
};

// Parses and validates; `source` names the file in messages.
Suite ParseSuite(const nlohmann::json& document, const std::string& source);

// The canonical JSON form (ParseSuite(SuiteToJson(s)) == s).
nlohmann::json SuiteToJson(const Suite& suite);

// Loads a suite by shipped name ("smoke") or by file path. An unknown name is a UsageError that
// lists the shipped suites; a file that is not JSON names the file and the parse position.
Suite LoadSuite(const std::string& name_or_path);

// The environment variable naming the folder of the shipped suites, over the default places.
inline constexpr std::string_view kSuitesDirEnv = "FEEDBENCH_SUITES_DIR";

// The folder of the shipped suites for a binary in `binary_dir`: `suites_dir_env` when not empty
// (a UsageError naming FEEDBENCH_SUITES_DIR when it is not a folder or holds no *.json), else
// binary_dir/../share/feedbench/suites (an install: PREFIX/bin/feedbench), else
// binary_dir/share/feedbench/suites (a build tree; CMake links it to the source tree's
// workloads/suites). Neither is an EnvironmentError naming both. No path of the build machine is
// used: a copied or installed binary finds the suites installed beside it.
std::filesystem::path FindShippedSuitesDir(std::string_view suites_dir_env,
                                           const std::filesystem::path& binary_dir);

// FindShippedSuitesDir for this process ($FEEDBENCH_SUITES_DIR, /proc/self/exe), and the names of
// the suites there (sorted; "smoke" for smoke.json). Throw as FindShippedSuitesDir does.
std::filesystem::path ShippedSuitesDir();
std::vector<std::string> ShippedSuiteNames();

}  // namespace feedbench
