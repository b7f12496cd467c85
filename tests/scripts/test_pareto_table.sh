#!/usr/bin/env bash
# scripts/pareto-table on a short pareto run of stories260K on the small-macro
# scenario: one table row per assignment with the figures of its pareto.json, every
# platform run equal to the prediction, the matched-cost comparison; --render-only
# re-reads the files without running anything. Skips without the model.
set -euo pipefail
flexcim=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -f "$root/../shared/models/stories260K.bin" ] && [ -z "${FLEXCIM_MODEL_DIR:-}" ]; then
  echo "stories260K.bin not found: skipped"; exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$root/scripts/pareto-table" --only small-macro --stories 2 --calib-stories 2 --flexcim "$flexcim" \
  --out "$dir/out" > "$dir/table.md"
python3 "$root/scripts/pareto-table" --only small-macro --render-only --out "$dir/out" > "$dir/again.md"
cmp "$dir/table.md" "$dir/again.md"
python3 - "$dir/table.md" "$dir/out/small-macro/pareto.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
j = json.load(open(sys.argv[2]))
rows = [l for l in text.splitlines() if l.startswith("| ") and not l.startswith("| chosen by")]
assert len(rows) == len(j["points"]), (len(rows), len(j["points"]))
for row, p in zip(rows, j["points"]):
    cells = [x.strip() for x in row.strip("|").split("|")]
    assert cells[1] == " ".join(p["blocks"]), (cells, p["blocks"])
    assert cells[5] == str(p["predicted"]["cycles"]), (cells, p["predicted"])
    assert cells[8].startswith("yes"), cells
assert "At matched cost:" in text
assert "flow-cost within that cycles" in text, text
PY
echo ok
