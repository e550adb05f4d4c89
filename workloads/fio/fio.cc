#include "workloads/fio/fio.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/json_non_finite.h"
#include "harness/base/line_splitter.h"
#include "harness/base/text.h"
#include "harness/os/child_process.h"
#include "workloads/fio/fio_profiles.h"

namespace feedbench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// fio prints doubles with printf("%f"), so a NaN or infinity comes out as a bare nan, -nan, inf or
// -inf, which is not JSON. Such tokens (outside strings) become this marker string, so the
// document parses and the places can be named.
constexpr std::string_view kNonFiniteMarker = "(fio non-finite)";

std::string QuoteNonFinite(std::string_view text) {
  static const std::string quoted_marker = "\"" + std::string(kNonFiniteMarker) + "\"";
  return ReplaceNonFinite(text, quoted_marker);
}

void CollectNonFinite(const json& node, const std::string& path, std::vector<std::string>& out) {
  if (node.is_string() && node.get_ref<const std::string&>() == kNonFiniteMarker) {
    out.push_back(path);
  } else if (node.is_object()) {
    for (const auto& [key, value] : node.items()) CollectNonFinite(value, path + "/" + key, out);
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      CollectNonFinite(node[i], path + "/" + std::to_string(i), out);
    }
  }
}

// A finite number at obj[key], else nullopt (missing, null, a string, non-finite).
std::optional<double> Number(const json& obj, std::string_view key) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<uint64_t> Count(const json& obj, std::string_view key) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) {
    const int64_t v = it->get<int64_t>();
    return v >= 0 ? std::optional<uint64_t>(static_cast<uint64_t>(v)) : std::nullopt;
  }
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (std::isfinite(v) && v >= 0) return static_cast<uint64_t>(std::llround(v));
  }
  return std::nullopt;
}

// The value of a percentile whose key fio spells "99.000000" (3.x) or "99.00"/"99" (others).
std::optional<double> Percentile(const json& percentiles, double wanted, double scale) {
  if (!percentiles.is_object()) return std::nullopt;
  for (const auto& [key, value] : percentiles.items()) {
    char* end = nullptr;
    const double p = std::strtod(key.c_str(), &end);
    if (end == key.c_str() || std::fabs(p - wanted) > 1e-6) continue;
    if (!value.is_number()) return std::nullopt;
    const double v = value.get<double>();
    return std::isfinite(v) ? std::optional<double>(v * scale) : std::nullopt;
  }
  return std::nullopt;
}

FioLatencyUs ParseLatency(const json& dir) {
  FioLatencyUs lat;
  const json* block = nullptr;
  double to_us = 1.0;
  if (dir.contains("clat_ns") && dir["clat_ns"].is_object()) {
    block = &dir["clat_ns"];
    to_us = 1e-3;  // fio 3.x reports nanoseconds
  } else if (dir.contains("clat_us") && dir["clat_us"].is_object()) {
    block = &dir["clat_us"];
  } else if (dir.contains("clat") && dir["clat"].is_object()) {
    block = &dir["clat"];  // fio 2.x: microseconds
  }
  if (block == nullptr) return lat;
  auto scaled = [&](std::optional<double> v) {
    return v ? std::optional<double>(*v * to_us) : std::nullopt;
  };
  lat.mean = scaled(Number(*block, "mean"));
  lat.max = scaled(Number(*block, "max"));
  lat.samples = Count(*block, "N").value_or(0);
  const json empty = json::object();
  const json& pct = block->contains("percentile") ? (*block)["percentile"] : empty;
  lat.p50 = Percentile(pct, 50.0, to_us);
  lat.p95 = Percentile(pct, 95.0, to_us);
  lat.p99 = Percentile(pct, 99.0, to_us);
  lat.p99_9 = Percentile(pct, 99.9, to_us);
  return lat;
}

[[noreturn]] void BadOutput(std::string_view source, std::string_view what) {
  throw RunError(fmt::format("fio output {}: {}", source, what));
}

FioDirection ParseDirection(const json& job, std::string_view ddir, std::string_view source,
                            std::string_view job_name) {
  FioDirection d;
  if (!job.contains(ddir)) return d;
  const json& dir = job[std::string(ddir)];
  if (!dir.is_object()) {
    BadOutput(source, fmt::format("job '{}': \"{}\" is not an object", job_name, ddir));
  }
  auto need = [&](std::string_view key) -> const json& {
    if (!dir.contains(key)) {
      BadOutput(source, fmt::format("job '{}': \"{}\" has no \"{}\"", job_name, ddir, key));
    }
    return dir[std::string(key)];
  };
  // fio 3.x: io_bytes in bytes, bw_bytes in bytes/s. fio 2.x: io_bytes in KiB, bw in KiB/s.
  const bool v3 = dir.contains("bw_bytes") || !dir.contains("bw");
  need(v3 ? "bw_bytes" : "bw");
  need("io_bytes");
  need("runtime");
  const double kib = v3 ? 1.0 : 1024.0;
  d.io_bytes = Count(dir, "io_bytes").value_or(0) * static_cast<uint64_t>(kib);
  d.bytes_per_sec = Number(dir, v3 ? "bw_bytes" : "bw").value_or(0) * kib;
  d.runtime_ms = Number(dir, "runtime").value_or(0);
  d.total_ios = Count(dir, "total_ios").value_or(0);
  d.short_ios = Count(dir, "short_ios").value_or(0);
  if (const auto iops = Number(dir, "iops")) {
    d.iops = *iops;
  } else if (d.runtime_ms > 0) {
    d.iops = static_cast<double>(d.total_ios) * 1000.0 / d.runtime_ms;
  }
  d.clat = ParseLatency(dir);
  return d;
}

std::string FormatSeconds(std::chrono::milliseconds ms) {
  return fmt::format("{:g}", static_cast<double>(ms.count()) / 1000.0);
}

// The text fio wrote to its output file before the JSON document (its log_info lines), at most
// `max_bytes` of the file's start; "" when there is none or no file.
std::string OutputPreamble(const fs::path& path, size_t max_bytes = 2000) {
  std::ifstream in(path, std::ios::binary);
  std::string head(max_bytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(max_bytes));
  head.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return std::string(Trim(std::string_view(head).substr(0, head.find('{'))));
}

}  // namespace

std::string FioFailureNote(const FioRun& run, std::string_view read_only_hint) {
  const std::string tail(Trim(TailOfFile(run.stderr_path)));
  std::string said = tail;  // what fio said, to look for the refusal in
  std::string note;
  if (!tail.empty()) {
    note = "fio's stderr ends:\n" + tail;
  } else {
    said = OutputPreamble(run.output_path);
    note = said.empty() ? "fio wrote nothing to stderr"
                        : "fio wrote nothing to stderr; its output begins:\n" + said;
  }
  // fio 3.x writes its error lines to stderr even with --output (log.c log_err; the output file
  // gets them too), so the refusal is found there.
  if (said.find(kFioReadOnlyRefusal) != std::string::npos) {
    note +=
        "\nfeedbench runs fio with --readonly, so fio neither creates nor extends a file: every "
        "file a job reads must already exist, at least as large as the job reads it (size=, "
        "filesize=, offset=)";
    if (!read_only_hint.empty()) note += fmt::format("; {}", read_only_hint);
  }
  std::error_code ec;
  const bool have_output = fs::exists(run.output_path, ec);
  note += fmt::format("\nfio's files: job file {}{}, stderr {}", run.job_path.string(),
                      have_output ? ", output " + run.output_path.string() : std::string(),
                      run.stderr_path.string());
  return note;
}

FioReport ParseFioOutput(std::string_view text, std::string_view source) {
  if (Trim(text).empty()) BadOutput(source, "empty; fio wrote no results");
  // The document starts at the first '{' from which a whole JSON object parses; fio prints
  // warnings and error lines before it.
  std::optional<json> doc;
  size_t start = 0;
  std::string first_error;
  int attempts = 0;
  for (size_t pos = text.find('{'); pos != std::string_view::npos && attempts < 64;
       pos = text.find('{', pos + 1), ++attempts) {
    std::istringstream in(QuoteNonFinite(text.substr(pos)));
    try {
      json candidate;
      in >> candidate;
      if (candidate.is_object() &&
          (candidate.contains("jobs") || candidate.contains("client_stats"))) {
        doc = std::move(candidate);
        start = pos;
        break;
      }
    } catch (const json::exception& e) {
      if (first_error.empty()) first_error = e.what();
    }
  }
  if (!doc) {
    BadOutput(source,
              fmt::format("no complete fio JSON document in {} bytes (truncated or not fio JSON "
                          "output){}",
                          text.size(), first_error.empty() ? "" : "; parser: " + first_error));
  }
  FioReport report;
  report.preamble = std::string(Trim(text.substr(0, start)));
  CollectNonFinite(*doc, "", report.non_finite_keys);
  if (doc->contains("fio version") && (*doc)["fio version"].is_string()) {
    report.fio_version = (*doc)["fio version"].get<std::string>();
  }
  // A client's document lists every server's jobs under "client_stats" (fio's client.c).
  const bool from_client = !doc->contains("jobs");
  const char* jobs_key = from_client ? "client_stats" : "jobs";
  const json& jobs = (*doc)[jobs_key];
  if (!jobs.is_array()) BadOutput(source, fmt::format("\"{}\" is not an array", jobs_key));
  for (size_t i = 0; i < jobs.size(); ++i) {
    const json& j = jobs[i];
    if (!j.is_object()) BadOutput(source, fmt::format("{}[{}] is not an object", jobs_key, i));
    FioJob job;
    job.name = j.contains("jobname") && j["jobname"].is_string() ? j["jobname"].get<std::string>()
                                                                 : fmt::format("job{}", i);
    if (const auto it = j.find("error"); it != j.end() && it->is_number()) {
      job.error = it->get<int>();
    }
    job.read = ParseDirection(j, "read", source, job.name);
    job.write = ParseDirection(j, "write", source, job.name);
    job.usr_cpu_pct = Number(j, "usr_cpu");
    job.sys_cpu_pct = Number(j, "sys_cpu");
    job.job_runtime_ms = Number(j, "job_runtime").value_or(job.read.runtime_ms);
    if (from_client) {
      if (const auto it = j.find("hostname"); it != j.end() && it->is_string()) {
        job.hostname = it->get<std::string>();
      }
      if (const auto it = j.find("port"); it != j.end() && it->is_number_integer()) {
        job.port = it->get<int>();
      }
      if (job.name == "All clients") {
        report.all_clients = std::move(job);
        continue;
      }
    }
    report.jobs.push_back(std::move(job));
  }
  if (const auto it = doc->find("disk_util"); it != doc->end() && it->is_array()) {
    for (const json& d : *it) {
      if (!d.is_object()) continue;
      FioDiskUtil u;
      u.name = d.contains("name") && d["name"].is_string() ? d["name"].get<std::string>() : "";
      u.read_ios = Count(d, "read_ios").value_or(0);
      u.write_ios = Count(d, "write_ios").value_or(0);
      u.read_merges = Count(d, "read_merges").value_or(0);
      u.write_merges = Count(d, "write_merges").value_or(0);
      u.read_ticks_ms = Count(d, "read_ticks").value_or(0);
      u.write_ticks_ms = Count(d, "write_ticks").value_or(0);
      u.in_queue_ms = Count(d, "in_queue").value_or(0);
      u.read_sectors = Count(d, "read_sectors");
      u.write_sectors = Count(d, "write_sectors");
      u.util_pct = Number(d, "util").value_or(0);
      report.disk_util.push_back(std::move(u));
    }
  }
  return report;
}

std::optional<std::string> FioJobFailure(const FioReport& report) {
  for (const auto& job : report.jobs) {
    if (job.error != 0) {
      return fmt::format("fio job '{}' failed with error {} ({})", job.name, job.error,
                         std::strerror(job.error));
    }
  }
  if (report.jobs.empty()) return "fio reported no jobs";
  return std::nullopt;
}

FioReadSummary SummarizeReads(const FioReport& report) {
  FioReadSummary s;
  double weighted_mean = 0;
  uint64_t weight = 0;
  double usr = 0, sys = 0;
  int cpu_jobs = 0;
  auto max_of = [](std::optional<double>& into, const std::optional<double>& v) {
    if (v && (!into || *v > *into)) into = v;
  };
  for (const auto& job : report.jobs) {
    const FioDirection& r = job.read;
    s.io_bytes += r.io_bytes;
    s.bytes_per_sec += r.bytes_per_sec;
    s.iops += r.iops;
    s.total_ios += r.total_ios;
    s.runtime_ms = std::max(s.runtime_ms, r.runtime_ms);
    s.clat.samples += r.clat.samples;
    if (r.clat.mean) {
      const uint64_t w = std::max<uint64_t>(r.clat.samples, 1);
      weighted_mean += *r.clat.mean * static_cast<double>(w);
      weight += w;
    }
    max_of(s.clat.p50, r.clat.p50);
    max_of(s.clat.p95, r.clat.p95);
    max_of(s.clat.p99, r.clat.p99);
    max_of(s.clat.p99_9, r.clat.p99_9);
    max_of(s.clat.max, r.clat.max);
    if (job.usr_cpu_pct && job.sys_cpu_pct) {
      usr += *job.usr_cpu_pct;
      sys += *job.sys_cpu_pct;
      ++cpu_jobs;
    }
  }
  if (weight > 0) s.clat.mean = weighted_mean / static_cast<double>(weight);
  if (cpu_jobs > 0) {
    s.usr_cpu_pct = usr / cpu_jobs;
    s.sys_cpu_pct = sys / cpu_jobs;
  }
  return s;
}

FioReadSummary SummarizeServerReads(const FioReport& report, const std::string& hostname,
                                    int port) {
  FioReport own;
  for (const FioJob& job : report.jobs) {
    if (job.hostname == hostname && job.port == port) own.jobs.push_back(job);
  }
  return SummarizeReads(own);
}

namespace {

// What RunFio and RunFioClients check before they write a job file.
void CheckRunnable(const FioRunOptions& options) {
  if (!FindProgram(options.fio_program)) {
    if (options.fio_program == "fio") throw EnvironmentError(std::string(kFioInstallHint));
    throw EnvironmentError(fmt::format("fio program '{}' not found", options.fio_program));
  }
  if (options.time_limit.count() <= 0) {
    throw UsageError(fmt::format("fio {}: time limit must be positive", options.name));
  }
}

// Runs fio with `job_args` after its output options; `job_path` is the job file messages name.
FioRun RunFioArgs(const std::vector<std::string>& job_args, bool read_only,
                  const fs::path& job_path, const FioRunOptions& options) {
  const fs::path work_dir = fs::absolute(options.work_dir);
  FioRun run;
  run.job_path = job_path;
  run.output_path = work_dir / (options.name + ".json");
  run.stderr_path = work_dir / (options.name + ".stderr");
  std::error_code ec;
  fs::remove(run.output_path, ec);  // never parse a previous run's output

  ChildOptions child;
  child.argv = {options.fio_program, "--output-format=json", "--output=" + run.output_path.string()};
  if (read_only) child.argv.push_back("--readonly");
  if (options.alloc_size_kib > 0) {
    child.argv.push_back(fmt::format("--alloc-size={}", options.alloc_size_kib));
  }
  child.argv.insert(child.argv.end(), job_args.begin(), job_args.end());
  child.working_dir = options.working_dir.empty() ? work_dir : options.working_dir;
  child.stdout_path = work_dir / (options.name + ".stdout");
  child.stderr_path = run.stderr_path;
  child.time_limit = options.time_limit;
  const ChildResult result = RunChild(child);
  run.wall_sec = result.wall_sec;

  if (result.timed_out) {
    throw RunError(
        fmt::format("fio exceeded its time limit of {} s running {} and was stopped ({}); {}",
                    FormatSeconds(options.time_limit), run.job_path.string(), result.Describe(),
                    FioFailureNote(run, options.read_only_hint)));
  }
  std::string text;
  if (fs::exists(run.output_path, ec)) text = ReadWholeFile(run.output_path);
  if (!result.Succeeded()) {
    std::string why;
    try {
      const FioReport report = ParseFioOutput(text, run.output_path.string());
      if (auto failure = FioJobFailure(report)) why = "; " + *failure;
    } catch (const RunError&) {
      // Output unusable as well: the exit status and stderr say what happened.
    }
    throw RunError(fmt::format("fio {} running {}{}; {}", result.Describe(), run.job_path.string(),
                               why, FioFailureNote(run, options.read_only_hint)));
  }
  try {
    run.report = ParseFioOutput(text, run.output_path.string());
  } catch (const RunError& e) {
    throw RunError(fmt::format("{}; {}", e.what(), FioFailureNote(run, options.read_only_hint)));
  }
  if (auto failure = FioJobFailure(run.report)) {
    // A server that refuses a job says why in the lines before the JSON ("<host> fio: ...").
    std::string said;
    const auto quote = [&said](std::string_view text) {
      const std::string_view line = Trim(text);
      if (line.find("fio: ") != std::string_view::npos && said.find(line) == std::string::npos) {
        said += fmt::format("{}\"{}\"", said.empty() ? "; fio said: " : ", ", line);
      }
    };
    LineSplitter lines;
    lines.Feed(run.report.preamble, quote);
    lines.Finish(quote);
    throw RunError(fmt::format("{} running {}{}; {}", *failure, run.job_path.string(), said,
                               FioFailureNote(run, options.read_only_hint)));
  }
  return run;
}

}  // namespace

FioRun RunFioClients(const std::vector<FioClientJob>& clients, const FioRunOptions& options) {
  CheckRunnable(options);
  if (clients.empty()) throw UsageError(fmt::format("fio {}: no fio server given", options.name));
  const fs::path work_dir = fs::absolute(options.work_dir);
  std::vector<std::string> args;
  fs::path first_job;
  for (size_t i = 0; i < clients.size(); ++i) {
    const fs::path job_path = work_dir / fmt::format("{}.{}.fio", options.name, i + 1);
    WriteFileAtomic(job_path, RenderFioJobFile(*clients[i].job));
    if (i == 0) first_job = job_path;
    args.push_back("--client=" + clients[i].client_arg);
    args.push_back(job_path.string());
  }
  return RunFioArgs(args, /*read_only=*/false, first_job, options);
}

FioRun RunFio(const FioJobFile& job, const FioRunOptions& options) {
  CheckRunnable(options);
  const fs::path work_dir = fs::absolute(options.work_dir);
  const fs::path job_path = work_dir / (options.name + ".fio");
  WriteFileAtomic(job_path, RenderFioJobFile(job));
  return RunFioArgs({job_path.string()}, /*read_only=*/true, job_path, options);
}

std::string FioVersion(const std::string& fio_program) {
  if (!FindProgram(fio_program)) throw EnvironmentError(std::string(kFioInstallHint));
  std::string tmpl = (fs::temp_directory_path() / "feedbench-fio-version-XXXXXX").string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    throw EnvironmentError(fmt::format("cannot create {}: {}", tmpl, std::strerror(errno)));
  }
  ::close(fd);
  ChildOptions child;
  child.argv = {fio_program, "--version"};
  child.stdout_path = tmpl;
  child.time_limit = std::chrono::seconds(30);
  const ChildResult result = RunChild(child);
  std::string version(Trim(TailOfFile(tmpl, 200)));
  ::unlink(tmpl.c_str());
  if (!result.Succeeded() || version.empty()) {
    throw EnvironmentError(fmt::format("`{} --version` {}", fio_program, result.Describe()));
  }
  return version;
}

uint64_t FioAllocSizeKib(uint64_t files, uint64_t jobs) {
  constexpr uint64_t kDefaultKib = 16 * 1024;
  return std::max(kDefaultKib, (files * jobs * 512 + 1023) / 1024);
}

}  // namespace feedbench
