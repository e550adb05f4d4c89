#!/usr/bin/env bash
# Installs every Debian package feedbench needs (idempotent, quiet when all are present), then
# configures and builds the feedbench binary into build/ (the tests and benchmarks are built by
# ci/test.sh, or by `cmake --build build`). Usage: ci/setup.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake g++ make pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev libbenchmark-tools python3 python3-scipy
  nlohmann-json3-dev libcli11-dev liblmdb-dev lmdb-utils libfmt-dev libxxhash-dev
  openmpi-bin libopenmpi-dev
  fio sysstat e2fsprogs util-linux libxml2-utils tar
  libjs-chart.js chromium
  clang libclang-rt-14-dev
  dpkg-dev file help2man lintian
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "ci/setup.sh: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
if ! cmake --build build -j"$(nproc)" --target feedbench >build/build.log 2>&1; then
  cat build/build.log >&2
  echo "ci/setup.sh: build failed (log above, also in build/build.log)" >&2
  exit 1
fi
