// Pressure stall information (PSI) of one resource, from /proc/pressure/{io,cpu,memory}.
//
// "some" is the time at least one runnable task was stalled waiting for the resource, "full" the
// time all non-idle tasks were; `total` is cumulative microseconds since boot, avg10 the
// kernel's own 10-second running average in percent. Stalls are the node's, every process's
// (this one's too). Kernels since 4.20 with CONFIG_PSI; a kernel built with
// CONFIG_PSI_DEFAULT_DISABLED has the files only when booted with psi=1 (reading them fails
// otherwise), and system-wide cpu "full" reads 0 before 5.13. Pure parsing plus one reader; safe
// from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace feedbench {

struct PressureLine {
  double avg10_pct = 0;   // running average over 10 s, in percent
  uint64_t total_us = 0;  // cumulative stalled time, in microseconds
};

struct Pressure {
  PressureLine some;
  std::optional<PressureLine> full;  // absent in /proc/pressure/cpu before 5.13
};

// Parses "some avg10=0.03 avg60=1.83 avg300=2.52 total=258380564" (and the "full" line, if any).
// nullopt when the "some" line or its avg10 or total is missing or malformed.
std::optional<Pressure> ParsePressure(std::string_view text);

// Reads /proc/pressure/<resource> ("io", "cpu", "memory") under `pressure_dir`; nullopt when the
// kernel has no PSI (the file is absent or cannot be read) or the text does not parse.
std::optional<Pressure> ReadPressure(std::string_view resource,
                                     const std::filesystem::path& pressure_dir = "/proc/pressure");

}  // namespace feedbench
