#!/usr/bin/env bash
# What a storage-node CI job calls: run a suite, compare the results with the node's baseline,
# write JUnit XML, a Markdown summary and a JSON report next to the results, and exit with
# compare's code.
#
# Usage: ci/storage-node.sh SUITE DATA_DIR BASELINE
#   SUITE     suite name or file, as `feedbench run --suite` takes it (e.g. ci)
#   DATA_DIR  feedbench's data directory on the storage under test (created and marked by it)
#   BASELINE  the node's baseline, e.g. baselines/<profile>/<suite>.json
#
# Environment (all optional):
#   FEEDBENCH               the binary (default: build/feedbench of this checkout)
#   RESULTS_DIR             where results and reports go (default: results/ of this checkout)
#   FEEDBENCH_RUN_ARGS      extra arguments for `feedbench run`, split on spaces
#   FEEDBENCH_COMPARE_ARGS  extra arguments for `feedbench compare`, split on spaces
#                           (e.g. "--tolerance-throughput 8 --alpha 0.01")
#   GITHUB_STEP_SUMMARY     when set (GitHub Actions), the Markdown summary is appended to it
#
# Files: RESULTS_DIR/<suite>-<host>-<UTC stamp>.json (results), .junit.xml, .md, .compare.json next
# to it, and copies of the last three as RESULTS_DIR/latest.junit.xml, latest.md,
# latest.compare.json for pipelines to publish (removed at start, so a stale report never passes
# for a new one).
#
# Exit: compare's code — 0 pass (every gated row judged, none failing), 1 regression (or invalid
# repetitions, or a missing workload), 2 bad input, 3 environment (fingerprint mismatch, binary
# missing), 4 inconclusive (a row could not be judged: NOISY, UNCERTAIN, a baseline of fewer than
# 3 runs or too few repetitions; FEEDBENCH_COMPARE_ARGS=--allow-inconclusive makes it 0). When the
# run itself fails, its code wins: with results written, compare still runs so that the reports
# show what happened.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
}

if (($# != 3)); then
  usage
  exit 2
fi
suite=$1
data_dir=$2
baseline=$3
root=$(cd "$(dirname "$0")/.." && pwd)
feedbench=${FEEDBENCH:-$root/build/feedbench}
results_dir=${RESULTS_DIR:-$root/results}
read -r -a run_args <<<"${FEEDBENCH_RUN_ARGS:-}"
read -r -a compare_args <<<"${FEEDBENCH_COMPARE_ARGS:-}"

if [[ ! -x $feedbench ]]; then
  echo "storage-node.sh: $feedbench is not an executable; build it first (ci/setup.sh)" >&2
  exit 3
fi
if [[ ! -f $baseline ]]; then
  echo "storage-node.sh: baseline $baseline does not exist; record one first:" >&2
  echo "  $feedbench baseline record RESULTS.json... --to $baseline" >&2
  exit 2
fi
mkdir -p "$results_dir"
rm -f "$results_dir/latest.junit.xml" "$results_dir/latest.md" "$results_dir/latest.compare.json"

host=$(hostname -s 2>/dev/null || hostname)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
stem="$results_dir/$(basename "${suite%.json}")-$host-$stamp"
results="$stem.json"

echo "storage-node.sh: running suite $suite on $data_dir -> $results"
run_code=0
"$feedbench" run --suite "$suite" --data-dir "$data_dir" --out "$results" \
  ${run_args[@]+"${run_args[@]}"} || run_code=$?
if [[ ! -f $results ]]; then
  echo "storage-node.sh: feedbench run failed (exit $run_code) and wrote no results" >&2
  exit $((run_code == 0 ? 3 : run_code))
fi

compare_code=0
"$feedbench" compare "$baseline" "$results" --junit "$stem.junit.xml" --markdown "$stem.md" \
  --json "$stem.compare.json" ${compare_args[@]+"${compare_args[@]}"} || compare_code=$?

for ext in junit.xml md compare.json; do
  if [[ -f $stem.$ext ]]; then cp "$stem.$ext" "$results_dir/latest.$ext"; fi
done
if [[ -n ${GITHUB_STEP_SUMMARY:-} && -f $stem.md ]]; then
  cat "$stem.md" >>"$GITHUB_STEP_SUMMARY"
fi
echo "storage-node.sh: reports: $stem.junit.xml, $stem.md (run exit $run_code, compare exit $compare_code)"

if ((run_code != 0)); then exit "$run_code"; fi
exit "$compare_code"
