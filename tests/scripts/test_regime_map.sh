#!/usr/bin/env bash
# The README's regime map: the section is what scripts/regime-map renders from
# scenarios/sweeps/regime-map.json (so a hand edit fails), and that file is current:
# the sweep's first two points (1 token, LPDDR4: FlexCiM and fixed 2:4) rerun by
# `flexcim sweep point` land on its cycles, energy and DRAM bytes exactly.
set -euo pipefail
flexcim=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$root/scripts/regime-map" --check
# A figure typed by hand in the section fails the check.
python3 - "$root/README.md" "$dir/README.md" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
head, rest = text.split("<!-- regime-map:begin -->", 1)
section, tail = rest.split("<!-- regime-map:end -->", 1)
edited, n = re.subn(r"\d\.\d\dx", "9.99x", section, count=1)
assert n == 1, "no ratio in the regime map"
open(sys.argv[2], "w").write(head + "<!-- regime-map:begin -->" + edited + "<!-- regime-map:end -->" + tail)
PY
if python3 "$root/scripts/regime-map" --check --readme "$dir/README.md" 2>/dev/null; then
  echo "a hand-edited regime map passed the check"; exit 1
fi
"$flexcim" sweep "$root/scenarios/sweeps/regime-map.yaml" --slurm --out "$dir/sweep" > /dev/null
for point in 0 1; do
  SC_COPYRIGHT_MESSAGE=DISABLE "$flexcim" sweep point "$dir/sweep" $point > /dev/null
done
python3 - "$root/scenarios/sweeps/regime-map.json" "$dir/sweep" <<'PY'
import json, sys
rows = {r["point"]: r for r in json.load(open(sys.argv[1]))["rows"]}
for point in (0, 1):
    stats = json.load(open(f"{sys.argv[2]}/points/{point:04d}/stats.json"))
    t = stats["totals"]
    want = rows[point]
    assert stats["platform"]["architecture"] == want["architecture"], (stats["platform"], want)
    for key in ("cycles", "energy_pj", "dram_read_bytes", "dram_write_bytes"):
        assert t[key] == want[key], (point, key, t[key], want[key])
print("ok")
PY
