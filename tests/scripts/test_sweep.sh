#!/usr/bin/env bash
# scripts/sweep on a tiny scenario: one CSV row per point, in order, every point
# golden-matched, and a memory-bound layer gets faster with more DRAM bandwidth.
set -euo pipefail
flexcim=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/tiny.yaml" <<'YAML'
name: tiny
workload:
  layers: [{name: a, in: 1024, out: 256}]
  tokens: 4
YAML
python3 "$root/scripts/sweep" "$dir/tiny.yaml" --flexcim "$flexcim" --out "$dir/out" \
  --param platform.dram.bandwidth_gbps=12.8,51.2 --param platform.accelerator.macros=2,4 >/dev/null
python3 - "$dir/out/sweep.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4, rows
assert [(r["platform.dram.bandwidth_gbps"], r["platform.accelerator.macros"]) for r in rows] == \
    [("12.8", "2"), ("12.8", "4"), ("51.2", "2"), ("51.2", "4")], rows
assert all(r["golden_match"] == "True" for r in rows), rows
slow, fast = int(rows[0]["cycles"]), int(rows[2]["cycles"])
assert fast < slow / 2, (slow, fast)
PY
# Bad arguments are refused with exit status 2.
if python3 "$root/scripts/sweep" "$dir/tiny.yaml" --flexcim "$flexcim" --param nonsense 2>/dev/null; then exit 1; fi
status=0; python3 "$root/scripts/sweep" "$dir/tiny.yaml" --flexcim "$flexcim" --param nonsense 2>/dev/null || status=$?
[ "$status" -eq 2 ]
# A failing point is a row with its error; the sweep goes on and exits 1.
status=0
python3 "$root/scripts/sweep" "$dir/tiny.yaml" --flexcim "$flexcim" --out "$dir/fail" \
  --param platform.accelerator.macros=0,2 >/dev/null || status=$?
[ "$status" -eq 1 ]
python3 - "$dir/fail/sweep.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["platform.accelerator.macros"] for r in rows] == ["0", "2"], rows
assert "platform.accelerator.macros" in rows[0]["error"] and "out of range" in rows[0]["error"], rows[0]
assert rows[0]["cycles"] == "" and rows[0]["golden_match"] == "", rows[0]
assert rows[1]["error"] == "" and rows[1]["golden_match"] == "True" and int(rows[1]["cycles"]) > 0, rows[1]
PY
echo "sweep ok"
