#!/usr/bin/env bash
# Detection by the regression gate: a device made slower with a blkio throttle, judged by
# `feedbench compare` at its default settings.
#
# Makes an ext4 on a loop device (an IMAGE_MIB image in /var/tmp) and a quick gate suite (one
# workload, files-random, cold: SAMPLES samples of 128 KiB, REPETITIONS repetitions, 2 workers),
# records a baseline from BASELINE_RUNS unthrottled runs and takes U = the median bytes/s of all
# their repetitions. Then for every throttle LEVEL (a percentage of U; 100 = no throttle, a control
# that counts false alarms), TRIALS runs (TRIALS_75 at 75%, a 25% drop) with
#   blkio.throttle.read_bps_device = "MAJ:MIN LEVEL% x U"   (cgroup v1, the loop device)
# each run inside that cgroup and judged with `feedbench compare BASELINE RESULTS` (defaults: all
# four gated metrics, 5%/10% tolerances, alpha 0.01). Trials go round-robin over the levels, so a
# change in the machine's load spreads over all of them. A trial is caught when compare exits 1
# with samples_per_second or bytes_per_second REGRESSED. Throttling is not exact (bursts, metadata
# reads, runs already slower than the limit), so each trial also gives the achieved drop: 1 - the
# run's median bytes/s / the baseline's (compare's change). Baseline runs are made inside the same
# cgroup, unthrottled.
#
#   sudo bench/gate_detection.sh
# Environment: LEVELS ("100 95 90 85 80 75 70 60 50"), TRIALS (5), TRIALS_75 (5),
#   BASELINE_RUNS (5), SAMPLES (2000), REPETITIONS (5), IMAGE_MIB (1024),
#   FEEDBENCH_BINARY (build/feedbench), KEEP_DIR (when set, results, baseline and compare reports
#   are copied there at the end).
#
# Prints a line per trial, a table per level, "25% drop: caught N/5" and the smallest drop caught
# in every trial (with every larger drop tried also caught in every trial). Root; cleans up on
# exit, failure, Ctrl-C or SIGTERM: a running feedbench is stopped, the throttle and the cgroup
# removed, the filesystem unmounted, the loop device detached, the image and work files removed.
set -euo pipefail
cd "$(dirname "$0")/.."
levels=${LEVELS:-100 95 90 85 80 75 70 60 50}
trials=${TRIALS:-5}
trials_75=${TRIALS_75:-5}
baseline_runs=${BASELINE_RUNS:-5}
samples=${SAMPLES:-2000}
repetitions=${REPETITIONS:-5}
image_mib=${IMAGE_MIB:-1024}
binary=$(realpath "${FEEDBENCH_BINARY:-build/feedbench}")
keep_dir=${KEEP_DIR:-}
blkio=/sys/fs/cgroup/blkio

[[ $(id -u) -eq 0 ]] || { echo "needs root (loop device, mount, cgroup)" >&2; exit 3; }
[[ -x $binary ]] ||
  { echo "build $binary first (cmake --build build --target feedbench)" >&2; exit 3; }
for tool in jq losetup mkfs.ext4 lsblk; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 3; }
done
[[ -f $blkio/blkio.throttle.read_bps_device ]] ||
  { echo "no cgroup v1 blkio controller with throttling at $blkio" >&2; exit 3; }

work=""
device=""
mounted=""
cgroup=""
dev_id=""
child=""
cleanup() {
  local code=$?
  set +e  # undo every step that was done, whatever fails
  if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  if [[ -n $cgroup && -d $cgroup ]]; then
    [[ -n $dev_id ]] && echo "$dev_id 0" >"$cgroup/blkio.throttle.read_bps_device"
    local pid
    for pid in $(cat "$cgroup/cgroup.procs"); do echo "$pid" >"$blkio/cgroup.procs"; done
    rmdir "$cgroup"
  fi
  if [[ -n $keep_dir && -n $work && -d $work ]]; then
    mkdir -p "$keep_dir" && cp -a "$work"/results/. "$keep_dir"/ &&
      echo "kept the reports in $keep_dir"
  fi
  if [[ -n $mounted ]]; then
    umount "$work/mnt" 2>/dev/null || { sleep 1; umount "$work/mnt"; } || umount -l "$work/mnt"
  fi
  [[ -n $device ]] && losetup -d "$device"
  [[ -n $work ]] && rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command in the background, its output appended to LOG, and waits for it, so that a
# signal reaches the trap at once. Sets `rc` to its exit code and prints the log's tail when it is
# not 0 or 1; never fails itself.
rc=0
run_child() {
  local log=$1
  shift
  echo "+ $*" >>"$log"
  "$@" >>"$log" 2>&1 &
  child=$!
  rc=0
  wait "$child" || rc=$?
  child=""
  if ((rc > 1)); then
    echo "exit $rc: $*" >&2
    tail -n 20 "$log" >&2
  fi
}

work=$(mktemp -d /var/tmp/feedbench-gatedetect-XXXXXX)
mkdir "$work/mnt" "$work/results"
truncate -s "${image_mib}M" "$work/image.ext4"
device=$(losetup --find --show "$work/image.ext4")
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$device"
mount -t ext4 "$device" "$work/mnt"
mounted=1
dev_id=$(lsblk -dno MAJ:MIN "$device" | tr -d ' ')
cgroup=$blkio/feedbench-gatedetect-$$
mkdir "$cgroup"

set_throttle() {  # bytes/s, 0 = none
  echo "$dev_id $1" >"$cgroup/blkio.throttle.read_bps_device"
}

suite=$work/gate.json
cat >"$suite" <<EOF
{
  "schema_version": 1,
  "name": "gate-detection",
  "description": "Quick gate suite: files read at random, cold.",
  "dataset": {"samples": $samples, "sizes": {"distribution": "fixed", "bytes": "128KiB"},
              "seed": 9},
  "defaults": {"repetitions": $repetitions, "cache": "cold", "workers": 2, "batch_size": 32,
               "prefetch": 2},
  "workloads": [{"name": "files-random", "layout": "files", "order": "random"}]
}
EOF
results=$work/results
baseline=$results/baseline.json
# sh -c SCRIPT CGROUP_PROCS COMMAND...: $0 is the cgroup's procs file, "$@" the command.
in_cgroup=(sh -c 'echo $$ > "$0" && exec "$@"' "$cgroup/cgroup.procs")
run_args=(run --suite "$suite" --keep-data --data-dir "$work/mnt/data" --quiet)

median_bps() {  # median bytes/s over the valid repetitions of results files
  jq -s '[.[].benchmarks[] | select(.run_type == "iteration" and (.error_occurred | not))
          | .bytes_per_second] | sort | if length % 2 == 1 then .[length / 2 | floor]
          else (.[length / 2 - 1] + .[length / 2]) / 2 end' "$@"
}
verdict() {  # the verdict of metric $1 in the compare report $report
  jq -r --arg m "$1" '.feedbench_compare.comparisons[] | select(.metric == $m) | .verdict' \
    "$report"
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

echo "gate detection: loop device $device ($dev_id, ${image_mib} MiB ext4 image in $work)"
echo "suite: files-random, cold, $samples x 128 KiB, $repetitions repetitions, 2 workers;" \
  "baseline of $baseline_runs runs"
echo "binary: $binary ($("$binary" --version 2>/dev/null || echo unknown version))"
echo "start: $(date -u +%Y-%m-%dT%H:%M:%SZ); $(uptime)"

base_files=()
set_throttle 0
for ((i = 1; i <= baseline_runs; i++)); do
  out=$results/base-$i.json
  run_child "$results/base-$i.log" "${in_cgroup[@]}" "$binary" "${run_args[@]}" --out "$out"
  ((rc == 0)) || { echo "baseline run $i failed (exit $rc)" >&2; exit 1; }
  base_files+=("$out")
done
run_child "$results/record.log" "$binary" baseline record "${base_files[@]}" --to "$baseline"
((rc == 0)) || { echo "baseline record failed (exit $rc)" >&2; exit 1; }
unthrottled=$(median_bps "${base_files[@]}")
latest=$(median_bps "${base_files[-1]}")
echo "unthrottled: median $(mib "$unthrottled") MiB/s over all baseline repetitions" \
  "(latest run, the gate's reference: $(mib "$latest") MiB/s); per run:" \
  "$(for f in "${base_files[@]}"; do printf '%s ' "$(mib "$(median_bps "$f")")"; done)MiB/s"

# The schedule: round r runs every level that still needs a trial.
declare -A wanted caught failed tried achieved
max_trials=0
for level in $levels; do
  wanted[$level]=$trials
  ((level == 75)) && wanted[$level]=$trials_75
  ((wanted[$level] > max_trials)) && max_trials=${wanted[$level]}
  caught[$level]=0
  failed[$level]=0
  tried[$level]=0
  achieved[$level]=""
done

row='%-6s %-5s %-11s %-8s %-8s %-5s %-10s %-10s %-10s %-10s %-5s %s\n'
echo
echo "achieved: the drop of the run's median bytes/s from the gate's reference (the baseline's"
echo "latest run) and from U; verdicts of compare at default settings; load: 1-min load average"
printf "$row" level trial limit achieved "(vs U)" exit samples/s bytes/s r_await lat_p99 load \
  "caught (bytes/s threshold, p)"
for ((round = 1; round <= max_trials; round++)); do
  for level in $levels; do
    ((round <= wanted[$level])) || continue
    limit=0
    if ((level < 100)); then
      limit=$(awk -v u="$unthrottled" -v l="$level" 'BEGIN { printf "%.0f", u * l / 100 }')
    fi
    set_throttle "$limit"
    name=l$level-t$round
    out=$results/$name.json
    run_child "$results/$name.log" "${in_cgroup[@]}" "$binary" "${run_args[@]}" --out "$out"
    set_throttle 0
    if [[ ! -f $out ]]; then echo "trial $name wrote no results (exit $rc)" >&2; exit 1; fi
    report=$results/$name.compare.json
    run_child "$results/$name.log" "$binary" compare "$baseline" "$out" --json "$report"
    compare_rc=$rc
    drop=$(jq -r '.feedbench_compare.comparisons[] | select(.metric == "bytes_per_second")
                  | (-.change_percent * 10 | round / 10)' "$report")
    detail=$(jq -r '.feedbench_compare.comparisons[] | select(.metric == "bytes_per_second")
      | (.threshold_percent / (100 + .threshold_percent) * 1000 | round / 10) as $d
      | "T \(.threshold_percent * 10 | round / 10)% i.e. drop > \($d)%, p \(.p_worse * 1000
        | round / 1000)"' "$report")
    is_caught=no
    if ((compare_rc == 1)) && [[ $(verdict samples_per_second) == REGRESSED ||
      $(verdict bytes_per_second) == REGRESSED ]]; then
      is_caught=yes
      caught[$level]=$((caught[$level] + 1))
    fi
    ((compare_rc == 1)) && failed[$level]=$((failed[$level] + 1))
    tried[$level]=$((tried[$level] + 1))
    achieved[$level]+="$drop "
    drop_u=$(awk -v m="$(median_bps "$out")" -v u="$unthrottled" \
      'BEGIN { printf "%.1f", (1 - m / u) * 100 }')
    limit_text=none
    ((limit > 0)) && limit_text="$(mib "$limit")MiB/s"
    printf "$row" "$level%" "$round" "$limit_text" "$drop%" "($drop_u%)" "$compare_rc" \
      "$(verdict samples_per_second)" "$(verdict bytes_per_second)" "$(verdict r_await_ms)" \
      "$(verdict lat_p99_us)" "$(cut -d' ' -f1 /proc/loadavg)" "$is_caught ($detail)"
  done
done

echo
echo "per level (asked drop = 100 - level; achieved drop = 1 - the run's median bytes/s ÷ the"
echo "baseline's latest run's, as compare sees it):"
printf '%-7s %-7s %-32s %-8s %s\n' level asked "achieved drop per trial, %" caught \
  "compare exit 1"
for level in $levels; do
  printf '%-7s %-7s %-32s %-8s %s\n' "$level%" "$((100 - level))%" "${achieved[$level]}" \
    "${caught[$level]}/${tried[$level]}" "${failed[$level]}/${tried[$level]}"
done

echo
echo "end: $(date -u +%Y-%m-%dT%H:%M:%SZ); $(uptime)"
echo "settings: compare defaults (samples_per_second, bytes_per_second, r_await_ms, lat_p99_us;" \
  "tolerance 5% throughput, 10% await/latency, alpha 0.01)"
if [[ -n ${tried[75]:-} ]]; then
  echo "25% drop: caught ${caught[75]}/${tried[75]}"
fi
# The smallest asked drop caught in every trial, every larger drop tried also caught every time.
smallest=""
for level in $(tr ' ' '\n' <<<"$levels" | sort -n); do
  ((level < 100)) || continue
  if ((caught[$level] == tried[$level])); then smallest=$level; else break; fi
done
if [[ -n $smallest ]]; then
  echo "smallest drop caught reliably: $((100 - smallest))% asked (throttle at $smallest%;" \
    "achieved drops ${achieved[$smallest]% }%), caught ${caught[$smallest]}/${tried[$smallest]}"
else
  echo "smallest drop caught reliably: none of the levels tried"
fi
if [[ -n ${tried[100]:-} ]]; then
  echo "no throttle (control): compare exit 1 in ${failed[100]}/${tried[100]}" \
    "(throughput REGRESSED in ${caught[100]})"
fi
