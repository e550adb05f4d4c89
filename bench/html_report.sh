#!/usr/bin/env bash
# Figures of the HTML reports: the size of each kind of report from the test fixtures, and a
# 1-hour monitor sampled every 100 ms (36,000 rows per device, bench/monitor_json_gen.py): the
# time `feedbench report` takes to write it, its size, and the time headless Chromium takes to
# load it and draw every chart (a probe in a copy of the page stamps the time when the last chart
# has drawn, from navigation start). Prints one line per figure; log: bench/html_report.log.
#
# Usage: bench/html_report.sh [FEEDBENCH]   (default build/feedbench)
set -euo pipefail
cd "$(dirname "$0")/.."
feedbench=${1:-build/feedbench}
scratch=$(mktemp -d /dev/shm/feedbench-html-bench-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
fixtures=tests/fixtures/html

echo "feedbench $("$feedbench" --version | cut -d' ' -f2); $(chromium --version 2>/dev/null | head -1); $(nproc) CPUs"
for kind in monitor_real monitor_phases cand comparison qualification; do
  "$feedbench" report "$fixtures/$kind.json" --html "$scratch/$kind.html" >/dev/null
  printf 'size %-16s %8d bytes (input %d bytes)\n' "$kind" "$(stat -c %s "$scratch/$kind.html")" \
    "$(stat -c %s "$fixtures/$kind.json")"
done
lib=$(stat -c %s /usr/share/javascript/chart.js/chart.min.js)
echo "of which Chart.js (chart.min.js, inlined): $lib bytes"

python3 bench/monitor_json_gen.py "$scratch/hour.json" --seconds 3600 --interval-ms 100 \
  --devices vda --gpus 2 --log-every-sec 5
echo "1-hour monitor at 100 ms: $(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['rows']), 'rows,', len(d['log']), 'log lines,', len(d['accelerator']['rows']), 'accelerator rows')" "$scratch/hour.json"); $(stat -c %s "$scratch/hour.json") bytes"
for i in 1 2 3; do
  start=$(date +%s.%N)
  "$feedbench" report "$scratch/hour.json" --html "$scratch/hour.html" >/dev/null
  end=$(date +%s.%N)
  printf 'feedbench report (run %d): %.2f s\n' "$i" "$(echo "$end - $start" | bc)"
done
echo "HTML of the 1-hour monitor: $(stat -c %s "$scratch/hour.html") bytes"

# The probe: when every canvas holds its chart, the time since navigation start.
python3 - "$scratch/hour.html" "$scratch/probed.html" <<'PY'
import sys
html = open(sys.argv[1]).read()
probe = """<script>
window.addEventListener('load', () => {
  const t = performance.now();
  const n = document.querySelectorAll('canvas').length;
  const drawn = Array.from(document.querySelectorAll('canvas')).filter((c) => Chart.getChart(c)).length;
  const p = document.createElement('pre');
  p.textContent = 'PROBE' + JSON.stringify({load_ms: Math.round(t), canvases: n, drawn: drawn}) + 'PROBE';
  document.body.appendChild(p);
});
</script>"""
i = html.rfind("</body>")
open(sys.argv[2], "w").write(html[:i] + probe + html[i:])
PY
for i in 1 2 3; do
  profile=$(mktemp -d "$scratch/profile-XXXXXX")
  start=$(date +%s.%N)
  out=$(timeout -k 5 300 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$profile" --window-size=1400,3000 \
    --virtual-time-budget=60000 --dump-dom "file://$scratch/probed.html" 2>/dev/null |
    grep -o 'PROBE{[^}]*}PROBE' || true)
  end=$(date +%s.%N)
  printf 'chromium load and draw (run %d): %s; wall time of the whole chromium process %.2f s\n' \
    "$i" "${out:-no probe report}" "$(echo "$end - $start" | bc)"
  rm -rf "$profile"
done
