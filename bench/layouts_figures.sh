#!/usr/bin/env bash
# The figures of `feedbench layouts` on this node: the shipped layouts suite (40,000 samples
# around 16 KiB) compared in interleaved rounds twice with different order seeds (do two
# invocations reach the same ranking?), accelerators fed per layout for two shipped accelerator
# profiles, and the same comparison on larger samples (bench/suites/layouts-large.json).
# Each invocation's decision JSON, Markdown and HTML go to OUT_DIR; the terminal output to stdout.
# Usage: bench/layouts_figures.sh [FEEDBENCH] [OUT_DIR]
#   env: DATA_DIR (default /var/tmp/feedbench-layout-figures, removed at the end),
#        FILTER (the layouts compared; default one per layout, random order),
#        MAX_ROUNDS, TIME_BUDGET (of the two comparisons on the small dataset; default 10, 150 s)
set -euo pipefail
cd "$(dirname "$0")/.."
fb=${1:-build/feedbench}
out=${2:-bench/layout_figures}
data=${DATA_DIR:-/var/tmp/feedbench-layout-figures}
filter=${FILTER:-'^(files-random|lmdb-random|tmpfs-random|shards-random|records-random)$'}
max_rounds=${MAX_ROUNDS:-10}
time_budget=${TIME_BUDGET:-150}
mkdir -p "$out"
trap 'rm -rf "$data"' EXIT

step() { echo; echo "\$ $*"; "$@"; echo "exit $?"; }

for seed in 1 2; do
  step "$fb" layouts --filter "$filter" --seed "$seed" --data-dir "$data/small" --keep-data \
    --max-rounds "$max_rounds" --time-budget "$time_budget" \
    --out "$data/layouts-seed$seed-results.json" --json "$out/layouts-seed$seed.json" \
    --markdown "$out/layouts-seed$seed.md" --html "$out/layouts-seed$seed.html" \
    --allow-inconclusive || true
done
for accelerator in resnet50-h100 cosmoflow-h100; do
  # The rounds are short here (80% confidence from 4 rounds): the figure is the fed search.
  step "$fb" layouts --filter "$filter" --seed 3 --data-dir "$data/small" --keep-data \
    --repetitions 4 --max-rounds 4 --confidence 80 --allow-inconclusive \
    --accelerator "$accelerator" --max-accelerators 128 \
    --out "$data/fed-$accelerator-results.json" --json "$out/fed-$accelerator.json" || true
done
step "$fb" layouts --suite bench/suites/layouts-large.json --seed 1 --data-dir "$data/large" \
  --max-rounds 8 --time-budget 60 \
  --out "$data/layouts-large-results.json" --json "$out/layouts-large.json" \
  --markdown "$out/layouts-large.md" --allow-inconclusive || true
