// Whether a TCP server answers: one connection attempt with a deadline of feedbench's own.
//
// `feedbench fio --clients` checks every fio server this way before it starts fio, because fio's
// client has no connect timeout of its own: a host that drops the connection attempt (a firewall,
// a node that is down) holds it for the kernel's SYN retries, about two minutes, while a refused
// port fails at once. The connection is closed as soon as it is made (nothing is sent).
// Name resolution (getaddrinfo) is not under the deadline: a resolver that hangs holds the call.
// Thread-safe; blocks for at most about `timeout` per resolved address.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace feedbench {

// Connects to `host` (a name, an IPv4 address or an IPv6 address without brackets) on `port` with
// a non-blocking connect and poll. Returns nullopt when a connection was made (to any of the
// host's addresses), else why not in a few words: "connection refused", "no answer within 5 s",
// "host not found (Name or service not known)", "network is unreachable".
// REQUIRES: timeout > 0.
std::optional<std::string> TryTcpConnect(const std::string& host, uint16_t port,
                                         std::chrono::milliseconds timeout);

}  // namespace feedbench
