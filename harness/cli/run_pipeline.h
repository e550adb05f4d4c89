// The one pipeline of the commands that run a suite (`run`, `qualify`, `fio`): run it, record it
// (the results model, Google Benchmark JSON, the timeline), write both files, and hand back the
// model for the table, the gate or the qualification. Blocking; one at a time per data directory.
#pragma once

#include <filesystem>

#include "harness/results/run_record.h"
#include "harness/suite/suite_run.h"

namespace feedbench {

struct PipelineOutput {
  SuiteRun run;
  RecordedRun recorded;
  std::filesystem::path results_path;
  std::filesystem::path timeline_path;
};

// Runs `suite` as `request` asks and writes its results to `results_path` (and the timeline
// beside it). Throws what RunSuite and WriteRunFiles throw.
PipelineOutput RunRecordWrite(const Suite& suite, const RunRequest& request,
                              const std::filesystem::path& results_path);

}  // namespace feedbench
