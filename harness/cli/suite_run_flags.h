// The command-line flags shared by the commands that run a suite (`run`, `qualify`): suite, data
// directory, results file, repetitions, filter, cache, sampling interval, tmpfs directory, keep
// data, quiet. AddSuiteRunFlags registers them with the given defaults; ToRunRequest turns what
// was given into a RunRequest (only flags given on the command line override the suite).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "harness/suite/suite_run.h"

namespace feedbench {

struct SuiteRunFlags {
  std::string suite = "smoke";
  std::string data_dir;
  std::string out;
  int repetitions = 0;
  std::string filter;
  std::string cache;
  int interval_ms = 100;
  bool keep_data = false;
  bool quiet = false;
  std::string tmpfs_dir = "/dev/shm";
  std::string schedule = "interleaved";
  std::string probe = "auto";
  double probe_seconds = 1;
  std::string warm_control = "on";
};

void AddSuiteRunFlags(CLI::App& sub, SuiteRunFlags& flags);

RunRequest ToRunRequest(const SuiteRunFlags& flags, const CLI::App& sub);

}  // namespace feedbench
