#!/usr/bin/env bash
# Builds feedbench with sanitizers and runs its tests under them. Any sanitizer report ends the
# process that made it (-fno-sanitize-recover=all, halt_on_error), so the test fails.
#
#   ci/sanitize.sh asan [ctest args...]   AddressSanitizer + UndefinedBehaviorSanitizer (and
#                                         LeakSanitizer), the whole test suite, in build-asan/
#   ci/sanitize.sh tsan [ctest args...]   ThreadSanitizer, the tests of the threaded parts, in
#                                         build-tsan/
#
# Extra arguments go to ctest (e.g. -R Sampler, -E RealFio). FEEDBENCH_SANITIZE_BUILD_DIR puts the
# build elsewhere (a tmpfs, say). Prints the summary line and the time taken (build + tests);
# exits non-zero when the build or any test fails.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

mode=${1:-}
case "$mode" in
  asan)
    sanitize=address,undefined
    # Every test: the whole suite is cheap enough under ASan (about 2x slower, 3x the memory).
    regex=''
    targets=(all)
    ;;
  tsan)
    sanitize=thread
    # The tests that run more than one thread or handle signals; the rest of the suite is single
    # threaded and would only cost time under ThreadSanitizer (5-15x slower):
    #   FakeDiskstatsTest, DiskstatsReader, SamplerOnLoopDevice  the diskstats sampler's thread
    #   SampledWindow                  the sampler around a unit of work, its errors and notes
    #   Reader, ReaderMeasurement      reader workers, the prefetch queue, the consumer
    #   EnsureDataset, VerifyDataset   the dataset's generation and verification thread pools
    #   TmpfsStaging, StagingReclaim   the staging copy pool and its SIGINT/SIGTERM handler
    #   InterruptScope                 the deferred-signal scope (a handler and lock-free atomics)
    #   ChildProcess, ProgramOutput    spawning under a blocked signal mask, timeouts, reaping
    #   OutputRelay                    a child's two pipes and a log file read on a thread of its own
    #   AcceleratorSampler             nvidia-smi queried on a thread of its own, stopped mid-query
    #   Monitor, MonitorMarks,         `feedbench monitor`: its signal-blocking loop, spawned, with
    #   MonitorLog, MonitorAccelerator   the relay, the accelerator and the sampler's threads
    #   RunSuite, SuiteSession         a suite in-process: sampler, readers and progress together
    #   RunCommandTest                 `feedbench run` end to end (spawned), interrupts included
    regex='^(FakeDiskstatsTest|DiskstatsReader|SamplerOnLoopDevice|SampledWindow|Reader|ReaderMeasurement|EnsureDataset|VerifyDataset|TmpfsStaging|StagingReclaim|InterruptScope|ChildProcess|ProgramOutput|OutputRelay|AcceleratorSampler|Monitor|MonitorMarks|MonitorLog|MonitorAccelerator|RunSuite|SuiteSession|RunCommandTest)\.'
    # Only the test programs holding those suites are built (fio_test holds a ChildProcess suite).
    targets=(feedbench sampler_test sampled_window_test reader_test reader_workload_test
      dataset_dir_test tmpfs_staging_test interrupt_test child_process_test output_relay_test
      accelerator_test fio_test monitor_test
      suite_run_test run_command_test)
    ;;
  *)
    echo "usage: ci/sanitize.sh asan|tsan [ctest args...]" >&2
    echo "ci/sanitize.sh: the mode must be asan (Address+UndefinedBehavior) or tsan (Thread)," \
      "not '${mode}'" >&2
    exit 2
    ;;
esac
shift

build=${FEEDBENCH_SANITIZE_BUILD_DIR:-$root/build-$mode}
start=$(date +%s)

# Options for every sanitized process, the spawned feedbench binaries included (they inherit the
# environment). UBSan's reports end the process (halt_on_error with -fno-sanitize-recover).
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:abort_on_error=0"
export LSAN_OPTIONS="suppressions=$root/ci/lsan.supp:print_suppressions=0"
# Ranks that mpirun starts (the README's and the MPI tests' commands) get LeakSanitizer's slow
# unwinder: Open MPI's libraries lack frame pointers, and its leaks (ci/lsan.supp) are named only
# through full stacks. Open MPI sets the variables of this list in every rank's environment.
export OMPI_MCA_mca_base_env_list="LSAN_OPTIONS=$LSAN_OPTIONS:fast_unwind_on_malloc=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/ci/tsan.supp:print_suppressions=0"

# The sanitizer runtimes come with g++ (libasan, libubsan, liblsan, libtsan); the other packages
# are ci/setup.sh's.
mkdir -p "$build"
if ! cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DFEEDBENCH_SANITIZE="$sanitize" \
    >"$build/configure.log" 2>&1; then
  cat "$build/configure.log" >&2
  echo "ci/sanitize.sh: configuring $build failed (log above; ci/setup.sh installs the packages)" >&2
  exit 1
fi
if ! cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >"$build/build.log" 2>&1; then
  tail -n 60 "$build/build.log" >&2
  echo "ci/sanitize.sh: building ($mode) failed (log above, also in $build/build.log)" >&2
  exit 1
fi
built=$(date +%s)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
args=(--output-on-failure --timeout 1800)
[[ -n "$regex" ]] && args+=(-R "$regex")
(cd "$build" && ctest "${args[@]}" "$@") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
end=$(date +%s)

summary=$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1)
reports=$(grep -cE '^(==[0-9]+==ERROR: |WARNING: ThreadSanitizer|SUMMARY: (Address|Leak|Thread|UndefinedBehavior)Sanitizer)|runtime error: ' "$log")
echo
echo "ci/sanitize.sh $mode: ${summary:-ctest printed no summary}; sanitizer report lines: $reports"
echo "ci/sanitize.sh $mode: build $((built - start)) s, tests $((end - built)) s, total $((end - start)) s"
if [[ $status -eq 0 && $reports -ne 0 ]]; then
  echo "ci/sanitize.sh $mode: a sanitizer reported although ctest passed (output above)" >&2
  status=1
fi
exit "$status"
