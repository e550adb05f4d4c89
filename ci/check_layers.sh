#!/usr/bin/env bash
# Prints the folder-level include graph of feedbench's sources and fails (exit 1) on an include of
# a layer above the including one, or on a cycle between folders. The order of the layers is the
# README's folder map; the CMake targets (cmake/layers.cmake) enforce the same rule at build time.
# Usage: ci/check_layers.sh [--quiet]
set -euo pipefail
cd "$(dirname "$0")/.."

# Bottom to top. A folder may include itself and any folder listed before it, except the two
# workload kinds, which are siblings and may not include each other.
layers=(harness/base harness/os harness/measure workloads/dataset workloads/reader workloads/fio
        harness/suite harness/results harness/gate harness/report harness/cli)
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
siblings="workloads/reader workloads/fio"

quiet=false
[[ ${1:-} == --quiet ]] && quiet=true

declare -A edges  # "from to" -> count
bad=()
for from in "${layers[@]}"; do
  [[ -d $from ]] || { bad+=("missing folder $from"); continue; }
  while IFS= read -r line; do
    file=${line%%:*}
    inc=${line#*\"}
    inc=${inc%%\"*}
    to=${inc%/*}
    [[ $to == "$from" ]] && continue
    edges["$from $to"]=$(( ${edges["$from $to"]:-0} + 1 ))
    if [[ -z ${rank[$to]+x} ]]; then
      bad+=("$file includes $inc: $to is not a layer")
    elif (( rank[$to] > rank[$from] )); then
      bad+=("$file includes $inc: $to is above $from")
    elif [[ " $siblings " == *" $from "* && " $siblings " == *" $to "* ]]; then
      bad+=("$file includes $inc: $from and $to are sibling workload kinds")
    fi
  done < <(grep -HE '^#include "(harness|workloads)/' "$from"/*.h "$from"/*.cc 2>/dev/null || true)
done
# Anything outside the layers that is still compiled in: a source file at a folder's top level.
for stray in harness/*.h harness/*.cc workloads/*.h workloads/*.cc; do
  [[ -e $stray ]] && bad+=("$stray is outside every layer folder")
done

if ! $quiet; then
  echo "folder include graph (from -> to: includes):"
  for from in "${layers[@]}"; do
    for to in "${layers[@]}"; do
      [[ -n ${edges["$from $to"]:-} ]] && printf '  %-18s -> %-18s %3d\n' "$from" "$to" "${edges["$from $to"]}"
    done
  done
fi
if ((${#bad[@]})); then
  printf 'ci/check_layers.sh: %s\n' "${bad[@]}" >&2
  echo "ci/check_layers.sh: ${#bad[@]} include(s) break the layering (see README, Folders)" >&2
  exit 1
fi
$quiet || echo "ci/check_layers.sh: ok: ${#layers[@]} layers, no upward include, no cycle"
