#include "harness/measure/job_log.h"

#include <utility>

namespace feedbench {

JobLog::JobLog(std::optional<MarkPattern> marks, size_t keep_lines, size_t max_marks)
    : pattern_(std::move(marks)),
      head_limit_(keep_lines / 2),
      tail_limit_(keep_lines - keep_lines / 2),
      max_marks_(max_marks) {}

const Mark* JobLog::Add(OutputSource source, std::string_view text, double offset_sec,
                        std::chrono::system_clock::time_point wall) {
  ++total_;
  bool marked = false;
  if (pattern_) {
    std::optional<std::string> name = pattern_->Match(text);
    if (name) ++matched_;
    if (name && marks_.size() < max_marks_) {
      Mark mark;
      mark.offset_sec = offset_sec;
      mark.wall = wall;
      mark.name = std::move(*name);
      mark.line = std::string(text.substr(0, kStampedLineBytes));
      mark.source = source;
      marks_.push_back(std::move(mark));
      marked = true;
    }
  }
  const bool keep = head_.size() < head_limit_ || tail_limit_ > 0 || marked;
  if (!keep) {
    ++omitted_;
    return marked ? &marks_.back() : nullptr;
  }
  Kept kept;
  kept.marked = marked;
  kept.line.offset_sec = offset_sec;
  kept.line.wall = wall;
  kept.line.source = source;
  kept.line.text = std::string(text.substr(0, kStampedLineBytes));
  kept.line.cut_bytes = text.size() > kStampedLineBytes ? text.size() - kStampedLineBytes : 0;
  if (head_.size() < head_limit_) {
    head_.push_back(std::move(kept));
  } else if (tail_limit_ == 0) {
    middle_marks_.push_back(std::move(kept.line));  // only marked lines get here
  } else {
    tail_.push_back(std::move(kept));
    if (tail_.size() > tail_limit_) {
      if (tail_.front().marked) {
        middle_marks_.push_back(std::move(tail_.front().line));
      } else {
        ++omitted_;
      }
      tail_.pop_front();
    }
  }
  return marked ? &marks_.back() : nullptr;
}

std::vector<StampedLine> JobLog::Lines() const {
  std::vector<StampedLine> lines;
  lines.reserve(head_.size() + middle_marks_.size() + tail_.size());
  for (const Kept& k : head_) lines.push_back(k.line);
  // Marked lines that fell between the head and the tail were added after the head and before
  // the tail: the order stays the order added.
  for (const StampedLine& line : middle_marks_) lines.push_back(line);
  for (const Kept& k : tail_) lines.push_back(k.line);
  return lines;
}

}  // namespace feedbench
