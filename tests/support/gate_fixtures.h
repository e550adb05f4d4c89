// Test support for the regression-gate tests: the hand-made fixtures under tests/fixtures/gate/,
// reading and writing them, and writing figures as the bare NaN or Infinity tokens that
// printf-style writers leave (which nlohmann cannot write). Header-only; no shell, no binary, so
// that tests with their own process helpers (loop_ext4.h) can use it too.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace feedbench::testing {

inline std::filesystem::path GateFixture(const std::string& name) {
  return std::filesystem::path(FEEDBENCH_FIXTURES) / "gate" / name;
}

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline nlohmann::json ReadJson(const std::filesystem::path& path) {
  return nlohmann::json::parse(ReadText(path));
}

inline void WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline void WriteJson(const std::filesystem::path& path, const nlohmann::json& j) {
  WriteText(path, j.dump(2));
}

// `document` as text with the values at `pointers` written as the bare `token` ("NaN",
// "-Infinity", "nan(0x8000)", "null"): what a printf-style writer leaves, which nlohmann cannot
// write.
inline std::string WithValuesWrittenAs(nlohmann::json document,
                                       const std::vector<nlohmann::json::json_pointer>& pointers,
                                       const std::string& token) {
  const std::string placeholder = "@feedbench-test-token@";
  for (const auto& pointer : pointers) document.at(pointer) = placeholder;
  std::string text = document.dump(2);
  const std::string quoted = "\"" + placeholder + "\"";
  for (auto at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at)) {
    text.replace(at, quoted.size(), token);
  }
  return text;
}

// The pointers to `counter` in every repetition (run_type "iteration") of `workload` in a results
// document, in file order.
inline std::vector<nlohmann::json::json_pointer> RepetitionCounters(const nlohmann::json& results,
                                                                    const std::string& workload,
                                                                    const std::string& counter) {
  std::vector<nlohmann::json::json_pointer> pointers;
  const nlohmann::json& benchmarks = results.at("benchmarks");
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    const nlohmann::json& e = benchmarks[i];
    const std::string run_name = e.value("run_name", "");
    if (e.value("run_type", "") != "iteration" ||
        (run_name != workload && !run_name.starts_with(workload + "/"))) {
      continue;
    }
    pointers.emplace_back("/benchmarks/" + std::to_string(i) + "/" + counter);
  }
  return pointers;
}

}  // namespace feedbench::testing
