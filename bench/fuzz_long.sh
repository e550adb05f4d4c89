#!/usr/bin/env bash
# The longer fuzzing run whose figures bench/README.md ("Fuzzing") quotes: ci/fuzz.sh with SECONDS
# per target (default 300), its output kept in bench/fuzz_figures/<UTC stamp>.log with the commit
# and the machine's core count. Usage: bench/fuzz_long.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
mkdir -p bench/fuzz_figures
log=bench/fuzz_figures/$(date -u +%Y%m%dT%H%M%SZ).log
{
  echo "# bench/fuzz_long.sh $seconds $*"
  echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, $(clang++ --version | head -n 1)"
  ci/fuzz.sh "$seconds" "$@"
} 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo "bench/fuzz_long.sh: log in $log"
exit "$status"
