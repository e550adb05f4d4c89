#include "harness/os/tcp_connect.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

#include "harness/base/unique_fd.h"

namespace feedbench {

namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* p) const { ::freeaddrinfo(p); }
};

std::string Seconds(std::chrono::milliseconds ms) {
  return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000.0);
}

std::string ErrnoWords(int err) {
  std::string words = std::strerror(err);
  if (!words.empty()) {
    words[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(words[0])));
  }
  return words;
}

// One address: nullopt when connected, else why not.
std::optional<std::string> ConnectOne(const addrinfo& ai, std::chrono::milliseconds timeout) {
  UniqueFd fd(
      ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (fd.get() < 0) return fmt::format("cannot open a socket: {}", ErrnoWords(errno));
  if (::connect(fd.get(), ai.ai_addr, ai.ai_addrlen) == 0) return std::nullopt;
  if (errno != EINPROGRESS) return ErrnoWords(errno);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fmt::format("no answer within {}", Seconds(timeout));
    pollfd p{fd.get(), POLLOUT, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fmt::format("poll failed: {}", ErrnoWords(errno));
    }
    if (n == 0) return fmt::format("no answer within {}", Seconds(timeout));
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0) return std::nullopt;
    return ErrnoWords(err);
  }
}

}  // namespace

std::optional<std::string> TryTcpConnect(const std::string& host, uint16_t port,
                                         std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    return fmt::format("host not found ({})",
                       rc == EAI_SYSTEM ? ErrnoWords(errno) : ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(found);
  std::optional<std::string> why;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    why = ConnectOne(*ai, timeout);
    if (!why) return std::nullopt;
  }
  return why.value_or("host not found (no address)");
}

}  // namespace feedbench
