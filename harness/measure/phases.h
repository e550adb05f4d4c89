// Phases of a monitored window: the job's own marks (its log lines that match --mark, such as
// "Epoch 2") cut the sampling window into phases, and each phase gets the I/O figures and the
// diagnosis of its own stretch.
//
// Marks: MarkPattern is one ECMAScript regular expression (std::regex), searched in each line (a
// match anywhere in the line; anchor it with ^ or $ to say more). A phase is named after its mark:
// the regex's first capture group when it has one and the group matched something, else the
// whole match (so `Epoch \d+` names phases "Epoch 1", "Epoch 2" whatever else the line says, and
// `phase=(\w+)` names them by the word after "phase="); trimmed of blanks; the whole line, trimmed,
// when that is empty. Only the first 4096 bytes of a line are searched (libstdc++'s matcher
// recurses per character: a longer text could exhaust the stack). A regex that starts with plain
// text ("Epoch " in `Epoch \d+`) is first looked for as that text, and the matcher is tried only
// where it occurs (a match must start there): a chatty job's other lines cost a substring search,
// not a regex search from every position.
//
// Boundaries: a phase runs from its mark to the next mark (or the window's end). The figures are
// iostat-exact, from the diskstats counters at the phase's boundaries, so a boundary sits on a
// sample: a mark stamped between two samples is placed at the nearer of them (at the later one
// when exactly halfway; a mark stamped after the window's end, as the command's last lines can be
// when read after it exited, at the end). A phase's rows are those whose interval ends after its
// start sample and at or before its end sample; its exact totals are the sum of those rows' counter
// deltas (SampleRow::delta) plus, for the last phase, the window's unreported last partial interval
// (WindowSummary::unreported_tail); its duration is the sum of their lengths. The stretch before
// the first mark is a phase of its own, named kBeforeFirstMark, when it has at least one interval;
// every mark makes a phase, even one that has no interval of its own (two marks placed on the
// same sample: its duration is 0 and its signs NOT JUDGED, no interval was sampled). No marks,
// no phases. The verdicts come from io_diagnosis over the phase's rows (TallyPhase, then
// Diagnose), counted as the window's diagnosis counts them: the rows the sampler reported, so
// the unreported partial interval adds to the figures but is no interval of its own.
// Pure functions over plain structs, thread-safe; MarkPattern is immutable after construction.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "harness/measure/io_diagnosis.h"
#include "harness/measure/sampler.h"
#include "harness/os/output_relay.h"

namespace feedbench {

inline constexpr std::string_view kBeforeFirstMark = "before first mark";
inline constexpr size_t kMarkSearchBytes = 4096;

class MarkPattern {
 public:
  // Throws UsageError naming --mark and what was expected when `regex` is not a valid ECMAScript
  // regular expression, or is empty.
  explicit MarkPattern(std::string regex);

  // The phase name `line` gives (see the top), or nullopt when the regex is not found in it. A
  // line the matcher gives up on (std::regex_error: too complex) does not match.
  std::optional<std::string> Match(std::string_view line) const;

  const std::string& regex() const { return text_; }
  // The plain text every match starts with, looked for before the regex runs; "" when there is
  // none to rely on (the regex has an alternation, or starts with a group, a class or an escape).
  const std::string& required_text() const { return required_; }
  // True when names come from the first capture group.
  bool names_from_group() const { return groups_ > 0; }

 private:
  std::string text_;
  std::string required_;
  bool anchored_ = false;  // the regex starts with ^
  std::regex regex_;
  size_t groups_ = 0;
};

// A line that matched: where it was stamped, the phase name it gives and the line itself.
struct Mark {
  double offset_sec = 0;  // seconds since the window's start (the sampler's Start)
  std::chrono::system_clock::time_point wall;
  std::string name;
  std::string line;
  OutputSource source = OutputSource::kStdout;
};

struct Phase {
  std::string name;
  std::optional<Mark> mark;                         // nullopt for kBeforeFirstMark
  double start_offset_sec = 0, end_offset_sec = 0;  // the boundary samples' offsets
  std::string start_utc, end_utc;                   // their timestamps
  // One per device, in the window's order: the phase's exact totals and figures (notes empty).
  std::vector<WindowSummary> summaries;

  // Whether a row (or anything stamped) at `offset_sec` falls in this phase: after its start
  // sample, at or before its end sample.
  bool Contains(double offset_sec) const {
    return offset_sec > start_offset_sec && offset_sec <= end_offset_sec;
  }
};

// The phases `marks` (in the order stamped) make of a window: `rows` the sampler's rows (in time
// order), `window` its summaries (start time, and the unreported last intervals). Empty when there
// is no mark or no device.
std::vector<Phase> SplitPhases(const std::vector<SampleRow>& rows,
                               const std::vector<WindowSummary>& window,
                               const std::vector<Mark>& marks);

// `device`'s rows in `phase`, counted for the diagnosis as the window's are (SignTally::Add).
SignTally TallyPhase(const Phase& phase, const std::vector<SampleRow>& rows,
                     std::string_view device, const DiagnosisThresholds& thresholds,
                     const DeviceTraits& traits);

}  // namespace feedbench
