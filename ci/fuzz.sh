#!/usr/bin/env bash
# Builds feedbench's libFuzzer targets (fuzz/, clang with -DFEEDBENCH_FUZZ=ON) into build-fuzz/ and
# runs each for SECONDS (default 30) on a scratch copy of its seed corpus, so nothing is written
# into the repository. Prints per target the executions and coverage (libFuzzer's cov: and ft:)
# and exits 1 on any crash, leak, timeout or out-of-memory, naming the reproducer, which is kept
# under build-fuzz/artifacts/<target>/.
# Usage: ci/fuzz.sh [SECONDS] [TARGET...]    (FUZZ_BUILD_DIR overrides build-fuzz/)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-30}
shift || true
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "ci/fuzz.sh: SECONDS must be a whole number above 0, got '$seconds'" >&2
  exit 2
fi
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

# Seeds of each target: files and folders of the repository (copied, never fuzzed in place).
declare -A seeds=(
  [diskstats_fuzz]="tests/fixtures/diskstats"
  [suite_fuzz]="workloads/suites bench/suites"
  [dataset_spec_fuzz]="fuzz/corpus/dataset_spec"
  [dataset_manifest_fuzz]="fuzz/corpus/dataset_manifest"
  [results_fuzz]="tests/fixtures/results tests/fixtures/gate/current.json tests/fixtures/gate/rerun.json fuzz/corpus/results_fuzz"
  [baseline_fuzz]="tests/fixtures/gate/baseline.json tests/fixtures/gate/baseline_run1.json tests/fixtures/gate/baseline_run2.json tests/fixtures/gate/baseline_run3.json fuzz/corpus/baseline_fuzz"
  [fio_output_fuzz]="tests/fixtures/fio/fio-3.33-seq-read.json tests/fixtures/fio/fio-3.33-rand-read-4k-qd32.json tests/fixtures/fio/fio-3.33-rand-read-4k-qd1.json tests/fixtures/fio/fio-3.33-smallfile.json tests/fixtures/fio/fio-3.33-job-error.json"
  [units_fuzz]="fuzz/corpus/units"
  [fio_job_fuzz]="tests/fixtures/fio/fio-3.33-seq-read.fio tests/fixtures/fio/fio-3.33-rand-read-4k-qd32.fio tests/fixtures/fio/fio-3.33-rand-read-4k-qd1.fio tests/fixtures/fio/fio-3.33-smallfile.fio tests/fixtures/fio/fio-3.33-job-error.fio"
)
declare -A dicts=(
  [suite_fuzz]=json [dataset_spec_fuzz]=json [dataset_manifest_fuzz]=json [results_fuzz]=json
  [baseline_fuzz]=json [fio_output_fuzz]=json [units_fuzz]=units [fio_job_fuzz]=fio_job
)
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(diskstats_fuzz suite_fuzz dataset_spec_fuzz dataset_manifest_fuzz results_fuzz
           baseline_fuzz fio_output_fuzz units_fuzz fio_job_fuzz)
fi

start=$SECONDS
if ! command -v clang++ >/dev/null; then
  echo "ci/fuzz.sh: clang++ not found; ci/setup.sh installs clang-14 and libclang-rt-14-dev" >&2
  exit 3
fi
mkdir -p "$build"
if ! cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
      -DFEEDBENCH_FUZZ=ON >"$build/configure.log" 2>&1 ||
   ! nice -n 19 cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >"$build/build.log" 2>&1; then
  cat "$build/configure.log" "$build/build.log" >&2
  echo "ci/fuzz.sh: configuring or building the fuzz targets failed (logs above, in $build)" >&2
  exit 1
fi
echo "ci/fuzz.sh: built ${#targets[@]} targets in $((SECONDS - start)) s; ${seconds} s each"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/feedbench-fuzz-run.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
failed=0
printf '%-22s %12s %8s %8s %8s  %s\n' target executions exec/s cov ft result
for t in "${targets[@]}"; do
  corpus=$scratch/$t/corpus
  artifacts=$build/artifacts/$t
  mkdir -p "$corpus" "$scratch/$t/tmp" "$artifacts"
  for s in ${seeds[$t]}; do
    if [[ -d $s ]]; then
      find "$s" -maxdepth 1 -type f ! -name README.md ! -name '*.py' -exec cp -t "$corpus" {} +
    elif [[ -f $s ]]; then
      cp "$s" "$corpus/"
    fi
  done
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  [[ -n ${dicts[$t]:-} ]] && args+=(-dict="$root/fuzz/dict/${dicts[$t]}.dict")
  log=$build/$t.log
  # TMPDIR: the target's scratch files (fuzz_support.h) go under this run's scratch folder.
  TMPDIR=$scratch/$t/tmp "$build/fuzz/$t" "${args[@]}" "$corpus" >"$log" 2>&1
  rc=$?
  execs=$(grep -oP 'stat::number_of_executed_units:\s+\K[0-9]+' "$log" | tail -n 1)
  rate=$(grep -oP 'stat::average_exec_per_sec:\s+\K[0-9]+' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -n 1)
  cov=$(grep -oP 'cov: \K[0-9]+' <<<"$last")
  ft=$(grep -oP 'ft: \K[0-9]+' <<<"$last")
  result=ok
  if ((rc != 0)); then
    failed=1
    repro=$(grep -oP '(Test unit written to|artifact_prefix.*; Test unit written to) \K\S+' "$log" | tail -n 1)
    kind=$(grep -oP 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer): \K[a-zA-Z-]+' "$log" | head -n 1)
    [[ -z $kind ]] && grep -q 'runtime error:' "$log" && kind=undefined-behaviour
    [[ -z $kind ]] && grep -q 'feedbench fuzz:' "$log" && kind=$(grep -m1 -oP 'feedbench fuzz: \K.*' "$log")
    result="FAILED (${kind:-exit $rc}) reproducer: ${repro:-none written}; log: $log"
  fi
  printf '%-22s %12s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
echo "ci/fuzz.sh: ${#targets[@]} targets, ${seconds} s each, $((SECONDS - start)) s in all"
if ((failed)); then
  echo "ci/fuzz.sh: a target failed; rerun one input with: $build/fuzz/<target> <reproducer>" >&2
  exit 1
fi
