#!/usr/bin/env bash
# Replays sysstat's own regression data against feedbench's iostat math: every `iostat -x` expected
# output of a sysstat 12.6 source tree (tests/expected.iostat-x*, the JSON one aside) is rebuilt
# report by report from the snapshots sysstat's test driver gave iostat, and every figure
# feedbench computes (bench/diskstats_replay: ParseDiskstats and ComputeIostat of
# harness/measure/diskstats.h) is compared with iostat's at two decimals.
#
#   bench/sysstat_replay.sh SYSSTAT_SRC [BUILD_DIR]
#
# BUILD_DIR (default build/) holds bench/diskstats_replay (`cmake --build BUILD_DIR --target
# diskstats_replay`). Prints per file the test script, where its counters came from, the reports,
# figures compared and agreeing, every figure that disagrees, and the totals. Exit 0 when every
# figure agrees, 1 otherwise, 2 for bad arguments or a sysstat tree whose tests differ from the
# table below.
#
# Which snapshots each report used (sysstat 12.6, not guessed from the figures):
# - Each expected file is made by one test script, tests/NNNNN, listed in TESTS below: it runs
#   `rm -f tests/root; ln -s rootK tests/root` and then `./iostat ... INTERVAL COUNT`, built with
#   -DTEST (Makefile.in, target simtest: `DFLAGS += -DTEST`, then `cat tests/NNNNN | sh` per test).
# - With -DTEST, iostat's sleep between reports is next_time_step() (systest.h: `#define __pause()
#   next_time_step()`), which moves the `root` link from rootN to rootN+1 (systest.c,
#   next_time_step: `snprintf(rootf, ..., "%s%d", ROOTFILE, ++root_nr)`) and, when rootN+1 does not
#   exist, simulates Ctrl-C (`int_handler(0)`), which ends the output without another report.
# - So a test starting at rootK prints COUNT reports (1 without an interval): the first since boot
#   (previous counters all zero), report j the interval root(K+j-2) -> root(K+j-1).
# - The interval is the /proc/uptime difference in 1/100 s as unsigned 64-bit arithmetic
#   (rd_stats.c read_uptime: up_sec * 100 + up_cent; common.c get_interval: `itv = curr_uptime -
#   prev_uptime`, 1 if 0), not the interval on the command line. Between root5 and root6 the uptime
#   goes back (7315.85 s -> 7192.55 s): iostat's itv wraps to 2^64 - 12330 cs, so its rates print
#   0.00 while its ratios (%rrqm, r_await, rareq-sz...) are still those of the deltas. The replay
#   passes that same interval.
# - Which counters: only `-p ALL` (or a grouped -p) sets I_D_EVERYTHING and reads
#   rootK/proc/diskstats (iostat.c rw_io_stat_loop: `if (DISPLAY_EVERYTHING(flags))
#   read_diskstats_stat(curr); else read_sysfs_dlist_stat(curr);`). Every other test reads the
#   sysfs stat files (rootK/sys/block/DEV/stat, rootK/sys/block/DEV/PART/stat; a partition named
#   on the command line is read through sys/dev/block/M:m, a link to the latter), which in this data
#   disagree with proc/diskstats for sdc and sdd in root3-root5. The replay gives feedbench those
#   files as diskstats lines ("0 0 NAME <the stat file's fields>": the same counters in the same
#   order, a 11/15/17-field stat file becoming a 14/18/20-field line), written to a temporary
#   directory that is removed on exit.
set -euo pipefail
src=${1:?usage: bench/sysstat_replay.sh SYSSTAT_SRC [BUILD_DIR]}
build=${2:-build}
replay="$build/bench/diskstats_replay"
[[ -f "$src/tests/root1/proc/diskstats" ]] || { echo "$src: no tests/root1/proc/diskstats (not a sysstat source tree)" >&2; exit 2; }
[[ -x "$replay" ]] || { echo "$replay: not built (cmake --build $build --target diskstats_replay)" >&2; exit 2; }

exec python3 - "$src" "$replay" <<'PY'
import csv, io, os, re, shutil, subprocess, sys, tempfile

src, replay = sys.argv[1], sys.argv[2]
tests = os.path.join(src, "tests")

# expected file -> (test script, start root, iostat arguments after ./iostat, source of counters).
# The arguments are checked against the test script, so a tree whose driver differs is refused.
TESTS = {
    "expected.iostat-x":            ("02110", 1, "-x 1 2", "sysfs"),
    "expected.iostat-x-ALL":        ("02120", 1, "-x ALL 1 2", "sysfs"),
    "expected.iostat-x-p-ALL":      ("02130", 1, "-x -p ALL 1 2", "diskstats"),
    "expected.iostat-x-p-sda":      ("02140", 1, "-x -p sda 1 2", "sysfs"),
    "expected.iostat-x-ALL-p-ALL":  ("02150", 1, "-dx ALL -p ALL 1 7", "diskstats"),
    "expected.iostat-x-0":          ("02160", 1, "-x", "sysfs"),
    "expected.iostat-x-list":       ("02170", 1, "-dx -p sdb,sdc", "sysfs"),
    "expected.iostat-x-ALL-flush":  ("02180", 3, "-x ALL 1 3", "sysfs"),
    "expected.iostat-xs":           ("02310", 1, "-xs 2 3", "sysfs"),
    "expected.iostat-xs-sdb":       ("02320", 1, "-dxs /dev/sdb 2 3", "sysfs"),
    "expected.iostat-xs-p-sda":     ("02340", 1, "-dxs -p sda 2 3", "sysfs"),
    "expected.iostat-xs-list":      ("02370", 1, "-xs sda1 sda3 sdc1 -p sdb,sdd", "sysfs"),
    "expected.iostat-xs-list-part": ("02380", 1, "-xs sda3 sda1 1 3", "sysfs"),
    "expected.iostat-x-pretty":     ("02613", 1, "-x --pretty", "sysfs"),
}

def refuse(msg):
    print(f"{src}: {msg}", file=sys.stderr)
    sys.exit(2)

def uptime_cs(root):
    with open(os.path.join(tests, root, "proc/uptime")) as f:
        sec, cent = f.read().split()[0].split(".")
    return int(sec) * 100 + int(cent)

work = tempfile.mkdtemp(prefix="feedbench-sysstat-replay-")
try:
    def sysfs_as_diskstats(root):
        """rootN's sysfs stat files as one diskstats text, whole devices then their partitions."""
        out = os.path.join(work, f"{root}.diskstats")
        if os.path.exists(out): return out
        lines = []
        block = os.path.join(tests, root, "sys/block")
        for dev in sorted(os.listdir(block)):
            if not os.path.isdir(os.path.join(block, dev)): continue
            names = [dev] + sorted(p for p in os.listdir(os.path.join(block, dev))
                                   if os.path.isdir(os.path.join(block, dev, p)))
            for name in names:
                stat = os.path.join(block, dev, "stat" if name == dev else f"{name}/stat")
                if os.path.isfile(stat):
                    with open(stat) as f: lines.append(f"0 0 {name} {' '.join(f.read().split())}\n")
        with open(out, "w") as f: f.writelines(lines)
        return out

    def counters(root, source):
        return sysfs_as_diskstats(root) if source == "sysfs" else os.path.join(tests, root, "proc/diskstats")

    def run(prev, curr, source):
        itv = (uptime_cs(curr) - (uptime_cs(prev) if prev else 0)) % 2**64 or 1
        args = [replay, counters(prev, source) if prev else "-", counters(curr, source), str(itv * 10)]
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        return {row["Device"]: row for row in csv.DictReader(io.StringIO(out))}

    def blocks(path):
        """(header columns, rows) for each report block of an iostat output."""
        out, header, rows = [], None, []
        for line in open(path, errors="replace"):
            tokens = line.split()
            if tokens and (tokens[0].rstrip(":") == "Device" or tokens[-1] == "Device"):
                if header: out.append((header, rows))
                header, rows = [t.rstrip(":") for t in tokens], []
            elif not tokens:
                if header: out.append((header, rows))
                header, rows = None, []
            elif header and len(tokens) == len(header):
                rows.append(tokens)
        if header: out.append((header, rows))
        # One report per interval: a block with r/s (-x) or tps (-xs) starts one; --pretty splits a
        # report into blocks of r/w/d/f columns, which belong to the report before them.
        reports = []
        for header, rows in out:
            if "r/s" in header or "tps" in header: reports.append([])
            if reports and rows: reports[-1].append((header, rows))
        return reports

    total = {"blocks": 0, "cells": 0, "agree": 0}
    for name, (test, start, args, source) in TESTS.items():
        path = os.path.join(tests, name)
        script = open(os.path.join(tests, test)).read() if os.path.isfile(os.path.join(tests, test)) else ""
        # Later sysstat writes the link as `ln -s ${T_SRCDIR}/tests/rootK tests/root`: the same root.
        if (not re.search(rf"ln -s (\$\{{T_SRCDIR\}}/tests/)?root{start} tests/root\n", script)
                or f"./iostat {args} > " not in script):
            refuse(f"tests/{test} does not run `ln -s root{start} tests/root` then `./iostat {args}` "
                   "(not the driver this table was read from)")
        count = int(args.split()[-1]) if re.fullmatch(r".* \d+ \d+", args) else 1
        pairs = []
        for j in range(1, count + 1):
            curr = f"root{start + j - 1}"
            if not os.path.isdir(os.path.join(tests, curr)): break  # next_time_step's Ctrl-C
            pairs.append((None if j == 1 else f"root{start + j - 2}", curr))
        found = blocks(path)
        if len(found) != len(pairs):
            refuse(f"{name}: {len(found)} report blocks, expected {len(pairs)} from tests/{test}")
        f = {"blocks": 0, "cells": 0, "agree": 0}
        notes = []
        for report, (prev, curr) in zip(found, pairs):
            figures = run(prev, curr, source)
            label = f"{'boot' if prev is None else prev}->{curr}"
            f["blocks"] += 1
            for header, row in ((h, r) for h, rows in report for r in rows):
                dev = header.index("Device")
                ours = figures.get(row[dev])
                if ours is None: refuse(f"{name} [{label}]: device {row[dev]} not in feedbench's parse")
                for col, value in zip(header, row):
                    if col == "Device" or col not in ours: continue
                    f["cells"] += 1
                    mine = f"{float(ours[col]):.2f}"
                    if mine == value: f["agree"] += 1
                    else: notes.append(f"[{label}] {row[dev]} {col}: iostat {value}, feedbench {mine}")
        print(f"{name:30} tests/{test} {source:9} reports {f['blocks']:2}  figures {f['cells']:5}  "
              f"agreeing {f['agree']:5}")
        for n in notes: print(f"    {n}")
        for k in total: total[k] += f[k]
    bad = total["cells"] - total["agree"]
    print(f"total: {len(TESTS)} files, {total['blocks']} reports, {total['cells']} figures compared, "
          f"{total['agree']} agreeing at two decimals, {bad} not")
    sys.exit(0 if total["cells"] and bad == 0 else 1)
finally:
    shutil.rmtree(work, ignore_errors=True)
PY
