// A `fio --server` on 127.0.0.1 for the client/server tests: started on a free port, ready once it
// accepts a connection, stopped (its whole process group: the server forks a child per client)
// when the object goes out of scope, even when the test fails. Loopback only.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "harness/os/child_process.h"
#include "harness/os/tcp_connect.h"

namespace feedbench::testing {

// A TCP port on 127.0.0.1 that nothing listens on right now (bound to port 0, read back, closed).
inline uint16_t FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind to 127.0.0.1:0 failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

class FioServerProcess {
 public:
  // Starts `fio --server=ip:127.0.0.1,PORT` with its output in `log`; throws when it does not
  // accept connections within 10 s.
  explicit FioServerProcess(const std::filesystem::path& log) : port_(FreeLoopbackPort()) {
    SpawnOptions options;
    options.argv = {"fio", "--server=ip:127.0.0.1," + std::to_string(port_)};
    options.stdout_path = log;
    options.stderr_path = log;
    options.own_process_group = true;
    options.killed_with_caller = true;
    options.stop_grace = std::chrono::milliseconds(2000);
    process_ = std::make_unique<ChildProcess>(options);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (TryTcpConnect("127.0.0.1", port_, std::chrono::milliseconds(200))) {
      if (process_->TryWait() || std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("fio --server on 127.0.0.1:" + std::to_string(port_) +
                                 " did not start; see " + log.string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~FioServerProcess() { Stop(); }
  FioServerProcess(const FioServerProcess&) = delete;
  FioServerProcess& operator=(const FioServerProcess&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  void Stop() {
    if (process_ && !process_->reaped()) process_->Stop(std::chrono::milliseconds(2000));
  }

 private:
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace feedbench::testing
