// A sampled window: run a piece of work while /proc/diskstats is sampled for some devices, and
// measure what else used the node meanwhile (node_activity.h).
//
// Every workload kind measures its repetition this way, so the window always spans exactly the
// work: the sampler's first snapshot is taken before the work starts, its last after the work
// ends (also when the work throws). When the work throws, its exception is the one that
// propagates, even if stopping the sampler fails too; when only stopping the sampler fails, that
// error propagates. With no devices (tmpfs, or sampling not wanted) the work runs unsampled. The
// window's rows include its edges (SamplerOptions::edge_rows): at least two per device. The
// node activity snapshots are taken just outside the sampler's first and last snapshots (devices
// or not), so the activity window holds the device window.
// Blocking; thread-compatible (each call owns its sampler).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harness/measure/node_activity.h"
#include "harness/measure/sampler.h"

namespace feedbench {

struct SampledWindow {
  std::vector<WindowSummary> summaries;  // one per device, in the order given
  std::vector<SampleRow> rows;           // the sampled rows, in time order
  NodeActivity activity;                 // own reads, CPU steal, pressure over the work

  // The summary of `device`, if it was sampled.
  std::optional<WindowSummary> SummaryOf(const std::string& device) const;
};

// Runs `work()` inside a window sampled as `options` say (devices, interval); returns the
// window. Throws what `work` throws, or what the sampler throws (see Sampler).
template <typename Work>
SampledWindow RunSampled(SamplerOptions options, Work&& work);

// The same with the default diskstats file: `devices` every `interval`.
template <typename Work>
SampledWindow RunSampled(const std::vector<std::string>& devices,
                         std::chrono::milliseconds interval, Work&& work) {
  SamplerOptions options;
  options.devices = devices;
  options.interval = interval;
  return RunSampled(std::move(options), std::forward<Work>(work));
}

// Windows taken one after another over parts of one piece of work (a cold repetition samples
// each epoch in its own window, so that the cache drop between epochs is outside every window),
// as one window: `next` is appended to `total` (pure). Per device, counter deltas, bytes, I/Os
// and durations add up and iostat's figures are recomputed from the summed deltas over the summed
// duration, so they are exactly those of the windows' time without the gaps between them; notes
// are kept once each; the start is the first window's, the end the last's. Rows are appended.
// Node activity: window seconds and own reads add up (absent if absent in either), shares are
// weighted by window seconds. A device only `next` sampled is added; an empty `total` becomes
// `next`.
void AppendWindow(SampledWindow& total, const SampledWindow& next);

// The same for one device's summaries and for node activity.
WindowSummary CombineSummaries(const WindowSummary& first, const WindowSummary& second);
NodeActivity CombineActivity(const NodeActivity& first, const NodeActivity& second);

namespace detail {
// Stops `sampler` after `work` threw; never throws, so the work's exception is kept.
void StopAfterFailure(Sampler& sampler) noexcept;
}  // namespace detail

template <typename Work>
SampledWindow RunSampled(SamplerOptions options, Work&& work) {
  SampledWindow window;
  if (options.devices.empty()) {
    const NodeActivitySnapshot start = TakeNodeActivitySnapshot();
    work();
    window.activity = ActivityBetween(start, TakeNodeActivitySnapshot());
    return window;
  }
  // Every repetition's timeline has its start and end, however short it is beside the interval.
  options.edge_rows = true;
  Sampler sampler(std::move(options));
  const NodeActivitySnapshot start = TakeNodeActivitySnapshot();
  sampler.Start();
  try {
    work();
  } catch (...) {
    detail::StopAfterFailure(sampler);
    throw;
  }
  window.summaries = sampler.Stop();
  window.activity = ActivityBetween(start, TakeNodeActivitySnapshot());
  window.rows = sampler.Rows();
  return window;
}

}  // namespace feedbench
