#!/usr/bin/env bash
# fio's raw ceiling on this machine, profile by profile, and feedbench's sampled diskstats next to
# fio's own disk_util for the same job.
#
# Usage: bench/fio_profiles.sh [DATA_DIR] [RUNTIME_S] [RAMP_S] [SIZE]
#   defaults: /var/tmp/feedbench-fio-bench 15 2 1GiB. The test file and the smallfile dataset
#   (8192 files of 16-128 KiB) stay in DATA_DIR for the next run; remove it when done.
# Builds bench/fio_ceiling_bench (Google Benchmark, one repetition per profile), keeps its JSON in
# DATA_DIR/fio-profiles.json and prints a table. "dev MiB/s" is what the disk delivered over the
# fio process's life, to everyone: far above fio's own MiB/s means other I/O shared the disk.
# The r/s, util, r_await and aqu-sz pairs are feedbench's sampled /proc/diskstats window and fio's
# own disk_util for the same job (fio's r/s and aqu-sz divided by feedbench's window length).
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir=${1:-/var/tmp/feedbench-fio-bench}
export FEEDBENCH_FIO_DATA_DIR=$data_dir
export FEEDBENCH_FIO_RUNTIME_S=${2:-15}
export FEEDBENCH_FIO_RAMP_S=${3:-2}
export FEEDBENCH_FIO_SIZE=${4:-1GiB}

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target fio_ceiling_bench >/dev/null
mkdir -p "$data_dir"
out=$data_dir/fio-profiles.json
build/bench/fio_ceiling_bench --benchmark_out="$out" --benchmark_out_format=json \
  --benchmark_format=console >&2

python3 - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print(f"fio {doc['context'].get('fio_version', '')} on {doc['context']['host_name']}, "
      f"{doc['context']['date']}")
rows = []
head = ("profile", "MiB/s", "dev MiB/s", "IOPS", "clat p50 us", "clat p99 us", "p99.9 us",
        "r/s sampled", "r/s fio", "util% sampled", "util% fio", "r_await ms sampled", "r_await ms fio",
        "aqu-sz sampled", "aqu-sz fio")
for b in doc["benchmarks"]:
    if b.get("error_occurred"):
        print(f"{b['name']}: {b.get('error_message')}")
        continue
    g = lambda k: b.get(k, float("nan"))
    wall_s = b["real_time"]  # manual time, in the entry's time_unit (seconds here)
    rows.append((b["name"].split("/")[0], f"{g('bytes_per_second') / 2**20:.1f}",
                 f"{g('device_read_bytes') / wall_s / 2**20:.1f}", f"{g('iops'):.0f}",
                 f"{g('lat_p50_us'):.1f}", f"{g('clat_p99_us'):.1f}", f"{g('clat_p99_9_us'):.1f}",
                 f"{g('r_per_second'):.0f}", f"{g('fio_disk_r_per_second'):.0f}",
                 f"{g('util_pct'):.1f}", f"{g('fio_disk_util_pct'):.1f}",
                 f"{g('r_await_ms'):.3f}", f"{g('fio_disk_r_await_ms'):.3f}",
                 f"{g('aqu_sz'):.2f}", f"{g('fio_disk_aqu_sz'):.2f}"))
widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
for r in [head] + rows:
    print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))
PY
