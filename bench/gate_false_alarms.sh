#!/usr/bin/env bash
# False alarms of the regression gate: how often it fails a build when nothing changed.
#
# On DATA_DIR (default /var/tmp/feedbench-gatefig; it must sit on the disk under test, not tmpfs,
# and must not exist yet or be empty: it is removed at the end), records a baseline from
# BASELINE_RUNS runs of SUITE (`feedbench run --keep-data`, then `feedbench baseline record`), then
# makes RERUNS identical reruns. Each rerun is
#   feedbench run ... --compare BASELINE --confirm --json F   (a nightly job with --confirm)
# and its first results file is also judged alone with
#   feedbench compare BASELINE RESULTS                         (default settings, no confirmation)
# so each rerun gives both verdicts: at default settings, and after --confirm reran the workloads
# judged REGRESSED once more. Prints per rerun the exit codes and the verdict counts (and the
# REGRESSED rows), then "false alarms: X/N (default settings), Y/N after --confirm".
#
#   sudo bench/gate_false_alarms.sh [DATA_DIR]
# Environment: SUITE (smoke; a suite name or file, or `gate` for the quick gate suite of
#   bench/gate_detection.sh: files-random, cold, SAMPLES (6000) x 128 KiB, 2 workers),
#   REPETITIONS (5), BASELINE_RUNS (5), RERUNS (10), WARMUP_RUNS (0: runs made after generating
#   the dataset and before the baseline, not recorded — on a VM whose disk is a file on a shared
#   host, the host's cache holds a freshly written dataset for minutes, and a baseline recorded
#   then is faster than the node will be: measured here, lmdb-sequential 20% faster in the first
#   5 minutes after generation than in the next 15), GATE_ARGS (extra arguments for the reruns'
#   `run --compare`, e.g. "--time-budget 120 --max-repetitions 24"),
#   FEEDBENCH_BINARY (build/feedbench), KEEP_DIR (when set, the results, baseline and compare
#   reports are copied there before the clean-up).
#
# REPETITIONS defaults to 5, not the smoke suite's 3: the gate needs a one-sided Mann-Whitney
# p < 0.01, and 3 vs 3 repetitions cannot go below p = 1/20 = 0.05, so with 3 the gate can never
# say REGRESSED (zero false alarms by construction, and zero detection). 5 vs 5 can reach 1/252.
#
# Root (cold runs drop the page cache). Cleans up on exit, failure, Ctrl-C or SIGTERM: a running
# feedbench is stopped, DATA_DIR and the work directory are removed.
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir=${1:-/var/tmp/feedbench-gatefig}
suite=${SUITE:-smoke}
repetitions=${REPETITIONS:-5}
baseline_runs=${BASELINE_RUNS:-5}
reruns=${RERUNS:-10}
binary=$(realpath "${FEEDBENCH_BINARY:-build/feedbench}")
keep_dir=${KEEP_DIR:-}
read -r -a gate_args <<<"${GATE_ARGS:-}"

[[ $(id -u) -eq 0 ]] || { echo "needs root: cold runs drop the page cache" >&2; exit 3; }
[[ -x $binary ]] ||
  { echo "build $binary first (cmake --build build --target feedbench)" >&2; exit 3; }
command -v jq >/dev/null || { echo "missing jq (apt-get install jq)" >&2; exit 3; }
if [[ -e $data_dir && -n $(ls -A "$data_dir" 2>/dev/null) ]]; then
  echo "$data_dir exists and is not empty; give a new directory (it is removed at the end)" >&2
  exit 2
fi

work=""
made_data_dir=""
child=""
cleanup() {
  local code=$?
  set +e  # undo every step that was done, whatever fails
  if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  if [[ -n $keep_dir && -n $work && -d $work ]]; then
    mkdir -p "$keep_dir" && cp -a "$work"/. "$keep_dir"/ && echo "kept the reports in $keep_dir"
  fi
  [[ -n $made_data_dir ]] && rm -rf "$data_dir"
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

mkdir -p "$data_dir"
made_data_dir=1
work=$(mktemp -d /var/tmp/feedbench-gatefig-work.XXXXXX)
baseline=$work/baseline.json
if [[ $suite == gate ]]; then
  suite=$work/gate.json
  cat >"$suite" <<EOF
{
  "schema_version": 1,
  "name": "gate-quick",
  "description": "Quick gate suite: files read at random, cold.",
  "dataset": {"samples": ${SAMPLES:-6000}, "sizes": {"distribution": "fixed", "bytes": "128KiB"},
              "seed": 9},
  "defaults": {"repetitions": $repetitions, "cache": "cold", "workers": 2, "batch_size": 32,
               "prefetch": 2},
  "workloads": [{"name": "files-random", "layout": "files", "order": "random"}]
}
EOF
fi
run_args=(run --suite "$suite" --repetitions "$repetitions" --keep-data --data-dir "$data_dir"
  --quiet)

counts() {  # counts of a compare JSON report, "REGRESSED=n UNCERTAIN=n ..." (non-zero ones)
  jq -r '.feedbench_compare.counts | to_entries | map(select(.value > 0))
         | map("\(.key)=\(.value)") | join(" ")' "$1"
}
regressed_rows() {  # "workload/metric change%" of the REGRESSED rows of a compare JSON report
  jq -r '[.feedbench_compare.comparisons[] | select(.verdict == "REGRESSED")
          | "\(.workload)/\(.metric) \(.change_percent * 10 | round / 10)%"] | join(", ")' "$1"
}

echo "gate false alarms: suite $suite, $repetitions repetitions per workload, baseline from" \
  "$baseline_runs runs after ${WARMUP_RUNS:-0} warm-up runs, $reruns reruns; data in $data_dir"
echo "binary: $binary ($("$binary" --version 2>/dev/null || echo unknown version))"
echo "start: $(date -u +%Y-%m-%dT%H:%M:%SZ); $(uptime)"
echo "device: $(df --output=source,fstype "$data_dir" | tail -1)"

for ((i = 1; i <= ${WARMUP_RUNS:-0}; i++)); do
  run_child "$work/warmup-$i.log" "$binary" "${run_args[@]}" --out "$work/warmup-$i.json"
  ((rc == 0)) || { echo "warm-up run $i failed (exit $rc)" >&2; exit 1; }
done
results=()
for ((i = 1; i <= baseline_runs; i++)); do
  out=$work/base-$i.json
  run_child "$work/base-$i.log" "$binary" "${run_args[@]}" --out "$out"
  if ((rc != 0)); then
    echo "baseline run $i failed (exit $rc)" >&2
    exit 1
  fi
  results+=("$out")
done
run_child "$work/record.log" "$binary" baseline record "${results[@]}" --to "$baseline"
((rc == 0)) || { echo "baseline record failed (exit $rc)" >&2; exit 1; }
"$binary" baseline show "$baseline" | sed 's/^/  /'

alarms_default=0
alarms_confirmed=0
inconclusive_default=0
inconclusive_confirmed=0
row='%-6s %-8s %-40s %-5s %-6s %s\n'
printf "\n$row" rerun compare "verdicts (default settings)" load confirm "verdicts after --confirm"
for ((i = 1; i <= reruns; i++)); do
  out=$work/rerun-$i.json
  run_child "$work/rerun-$i.log" "$binary" "${run_args[@]}" --out "$out" \
    --compare "$baseline" --confirm --json "$work/rerun-$i.confirmed.compare.json" \
    ${gate_args[@]+"${gate_args[@]}"}
  confirmed_rc=$rc
  if [[ ! -f $out ]]; then
    echo "rerun $i wrote no results (exit $confirmed_rc)" >&2
    exit 1
  fi
  run_child "$work/rerun-$i.log" "$binary" compare "$baseline" "$out" \
    --json "$work/rerun-$i.compare.json"
  default_rc=$rc
  ((default_rc == 1)) && alarms_default=$((alarms_default + 1))
  ((confirmed_rc == 1)) && alarms_confirmed=$((alarms_confirmed + 1))
  ((default_rc == 4)) && inconclusive_default=$((inconclusive_default + 1))
  ((confirmed_rc == 4)) && inconclusive_confirmed=$((inconclusive_confirmed + 1))
  confirm_note="-"
  [[ -f ${out%.json}.confirm.json ]] && confirm_note="reran"
  printf "$row" "$i" "exit $default_rc" "$(counts "$work/rerun-$i.compare.json")" \
    "$(cut -d' ' -f1 /proc/loadavg)" "$confirm_note" \
    "exit $confirmed_rc: $(counts "$work/rerun-$i.confirmed.compare.json")"
  regressed=$(regressed_rows "$work/rerun-$i.compare.json")
  [[ -n $regressed ]] && echo "       REGRESSED: $regressed"
  if [[ $confirm_note == reran ]]; then
    regressed=$(regressed_rows "$work/rerun-$i.confirmed.compare.json")
    echo "       after --confirm: ${regressed:-nothing REGRESSED}"
  fi
done

echo
echo "verdicts over all reruns (default settings), per workload/metric:"
jq -rs '[.[].feedbench_compare.comparisons[]] | group_by("\(.workload)/\(.metric)")
        | .[] | "  \(.[0].workload)/\(.[0].metric): " + (group_by(.verdict)
        | map("\(.[0].verdict)=\(length)") | join(" "))' "$work"/rerun-*[0-9].compare.json
echo
echo "end: $(date -u +%Y-%m-%dT%H:%M:%SZ); $(uptime)"
echo "settings: suite $suite, --repetitions $repetitions, baseline of $baseline_runs runs," \
  "compare defaults (tolerance 5% throughput, 10% await/latency, alpha 0.01)"
echo "false alarms: $alarms_default/$reruns (default settings)," \
  "$alarms_confirmed/$reruns after --confirm"
echo "inconclusive (exit 4): $inconclusive_default/$reruns (compare alone)," \
  "$inconclusive_confirmed/$reruns (run --compare: until decided, confirmed)"
