#!/usr/bin/env bash
# CPU cost of sampling: runs `feedbench monitor --interval-ms INTERVAL --duration SECONDS` on one
# device (live rows to /dev/null, as when they go to a log) and reads the process's user + system
# CPU time from wait4()'s rusage. Prints it as a % of one core, with and without the fixed start-up
# cost (measured by a second run of 1 ms). Target at 100 ms: under 0.1% of one core.
#
#   bench/sampler_cpu_cost.sh [DEVICE] [SECONDS] [INTERVAL_MS]    (defaults: first disk, 60, 100)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${FEEDBENCH_BINARY:-build/feedbench}
device=${1:-$(awk '$3 !~ /^(loop|ram|zram)/ {print $3; exit}' /proc/diskstats)}
seconds=${2:-60}
interval_ms=${3:-100}
[[ -x $binary ]] || { echo "build $binary first" >&2; exit 3; }

/usr/bin/python3 - "$binary" "$device" "$seconds" "$interval_ms" <<'PY'
import os, subprocess, sys
binary, device, seconds, interval_ms = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]

def cpu_seconds(duration):
    with open(os.devnull, "w") as null:
        proc = subprocess.Popen([binary, "monitor", "--device", device, "--interval-ms",
                                 interval_ms, "--duration", str(duration)], stdout=null)
        _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"feedbench monitor failed: {status}")
    return usage.ru_utime + usage.ru_stime, usage.ru_nvcsw

startup, _ = cpu_seconds(0.001)
total, switches = cpu_seconds(seconds)
samples = seconds * 1000 / float(interval_ms)
print(f"device {device}, interval {interval_ms} ms, window {seconds:g} s ({samples:.0f} samples)")
print(f"  CPU (user+sys) of the whole process: {total * 1e3:.1f} ms = "
      f"{100 * total / seconds:.4f}% of one core")
print(f"  start-up alone ({startup * 1e3:.1f} ms) subtracted: {(total - startup) * 1e3:.1f} ms = "
      f"{100 * (total - startup) / seconds:.4f}% of one core, "
      f"{(total - startup) / samples * 1e6:.1f} us per sample")
print(f"  voluntary context switches: {switches}")
PY
