#!/usr/bin/env bash
# Builds the Debian package of feedbench: the binary, its man page, bash completion and changelog
# (not the tests), then CPack's DEB generator into OUT_DIR (default: the build directory). The
# package's Depends come from dpkg-shlibdeps on the binary; Recommends: fio, sysstat,
# libjs-chart.js (the HTML reports' charts). The last
# line printed is the package's path, OUT_DIR/feedbench_<version>_amd64.deb.
#
# Usage: ci/package.sh [OUT_DIR]
# Environment: FEEDBENCH_BUILD_DIR  the build directory (default build/ of this checkout; it is
#                                   configured when it has not been)
# Exit: 0 made, 1 the build or CPack failed (its log printed), 2 bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
if (($# > 1)); then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
build=${FEEDBENCH_BUILD_DIR:-build}
out=${1:-$build}
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$build/package.log
if ! nice -n 19 cmake --build "$build" -j"$(nproc)" \
  --target feedbench feedbench_docs feedbench_changelog >"$log" 2>&1 ||
  ! (cd "$build" && cpack -G DEB -B "$out") >>"$log" 2>&1; then
  cat "$log" >&2
  echo "ci/package.sh: building the package failed (log above, also in $log)" >&2
  exit 1
fi
rm -rf "$out/_CPack_Packages"
# CPack's last word: "CPack: - package: /path/feedbench_<version>_amd64.deb generated."
sed -n 's/^CPack: - package: \(.*\) generated\.$/\1/p' "$log" | tail -n 1
