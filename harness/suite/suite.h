// A suite: one dataset spec, run defaults, and the workloads replayed against that dataset.
//
// Suites are JSON files (workloads/suites/*.json for the shipped ones), schema-versioned. Parsing is
// strict: an unknown key, a wrong type or an out-of-range value is a UsageError naming the file, the
// key (as a JSON path, e.g. "workloads[1].workers") and what was expected. Pure apart from
// LoadSuite/FindShippedSuites, which read files; thread-compatible.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace feedbench {

inline constexpr int kSuiteSchemaVersion = 1;

// Settings of a data-loading workload; suite "defaults" and each workload's overrides.
struct RunSettings {
  int repetitions = 3;
  int epochs = 1;
  std::string cache = "cold";  // "cold" | "warm"
  int workers = 4;
  int batch_size = 32;
  int prefetch = 4;
  double compute_ms_per_batch = 0;
  bool verify = true;
};

struct SuiteWorkload {
  std::string name;            // [A-Za-z0-9_.-]+, unique in the suite
  std::string kind = "reader"; // "reader" (data loading) | "fio" (raw ceiling)
  std::string layout;          // reader: "files" | "lmdb" | "tmpfs"
  std::string order;           // reader: "random" | "sequential"
  std::string profile;         // fio: profile name
  nlohmann::json fio_options = nlohmann::json::object();  // fio: runtime_s, ramp_s, size...
  RunSettings settings;        // defaults with this workload's overrides applied
};

struct Suite {
  std::string name;
  std::string description;
  nlohmann::json dataset;  // the dataset spec object (workloads/dataset.h reads it)
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

// The folder holding the shipped suites (next to the binary's source tree), and their names.
std::filesystem::path ShippedSuitesDir();
std::vector<std::string> ShippedSuiteNames();

}  // namespace feedbench
