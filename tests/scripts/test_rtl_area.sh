#!/usr/bin/env bash
# scripts/rtl-area at a tiny geometry: both macros composed from their
# components, the FlexCiM-only components (distribution network, merge trees)
# cost area only in FlexCiM, the flat-synthesis check agrees with the
# composition, and --readme replaces exactly the marked table.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'before\n<!-- area-table:begin (scripts/rtl-area) -->\nold table\n<!-- area-table:end -->\nafter\n' > "$dir/README.md"
python3 "$root/scripts/rtl-area" --geometry 2 4 4 --check 2 2 2 --out "$dir/out" --readme "$dir/README.md" >/dev/null 2>&1
python3 - "$dir/out/area.json" "$dir/README.md" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
assert a["geometry"] == {"submacros": 2, "rows": 4, "cols": 4}, a["geometry"]
f, d = a["flexcim"], a["dense"]
names = [c["component"] for c in f["components"]]
assert names == [c["component"] for c in d["components"]], names
by = lambda m: {c["component"]: c for c in m["components"]}
F, D = by(f), by(d)
assert F["cells"]["instances"] == D["cells"]["instances"] == 2 * 4 * 4
assert F["distribution network"]["instances"] == 4 and F["distribution network"]["area_um2"] > 0
assert D["distribution network"]["area_um2"] == 0 and D["merge trees"]["area_um2"] == 0
assert F["merge trees"]["area_um2"] > 0
assert F["cells"]["area_um2"] > D["cells"]["area_um2"], "metadata bit and element mux"
assert abs(f["area_um2"] - sum(c["area_um2"] for c in f["components"])) < 0.01 * f["area_um2"]
assert f["area_um2"] > d["area_um2"] > 0 and a["overhead_pct"] > 0
for kind in ("flexcim", "dense"):
    assert abs(a["check"][kind]["difference_pct"]) < 5, a["check"]
text = open(sys.argv[2]).read()
assert text.startswith("before\n") and text.endswith("after\n") and "old table" not in text, text
assert "| **macro**" in text and "distribution network (4 / 0)" in text, text
PY
# The table regenerates from area.json alone, identically.
python3 "$root/scripts/rtl-area" --table-from "$dir/out/area.json" > "$dir/table.md"
grep -qF "$(head -3 "$dir/table.md" | tail -1)" "$dir/README.md"
# Bad arguments are refused with exit status 2.
status=0; python3 "$root/scripts/rtl-area" --geometry 3 4 4 --out "$dir/bad" 2>/dev/null || status=$?
[ "$status" -eq 2 ]
