#!/usr/bin/env python3
"""Writes a realistic `feedbench monitor --json` document (schema "feedbench.monitor/1") of a
training job: a data-loading warm-up, epochs of bursty small random reads that queue, an
evaluation pass, with the job's log lines, its phases (each with its summary and diagnosis) and
an accelerator's utilisation per GPU. For the HTML report's figures (bench/html_report.sh) and
the test fixture tests/fixtures/html/monitor_phases.json.

  monitor_json_gen.py OUT --seconds 3600 --interval-ms 100 [--devices vda,vdb] [--gpus 2]
                          [--seed 1] [--log-every-sec 5] [--hostile]

--hostile puts markup in the log and the phase names ("</script><script>...", "<!--") so that a
test can check the report escapes it. Deterministic for a seed.
"""
import argparse
import json
import math
import random


def iso(ms):
    s, ms = divmod(int(ms), 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"2026-11-30T{2 + h:02d}:{m:02d}:{s:02d}.{ms:03d}Z"


def phase_of(t, phases):
    for p in phases:
        if p["start"] <= t < p["end"]:
            return p
    return phases[-1]


def figures(rng, phase, t):
    """iostat-like figures of one interval in a phase."""
    kind = phase["kind"]
    if kind == "warmup":
        r = 40 + 20 * rng.random()
        size = 128 * 1024
        wait = 1.5 + rng.random()
    elif kind == "train":
        # Epoch-long bursts: the loader's workers refill the prefetch queue.
        burst = 0.5 + 0.5 * math.sin(t / 7.0) ** 2
        r = 900 * burst + 150 * rng.random()
        size = 24 * 1024 + 8 * 1024 * rng.random()
        wait = 8 + 30 * burst * rng.random()
    else:  # eval
        r = 300 + 60 * rng.random()
        size = 64 * 1024
        wait = 3 + 2 * rng.random()
    aqu = r * wait / 1000.0
    util = min(100.0, 100.0 * (1 - math.exp(-aqu)))
    return {
        "reads_per_sec": r,
        "read_bytes_per_sec": r * size,
        "read_merges_per_sec": 0.0,
        "read_merges_pct": 0.0,
        "r_await_ms": wait,
        "read_request_bytes": size,
        "writes_per_sec": 0.5 * rng.random(),
        "write_bytes_per_sec": 4096 * rng.random(),
        "write_merges_per_sec": 0.0,
        "write_merges_pct": 0.0,
        "w_await_ms": 0.8,
        "write_request_bytes": 4096.0,
        "discards_per_sec": 0.0,
        "discard_bytes_per_sec": 0.0,
        "discard_merges_per_sec": 0.0,
        "discard_merges_pct": 0.0,
        "d_await_ms": 0.0,
        "discard_request_bytes": 0.0,
        "flushes_per_sec": 0.0,
        "f_await_ms": 0.0,
        "aqu_sz_requests": aqu,
        "util_pct": util,
        "await_ms": wait,
    }


def sign(name, verdict, value, unit, threshold, held, eligible, reason=""):
    return {"sign": name, "verdict": verdict, "window_value": value, "unit": unit,
            "threshold": threshold, "intervals_held": held, "intervals_eligible": eligible,
            "share_held": held / eligible if eligible else 0.0, "reason": reason}


def diagnosis(device, rows):
    n = len(rows)
    awaits = [r["r_await_ms"] for r in rows]
    queue = [r["aqu_sz_requests"] for r in rows]
    small = [r for r in rows if r["read_request_bytes"] < 32 * 1024 and r["reads_per_sec"] > 500]
    q_held = sum(1 for a in awaits if a > 20)
    d_held = sum(1 for a in queue if a > 4)

    def verdict(held):
        return "SUSTAINED" if held >= n / 2 else ("AT TIMES" if held else "NO")
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0
    signs = [
        sign("saturated", "NOT JUDGED", mean([r["util_pct"] for r in rows]), "%",
             "above 85% (healthy below 70%)", 0, n,
             f"%util means little on a virtual disk {device}; judged by await and aqu-sz instead"),
        sign("queueing", verdict(q_held), mean(awaits), "ms r_await",
             "above 20 ms (healthy below 10 ms)", q_held, n),
        sign("deep queue", verdict(d_held), mean(queue), "requests aqu-sz", "above 4 requests",
             d_held, n),
        sign("far below the ceiling", "NOT JUDGED", None, "%", "below 50% of the ceiling", 0, 0,
             "no --ceiling given"),
        sign("many small reads", verdict(len(small)), mean([r["read_request_bytes"] / 1024
                                                              for r in rows]),
             "kB rareq-sz", "below 32 kB at more than 500 r/s", len(small), n),
    ]
    advice = ("small reads with queueing: pack the samples (LMDB, shards) and measure the layouts "
              "with `feedbench run --suite layouts`" if small else
              "short queues: the disk is not the bottleneck, look at the loader")
    return {"device": device, "signs": signs, "advice": advice}


def summary(device, rows, start_ms, end_ms):
    dur = (end_ms - start_ms) / 1000.0
    out = {"device": device, "start_utc": iso(start_ms), "end_utc": iso(end_ms),
           "duration_sec": dur,
           "read_bytes": int(sum(r["read_bytes_per_sec"] for r in rows) * dur / max(len(rows), 1)),
           "write_bytes": 0, "discard_bytes": 0,
           "read_ios": int(sum(r["reads_per_sec"] for r in rows) * dur / max(len(rows), 1)),
           "write_ios": 0, "discard_ios": 0, "flush_ios": 0}
    keys = [k for k in rows[0] if k not in ("timestamp_utc", "offset_sec", "device")]
    for k in keys:
        out[k] = sum(r[k] for r in rows) / len(rows)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seconds", type=float, default=3600)
    ap.add_argument("--interval-ms", type=int, default=100)
    ap.add_argument("--devices", default="vda")
    ap.add_argument("--gpus", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log-every-sec", type=float, default=5)
    ap.add_argument("--hostile", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    devices = a.devices.split(",")
    total = a.seconds
    # Warm-up 5%, epochs 80% (in 3), evaluation 15%.
    bounds = [0, 0.05, 0.3167, 0.5833, 0.85, 1.0]
    kinds = ["warmup", "train", "train", "train", "eval"]
    names = ["warm-up", "epoch 1", "epoch 2", "epoch 3", "evaluation"]
    if a.hostile:
        names[1] = "epoch 1 </script><script>window.injected=1</script><!--"
    phases = [{"name": names[i], "kind": kinds[i], "start": bounds[i] * total,
               "end": bounds[i + 1] * total} for i in range(5)]

    rows, per_phase = [], {p["name"]: {d: [] for d in devices} for p in phases}
    steps = int(round(total * 1000 / a.interval_ms))
    for k in range(1, steps + 1):
        t = k * a.interval_ms / 1000.0
        p = phase_of(t - 1e-9, phases)
        for d in devices:
            row = {"timestamp_utc": iso(k * a.interval_ms), "offset_sec": t, "device": d}
            row.update(figures(rng, p, t))
            rows.append(row)
            per_phase[p["name"]][d].append(row)

    doc = {"schema": "feedbench.monitor/1", "interval_ms": a.interval_ms, "devices": devices,
           "command": ["python3", "train.py", "--epochs", "3"], "exit_status": 0, "rows": rows}
    doc["summary"] = [summary(d, [r for r in rows if r["device"] == d], 0, steps * a.interval_ms)
                      for d in devices]
    doc["thresholds"] = {"util_healthy_pct": 70, "util_saturated_pct": 85, "await_healthy_ms": 10,
                         "await_queueing_ms": 20, "aqu_deep": 4, "ceiling_far_below_pct": 50,
                         "small_read_kb": 32, "many_reads_per_sec": 500, "sustained_share": 0.5}
    doc["diagnosis"] = [diagnosis(d, [r for r in rows if r["device"] == d]) for d in devices]

    gpu_rows = []
    gstep = max(1, int(round(1000 / a.interval_ms)))  # one accelerator row per second
    for k in range(gstep, steps + 1, gstep):
        t = k * a.interval_ms / 1000.0
        p = phase_of(t - 1e-9, phases)
        for g in range(a.gpus):
            base = {"warmup": 5, "train": 62, "eval": 88}[p["kind"]]
            util = max(0.0, min(100.0, base + 25 * math.sin(t / 7.0 + g) * (p["kind"] == "train")
                                + 6 * rng.random()))
            gpu_rows.append({"timestamp_utc": iso(k * a.interval_ms), "offset_sec": t, "gpu": g,
                             "utilization_pct": util})
    doc["accelerator"] = {"sampled": True, "reason": "nvidia-smi every 1 s", "rows": gpu_rows}

    doc["phases"] = []
    for p in phases:
        acc = [r["utilization_pct"] for r in gpu_rows if p["start"] <= r["offset_sec"] < p["end"]]
        start_ms, end_ms = int(p["start"] * 1000), int(p["end"] * 1000)
        doc["phases"].append({
            "name": p["name"], "start_utc": iso(start_ms), "end_utc": iso(end_ms),
            "start_offset_sec": p["start"], "end_offset_sec": p["end"],
            "summary": [summary(d, per_phase[p["name"]][d], start_ms, end_ms) for d in devices],
            "diagnosis": [diagnosis(d, per_phase[p["name"]][d]) for d in devices],
            "accelerator_util_pct": sum(acc) / len(acc) if acc else None})

    log = []
    t = 0.0
    i = 0
    while t < total:
        p = phase_of(t, phases)
        line = f"[{p['name']}] step {i}: loss {2.5 * math.exp(-t / total * 3):.4f}"
        if a.hostile and i == 1:
            line = "</script><script>window.injected=2</script> & <!-- \"quoted\" 'single' \u2028"
        log.append({"timestamp_utc": iso(t * 1000), "offset_sec": t,
                    "stream": "stderr" if i % 7 == 3 else "stdout", "line": line})
        t += a.log_every_sec
        i += 1
    doc["log"] = log
    with open(a.out, "w") as f:
        json.dump(doc, f)
        f.write("\n")


if __name__ == "__main__":
    main()
