// The processes descending from one root process, found through /proc.
//
// A child such as fio starts job processes that call setsid(), so they leave the child's process
// group, and are re-parented to init when fio exits: a group kill misses them. ProcessTree
// remembers every descendant it has seen (pid and start time) while the root is alive, so that
// they can be signalled later without ever signalling a recycled pid. Not thread-safe: one owner.
// Never throws; a /proc entry that vanishes while it is read is simply gone.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace feedbench {

class ProcessTree {
 public:
  explicit ProcessTree(pid_t root) : root_(root) {}

  // Scans /proc and remembers every process whose parent is the root or a remembered process.
  void Refresh();

  // Sends `sig` to every remembered process that is still the same process and not a zombie;
  // returns how many were signalled.
  int Signal(int sig) const;

 private:
  struct Member {
    pid_t pid = 0;
    uint64_t start_ticks = 0;  // field 22 of /proc/<pid>/stat: tells a recycled pid apart
  };
  bool Known(pid_t pid) const;

  pid_t root_;
  std::vector<Member> known_;
};

}  // namespace feedbench
