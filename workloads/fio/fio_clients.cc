#include "workloads/fio/fio_clients.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <system_error>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/text.h"
#include "harness/os/tcp_connect.h"
#include "workloads/fio/fio_profiles.h"
#include "workloads/fio/fio_workload.h"

namespace feedbench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool IsIpv6(const std::string& host) { return host.find(':') != std::string::npos; }

bool IsIpv4(const std::string& host) {
  int parts = 0;
  size_t start = 0;
  while (start <= host.size()) {
    const size_t dot = std::min(host.find('.', start), host.size());
    const std::string_view part = std::string_view(host).substr(start, dot - start);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value > 255) {
      return false;
    }
    ++parts;
    start = dot + 1;
    if (dot == host.size()) break;
  }
  return parts == 4;
}

// A host name as DNS allows one: letters, digits, '-', '.', '_' (some internal names use it).
bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '-' || host.front() == '.') return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

[[noreturn]] void BadLine(std::string_view source, int line, std::string_view text,
                          std::string_view why) {
  throw UsageError(fmt::format(
      "{}:{}: \"{}\": {}; expected HOST[:PORT] [DIR] (an IPv6 address in brackets, "
      "\"[fd00::7]:8765\"; PORT 1..65535, default {}; DIR an absolute directory on that server)",
      source, line, text, why, kFioServerDefaultPort));
}

std::vector<std::string_view> Fields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

}  // namespace

std::string FioServer::Name() const {
  return IsIpv6(host) ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

std::string FioServer::ClientArg() const {
  if (IsIpv6(host)) return fmt::format("ip6:{},{}", host, port);
  if (IsIpv4(host)) return fmt::format("ip:{},{}", host, port);
  return fmt::format("{},{}", host, port);
}

std::string FioServer::TestFile() const {
  return (fs::path(dir) / std::string(kFioRemoteTestFileName)).lexically_normal().string();
}

void CheckFioRemoteDir(const std::string& dir, std::string_view what) {
  const fs::path path(dir);
  if (dir.empty() || !path.is_absolute()) {
    throw UsageError(fmt::format("{} \"{}\": expected an absolute directory on the server", what,
                                 dir));
  }
  const fs::path normal = path.lexically_normal();
  if (normal == "/dev" || normal.string().starts_with("/dev/")) {
    throw UsageError(fmt::format(
        "{} \"{}\": under /dev; feedbench's fio jobs read a test file in a directory of a "
        "filesystem, never a device",
        what, dir));
  }
  if (dir.find(':') != std::string::npos || dir.find('$') != std::string::npos) {
    throw UsageError(fmt::format(
        "{} \"{}\": holds ':' or '$', which fio reads as a list separator or a variable", what,
        dir));
  }
}

std::vector<FioServer> ParseFioHostfile(std::string_view text, std::string_view source,
                                        const std::string& default_dir) {
  std::vector<FioServer> servers;
  std::set<std::string> seen;
  int line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = Trim(line);
    if (line.empty()) continue;
    const std::vector<std::string_view> fields = Fields(line);
    if (fields.size() > 2) BadLine(source, line_no, line, "more than two fields");
    FioServer server;
    server.line = line_no;
    std::string_view address = fields[0];
    std::string_view port_text;
    if (address.front() == '[') {
      const size_t close = address.find(']');
      if (close == std::string_view::npos) BadLine(source, line_no, line, "no closing ']'");
      server.host = std::string(address.substr(1, close - 1));
      const std::string_view rest = address.substr(close + 1);
      if (!rest.empty()) {
        if (rest.front() != ':') BadLine(source, line_no, line, "text after ']' other than :PORT");
        port_text = rest.substr(1);
        if (port_text.empty()) BadLine(source, line_no, line, "':' without a port");
      }
      if (server.host.empty() || !IsIpv6(server.host)) {
        BadLine(source, line_no, line, "brackets hold no IPv6 address");
      }
    } else {
      const size_t colon = address.find(':');
      if (colon != std::string_view::npos && address.find(':', colon + 1) != std::string_view::npos) {
        BadLine(source, line_no, line, "an IPv6 address must be in brackets");
      }
      server.host = std::string(address.substr(0, colon));
      if (colon != std::string_view::npos) {
        port_text = address.substr(colon + 1);
        if (port_text.empty()) BadLine(source, line_no, line, "':' without a port");
      }
      if (!IsHostName(server.host)) BadLine(source, line_no, line, "not a host name or address");
    }
    if (!port_text.empty()) {
      unsigned port = 0;
      const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(),
                                           port);
      if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 1 ||
          port > 65535) {
        BadLine(source, line_no, line, fmt::format("port \"{}\" is not 1..65535", port_text));
      }
      server.port = static_cast<uint16_t>(port);
    }
    server.dir = fields.size() == 2 ? std::string(fields[1]) : default_dir;
    try {
      CheckFioRemoteDir(server.dir, fields.size() == 2 ? "DIR" : "--remote-dir");
    } catch (const UsageError& e) {
      if (fields.size() == 2) BadLine(source, line_no, line, e.what());
      throw;
    }
    if (!seen.insert(server.Name()).second) {
      BadLine(source, line_no, line, fmt::format("server {} listed twice", server.Name()));
    }
    for (const FioServer& other : servers) {
      if (other.host == server.host && other.TestFile() == server.TestFile()) {
        BadLine(source, line_no, line,
                fmt::format("{} and {} (line {}) are on one host with one test file {}; give "
                            "each server a DIR of its own",
                            server.Name(), other.Name(), other.line, server.TestFile()));
      }
    }
    servers.push_back(std::move(server));
  }
  if (servers.empty()) {
    throw UsageError(fmt::format(
        "{}: no fio server listed; expected one HOST[:PORT] [DIR] per line", source));
  }
  return servers;
}

std::vector<FioServer> LoadFioHostfile(const fs::path& path, const std::string& default_dir) {
  std::string text;
  try {
    text = ReadWholeFile(path);
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("--clients {}: cannot read the hostfile: {}", path.string(),
                                 e.what()));
  }
  return ParseFioHostfile(text, path.string(), default_dir);
}

void CheckFioServersAnswer(const std::vector<FioServer>& servers, std::string_view source,
                           std::chrono::milliseconds timeout) {
  std::vector<std::string> silent;
  for (const FioServer& server : servers) {
    if (auto why = TryTcpConnect(server.host, server.port, timeout)) {
      silent.push_back(fmt::format("{} ({}:{}): {}", server.Name(), source, server.line, *why));
    }
  }
  if (silent.empty()) return;
  std::string list;
  for (const auto& s : silent) list += (list.empty() ? "" : "; ") + s;
  throw EnvironmentError(fmt::format(
      "{} of {} fio server{} did not accept a connection: {}. Start fio's server on each node "
      "(`fio --server` listens on port {}; `fio --server=ip:ADDRESS,PORT` on another) and check "
      "that the port is open between the nodes",
      silent.size(), servers.size(), servers.size() == 1 ? "" : "s", list, kFioServerDefaultPort));
}

Figures FioClientsMeasurement::ToFigures() const {
  Figures f;
  SetFioReadFigures(all, f);
  return f;
}

RepetitionMeasurement FioClientsMeasurement::ToMeasurement() const {
  RepetitionMeasurement out;
  out.wall_sec = run.wall_sec;
  out.figures = ToFigures();
  out.label = fmt::format("fio direct {} server{}", servers.size(), servers.size() == 1 ? "" : "s");
  std::vector<std::string> notes;
  notes.push_back(fmt::format("fio client/server: {} servers, each reading its own test file",
                              servers.size()));
  out.tool_run = ToolRun{.direct = true,
                         .notes = std::move(notes),
                         .job_file = run.job_path.string(),
                         .output_file = run.output_path.string()};
  return out;
}

json FioClientsMeasurement::ServersJson() const {
  json list = json::array();
  for (const FioServerFigures& s : servers) {
    json entry{{"server", s.server.Name()},
               {"bytes_per_second", s.reads.bytes_per_sec},
               {"iops", s.reads.iops},
               {"io_bytes", s.reads.io_bytes},
               {"runtime_ms", s.reads.runtime_ms}};
    if (s.reads.clat.mean) entry["clat_mean_us"] = *s.reads.clat.mean;
    if (s.reads.clat.p99) entry["lat_p99_us"] = *s.reads.clat.p99;
    list.push_back(std::move(entry));
  }
  return list;
}

FioClientsMeasurement MeasureFioClients(const FioClientsOptions& options) {
  if (!FioProfileUsesTestFile(options.profile)) {
    throw UsageError(fmt::format(
        "--profile {}: with --clients, only the device profiles run (seq-read, "
        "rand-read-4k-qd32, rand-read-4k-qd1); smallfile and job files read files on this node",
        options.profile));
  }
  if (options.servers.empty()) throw UsageError("--clients: no fio server given");
  std::vector<FioJobFile> jobs;
  jobs.reserve(options.servers.size());
  for (const FioServer& server : options.servers) {
    FioProfileSettings settings;
    settings.test_file = server.TestFile();
    settings.test_file_bytes = options.test_file_bytes;
    settings.ramp_sec = options.ramp_sec;
    settings.runtime_sec = options.runtime_sec;
    settings.direct = true;
    FioJobFile job = MakeFioProfile(options.profile, settings);
    job.comments.push_back(fmt::format("fio server {} (hostfile line {})", server.Name(),
                                       server.line));
    // fio lays the file out on the server (random data in every block, so no compressing or
    // deduplicating layer reads it cheaper), which the profiles on this node leave to feedbench.
    for (auto& [key, value] : job.sections.front().options) {
      if (key == "allow_file_create") value = "1";
    }
    if (options.remove_test_file) job.sections.front().options.emplace_back("unlink", "1");
    jobs.push_back(std::move(job));
  }
  std::vector<FioClientJob> clients;
  for (size_t i = 0; i < jobs.size(); ++i) {
    clients.push_back({options.servers[i].ClientArg(), &jobs[i]});
  }
  FioRunOptions run_options;
  run_options.work_dir = options.work_dir;
  run_options.name = options.run_name;
  run_options.time_limit =
      options.time_limit.count() > 0
          ? options.time_limit
          : FioDefaultTimeLimit(options.ramp_sec + options.runtime_sec);
  run_options.fio_program = options.fio_program;

  FioClientsMeasurement m;
  m.profile = options.profile;
  m.run = RunFioClients(clients, run_options);
  for (const FioServer& server : options.servers) {
    // fio names a server as it was given on the command line; a name resolves to itself.
    FioReadSummary reads = SummarizeServerReads(m.run.report, server.host, server.port);
    if (reads.total_ios == 0 && reads.io_bytes == 0) {
      bool listed = std::any_of(m.run.report.jobs.begin(), m.run.report.jobs.end(),
                                [&](const FioJob& j) {
                                  return j.hostname == server.host && j.port == server.port;
                                });
      throw RunError(fmt::format(
          "fio server {} (line {}): {} in fio's report {}; fio's files: job files {}.*.fio, "
          "output {}",
          server.Name(), server.line, listed ? "read nothing" : "no job of it",
          m.run.output_path.string(), (fs::path(options.work_dir) / options.run_name).string(),
          m.run.output_path.string()));
    }
    m.servers.push_back({server, reads});
  }
  // Sums and the I/O-weighted mean over every server's jobs; percentiles the largest server's (fio
  // 3.33's "All clients" entry has the same sums and mean, and no percentiles).
  m.all = SummarizeReads(m.run.report);
  return m;
}

}  // namespace feedbench
