#!/usr/bin/env bash
# Opt-in (ctest -C long -L long; about two minutes): the default scenario's
# workload on DRAMSys DDR4 (scenarios/llama2-7b-decode-ddr4.yaml) matches the
# golden model and reports DRAMPower's energy by component; the simple model
# fitted to DDR4 disagrees with it by no more than the README reports
# (scenarios/dram/disagreement.json, written by scripts/dram-calibrate).
set -euo pipefail
flexcim=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
scenario="$root/scenarios/llama2-7b-decode-ddr4.yaml"
"$flexcim" run "$scenario" --out "$dir/dramsys" >/dev/null
"$flexcim" run "$scenario" --set platform.dram.model=simple --out "$dir/simple" >/dev/null
python3 - "$dir" "$root/scenarios/dram/disagreement.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/dramsys/stats.json"))
s = json.load(open(sys.argv[1] + "/simple/stats.json"))
assert d["check"]["golden_match"] and s["check"]["golden_match"]
assert d["platform"]["dram"]["model"] == "dramsys" and d["platform"]["dram"]["type"] == "DDR4", d["platform"]
dram = d["energy"]["dram"]
assert dram["source"].startswith("DRAMPower"), dram["source"]
for component in ("activate", "read", "write", "refresh", "background"):
    assert dram["breakdown"][component] > 0, (component, dram["breakdown"])
assert abs(sum(dram["breakdown"].values()) - d["energy"]["by_component"]["dram"]) < 1e-6 * d["totals"]["energy_pj"]
row = [r for r in json.load(open(sys.argv[2]))["rows"]
       if r["scenario"] == "llama2-7b-decode-ddr4" and r["config"] == "ddr4-2400-x64"][0]
assert d["totals"]["cycles"] == row["dramsys_cycles"], ("DRAMSys cycles moved; rerun scripts/dram-calibrate", row)
for key, reported in (("cycles", row["cycles_error"]), ("energy_pj", row["energy_error"])):
    error = s["totals"][key] / d["totals"][key] - 1
    assert abs(error) <= abs(reported) + 1e-9, (key, error, reported)
    print(f"{key}: simple vs DRAMSys {100 * error:+.2f}% (README: {100 * reported:+.2f}%)")
PY
echo "default scenario on DDR4 ok"
