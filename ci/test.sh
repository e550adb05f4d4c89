#!/usr/bin/env bash
# The project's test command: set up, build, run the whole suite with ctest. ctest's summary line
# ("N% tests passed, N tests failed out of N") is repeated as the last line printed, after the list
# of skipped tests ctest prints below it.
set -uo pipefail
cd "$(dirname "$0")/.."
ci/check_layers.sh || exit 1
ci/setup.sh || exit 1
if ! cmake --build build -j"$(nproc)" >build/build-tests.log 2>&1; then
  cat build/build-tests.log >&2
  echo "ci/test.sh: building the tests failed (log above, also in build/build-tests.log)" >&2
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
(cd build && ctest --output-on-failure --timeout 1200) 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1)
echo
echo "${summary:-ctest printed no summary}"
exit "$status"
