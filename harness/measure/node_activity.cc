#include "harness/measure/node_activity.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include <unistd.h>

namespace feedbench {
namespace {

double ClampPct(double pct) { return std::clamp(pct, 0.0, 100.0); }

// USER_HZ: the unit of /proc/stat and /proc/[pid]/stat times (100 on Linux).
double TicksPerSecond() {
  static const double hz = [] {
    const long v = ::sysconf(_SC_CLK_TCK);
    return v > 0 ? static_cast<double>(v) : 100.0;
  }();
  return hz;
}

std::optional<double> StallPct(const std::optional<Pressure>& start,
                               const std::optional<Pressure>& end, double window_sec) {
  if (!start || !end || window_sec <= 0 || end->some.total_us < start->some.total_us) {
    return std::nullopt;
  }
  const double stalled_us = static_cast<double>(end->some.total_us - start->some.total_us);
  return ClampPct(stalled_us / (window_sec * 1e6) * 100.0);
}

}  // namespace

NodeActivitySnapshot TakeNodeActivitySnapshot(const NodeActivitySources& sources) {
  NodeActivitySnapshot s;
  s.taken = std::chrono::steady_clock::now();
  s.own_io = ReadProcessIo(sources.process_io);
  s.cpu = ReadCpuTimes(sources.proc_stat);
  s.own_cpu = ReadProcessCpuTicks(sources.process_stat);
  s.io_pressure = ReadPressure("io", sources.pressure_dir);
  s.cpu_pressure = ReadPressure("cpu", sources.pressure_dir);
  if (!s.io_pressure || !s.cpu_pressure) {
    static std::atomic<bool> said{false};
    if (!said.exchange(true)) {
      fmt::print(stderr,
                 "feedbench: {}/io or /cpu cannot be read (a kernel without pressure stall "
                 "information); io_pressure_pct and cpu_pressure_pct are not recorded\n",
                 sources.pressure_dir.string());
    }
  }
  return s;
}

NodeActivity ActivityBetween(const NodeActivitySnapshot& start, const NodeActivitySnapshot& end) {
  NodeActivity a;
  a.window_sec = std::chrono::duration<double>(end.taken - start.taken).count();
  if (start.own_io && end.own_io && end.own_io->read_bytes >= start.own_io->read_bytes) {
    a.own_read_bytes = end.own_io->read_bytes - start.own_io->read_bytes;
  }
  if (start.cpu && end.cpu && end.cpu->steal_ticks >= start.cpu->steal_ticks &&
      end.cpu->total_ticks() > start.cpu->total_ticks()) {
    const double steal = static_cast<double>(end.cpu->steal_ticks - start.cpu->steal_ticks);
    const double total = static_cast<double>(end.cpu->total_ticks() - start.cpu->total_ticks());
    a.cpu_steal_pct = ClampPct(steal / total * 100.0);
    const auto busy = [](const CpuTimes& t) {
      return t.user_ticks + t.nice_ticks + t.system_ticks;
    };
    if (start.own_cpu && end.own_cpu && busy(*end.cpu) >= busy(*start.cpu) &&
        end.own_cpu->total_ticks() >= start.own_cpu->total_ticks()) {
      const double node_busy = static_cast<double>(busy(*end.cpu) - busy(*start.cpu));
      const double own =
          static_cast<double>(end.own_cpu->total_ticks() - start.own_cpu->total_ticks());
      a.foreign_cpu_pct = ClampPct((node_busy - own) / total * 100.0);
      a.foreign_cpu_sec = std::max(0.0, node_busy - own) / TicksPerSecond();
    }
  }
  a.io_pressure_pct = StallPct(start.io_pressure, end.io_pressure, a.window_sec);
  a.cpu_pressure_pct = StallPct(start.cpu_pressure, end.cpu_pressure, a.window_sec);
  return a;
}

void AddNodeActivityFigures(const NodeActivity& a, std::optional<uint64_t> device_read_bytes,
                            Figures& f) {
  if (a.own_read_bytes) f.Set(Metric::kOwnReadBytes, static_cast<double>(*a.own_read_bytes));
  if (a.own_read_bytes && device_read_bytes) {
    const uint64_t foreign =
        *device_read_bytes > *a.own_read_bytes ? *device_read_bytes - *a.own_read_bytes : 0;
    f.Set(Metric::kForeignReadBytes, static_cast<double>(foreign));
    f.Set(Metric::kForeignReadPct,
          *device_read_bytes == 0
              ? 0.0
              : static_cast<double>(foreign) / static_cast<double>(*device_read_bytes) * 100.0);
  }
  if (a.cpu_steal_pct) f.Set(Metric::kCpuStealPct, *a.cpu_steal_pct);
  if (a.foreign_cpu_pct) f.Set(Metric::kForeignCpuPct, *a.foreign_cpu_pct);
  if (a.foreign_cpu_sec) f.Set(Metric::kForeignCpuSec, *a.foreign_cpu_sec);
  if (a.io_pressure_pct) f.Set(Metric::kIoPressurePct, *a.io_pressure_pct);
  if (a.cpu_pressure_pct) f.Set(Metric::kCpuPressurePct, *a.cpu_pressure_pct);
}

}  // namespace feedbench
