// fio's ceiling across nodes: fio's own client/server mode driven by feedbench.
//
// The user starts `fio --server` on every node that should load the storage (fio's default port
// is 8765; README, "Ceilings across nodes"), lists those servers in a hostfile, and
// `feedbench fio --clients HOSTFILE` runs one built-in device profile at a time on all of them at
// once: fio here is the client, each server runs the profile's job on a test file of its own,
// <dir>/feedbench-fio-testfile (fio lays it out on the first run, creating the directory; removed by the
// last run unless kept), and the aggregate is what the servers delivered together.
//
// Hostfile: one server per line, `HOST[:PORT] [DIR]`, where HOST is a name, an IPv4 address or an
// IPv6 address in brackets ("[fd00::7]:8765"), PORT 1..65535 (default 8765) and DIR an absolute
// directory on that server for its test file (default: --remote-dir). Blank lines and text after
// '#' are ignored. A server may not appear twice.
//
// Before fio starts, every server must accept a TCP connection within the connect timeout
// (harness/os/tcp_connect.h): fio's client waits for the kernel's connect retries (about two
// minutes) on a host that drops the attempt. A server that connects but never answers, or stops
// answering mid-run, fio itself gives up on after 5 s ("timeout on cmd PROBE", "timed out").
//
// Figures: the aggregate sums throughput and IOPS over the servers, its mean latency is weighted
// by I/O count, and its percentiles are the largest server's (an upper bound of the pooled
// percentile: fio 3.33's "All clients" entry carries the sums and the mean but no percentiles);
// each server's own figures beside it, with its runtime. The sum is the aggregate load
// while the servers' runtimes overlap: fio's client sends every server its job at once, but a
// server that must first lay out its test file starts later than one that has it (the first run
// on a new directory; `--keep-data` keeps the files for the next). No device is sampled here (the
// devices are the servers'). Functions are thread-safe; MeasureFioClients blocks for the fio run.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "harness/measure/measurement.h"
#include "workloads/fio/fio.h"

namespace feedbench {

inline constexpr uint16_t kFioServerDefaultPort = 8765;
inline constexpr std::string_view kFioRemoteDirDefault = "/var/tmp/feedbench-fio";
// The one file feedbench has fio write and remove on a server. feedbench cannot see the servers'
// directories (nor mark them as its own, as it does its data directory here), so the name says
// whose it is: a file of that name is taken for feedbench's test file, reused and removed.
inline constexpr std::string_view kFioRemoteTestFileName = "feedbench-fio-testfile";

struct FioServer {
  std::string host;  // a name, an IPv4 address, or an IPv6 address (without brackets)
  uint16_t port = kFioServerDefaultPort;
  std::string dir;  // absolute directory on the server for its test file
  int line = 0;     // its line in the hostfile, from 1

  // "node7:8765", "[fd00::7]:8765": how messages and results name it.
  std::string Name() const;
  // fio's --client argument: "ip:10.0.0.7,8765", "ip6:fd00::7,8765", "node7,8765".
  std::string ClientArg() const;
  // The test file on the server: <dir>/feedbench-fio-testfile.
  std::string TestFile() const;
};

// Parses a hostfile's text (see the top of this file); `source` names it in messages. Throws
// UsageError naming source:line and what was expected for a line that does not parse (a bad
// port, a relative DIR, a DIR under /dev or holding ':' or '$', too many fields, an unclosed
// bracket), a server listed twice, two servers of one host with one test file (they would lay it
// out and remove it under each other), or a file with no server at all.
std::vector<FioServer> ParseFioHostfile(std::string_view text, std::string_view source,
                                        const std::string& default_dir);

// Reads and parses a hostfile. Throws UsageError when it cannot be read (naming it).
std::vector<FioServer> LoadFioHostfile(const std::filesystem::path& path,
                                       const std::string& default_dir);

// Refuses, with a UsageError naming `what`, a remote directory that is not absolute, is under
// /dev, or holds ':' (fio's list separator) or '$' (fio would expand it). Lexical only: the
// directory is on another node.
void CheckFioRemoteDir(const std::string& dir, std::string_view what);

// Connects to every server (TryTcpConnect, in turn). Throws EnvironmentError naming each server
// that did not accept within `timeout`, its hostfile line and why, with how to start one.
void CheckFioServersAnswer(const std::vector<FioServer>& servers, std::string_view source,
                           std::chrono::milliseconds timeout);

struct FioClientsOptions {
  std::string profile;  // seq-read, rand-read-4k-qd32 or rand-read-4k-qd1
  std::vector<FioServer> servers;
  std::filesystem::path work_dir;  // here: the job files, fio's output and stderr (must exist)
  std::string run_name;            // file stem of those, unique per run
  uint64_t test_file_bytes = 1ULL << 30;
  double ramp_sec = 2;
  double runtime_sec = 10;
  std::chrono::milliseconds time_limit{0};  // 0: FioDefaultTimeLimit(ramp + runtime)
  bool remove_test_file = false;  // the jobs unlink the test file when done (the last run)
  std::string fio_program = "fio";
};

struct FioServerFigures {
  FioServer server;
  FioReadSummary reads;
};

struct FioClientsMeasurement {
  std::string profile;
  FioRun run;
  FioReadSummary all;  // the aggregate (see the top of this file)
  std::vector<FioServerFigures> servers;  // in hostfile order

  // The aggregate as fio's figures are for a local run (bytes_per_second, iops, clat_mean_us,
  // clat_p99_us, clat_p99_9_us, lat_p50/p95/p99_us; usr/sys_cpu_pct the servers' mean); no
  // device figures.
  Figures ToFigures() const;
  RepetitionMeasurement ToMeasurement() const;
  // Each server's figures: [{"server", "bytes_per_second", "iops", "clat_mean_us", "lat_p99_us",
  // "io_bytes", "runtime_ms"}], in hostfile order; a figure fio did not report is absent.
  nlohmann::json ServersJson() const;
};

// Runs `options.profile` on every server at once. Throws UsageError for a profile that is not one
// of the three device profiles (smallfile reads a dataset on this node); RunError when fio fails,
// overruns its limit, a server is missing from fio's report, or nothing was read.
FioClientsMeasurement MeasureFioClients(const FioClientsOptions& options);

}  // namespace feedbench
