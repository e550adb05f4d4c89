#!/usr/bin/env bash
# `feedbench run` as 1, 2 and 4 MPI ranks (mpirun, this one node) against one process with as
# many reader workers: the cost of running as ranks. Per case: the median aggregate samples/s over
# the repetitions, the barrier time per repetition (each rank's wait, averaged), rank 0's gather
# and merge time, and the results file's size. Cold repetitions of one files-random workload
# (suites/mpi-ranks.json), interleaved case by case over ROUNDS rounds, so the node's drift
# spreads over all cases. CACHE=warm measures warm repetitions (no cache drop: the barrier's own
# cost and the ranks' skew).
# Usage: bench/mpi_ranks.sh FEEDBENCH DATA_DIR [ROUNDS] (as root: mpirun --allow-run-as-root)
set -euo pipefail
feedbench=$(realpath "$1")
data=$2
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
suite=$here/suites/mpi-ranks.json
work=$(mktemp -d /var/tmp/feedbench-mpi-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mpirun_flags=(--allow-run-as-root --oversubscribe)
workers_per_rank=2

# One case: $1 ranks (0 = one process without mpirun) with $2 workers each; prints one line.
run_case() {
  local ranks=$1 workers=$2 out=$work/r$1-w$2-$3.json
  local -a run=("$feedbench" run --quiet --suite "$suite" --data-dir "$data" --keep-data --out "$out")
  local suite_copy=$work/suite-w$workers.json
  python3 - "$suite" "$workers" "$suite_copy" "${CACHE:-cold}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s["defaults"]["workers"] = int(sys.argv[2])
s["defaults"]["cache"] = sys.argv[4]
json.dump(s, open(sys.argv[3], "w"))
PY
  run[4]=$suite_copy
  if ((ranks == 0)); then "${run[@]}" >/dev/null; else mpirun "${mpirun_flags[@]}" -np "$ranks" "${run[@]}" >/dev/null; fi
  python3 - "$out" "$ranks" "$workers" <<'PY'
import json, os, statistics, sys
path, ranks, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = json.load(open(path))
reps = [b for b in d["benchmarks"] if b.get("run_type") == "iteration"]
sps = statistics.median(b["samples_per_second"] for b in reps)
ratio = statistics.median(b.get("device_read_ratio", float("nan")) for b in reps)
mpi = d["context"]["feedbench"].get("mpi")
if mpi:
    waits = [b["barrier_sec"] / max(1, b["barriers"]) for b in mpi["barriers"]]
    # A rank's wait at a barrier: rank 0 (its node's leader) waits for the others only; the
    # others also wait while the leader drops the page cache before each cold round.
    line = (f"ranks {ranks} x {workers} workers: {sps:9.0f} samples/s, ratio {ratio:.2f}, "
            f"barrier {1e3 * statistics.mean(waits):6.2f} ms/barrier (rank 0 "
            f"{1e3 * waits[0]:5.2f}, max rank {1e3 * max(waits):6.2f}), gather "
            f"{1e3 * mpi['gather_sec']:.2f} ms ({mpi['gathered_bytes']} B), merge "
            f"{1e3 * mpi['merge_sec']:.2f} ms, results {os.path.getsize(path)} B "
            f"(mpi block {len(json.dumps(mpi))} B)")
else:
    who = "alone  " if ranks == 0 else "ranks 1"
    line = (f"{who} x {workers} workers: {sps:9.0f} samples/s, ratio {ratio:.2f}, "
            f"results {os.path.getsize(path)} B")
print(line)
PY
}

echo "feedbench $("$feedbench" --version | cut -d' ' -f2); $(nproc) CPUs; $(date -u +%FT%TZ)"
echo "suite $(basename "$suite"), ${CACHE:-cold}: ${rounds} rounds; ${workers_per_rank} workers per rank"
for round in $(seq "$rounds"); do
  echo "round $round"
  for n in 1 2 4; do
    run_case "$n" "$workers_per_rank" "$round"
    run_case 0 $((n * workers_per_rank)) "$round"
  done
done
