// Test support: mpirun (Open MPI) for tests that run feedbench as several ranks on this machine.
//
// The flags are what a container run as root needs here: --allow-run-as-root (Open MPI refuses
// root otherwise) and --oversubscribe (more ranks than cores). Ranks talk through shared memory
// (loopback only); nothing reaches another host.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace feedbench::testing {

// mpirun's path on PATH, or empty when Open MPI is not installed (tests then skip, saying so).
inline std::filesystem::path MpirunPath() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    const std::filesystem::path candidate = std::filesystem::path(dirs.substr(0, colon)) / "mpirun";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return {};
}

// "mpirun --allow-run-as-root --oversubscribe -np N" (a shell command's beginning).
inline std::string MpirunPrefix(int ranks) {
  return MpirunPath().string() + " --allow-run-as-root --oversubscribe -np " +
         std::to_string(ranks);
}

}  // namespace feedbench::testing
