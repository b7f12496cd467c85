#!/usr/bin/env bash
# The README's simple-vs-DRAMSys table is what scripts/dram-calibrate rendered from
# scenarios/dram/disagreement.json, and its simple-model side is what the simple
# model fitted to DDR4 measures today on the default scenario (one run, seconds).
# The DRAMSys side of the same row is checked by the opt-in test
# dram_default_scenario_on_ddr4 (ctest -C long -L long; DRAMSys takes a minute).
set -euo pipefail
flexcim=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$root/scripts/dram-calibrate" --check
"$flexcim" run "$root/scenarios/default.yaml" --set platform.dram.dramsys.config=ddr4-2400-x64 \
  --out "$dir/simple" >/dev/null
python3 - "$dir/simple/stats.json" "$root/scenarios/dram/disagreement.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["platform"]["dram"]["model"] == "simple", s["platform"]["dram"]
row = [r for r in json.load(open(sys.argv[2]))["rows"]
       if r["scenario"] == "default" and r["config"] == "ddr4-2400-x64"][0]
assert s["totals"]["cycles"] == row["simple_cycles"], ("simple-model cycles moved; rerun scripts/dram-calibrate",
                                                      s["totals"]["cycles"], row)
assert s["totals"]["energy_pj"] == row["simple_energy_pj"], ("simple-model energy moved; rerun scripts/dram-calibrate",
                                                            s["totals"]["energy_pj"], row)
print(f"default on the DDR4 fit: {s['totals']['cycles']} cycles, as in the table")
PY
