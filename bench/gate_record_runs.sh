#!/usr/bin/env bash
# Records N identical runs of a gating suite back to back, for the gate simulator and the A/A
# figures: each run's results (Google Benchmark JSON) and timeline go to OUT_DIR, and one line per
# run to OUT_DIR/runs.log (UTC start, load average, exit code, each workload's median samples/s).
# The dataset is generated once and kept in DATA_DIR (on the disk under test, not tmpfs), so every
# run reads the same files cold.
# Usage: sudo bench/gate_record_runs.sh N OUT_DIR [DATA_DIR] [SUITE]
#   N        runs to record (e.g. 30)
#   OUT_DIR  where results go (created)
#   DATA_DIR default /var/tmp/feedbench-gaterec; removed at the end unless KEEP_DATA=1
#   SUITE    default bench/suites/gate.json
# Needs root (drop_caches) for cold runs without eviction fallbacks; jq for the summary lines.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:?usage: bench/gate_record_runs.sh N OUT_DIR [DATA_DIR] [SUITE]}
out_dir=${2:?usage: bench/gate_record_runs.sh N OUT_DIR [DATA_DIR] [SUITE]}
data_dir=${3:-/var/tmp/feedbench-gaterec}
suite=${4:-bench/suites/gate.json}
binary=${FEEDBENCH:-build/feedbench}
[[ $runs =~ ^[0-9]+$ && $runs -ge 1 ]] || { echo "N: expected a positive integer, got '$runs'" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed for the summary lines: apt-get install jq" >&2; exit 3; }
mkdir -p "$out_dir"
cleanup() {  # only what feedbench made: its datasets, then the data directory if left empty
  [[ ${KEEP_DATA:-0} == 1 ]] && return
  for dataset in "$data_dir"/files-* "$data_dir"/lmdb-*; do
    [[ -d $dataset ]] && "$binary" dataset rm --dir "$dataset" >/dev/null
  done
  # The probes' job files and output (kept with --keep-data, like the datasets).
  rm -f "$data_dir"/fio/probe-*.fio "$data_dir"/fio/probe-*.json "$data_dir"/fio/probe-*.stderr \
    "$data_dir"/fio/probe-*.stdout
  rmdir "$data_dir/fio" 2>/dev/null || true
  rm -f "$data_dir/.feedbench-data-dir"
  rmdir "$data_dir" 2>/dev/null || true
}
trap cleanup EXIT
log=$out_dir/runs.log
echo "# $(date -u +%FT%TZ) $runs runs of $suite; data $data_dir; $("$binary" --version)" >>"$log"
for ((i = 1; i <= runs; i++)); do
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  out=$out_dir/run-$stamp.json
  load=$(cut -d' ' -f1 /proc/loadavg)
  set +e
  "$binary" run --suite "$suite" --data-dir "$data_dir" --keep-data --quiet --out "$out" \
    >"$out_dir/run-$stamp.log" 2>&1
  rc=$?
  set -e
  medians=$(jq -r '[.benchmarks[] | select(.aggregate_name == "median")
                    | "\(.run_name | split("/")[0])=\(.samples_per_second | round)"] | join(" ")' \
            "$out" 2>/dev/null || echo "no results")
  echo "$stamp run $i/$runs load $load exit $rc $medians" | tee -a "$log"
done
