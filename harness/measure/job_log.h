// JobLog: the job's own lines on the sampling window's clock, as `feedbench monitor` keeps them
// for its JSON ("log") and for the phases (harness/measure/phases.h).
//
// Add() takes each line the relay hands over (harness/os/output_relay.h: the command's stdout and
// stderr, the followed log file), stamped with the time it was read, as seconds since the
// window's start and as wall time. A line that matches the MarkPattern becomes a Mark. Memory is
// bounded however chatty the job: a line's text is kept up to kStampedLineBytes (the rest counted
// in cut_bytes), and of the lines at most keep_lines are kept, the first half and the last half of
// them (a long job's start and its end, where a traceback would be), plus every marked line
// wherever it fell; the others are counted (omitted_lines). Lines are kept in the order added,
// which is the order read, so their stamps never go back. Not thread-safe: one owner at a time
// (the relay's thread while the window runs, the caller's after OutputRelay::Finish()).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/measure/phases.h"
#include "harness/os/output_relay.h"

namespace feedbench {

inline constexpr size_t kStampedLineBytes = 4096;
inline constexpr size_t kJobLogKeptLines = 100'000;

struct StampedLine {
  double offset_sec = 0;  // seconds since the window's start
  std::chrono::system_clock::time_point wall;
  OutputSource source = OutputSource::kStdout;
  std::string text;        // at most kStampedLineBytes
  uint64_t cut_bytes = 0;  // bytes of the line beyond `text`
};

class JobLog {
 public:
  // `marks`: the --mark pattern, or nullopt (no line is a mark). `keep_lines` 0 keeps only the
  // marked lines (enough for phases when no JSON is written).
  explicit JobLog(std::optional<MarkPattern> marks, size_t keep_lines = kJobLogKeptLines,
                  size_t max_marks = 10'000);

  // Adds one line; returns the mark it made, or nullptr. The pointer is valid until the next Add.
  const Mark* Add(OutputSource source, std::string_view text, double offset_sec,
                  std::chrono::system_clock::time_point wall);

  // The kept lines, in the order added.
  std::vector<StampedLine> Lines() const;
  const std::vector<Mark>& marks() const { return marks_; }
  const std::optional<MarkPattern>& pattern() const { return pattern_; }
  uint64_t total_lines() const { return total_; }
  uint64_t matched_lines() const { return matched_; }  // every line that matched, marks or not
  uint64_t omitted_lines() const { return omitted_; }

 private:
  struct Kept {
    StampedLine line;
    bool marked = false;
  };

  std::optional<MarkPattern> pattern_;
  size_t head_limit_, tail_limit_, max_marks_;
  std::vector<Kept> head_;                 // the first head_limit_ lines
  std::vector<StampedLine> middle_marks_;  // marked lines that left the tail
  std::deque<Kept> tail_;                  // the last tail_limit_ lines after the head
  std::vector<Mark> marks_;
  uint64_t total_ = 0;
  uint64_t matched_ = 0;
  uint64_t omitted_ = 0;
};

}  // namespace feedbench
