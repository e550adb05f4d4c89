#!/usr/bin/env bash
# The reader engine against fio, side by side on one disk, cold. Root (drops the page cache).
#
# On one dataset of SAMPLES samples of 64 KiB (default 20,000) in DATA_DIR (default
# /var/tmp/feedbench-bench; it must sit on the disk under test), in ROUNDS rounds (default 5) whose
# runs alternate, each run after `sync; echo 3 > /proc/sys/vm/drop_caches`:
#   1. files, random, 1 worker  vs  fio opendir=<the same files>, ioengine=psync, bs=64k,
#      file_service_type=random: samples/s and their ratio (target >= 0.95);
#   2. lmdb, sequential, 1 worker  vs  fio sequential read of the LMDB data.mdb, bs=1m: bytes/s and
#      their ratio (target >= 0.9);
#   3. files, random, 1/2/4/8 workers: samples/s and the device's aqu-sz (where it saturates);
#   4. files, lmdb and tmpfs, random, 4 workers: samples/s, MiB/s, r_await, %util, device read ratio;
#   5. dataset creation (files and lmdb, synced) vs fio sequential write (bs=1m, end_fsync=1) of the
#      same number of bytes on the same filesystem: MiB/s.
# Figures are medians over the rounds; ratios are medians of the per-round ratios. Every measured
# run follows one untimed read of its dataset (`dataset verify`), and the runs compared in a round
# start at a different one each round: on a virtual disk backed by a host file, the host's page
# cache would otherwise favour whichever runs second. Figure 1 is given twice: fully cold, and
# with cold data but warm metadata (fio's state: opendir= stats every file before its clock starts).
#
#   bench/reader_vs_fio.sh [DATA_DIR] [ROUNDS] [SAMPLES]
# Needs build/feedbench and build/bench/workload_bench (cmake --build build --target feedbench
# workload_bench). Leaves the datasets in DATA_DIR for reuse; `feedbench dataset rm` removes them.
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir=${1:-/var/tmp/feedbench-bench}
rounds=${2:-5}
samples=${3:-20000}
binary=${FEEDBENCH_BINARY:-build/feedbench}
driver=${WORKLOAD_BENCH:-build/bench/workload_bench}
[[ -x $binary && -x $driver ]] || { echo "build $binary and $driver first" >&2; exit 3; }
[[ $(id -u) -eq 0 ]] || { echo "needs root: cold runs drop the page cache" >&2; exit 3; }
command -v fio >/dev/null || { echo "fio is not installed" >&2; exit 3; }
mkdir -p "$data_dir"

exec /usr/bin/python3 - "$binary" "$driver" "$data_dir" "$rounds" "$samples" <<'PY'
import json, os, shutil, statistics, subprocess, sys, time

binary, driver, data_dir = sys.argv[1:4]
rounds, samples = int(sys.argv[4]), int(sys.argv[5])
files_dir = os.path.join(data_dir, "files")
lmdb_dir = os.path.join(data_dir, "lmdb")
sample_bytes = 64 * 1024
total_bytes = samples * sample_bytes
MiB = 1024 * 1024

def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")

def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p.stdout

def fio(*args):
    drop_caches()
    out = run(["fio", "--output-format=json", *args])
    job = json.loads(out[out.index("{"):])["jobs"][0]
    return job

def workload(directory, layout, order, workers, metadata_warm=False):
    extra = []
    if metadata_warm:
        # Drop everything, then let the run evict data pages only (posix_fadvise): opening every
        # file to evict it caches the inodes and dentries, as fio's opendir= scan does before its
        # clock starts. Data cold, metadata warm: fio's state during its timed phase.
        drop_caches()
        extra = ["--evict-only"]
    out = run([driver, "--dir", directory, "--layout", layout, "--order", order,
               "--workers", str(workers), "--repetitions", "1", "--interval-ms", "200",
               "--benchmark_format=json", *extra])
    bench = [b for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"][0]
    if bench.get("error_occurred"):
        print(f"  note: {layout}/{order}/{workers}: {bench.get('error_message')}", file=sys.stderr)
    return bench

def create(layout, directory):
    if os.path.exists(directory):
        run([binary, "dataset", "rm", "--dir", directory])
    drop_caches()
    run([binary, "dataset", "create", "--layout", layout, "--dir", directory, "--samples",
         str(samples), "--size", "64KiB", "--quiet"])
    manifest = json.loads(run([binary, "dataset", "info", "--dir", directory, "--json"]))
    return manifest["total_bytes"] / manifest["generate_sec"]

def host_warm(directory):
    # Reads the whole dataset once (verify), then the guest's cache is dropped by the next run.
    run([binary, "dataset", "verify", "--dir", directory])

def fio_write():
    target = os.path.join(data_dir, "fio-write")
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    drop_caches()
    start = time.monotonic()
    run(["fio", "--output-format=json", "--name=seqwrite", f"--directory={target}", "--rw=write",
         "--bs=1m", f"--size={total_bytes}", "--ioengine=psync", "--end_fsync=1"])
    seconds = time.monotonic() - start  # wall time: includes the final fsync, as create does
    shutil.rmtree(target)
    return total_bytes / seconds

med = statistics.median
print(f"dataset: {samples} samples of 64 KiB ({total_bytes / MiB:.0f} MiB) in {data_dir}; "
      f"{rounds} rounds")

# 5. Creation first (it also leaves the datasets for the rest).
create_files, create_lmdb, write_fio = [], [], []
for r in range(rounds):
    create_files.append(create("files", files_dir))
    create_lmdb.append(create("lmdb", lmdb_dir))
    write_fio.append(fio_write())

fig1 = {"fb": [], "fb_meta": [], "fio": [], "ratio": [], "ratio_meta": []}
fig2 = {"fb": [], "fio": [], "ratio": []}
scaling = {w: {"sps": [], "aqu": []} for w in (1, 2, 4, 8)}
layouts = {l: [] for l in ("files", "lmdb", "tmpfs")}

def warmed(directory, measure):
    """One untimed read of the dataset right before the measured run: every run then starts from
    the same host-cache state (see the note printed at the end)."""
    def run_it():
        host_warm(directory)
        return measure()
    return run_it

def in_turn(runs, r):
    """Runs the measurements one after another, starting at a different one each round."""
    order = list(range(len(runs)))
    order = order[r % len(runs):] + order[:r % len(runs)]
    results = [None] * len(runs)
    for i in order:
        results[i] = runs[i]()
    return results

for r in range(rounds):
    # 1. files random, 1 worker vs fio over the same files.
    job, fb, fb_meta = in_turn([
        warmed(files_dir, lambda: fio("--name=files", f"--opendir={files_dir}/data",
                                      "--ioengine=psync", "--rw=read", "--bs=64k",
                                      "--file_service_type=random")),
        warmed(files_dir, lambda: workload(files_dir, "files", "random", 1)),
        warmed(files_dir, lambda: workload(files_dir, "files", "random", 1, metadata_warm=True)),
    ], r)
    fio_sps = job["read"]["total_ios"] / (job["read"]["runtime"] / 1e3)
    fig1["fio"].append(fio_sps)
    fig1["fb"].append(fb["samples_per_second"])
    fig1["fb_meta"].append(fb_meta["samples_per_second"])
    fig1["ratio"].append(fb["samples_per_second"] / fio_sps)
    fig1["ratio_meta"].append(fb_meta["samples_per_second"] / fio_sps)
    # 2. lmdb sequential vs fio sequential read of data.mdb, bs=1m.
    job, fb = in_turn([
        warmed(lmdb_dir, lambda: fio("--name=seq", f"--filename={lmdb_dir}/lmdb/data.mdb",
                                     "--ioengine=psync", "--rw=read", "--bs=1m")),
        warmed(lmdb_dir, lambda: workload(lmdb_dir, "lmdb", "sequential", 1)),
    ], r)
    fio_bps = job["read"]["bw_bytes"]
    fig2["fb"].append(fb["bytes_per_second"]); fig2["fio"].append(fio_bps)
    fig2["ratio"].append(fb["bytes_per_second"] / fio_bps)
    # 3. files random, 1/2/4/8 workers.
    for w in scaling:
        fb = warmed(files_dir, lambda: workload(files_dir, "files", "random", w))()
        scaling[w]["sps"].append(fb["samples_per_second"])
        scaling[w]["aqu"].append(fb.get("aqu_sz", 0))
    # 4. the three layouts, random, 4 workers.
    for layout in layouts:
        directory = lmdb_dir if layout == "lmdb" else files_dir
        layouts[layout].append(warmed(directory, lambda: workload(directory, layout, "random", 4))())

def per_round(values):
    return " ".join(f"{v:.3f}" for v in values)

print("\n1. files, random, 1 worker vs fio (opendir, psync, bs=64k, file_service_type=random)")
print(f"   fio                                   {med(fig1['fio']):8.0f} samples/s")
print(f"   feedbench, data and metadata cold     {med(fig1['fb']):8.0f} samples/s   ratio "
      f"{med(fig1['ratio']):.3f} (per round: {per_round(fig1['ratio'])})")
print(f"   feedbench, data cold, metadata warm   {med(fig1['fb_meta']):8.0f} samples/s   ratio "
      f"{med(fig1['ratio_meta']):.3f} (target >= 0.95; per round: {per_round(fig1['ratio_meta'])})")
print("   (fio's opendir= stats every file before its clock starts, so its timed phase has warm")
print("   inodes and dentries; a loader opening cold files also pays for those.)")
print("\n2. lmdb, sequential, 1 worker vs fio sequential read of data.mdb (psync, bs=1m)")
print(f"   feedbench {med(fig2['fb']) / MiB:8.1f} MiB/s   fio {med(fig2['fio']) / MiB:8.1f} MiB/s   "
      f"ratio {med(fig2['ratio']):.3f} (target >= 0.9; per round: {per_round(fig2['ratio'])})")
print("\n3. files, random: workers vs samples/s and aqu-sz")
print("   workers  samples/s   MiB/s   aqu-sz")
for w, v in scaling.items():
    sps = med(v["sps"])
    print(f"   {w:7d} {sps:10.0f} {sps * sample_bytes / MiB:7.1f} {med(v['aqu']):8.2f}")
print("\n4. layouts, random, 4 workers")
print("   layout   samples/s   MiB/s   r_await ms   %util   device read ratio")
for layout, runs in layouts.items():
    def m(key):
        values = [b[key] for b in runs if key in b]
        return med(values) if values else None
    fmt = lambda v, spec: "n/a" if v is None else format(v, spec)
    print(f"   {layout:7s} {m('samples_per_second'):10.0f} {m('bytes_per_second') / MiB:7.1f} "
          f"{fmt(m('r_await_ms'), '12.3f'):>12s} {fmt(m('util_pct'), '7.1f'):>7s} "
          f"{fmt(m('device_read_ratio'), '19.3f'):>19s}")
print("\n5. creation (generate + syncfs) vs fio sequential write (bs=1m, end_fsync=1), same bytes")
print(f"   files {med(create_files) / MiB:7.1f} MiB/s   lmdb {med(create_lmdb) / MiB:7.1f} MiB/s   "
      f"fio {med(write_fio) / MiB:7.1f} MiB/s   ratios files {med(create_files) / med(write_fio):.3f}, "
      f"lmdb {med(create_lmdb) / med(write_fio):.3f}")
print("\nNote: every measured run follows one untimed read of its dataset (dataset verify), and the")
print("runs compared in a round start at a different one each round: on a virtual disk backed by a")
print("host file, the host's page cache (beyond the guest's drop_caches) would otherwise favour")
print("whichever side runs second. Cold means cold in the guest; each feedbench run's device read")
print("ratio shows it read its bytes from the device.")
PY
