#include "harness/os/process_tree.h"

#include <fmt/format.h>
#include <signal.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "harness/os/process_identity.h"

namespace feedbench {

void ProcessTree::Refresh() {
  std::vector<std::pair<pid_t, ProcessStat>> procs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    const pid_t pid = static_cast<pid_t>(std::strtol(name.c_str(), nullptr, 10));
    if (auto st = ReadProcessStat(pid)) procs.emplace_back(pid, *st);
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
    const auto st = ReadProcessStat(m.pid);
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
