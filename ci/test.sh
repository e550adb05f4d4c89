#!/usr/bin/env bash
# The project's test command. Sets up and builds (ci/setup.sh), then runs four stages:
#   tests  the whole suite with ctest, in build/
#   asan   the suite again under AddressSanitizer + UndefinedBehaviorSanitizer + leaks
#          (ci/sanitize.sh asan, build-asan/), less the four longest tests: they spend 4-5 of
#          their minutes reading throttled loop devices through code the rest of the suite runs
#          (`ci/sanitize.sh asan` alone runs them too)
#   tsan   the threaded and signal-handling tests under ThreadSanitizer (ci/sanitize.sh tsan,
#          build-tsan/)
#   fuzz   every libFuzzer target for FEEDBENCH_FUZZ_SECONDS (default 30) each (ci/fuzz.sh,
#          build-fuzz/)
# Every stage runs even when an earlier one failed, so one run says everything; the exit status
# is 0 only when all of them passed. FEEDBENCH_TEST_STAGES picks stages ("tests asan" runs two).
# The last lines are one line per stage with its outcome and seconds, then the main suite's
# ctest summary ("N% tests passed, N tests failed out of N").
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
stages=${FEEDBENCH_TEST_STAGES:-tests asan tsan fuzz}
for s in $stages; do
  case "$s" in
    tests | asan | tsan | fuzz) ;;
    *)
      echo "ci/test.sh: FEEDBENCH_TEST_STAGES: unknown stage '$s' (expected tests, asan, tsan, fuzz)" >&2
      exit 2
      ;;
  esac
done

ci/check_layers.sh || exit 1
ci/setup.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
outcomes=()

run_stage() {  # name command...
  local name=$1 start rc
  shift
  echo
  echo "==== ci/test.sh: stage $name: $*"
  start=$(date +%s)
  "$@"
  rc=$?
  if ((rc == 0)); then
    outcomes+=("ci/test.sh: $name PASS ($(($(date +%s) - start)) s)")
  else
    outcomes+=("ci/test.sh: $name FAIL, exit $rc ($(($(date +%s) - start)) s)")
    status=1
  fi
}

# shellcheck disable=SC2317  # called through run_stage
main_suite() {
  if ! cmake --build build -j"$(nproc)" >build/build-tests.log 2>&1; then
    cat build/build-tests.log >&2
    echo "ci/test.sh: building the tests failed (log above, also in build/build-tests.log)" >&2
    return 1
  fi
  (cd build && ctest --output-on-failure --timeout 1200) 2>&1 | tee "$log"
  return "${PIPESTATUS[0]}"
}

asan_long='^(GateEndToEnd\.ThrottledLoopDeviceRegressesAndRecoveryPasses|QualifyCommand\.ReferenceMetAndAReferenceOutOfReachIsBelow|ReadmeCommandsTest\.EveryCommandRunsAsWritten|ProbeOnThrottledLoopDevice\.BoundsEveryRepetitionOfTheReaderItStandsBeside)$'
for s in $stages; do
  case "$s" in
    tests) run_stage tests main_suite ;;
    asan) run_stage asan ci/sanitize.sh asan -E "$asan_long" ;;
    tsan) run_stage tsan ci/sanitize.sh tsan ;;
    fuzz) run_stage fuzz ci/fuzz.sh "${FEEDBENCH_FUZZ_SECONDS:-30}" ;;
  esac
done

echo
printf '%s\n' "${outcomes[@]}"
if [[ " $stages " == *" tests "* ]]; then
  summary=$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1)
  echo "${summary:-ctest printed no summary}"
fi
exit "$status"
