#!/usr/bin/env bash
# The project's test command: set up, build, run the whole suite. ctest's summary is the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
cmake --build build -j"$(nproc)"  >/dev/null
cd build
exec ctest --output-on-failure --timeout 1200
