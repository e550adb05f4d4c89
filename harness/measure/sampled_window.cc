#include "harness/measure/sampled_window.h"

namespace feedbench {

std::optional<WindowSummary> SampledWindow::SummaryOf(const std::string& device) const {
  for (const WindowSummary& s : summaries) {
    if (s.device == device) return s;
  }
  return std::nullopt;
}

namespace detail {

void StopAfterFailure(Sampler& sampler) noexcept {
  try {
    sampler.Stop();
  } catch (...) {
    // The work's own error says what went wrong; a sampler that also failed adds nothing to it.
  }
}

}  // namespace detail
}  // namespace feedbench
