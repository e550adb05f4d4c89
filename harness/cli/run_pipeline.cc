#include "harness/cli/run_pipeline.h"

namespace feedbench {

PipelineOutput RunRecordWrite(const Suite& suite, const RunRequest& request,
                              const std::filesystem::path& results_path) {
  PipelineOutput out;
  out.run = RunSuite(suite, request);
  out.recorded = RecordRun(out.run, results_path.string());
  out.results_path = results_path;
  out.timeline_path = WriteRunFiles(out.recorded, results_path);
  return out;
}

}  // namespace feedbench
