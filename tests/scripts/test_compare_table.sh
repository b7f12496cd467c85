#!/usr/bin/env bash
# scripts/compare-table on a tiny scenario: one Markdown row whose figures are
# those of the compare.json it ran, the fixed pattern in the header; --from
# re-reads the files without running anything.
set -euo pipefail
flexcim=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/tiny.yaml" <<'YAML'
name: tiny
platform:
  accelerator:
    fixed_pattern: "1:4"
workload:
  tokens: 4
  layers:
    - {name: a, in: 512, out: 64, pattern: "1:8"}
    - {name: b, in: 256, out: 64, pattern: "2:4"}
YAML
python3 "$root/scripts/compare-table" "$dir/tiny.yaml" --flexcim "$flexcim" --out "$dir/out" > "$dir/table.md"
python3 "$root/scripts/compare-table" "$dir/tiny.yaml" --from "$dir/out" > "$dir/again.md"
cmp "$dir/table.md" "$dir/again.md"
python3 - "$dir/table.md" "$dir/out/tiny/compare.json" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
c = json.load(open(sys.argv[2]))
assert len(lines) == 3, lines
assert "fixed 1:4, own model" in lines[0], lines[0]
cells = [x.strip() for x in lines[2].strip("|").split("|")]
flex = next(a for a in c["architectures"] if a["name"] == "flexcim")
assert cells[0] == "tiny" and cells[1] == str(flex["cycles"]), cells
r = c["ratios"]["fixed-nm-1:4-own"]
assert cells[6] == f"{r['latency']:.2f}x / {r['energy']:.2f}x", cells
assert cells[-1] == "True", cells
PY
echo "compare-table ok"
