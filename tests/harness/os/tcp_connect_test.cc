// TryTcpConnect on loopback: a listener accepts, a closed port is refused at once, and a listener
// whose accept queue is full (SYNs dropped, as a firewall or a dead node does) runs into the
// deadline instead of the kernel's two minutes of retries.
#include "harness/os/tcp_connect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "harness/base/unique_fd.h"

namespace feedbench {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A listening socket on 127.0.0.1 with the given backlog; never accepts.
UniqueFd Listener(int backlog, uint16_t& port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::listen(fd.get(), backlog), 0);
  EXPECT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  port = ntohs(addr.sin_port);
  return fd;
}

TEST(TryTcpConnect, AListenerAccepts) {
  uint16_t port = 0;
  const UniqueFd listener = Listener(8, port);
  EXPECT_EQ(TryTcpConnect("127.0.0.1", port, std::chrono::milliseconds(2000)), std::nullopt);
  EXPECT_EQ(TryTcpConnect("localhost", port, std::chrono::milliseconds(2000)), std::nullopt);
}

TEST(TryTcpConnect, AClosedPortIsRefusedAtOnce) {
  uint16_t port = 0;
  { const UniqueFd listener = Listener(1, port); }  // closed again: nothing listens
  const auto t0 = std::chrono::steady_clock::now();
  const auto why = TryTcpConnect("127.0.0.1", port, std::chrono::milliseconds(5000));
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("refused"));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST(TryTcpConnect, DroppedConnectionAttemptsEndAtTheDeadline) {
  uint16_t port = 0;
  const UniqueFd listener = Listener(0, port);
  // Fill the accept queue (backlog 0 holds one): later SYNs are dropped, not refused.
  std::vector<UniqueFd> held;
  bool timed_out = false;
  for (int i = 0; i < 8 && !timed_out; ++i) {
    const auto why = TryTcpConnect("127.0.0.1", port, std::chrono::milliseconds(300));
    if (why) {
      EXPECT_THAT(*why, StartsWith("no answer within 0.3 s"));
      timed_out = true;
    }
    // Keep a connection open so the queue stays full.
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    (void)::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    held.push_back(std::move(fd));
  }
  EXPECT_TRUE(timed_out) << "the full accept queue never dropped a connection attempt";
}

}  // namespace
}  // namespace feedbench
