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

// Under LeakSanitizer (LSAN_OPTIONS set, ci/sanitize.sh), LSAN_OPTIONS for the ranks with its
// slow unwinder added, so that Open MPI's own leaks, whose libraries lack frame pointers, are
// named and suppressed (ci/lsan.supp): "LSAN_OPTIONS='...:fast_unwind_on_malloc=0'"; else "".
// For `env` in each app context of an MPMD command line (A : B), which mpirun's -x does not reach
// past the first.
inline std::string RankLsanEnv() {
  const char* lsan = std::getenv("LSAN_OPTIONS");
  if (lsan == nullptr || *lsan == '\0') return "";
  return "LSAN_OPTIONS='" + std::string(lsan) + ":fast_unwind_on_malloc=0'";
}

// "mpirun --allow-run-as-root --oversubscribe" (a shell command's beginning), with RankLsanEnv
// for the ranks — unless OMPI_MCA_mca_base_env_list is set (ci/sanitize.sh sets it to give every
// rank the same LSAN_OPTIONS): Open MPI refuses -x beside that list ("does not support mixing
// these two methods").
inline std::string Mpirun() {
  std::string command = MpirunPath().string() + " --allow-run-as-root --oversubscribe";
  const char* env_list = std::getenv("OMPI_MCA_mca_base_env_list");
  if (env_list != nullptr && *env_list != '\0') return command;
  if (const std::string lsan = RankLsanEnv(); !lsan.empty()) command += " -x " + lsan;
  return command;
}

// Mpirun() with "-np N".
inline std::string MpirunPrefix(int ranks) { return Mpirun() + " -np " + std::to_string(ranks); }

}  // namespace feedbench::testing
