#include "harness/measure/phases.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "harness/base/errors.h"
#include "harness/base/text.h"

namespace feedbench {

namespace {

// The plain text at the start of an ECMAScript regex that every match starts with: the characters
// before the first one with a meaning of its own (^ $ \ . * + ? ( ) [ ] { } |), less the last of
// them when a quantifier follows it (it may then be absent), after a leading ^. "" when the regex
// has a '|' anywhere (an alternative need not contain it) or the text is shorter than two
// characters (not worth a search).
std::string RequiredText(std::string_view regex) {
  if (regex.find('|') != std::string_view::npos) return "";
  if (!regex.empty() && regex.front() == '^') regex.remove_prefix(1);
  constexpr std::string_view kSpecial = "^$\\.*+?()[]{}|";
  size_t end = 0;
  while (end < regex.size() && kSpecial.find(regex[end]) == std::string_view::npos) ++end;
  std::string_view text = regex.substr(0, end);
  if (end < regex.size() && std::string_view("*+?{").find(regex[end]) != std::string_view::npos &&
      !text.empty()) {
    text.remove_suffix(1);
  }
  return text.size() >= 2 ? std::string(text) : std::string();
}

}  // namespace

MarkPattern::MarkPattern(std::string regex) : text_(std::move(regex)) {
  if (text_.empty()) {
    throw UsageError(
        "--mark: an empty regular expression; expected an ECMAScript regular expression such "
        "as 'Epoch \\d+'");
  }
  try {
    regex_ = std::regex(text_, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    throw UsageError(fmt::format(
        "--mark '{}': not a valid ECMAScript regular expression ({}); expected one such as "
        "'Epoch \\d+'",
        text_, e.what()));
  }
  groups_ = regex_.mark_count();
  required_ = RequiredText(text_);
  anchored_ = text_.front() == '^';
}

std::optional<std::string> MarkPattern::Match(std::string_view line) const {
  if (line.size() > kMarkSearchBytes) line = line.substr(0, kMarkSearchBytes);
  std::cmatch match;
  const char* const end = line.data() + line.size();
  try {
    if (required_.empty()) {
      if (!std::regex_search(line.data(), end, match, regex_)) return std::nullopt;
    } else if (anchored_) {
      // A match can only start at the line's start.
      if (!line.starts_with(required_) ||
          !std::regex_search(line.data(), end, match, regex_,
                             std::regex_constants::match_continuous)) {
        return std::nullopt;
      }
    } else {
      // A match starts where the required text does: the matcher is tried there only, leftmost
      // first, as a search from the line's start would find it.
      bool found = false;
      for (size_t at = line.find(required_); at != std::string_view::npos && !found;
           at = line.find(required_, at + 1)) {
        const auto flags = at > 0 ? std::regex_constants::match_continuous |
                                        std::regex_constants::match_prev_avail
                                  : std::regex_constants::match_continuous;
        found = std::regex_search(line.data() + at, end, match, regex_, flags);
      }
      if (!found) return std::nullopt;
    }
  } catch (const std::regex_error&) {
    return std::nullopt;  // error_complexity or error_stack on this line: no mark
  }
  const auto& chosen =
      groups_ > 0 && match[1].matched && match[1].length() > 0 ? match[1] : match[0];
  std::string_view name = Trim(std::string_view(chosen.first, chosen.second - chosen.first));
  if (name.empty()) name = Trim(line);
  if (name.empty()) return std::string("(empty line)");
  return std::string(name);
}

namespace {

struct GridSample {
  double offset_sec;
  std::string_view timestamp_utc;
};

// Index of the sample nearest to `offset_sec` in `grid` (sorted, not empty); the later one on a
// tie.
size_t NearestSample(const std::vector<GridSample>& grid, double offset_sec) {
  const auto later =
      std::lower_bound(grid.begin(), grid.end(), offset_sec,
                       [](const GridSample& s, double t) { return s.offset_sec < t; });
  if (later == grid.end()) return grid.size() - 1;
  if (later == grid.begin()) return 0;
  const auto earlier = later - 1;
  const bool nearer_earlier = offset_sec - earlier->offset_sec < later->offset_sec - offset_sec;
  return static_cast<size_t>((nearer_earlier ? earlier : later) - grid.begin());
}

}  // namespace

std::vector<Phase> SplitPhases(const std::vector<SampleRow>& rows,
                               const std::vector<WindowSummary>& window,
                               const std::vector<Mark>& marks) {
  if (marks.empty() || window.empty()) return {};

  // Every sample of the window: its start (offset 0), each row's end, each unreported tail's end.
  std::vector<GridSample> grid{{0.0, window.front().start_utc}};
  for (const SampleRow& row : rows) grid.push_back({row.offset_sec, row.timestamp_utc});
  for (const WindowSummary& s : window) {
    if (s.unreported_tail) {
      grid.push_back({s.unreported_tail->offset_sec, s.unreported_tail->timestamp_utc});
    }
  }
  std::stable_sort(grid.begin(), grid.end(), [](const GridSample& a, const GridSample& b) {
    return a.offset_sec < b.offset_sec;
  });
  grid.erase(std::unique(grid.begin(), grid.end(),
                         [](const GridSample& a, const GridSample& b) {
                           return a.offset_sec == b.offset_sec;
                         }),
             grid.end());

  std::vector<const Mark*> ordered;
  for (const Mark& m : marks) ordered.push_back(&m);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Mark* a, const Mark* b) { return a->offset_sec < b->offset_sec; });
  std::vector<size_t> bounds;
  for (const Mark* m : ordered) bounds.push_back(NearestSample(grid, m->offset_sec));

  std::vector<Phase> phases;
  auto add_phase = [&](std::string name, const Mark* mark, size_t from, size_t to) {
    Phase phase;
    phase.name = std::move(name);
    if (mark != nullptr) phase.mark = *mark;
    phase.start_offset_sec = grid[from].offset_sec;
    phase.end_offset_sec = grid[to].offset_sec;
    phase.start_utc = std::string(grid[from].timestamp_utc);
    phase.end_utc = std::string(grid[to].timestamp_utc);
    phases.push_back(std::move(phase));
  };
  if (bounds.front() > 0) add_phase(std::string(kBeforeFirstMark), nullptr, 0, bounds.front());
  for (size_t i = 0; i < ordered.size(); ++i) {
    add_phase(ordered[i]->name, ordered[i], bounds[i],
              i + 1 < bounds.size() ? bounds[i + 1] : grid.size() - 1);
  }

  // Each row (and tail) to the phase its interval ends in; per device, the sum of the deltas and
  // of the intervals' lengths.
  std::map<std::string_view, size_t> device_index;
  for (size_t d = 0; d < window.size(); ++d) device_index.emplace(window[d].device, d);
  std::vector<std::vector<CounterDelta>> totals(phases.size(),
                                                std::vector<CounterDelta>(window.size()));
  std::vector<std::vector<double>> seconds(phases.size(), std::vector<double>(window.size(), 0));
  std::vector<double> previous(window.size(), 0.0);
  auto assign = [&](const SampleRow& row) {
    const auto d = device_index.find(row.device);
    if (d == device_index.end()) return;
    const double span = row.offset_sec - previous[d->second];
    previous[d->second] = row.offset_sec;
    // The last phase that starts before the row's end: phases are contiguous, so it holds it
    // (an empty phase, start == end, never does: the next one starts where it starts).
    const auto after = std::partition_point(phases.begin(), phases.end(), [&](const Phase& p) {
      return p.start_offset_sec < row.offset_sec;
    });
    if (after == phases.begin()) return;  // at offset 0: spans no time
    const size_t p = static_cast<size_t>(after - phases.begin()) - 1;
    totals[p][d->second] += row.delta;
    seconds[p][d->second] += span;
  };
  for (const SampleRow& row : rows) assign(row);
  for (const WindowSummary& s : window) {
    if (s.unreported_tail) assign(*s.unreported_tail);
  }
  for (size_t p = 0; p < phases.size(); ++p) {
    for (size_t d = 0; d < window.size(); ++d) {
      phases[p].summaries.push_back(SummarizeDelta(window[d].device, phases[p].start_utc,
                                                   phases[p].end_utc, seconds[p][d], totals[p][d]));
    }
  }
  return phases;
}

SignTally TallyPhase(const Phase& phase, const std::vector<SampleRow>& rows,
                     std::string_view device, const DiagnosisThresholds& thresholds,
                     const DeviceTraits& traits) {
  SignTally tally;
  for (const SampleRow& row : rows) {
    if (row.device == device && phase.Contains(row.offset_sec)) tally.Add(row, thresholds, traits);
  }
  return tally;
}

}  // namespace feedbench
