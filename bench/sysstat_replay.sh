#!/usr/bin/env bash
# Replays sysstat's own regression data against feedbench's iostat math: for every `iostat -x`
# expected output in a sysstat source tree (tests/expected.iostat-x*, the JSON one aside), each
# report block is matched with the snapshot pair it was made from — tests/rootN/proc/diskstats
# since boot, or rootN-1 → rootN, over the /proc/uptime difference as iostat takes its interval —
# and every figure feedbench computes (bench/diskstats_replay, the parser and ComputeIostat of
# harness/measure/diskstats.h) is compared with iostat's at two decimals.
#
#   bench/sysstat_replay.sh SYSSTAT_SRC [BUILD_DIR]
#
# BUILD_DIR (default build/) holds bench/diskstats_replay (`cmake --build BUILD_DIR --target
# diskstats_replay`). A block's pair is the candidate with the most agreeing figures (the test
# driver moves the `root` link from test to test, so which snapshots a test read is found, not
# assumed). Prints per file the blocks, figures compared and agreeing, the first disagreements,
# and the totals. Exit 0 when every figure agrees, 1 otherwise, 2 for bad arguments.
set -euo pipefail
src=${1:?usage: bench/sysstat_replay.sh SYSSTAT_SRC [BUILD_DIR]}
build=${2:-build}
replay="$build/bench/diskstats_replay"
[[ -f "$src/tests/root1/proc/diskstats" ]] || { echo "$src: no tests/root1/proc/diskstats (not a sysstat source tree)" >&2; exit 2; }
[[ -x "$replay" ]] || { echo "$replay: not built (cmake --build $build --target diskstats_replay)" >&2; exit 2; }

exec python3 - "$src" "$replay" <<'PY'
import csv, glob, io, os, re, subprocess, sys

src, replay = sys.argv[1], sys.argv[2]
tests = os.path.join(src, "tests")
roots = sorted((int(m.group(1)), d) for d in os.listdir(tests)
               if (m := re.fullmatch(r"root(\d+)", d)) and os.path.isfile(os.path.join(tests, d, "proc/diskstats")))

def uptime_ms(root):
    with open(os.path.join(tests, root, "proc/uptime")) as f:
        return round(float(f.read().split()[0]) * 100) * 10  # iostat reads centiseconds

def run(prev, curr, interval_ms):
    args = [replay, "-" if prev is None else os.path.join(tests, prev, "proc/diskstats"),
            os.path.join(tests, curr, "proc/diskstats"), str(interval_ms)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return {row["Device"]: row for row in csv.DictReader(io.StringIO(out))}

candidates = {}
for i, (n, root) in enumerate(roots):
    candidates[f"boot→{root}"] = run(None, root, uptime_ms(root))
    # A pair across a restart (uptime going back) is no interval: iostat reports since boot there.
    if i > 0 and roots[i - 1][0] == n - 1 and uptime_ms(root) > uptime_ms(roots[i - 1][1]):
        prev = roots[i - 1][1]
        candidates[f"{prev}→{root}"] = run(prev, root, uptime_ms(root) - uptime_ms(prev))

def blocks(path):
    """(header columns, device column index, rows) for each report block of an iostat output."""
    out, header, rows = [], None, []
    for line in open(path, errors="replace"):
        tokens = line.split()
        if tokens and tokens[0].rstrip(":") == "Device" or (tokens and tokens[-1] == "Device"):
            if header: out.append((header, rows))
            header, rows = [t.rstrip(":") for t in tokens], []
        elif not tokens:
            if header: out.append((header, rows))
            header, rows = None, []
        elif header and len(tokens) == len(header):
            rows.append(tokens)
    if header: out.append((header, rows))
    return out

def compare(header, rows, figures):
    dev = header.index("Device")
    cells = agree = 0
    misses = []
    for row in rows:
        ours = figures.get(row[dev])
        if ours is None: continue
        for col, value in zip(header, row):
            if col == "Device" or col not in ours: continue
            cells += 1
            if f"{float(ours[col]):.2f}" == value: agree += 1
            else: misses.append(f"{row[dev]} {col}: iostat {value}, feedbench {float(ours[col]):.2f}")
    return cells, agree, misses

total_cells = total_agree = total_blocks = 0
files = sorted(f for f in glob.glob(os.path.join(tests, "expected.iostat-x*")) if "JSON" not in f)
for path in files:
    f_cells = f_agree = f_blocks = 0
    f_misses = []
    for header, rows in blocks(path):
        if not rows or not any(c in header for c in ("r/s", "r_await", "aqu-sz")): continue
        best = max(candidates.items(), key=lambda kv: compare(header, rows, kv[1])[1])
        cells, agree, misses = compare(header, rows, best[1])
        if cells == 0: continue
        f_blocks += 1; f_cells += cells; f_agree += agree
        f_misses += [f"[{best[0]}] {m}" for m in misses]
    print(f"{os.path.basename(path):32} blocks {f_blocks:3}  figures {f_cells:5}  agreeing {f_agree:5}")
    for m in f_misses[:5]: print(f"    {m}")
    total_cells += f_cells; total_agree += f_agree; total_blocks += f_blocks
print(f"total: {len(files)} files, {total_blocks} report blocks, {total_cells} figures compared, "
      f"{total_agree} agreeing at two decimals ({total_cells - total_agree} not)")
sys.exit(0 if total_cells and total_agree == total_cells else 1)
PY
