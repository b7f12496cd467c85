#!/usr/bin/env bash
# flexcim report on a run (with a roofline), a compare and a sweep folder: report.md
# names only files that exist, the PNGs are PNGs, a folder without results is refused.
set -euo pipefail
flexcim=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
cat > tiny.yaml <<'YAML'
name: tiny
workload:
  layers: [{name: a, in: 300, out: 130}, {name: b, in: 172, out: 64, pattern: "2:4"}]
  tokens: 3
YAML
printf 'scenario: tiny.yaml\ngrid: {platform.accelerator.macros: [2, 4], platform.dram.bandwidth_gbps: [12.8, 51.2]}\n' > sweep.yaml
"$flexcim" run tiny.yaml --out run >/dev/null
"$flexcim" compare tiny.yaml --out cmp >/dev/null
"$flexcim" sweep sweep.yaml --out sw -j 2 -q >/dev/null
for d in run cmp sw; do
  "$flexcim" report "$d" >/dev/null
  python3 - "$d" <<'PY'
import os, re, sys
d = sys.argv[1]
md = open(os.path.join(d, "report.md")).read()
refs = re.findall(r"\]\(([^)]+)\)", md)
assert refs, md
for r in refs:
    path = os.path.join(d, r)
    assert os.path.isfile(path), f"report.md names {r}, which does not exist"
    if r.endswith(".png"):
        assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n", r
pngs = [r for r in refs if r.endswith(".png")]
expected = {"run": {"layers.png", "nm_per_block.png", "roofline.png"}, "cmp": {"compare.png"}, "sw": {"pareto.png"}}
assert set(pngs) == expected[d], (d, pngs)
if d == "run":
    assert "| a |" in md and "| b |" in md and ("DRAM |" in md or "compute |" in md), md
if d == "sw":
    assert "Pareto front" in md and md.count("| ok |") == 4, md
PY
done
status=0; "$flexcim" report "$dir" 2>err || status=$?
[ "$status" -eq 2 ] && [ "$(wc -l < err)" -eq 1 ] && grep -q "no stats.json" err
echo "report ok"
