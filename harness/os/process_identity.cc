#include "harness/os/process_identity.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace feedbench {

std::optional<ProcessStat> ReadProcessStat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  ProcessStat st;
  int i = 3;
  for (; i <= 22 && fields >> field; ++i) {
    if (i == 3) st.state = field[0];
    if (i == 4) st.ppid = static_cast<pid_t>(std::strtol(field.c_str(), nullptr, 10));
    if (i == 22) st.start_ticks = std::strtoull(field.c_str(), nullptr, 10);
  }
  if (i <= 22) return std::nullopt;  // truncated: not a stat line we can trust
  return st;
}

PidLiveness ProbePid(pid_t pid) {
  if (pid <= 0) return {};
  if (const std::optional<ProcessStat> st = ReadProcessStat(pid)) {
    if (st->state == 'Z' || st->state == 'X') return {};
    return {.runs = true, .start_ticks = st->start_ticks};
  }
  // Signal 0 checks that the pid exists without signalling it; EPERM: it exists, not ours.
  if (::kill(pid, 0) == 0 || errno == EPERM) return {.runs = true, .start_ticks = std::nullopt};
  return {};
}

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

ProcessIdentity SelfIdentity() {
  ProcessIdentity self;
  self.pid = ::getpid();
  if (const auto st = ReadProcessStat(self.pid)) self.start_ticks = st->start_ticks;
  self.boot_id = BootId();
  return self;
}

}  // namespace feedbench
