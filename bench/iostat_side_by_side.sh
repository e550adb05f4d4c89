#!/usr/bin/env bash
# The same window seen by `feedbench monitor --csv` and by sysstat's `iostat -x -y`, side by side.
#
# Makes an ext4 on a loop device, starts a steady rate-limited O_DIRECT read of a file there with
# fio, then runs `feedbench monitor --device loopN --interval-ms 1000 --csv F` and
# `iostat -x -y -d -o JSON loopN 1 N` over the same N seconds and prints each interval's figures
# from both, and their means. Root only; cleans up the mount, the loop device and the image.
#
#   sudo bench/iostat_side_by_side.sh [SECONDS] [RATE]        (defaults: 10, 40m)
#
# Expect agreement within about 1% per interval, not exactly: iostat measures its interval from
# /proc/uptime in 1/100 s (10 ms in 1000 ms), feedbench from the monotonic clock in ns, and the two
# processes start a few ms apart, so each interval covers a slightly different stretch of I/O.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rate=${2:-40m}
binary=${FEEDBENCH_BINARY:-build/feedbench}

[[ $(id -u) -eq 0 ]] || { echo "needs root (loop device, mount)" >&2; exit 3; }
for tool in fio iostat losetup mkfs.ext4 /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 3; }
done
[[ -x $binary ]] || { echo "build $binary first (cmake --build build --target feedbench)" >&2; exit 3; }

work=$(mktemp -d /var/tmp/feedbench-side-by-side-XXXXXX)
device=""
mounted=""
fio_pid=""
cleanup() {
  set +e  # undo every step that was done, whatever fails
  if [[ -n $fio_pid ]]; then kill "$fio_pid" 2>/dev/null; wait "$fio_pid" 2>/dev/null; fi
  if [[ -n $mounted ]]; then umount "$work/mnt" || umount -l "$work/mnt"; fi
  if [[ -n $device ]]; then losetup -d "$device"; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/mnt"
truncate -s 512M "$work/image.ext4"
device=$(losetup --find --show "$work/image.ext4")
name=$(basename "$device")
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$device"
mount -t ext4 "$device" "$work/mnt"
mounted=1
dd if=/dev/urandom of="$work/mnt/data.bin" bs=1M count=256 status=none
sync

# A steady read: fio's rate limit, O_DIRECT, 128 KiB requests, wrapping around the 256 MiB file.
fio --name=steady --filename="$work/mnt/data.bin" --rw=read --bs=128k --direct=1 \
  --ioengine=psync --rate="$rate" --time_based --runtime=$((seconds + 5)) \
  --output="$work/fio.txt" &
fio_pid=$!
sleep 2  # past fio's start-up

iostat -x -y -d -o JSON "$name" 1 "$seconds" >"$work/iostat.json" &
iostat_pid=$!
"$binary" monitor --device "$name" --interval-ms 1000 --duration "$seconds.5" \
  --csv "$work/feedbench.csv" >/dev/null &
monitor_pid=$!
wait "$iostat_pid" "$monitor_pid"

echo "loop device $name under fio --rw=read --bs=128k --direct=1 --rate=$rate; $seconds x 1 s"
echo "commands: feedbench monitor --device $name --interval-ms 1000 --csv F"
echo "          iostat -x -y -d -o JSON $name 1 $seconds"
/usr/bin/python3 - "$work/feedbench.csv" "$work/iostat.json" "$name" <<'PY'
import csv, json, sys
csv_path, iostat_path, name = sys.argv[1:4]
fb = [row for row in csv.DictReader(open(csv_path)) if row["device"] == name]
stats = json.load(open(iostat_path))["sysstat"]["hosts"][0]["statistics"]
io = [next(d for d in s["disk"] if d["disk_device"] == name) for s in stats]
cols = [("r/s", "r/s"), ("rkB/s", "rkB/s"), ("r_await", "r_await"), ("rareq-sz", "rareq-sz"),
        ("aqu-sz", "aqu-sz"), ("%util", "util")]
n = min(len(fb), len(io))
head = "  #  feedbench timestamp       " + "".join(f"{c:>22}" for c, _ in cols)
print(head)
print(" " * 30 + "".join(f"{'feedbench':>11}{'iostat':>11}" for _ in cols))
for i in range(n):
    cells = "".join(f"{float(fb[i][c]):>11.2f}{float(io[i][k]):>11.2f}" for c, k in cols)
    print(f"{i + 1:>3}  {fb[i]['timestamp']:<26}{cells}")
means = []
for c, k in cols:
    a = sum(float(r[c]) for r in fb[:n]) / n
    b = sum(float(r[k]) for r in io[:n]) / n
    means.append((a, b))
print(f"{'mean':>5}" + " " * 25 + "".join(f"{a:>11.2f}{b:>11.2f}" for a, b in means))
print(f"{'diff':>5}" + " " * 25 + "".join(
    f"{(100 * (a - b) / b if b else 0.0):>21.2f}%" for a, b in means))
PY
