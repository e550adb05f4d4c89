#!/usr/bin/env bash
# What `feedbench monitor` costs a chatty job whose output it passes through, stamps and searches
# with --mark: lines per second the job gets out through monitor against the same job alone into
# /dev/null, and monitor's own CPU time (user + system of the feedbench process and its threads,
# not the job's) per 1,000 lines handled.
#
# The job prints N lines as fast as it can: five epochs, each a "=== Epoch K ===" line then N/5
# copies of a 40-byte step line "Epoch K step: loss 0.2500 lr 0.1000" (`yes | head`). N is chosen
# so that the job takes about SECONDS through the slowest variant (calibrated on 1,000,000 and
# 3,000,000 lines first). Each variant runs REPEATS times; the median is printed:
#   alone        the job, stdout to /dev/null
#   monitor      feedbench monitor -- job            (passed through and stamped, nothing kept)
#   mark-text    --mark '=== Epoch \d+': the step lines lack its leading text "=== Epoch ", so
#                each costs a substring search and the regex runs on the five epoch lines only
#   mark-regex   --mark 'Epoch \d+ ===': every line has its leading text "Epoch ", so the regex
#                runs on every line (the worst case), matching the five epoch lines
#   mark+json    mark-regex and --json: the lines kept too (the first and last 50,000)
# monitor's stdout goes to /dev/null as the job's does alone; its stderr (live rows, summary) to a
# file. monitor's CPU is read from /proc/PID/stat (utime, stime) while it is a zombie (waitid with
# WNOWAIT), so the job's CPU (its children) is not in it. The 1-minute load average before and
# after is printed: on a shared machine, other work moves the figures.
#
#   bench/monitor_mark_overhead.sh [SECONDS] [REPEATS] [DEVICE]    (defaults: 5, 3, the first disk)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${FEEDBENCH_BINARY:-build/feedbench}
seconds=${1:-5}
repeats=${2:-3}
device=${3:-$(awk '$3 !~ /^(loop|ram|zram)/ {print $3; exit}' /proc/diskstats)}
[[ -x $binary ]] || { echo "build $binary first" >&2; exit 3; }

/usr/bin/python3 - "$binary" "$seconds" "$repeats" "$device" <<'PY'
import os, shutil, statistics, subprocess, sys, tempfile, time

binary, seconds, repeats, device = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
text_regex = r"=== Epoch \d+"
every_line_regex = r"Epoch \d+ ==="
tick = os.sysconf("SC_CLK_TCK")
scratch = tempfile.mkdtemp(prefix="feedbench-markbench-")

def job(lines):
    per_epoch = lines // 5
    return ["sh", "-c", "for e in 1 2 3 4 5; do echo \"=== Epoch $e ===\"; "
            "yes \"Epoch $e step: loss 0.2500 lr 0.1000\" | head -n %d; done" % per_epoch]

def run(argv):
    """Wall seconds, and the process's own CPU seconds (not its children's)."""
    with open(os.devnull, "w") as null, open(os.path.join(scratch, "stderr"), "w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=null, stderr=err)
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # a zombie: /proc still has it
        wall = time.perf_counter() - start
        with open(f"/proc/{proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14, 15)
        status = proc.wait()
    if status != 0:
        sys.exit(f"{argv[:3]}... exited with {status}; stderr in {scratch}/stderr")
    return wall, cpu

def monitor(extra, lines):
    return [binary, "monitor", "--device", device] + extra + ["--"] + job(lines)

def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]

load_before = loadavg()
# Calibration: about `seconds` through the slowest variant, from its time for 1,000,000 and for
# 3,000,000 lines (the faster of two runs each): the difference is the time per line, without the
# fixed cost of starting and ending a window.
def slowest(n):
    argv = monitor(["--mark", every_line_regex, "--json", os.path.join(scratch, "c.json")], n)
    return min(run(argv)[0] for _ in range(2))
short, long_ = slowest(1_000_000), slowest(3_000_000)
per_line = max((long_ - short) / 2_000_000, 1e-9)
lines = max(3_000_000, int(3_000_000 + (seconds - long_) / per_line) // 5 * 5)
total = lines + 5  # the five Epoch lines

variants = [
    ("alone", job(lines)),
    ("monitor", monitor([], lines)),
    ("mark-text", monitor(["--mark", text_regex], lines)),
    ("mark-regex", monitor(["--mark", every_line_regex], lines)),
    ("mark+json", monitor(["--mark", every_line_regex, "--json",
                           os.path.join(scratch, "io.json")], lines)),
]
print(f"job: {total} lines of about 40 bytes (5 epochs), device {device}, "
      f"{repeats} runs each, medians; feedbench {binary}; load average {load_before}")
print(f"{'variant':<11} {'wall s':>8} {'lines/s':>12} {'vs alone':>9} {'monitor CPU s':>14} "
      f"{'CPU us/1000 lines':>18}")
alone_rate = None
for name, argv in variants:
    runs = [run(argv) for _ in range(repeats)]
    wall = statistics.median(r[0] for r in runs)
    rate = total / wall
    if alone_rate is None:
        alone_rate = rate
    cpu = statistics.median(r[1] for r in runs)
    cpu_text = "-" if name == "alone" else f"{cpu:.2f}"
    per_k = "-" if name == "alone" else f"{cpu / total * 1000 * 1e6:.1f}"
    print(f"{name:<11} {wall:>8.3f} {rate:>12,.0f} {rate / alone_rate:>8.1%} {cpu_text:>14} "
          f"{per_k:>18}")
print(f"(the last variant's runs: {[round(r[0], 3) for r in runs]} s; "
      f"load average now {loadavg()})")
shutil.rmtree(scratch)
PY
