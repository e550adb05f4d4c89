#!/usr/bin/env bash
# What a storage-node CI job calls: run a suite and gate it against the node's baseline in one
# `feedbench run --compare` (repetitions added to undecided workloads within the budget, a
# regression confirmed by a rerun before it fails), write JUnit XML, a Markdown summary and a JSON
# report next to the results, and exit with the gate's code.
#
# Usage: ci/storage-node.sh SUITE DATA_DIR BASELINE
#   SUITE     suite name or file, as `feedbench run --suite` takes it (e.g. ci)
#   DATA_DIR  feedbench's data directory on the storage under test (created and marked by it)
#   BASELINE  the node's baseline, e.g. baselines/<profile>/<suite>.json
#
# Runs from a checkout (ci/storage-node.sh) or from the Debian package
# (/usr/share/feedbench/ci/storage-node.sh, with `feedbench` on PATH and the working directory a
# checkout of the baselines repository).
#
# Environment (all optional):
#   FEEDBENCH               the binary (default: build/feedbench of this checkout if built, else
#                           `feedbench` on PATH)
#   RESULTS_DIR             where results and reports go (default: results/ of this checkout;
#                           installed, results/ of the working directory)
#   FEEDBENCH_RUN_ARGS      extra arguments for `feedbench run`, split on spaces
#                           (e.g. "--time-budget 300 --max-repetitions 21")
#   FEEDBENCH_COMPARE_ARGS  extra gate arguments, split on spaces, passed to the same
#                           `feedbench run --compare` (e.g. "--tolerance-throughput 8 --alpha 0.01")
#   GITHUB_STEP_SUMMARY     when set (GitHub Actions), the Markdown summary is appended to it
#
# Files: RESULTS_DIR/<suite>-<host>-<UTC stamp>.json (results), .junit.xml, .md, .compare.json and
# .html (the HTML report: the run's repetitions and device timelines and the comparison, when
# Chart.js is installed: Debian's libjs-chart.js, or FEEDBENCH_CHARTJS) next to it, and copies of
# the reports as RESULTS_DIR/latest.junit.xml, latest.md, latest.compare.json, latest.html for
# pipelines to publish (removed at start, so a stale report never passes for a new one).
#
# Exit: the gate's code (as `feedbench compare`'s) — 0 pass (every gated row judged, none failing), 1 regression (or invalid
# repetitions, or a missing workload), 2 bad input, 3 environment (fingerprint mismatch, binary
# missing), 4 inconclusive (a row could not be judged: NOISY, UNCERTAIN, a baseline of fewer than
# 3 runs or too few repetitions within the budget; FEEDBENCH_COMPARE_ARGS=--allow-inconclusive
# makes it 0). When a workload of the run fails, exit 1, with the reports written so that they
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
if [[ -f $root/CMakeLists.txt ]]; then  # a checkout; else installed under PREFIX/share/feedbench
  default_results=$root/results
else
  default_results=$PWD/results
fi
if [[ -x $root/build/feedbench ]]; then
  default_feedbench=$root/build/feedbench
else
  default_feedbench=$(command -v feedbench || echo feedbench)
fi
feedbench=${FEEDBENCH:-$default_feedbench}
results_dir=${RESULTS_DIR:-$default_results}
read -r -a run_args <<<"${FEEDBENCH_RUN_ARGS:-}"
read -r -a compare_args <<<"${FEEDBENCH_COMPARE_ARGS:-}"

if [[ ! -x $feedbench ]]; then
  echo "storage-node.sh: $feedbench is not an executable; install the package (apt install" \
    "./feedbench_*.deb) or build it (ci/setup.sh)" >&2
  exit 3
fi
if [[ ! -f $baseline ]]; then
  echo "storage-node.sh: baseline $baseline does not exist; record one first:" >&2
  echo "  $feedbench baseline record RESULTS.json... --to $baseline" >&2
  exit 2
fi
mkdir -p "$results_dir"
rm -f "$results_dir/latest.junit.xml" "$results_dir/latest.md" "$results_dir/latest.compare.json" \
  "$results_dir/latest.html"

host=$(hostname -s 2>/dev/null || hostname)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
stem="$results_dir/$(basename "${suite%.json}")-$host-$stamp"
results="$stem.json"

# The HTML report only where its charting library is (a Recommends of the package): without it,
# `run --html` would refuse to start (exit 3), and the gate must run regardless.
html_args=()
for chartjs in "${FEEDBENCH_CHARTJS:-}" /usr/share/javascript/chart.js/chart.min.js \
  /usr/share/javascript/chart.js/chart.umd.min.js /usr/share/javascript/chart.js/chart.js \
  /usr/share/javascript/chart.js/chart.umd.js; do
  if [[ -n $chartjs && -f $chartjs ]]; then
    html_args=(--html "$stem.html")
    break
  fi
done
if ((${#html_args[@]} == 0)); then
  echo "storage-node.sh: no HTML report: Chart.js is not installed (apt-get install libjs-chart.js)" >&2
fi

echo "storage-node.sh: running suite $suite on $data_dir against $baseline -> $results"
gate_code=0
"$feedbench" run --suite "$suite" --data-dir "$data_dir" --out "$results" --compare "$baseline" \
  --junit "$stem.junit.xml" --markdown "$stem.md" --json "$stem.compare.json" \
  ${html_args[@]+"${html_args[@]}"} \
  ${run_args[@]+"${run_args[@]}"} ${compare_args[@]+"${compare_args[@]}"} || gate_code=$?
if [[ ! -f $results ]]; then
  echo "storage-node.sh: feedbench run failed (exit $gate_code) and wrote no results" >&2
  exit $((gate_code == 0 ? 3 : gate_code))
fi

for ext in junit.xml md compare.json html; do
  if [[ -f $stem.$ext ]]; then cp "$stem.$ext" "$results_dir/latest.$ext"; fi
done
if [[ -n ${GITHUB_STEP_SUMMARY:-} && -f $stem.md ]]; then
  cat "$stem.md" >>"$GITHUB_STEP_SUMMARY"
fi
echo "storage-node.sh: reports: $stem.junit.xml, $stem.md${html_args[@]+, $stem.html} (exit $gate_code)"
exit "$gate_code"
