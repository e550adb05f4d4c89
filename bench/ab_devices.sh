#!/usr/bin/env bash
# `feedbench ab` on two block devices of this node: the same suite read from the node's disk (A,
# the data directory on the filesystem under /var/tmp) and from an ext4 filesystem on a loop
# device (B). Two comparisons:
#   ram   B's loop device is backed by a file in /dev/shm: a device much faster than the disk
#         (what qualifying a new NVMe drive beside an old one looks like);
#   disk  B's loop device is backed by a file on the same disk: one more block layer (the loop
#         driver, a second filesystem) between the reader and the same disk.
# Each comparison's decision goes to OUT_DIR as JSON and Markdown; the terminal output to stdout.
# Run as root (loop devices, mounts, drop_caches). Everything made is removed on exit, also on
# failure or interrupt.
# Usage: bench/ab_devices.sh [FEEDBENCH] [OUT_DIR]
#   env: SUITE (default smoke), FILTER (default '^(files-random|lmdb-sequential)$'),
#        LOOP_MIB (size of each loop device, default 3072), MAX_ROUNDS (default 8),
#        WORK (default /var/tmp/feedbench-ab-devices)
set -euo pipefail
cd "$(dirname "$0")/.."
fb=$(realpath "${1:-build/feedbench}")
out=${2:-bench/ab_figures}
suite=${SUITE:-smoke}
filter=${FILTER:-'^(files-random|lmdb-sequential)$'}
loop_mib=${LOOP_MIB:-3072}
max_rounds=${MAX_ROUNDS:-8}
work=${WORK:-/var/tmp/feedbench-ab-devices}
shm_img=/dev/shm/feedbench-ab-devices.img
[ "$(id -u)" -eq 0 ] || { echo "ab_devices.sh: run as root (loop devices, mounts)" >&2; exit 3; }
mkdir -p "$out" "$work"
loops=()
cleanup() {
  set +e
  for m in "$work"/mnt-*; do mountpoint -q "$m" && umount "$m"; done
  for l in "${loops[@]}"; do losetup -d "$l"; done
  rm -rf "$work" "$shm_img"
}
trap cleanup EXIT

# An ext4 filesystem on a loop device over IMAGE, mounted at $work/mnt-NAME (not in a subshell:
# the device must reach `loops` for the cleanup).
make_loop_fs() {
  local name=$1 image=$2
  truncate -s "${loop_mib}M" "$image"
  mkfs.ext4 -q -F "$image"
  local dev
  dev=$(losetup --find --show "$image")
  loops+=("$dev")
  mkdir -p "$work/mnt-$name"
  mount "$dev" "$work/mnt-$name"
}

step() { echo; echo "\$ $*"; "$@"; echo "exit $?"; }

make_loop_fs ram "$shm_img"
make_loop_fs disk "$work/disk.img"
echo "A: $work/a on $(findmnt -no SOURCE --target "$work"); B (ram): $work/mnt-ram on ${loops[0]} over $shm_img; B (disk): $work/mnt-disk on ${loops[1]} over $work/disk.img"

for b in ram disk; do
  mnt=$work/mnt-$b
  step "$fb" ab --suite "$suite" --filter "$filter" --seed 1 \
    --data-dir "$work/a" --b-data-dir "$mnt/data" --keep-data --max-rounds "$max_rounds" \
    --out "$work/ab-$b-a.json" --b-out "$work/ab-$b-b.json" \
    --json "$out/ab-$b.json" --markdown "$out/ab-$b.md" --allow-inconclusive || true
done
