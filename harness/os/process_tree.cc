#include "harness/os/process_tree.h"

#include <fmt/format.h>
#include <signal.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace feedbench {
namespace {

struct ProcStat {
  char state = '?';
  pid_t ppid = 0;
  uint64_t start_ticks = 0;
};

// A process's state, parent and start time from /proc/<pid>/stat, or nullopt when it is gone.
std::optional<ProcStat> ReadStat(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  ProcStat st;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 3) st.state = field[0];
    if (i == 4) st.ppid = static_cast<pid_t>(std::strtol(field.c_str(), nullptr, 10));
    if (i == 22) st.start_ticks = std::strtoull(field.c_str(), nullptr, 10);
  }
  return st;
}

}  // namespace

void ProcessTree::Refresh() {
  std::vector<std::pair<pid_t, ProcStat>> procs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    const pid_t pid = static_cast<pid_t>(std::strtol(name.c_str(), nullptr, 10));
    if (auto st = ReadStat(pid)) procs.emplace_back(pid, *st);
  }
  // Parents can be listed after their children: repeat until nothing new joins.
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& [pid, st] : procs) {
      if (Known(pid) || !(st.ppid == root_ || Known(st.ppid))) continue;
      known_.push_back({pid, st.start_ticks});
      grew = true;
    }
  }
}

int ProcessTree::Signal(int sig) const {
  int n = 0;
  for (const Member& m : known_) {
    const auto st = ReadStat(m.pid);
    if (st && st->start_ticks == m.start_ticks && st->state != 'Z' && ::kill(m.pid, sig) == 0) {
      ++n;
    }
  }
  return n;
}

bool ProcessTree::Known(pid_t pid) const {
  for (const Member& m : known_) {
    if (m.pid == pid) return true;
  }
  return false;
}

}  // namespace feedbench
