#!/usr/bin/env bash
# fio's ceiling through `feedbench fio --clients` on this one node: one fio on its own
# (`feedbench fio`) against 1 and 2 fio servers on 127.0.0.1, each server reading a test file of
# its own on the same disk, for the cost of the client/server path and what the aggregate adds up
# to when the servers share one device. Loopback only; the servers are stopped at the end.
# Usage: bench/fio_clients.sh [FEEDBENCH] [OUT_DIR]
#   PROFILE, SIZE, RUNTIME_S, REPETITIONS override the defaults below. Needs fio, jq, python3 (for
#   a free port). The log line per case: the median aggregate over the repetitions, and the first
#   repetition's figures per server.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-build/feedbench}
out_dir=${2:-bench/fio_clients_figures}
profile=${PROFILE:-rand-read-4k-qd32}
size=${SIZE:-256MiB}
runtime=${RUNTIME_S:-5}
reps=${REPETITIONS:-3}
command -v fio >/dev/null || { echo "fio not found: apt-get install fio" >&2; exit 3; }
command -v jq >/dev/null || { echo "jq not found: apt-get install jq" >&2; exit 3; }
mkdir -p "$out_dir"
work=$(mktemp -d /var/tmp/feedbench-fio-clients-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
log=$out_dir/fio_clients.log
echo "# $(date -u +%FT%TZ) $profile, $size test file per server, ${runtime} s, $reps repetitions; $("$binary" --version); $(fio --version)" | tee -a "$log"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ports=()
for i in 1 2; do
  port=$(free_port)
  fio --server=ip:127.0.0.1,"$port" >"$work/server$i.log" 2>&1 &
  pids+=($!)
  ports+=("$port")
done
sleep 1
summary() {  # median aggregate MiB/s and IOPS over the repetitions, and per server when there are
  jq -r --arg p "$profile" '
    [.benchmarks[] | select(.run_type == "iteration" and (.run_name | split("/")[0]) == $p)] as $r
    | ($r | map(.bytes_per_second) | sort | .[(length / 2 | floor)]) as $bw
    | ($r | map(.iops) | sort | .[(length / 2 | floor)]) as $iops
    | "aggregate \($bw / 1048576 | . * 10 | round / 10) MiB/s, \($iops | round) IOPS"
      + (if .context.feedbench.fio_clients then
           " | per server: " + ([.context.feedbench.fio_clients.workloads[$p][0].servers[]
             | "\(.server) \(.bytes_per_second / 1048576 | . * 10 | round / 10) MiB/s"] | join(", "))
         else "" end)' "$1"
}
"$binary" fio --profile "$profile" --size "$size" --runtime-s "$runtime" --ramp-s 1 \
  --repetitions "$reps" --data-dir "$work/local" --quiet --out "$work/local.json" >/dev/null
echo "one fio on this node (feedbench fio):  $(summary "$work/local.json")" | tee -a "$log"
for n in 1 2; do
  : >"$work/hosts$n.txt"
  for ((i = 0; i < n; i++)); do
    echo "127.0.0.1:${ports[$i]} $work/server$((i + 1))" >>"$work/hosts$n.txt"
  done
  "$binary" fio --clients "$work/hosts$n.txt" --profile "$profile" --size "$size" \
    --runtime-s "$runtime" --ramp-s 1 --repetitions "$reps" --quiet --out "$work/clients$n.json" \
    >/dev/null
  echo "$n fio server(s) on 127.0.0.1 (--clients): $(summary "$work/clients$n.json")" | tee -a "$log"
done
