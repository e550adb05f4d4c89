#!/usr/bin/env python3
"""Does a control track its workload? The A/A figures of the control study.

Two controls: the probe (fio of the workload's pattern right before each repetition; its
bytes/s against the workload's bytes/s) and the warm control (the same samples read again from
the page cache right after each repetition; its samples/s against the workload's samples/s).
Reads the results files of identical runs (bench/gate_record_runs.sh) and prints, per reader
workload that has the control's figures (below, "probe" is the control):
  - run to run: the standard deviation of the logs of the runs' medians, of the workload's own
    bytes/s, of the same normalised by the probe (probe_efficiency_pct), and of the probe alone,
    and the correlation of the workload's and the probe's run medians (logs);
  - within a run: the median over runs of the standard deviation of the logs of the repetitions,
    own and normalised, and the correlation of the repetitions' deviations from their run's
    median, workload against probe, pooled over runs;
  - the spread of probe_efficiency_pct itself (min, 10th, 50th, 90th percentile, max, and the
    share of repetitions above 100% and 105%): how often the probe failed to bound;
  - bracketed: each repetition against the mean (in logs) of the probe before it and the probe
    before the workload's next repetition (taken a round later, so after it), the last repetition
    of each run left out: whether a probe on both sides would track it better than one before
    (the probe only).
A control helps the gate where the normalised spread is the narrower one; the gate decides that
per workload from its baseline (harness/gate/compare.cc, JudgeThroughControls).

Usage: bench/probe_control.py RESULTS_DIR [probe|warm]
"""
import glob
import json
import math
import statistics
import sys


# control -> (the workload's own counter, the control's counter)
CONTROLS = {
    "probe": ("bytes_per_second", "probe_bytes_per_second"),
    "warm": ("samples_per_second", "warm_samples_per_second"),
}


def robust_runs(directory, control):
    own_key, control_key = CONTROLS[control]
    files = sorted(f for f in glob.glob(f"{directory}/*.json")
                   if not f.endswith(".timeline.json") and not f.endswith(".compare.json"))
    runs = []
    for f in files:
        try:
            with open(f) as handle:
                document = json.load(handle)
        except (OSError, ValueError) as e:
            print(f"left out {f}: {e}", file=sys.stderr)
            continue
        per = {}
        for b in document.get("benchmarks", []):
            if b.get("run_type") != "iteration" or b.get("error_occurred"):
                continue
            if control_key not in b:
                continue
            name = b["name"].split("/")[0]
            per.setdefault(name, []).append((b[own_key], b[control_key]))
        runs.append(per)
    return runs


def sd_log(values):
    logs = [math.log(v) for v in values]
    return statistics.stdev(logs) if len(logs) > 1 else float("nan")


def correlation(a, b):
    if len(a) < 3:
        return float("nan")
    ma, mb = statistics.mean(a), statistics.mean(b)
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b)) / (len(a) - 1)
    return cov / (statistics.stdev(a) * statistics.stdev(b))


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] not in CONTROLS):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    control = sys.argv[2] if len(sys.argv) == 3 else "probe"
    runs = robust_runs(sys.argv[1], control)
    workloads = sorted({w for run in runs for w in run})
    if not workloads:
        print(f"no repetitions with {control} figures in {sys.argv[1]}", file=sys.stderr)
        return 2
    print(f"control: {control} ({CONTROLS[control][1]} against {CONTROLS[control][0]})")
    for w in workloads:
        own_med, norm_med, probe_med = [], [], []
        own_within, norm_within = [], []
        dev_own, dev_probe, efficiencies = [], [], []
        for run in runs:
            pairs = run.get(w, [])
            if len(pairs) < 2:
                continue
            own = [o for o, _ in pairs]
            probe = [p for _, p in pairs]
            norm = [o / p for o, p in pairs]
            own_med.append(statistics.median(own))
            probe_med.append(statistics.median(probe))
            norm_med.append(statistics.median(norm))
            own_within.append(sd_log(own))
            norm_within.append(sd_log(norm))
            mo, mp = statistics.median(own), statistics.median(probe)
            dev_own += [math.log(o / mo) for o in own]
            dev_probe += [math.log(p / mp) for p in probe]
            efficiencies += [100 * x for x in norm]
        if len(own_med) < 3:
            print(f"{w}: fewer than 3 runs with {control} figures")
            continue
        log_own = [math.log(x) for x in own_med]
        log_probe = [math.log(x) for x in probe_med]
        print(f"{w}: {len(own_med)} runs, {len(efficiencies)} repetitions")
        print(f"  run to run (sd of log medians): own {sd_log(own_med):.3f}, normalised by the "
              f"{control} {sd_log(norm_med):.3f}, {control} alone {sd_log(probe_med):.3f}; correlation own vs "
              f"{control} over runs {correlation(log_own, log_probe):.2f}")
        print(f"  within a run (median sd of log repetitions): own "
              f"{statistics.median(own_within):.3f}, normalised "
              f"{statistics.median(norm_within):.3f}; correlation within runs "
              f"{correlation(dev_own, dev_probe):.2f}")
        b_own, b_probe, b_after, b_within, b_med = [], [], [], [], []
        for run in runs:
            pairs = run.get(w, [])
            if len(pairs) < 3:
                continue
            own = [math.log(o) for o, _ in pairs[:-1]]
            bracket = [0.5 * (math.log(pairs[i][1]) + math.log(pairs[i + 1][1]))
                       for i in range(len(pairs) - 1)]
            after = [math.log(p) for _, p in pairs[1:]]
            mo, mb, ma = statistics.mean(own), statistics.mean(bracket), statistics.mean(after)
            b_own += [x - mo for x in own]
            b_probe += [x - mb for x in bracket]
            b_after += [x - ma for x in after]
            norm = [o - b for o, b in zip(own, bracket)]
            b_within.append(statistics.stdev(norm))
            b_med.append(statistics.median(norm))
        if len(b_med) >= 3 and control == "probe":
            print(f"  bracketed by the probes before and after: correlation within runs "
                  f"{correlation(b_own, b_probe):.2f} (with the probe after alone "
                  f"{correlation(b_own, b_after):.2f}); within a run normalised "
                  f"{statistics.median(b_within):.3f}; run to run normalised "
                  f"{statistics.stdev(b_med):.3f}")
        e = sorted(efficiencies)
        n = len(e)
        print(f"  {control}_efficiency_pct: min {e[0]:.0f}, p10 {e[n // 10]:.0f}, median "
              f"{e[n // 2]:.0f}, p90 {e[(9 * n) // 10]:.0f}, max {e[-1]:.0f}; above 100%: "
              f"{100 * sum(x > 100 for x in e) / n:.0f}%, above 105%: "
              f"{100 * sum(x > 105 for x in e) / n:.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
