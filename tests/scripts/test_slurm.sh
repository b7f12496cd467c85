#!/usr/bin/env bash
# `flexcim sweep --slurm` on a real single-node Slurm: starts munged, slurmctld and
# slurmd on localhost with all state in a temporary folder, submits the 4-point
# job array the sweep wrote, waits for it, collects 4 rows, stops the daemons by PID.
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge (scripts/vp
# test-slurm installs them); opt-in: it runs only with FLEXCIM_SLURM_TEST=1
# (ctest label slurm), otherwise it reports itself skipped (exit 77).
set -euo pipefail
flexcim=$1
if [ "${FLEXCIM_SLURM_TEST:-}" != 1 ]; then
  echo "skipped: set FLEXCIM_SLURM_TEST=1 to run (needs root; scripts/vp test-slurm)"; exit 77
fi
[ "$(id -u)" -eq 0 ] || { echo "needs root (slurmd runs the tasks as the submitting user's root)"; exit 1; }
for d in munged mungekey slurmctld slurmd sbatch scontrol; do
  command -v "$d" >/dev/null || { echo "missing $d: apt-get install slurmctld slurmd slurm-client munge"; exit 1; }
done

dir=$(mktemp -d /tmp/flexcim-slurm.XXXXXX)
chmod 755 "$dir"
pids=()
stop() {
  # Reverse order, by PID (never by name: other Slurm daemons may be this machine's).
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${FLEXCIM_KEEP_TEST_DIRS:-}" ] || rm -rf "$dir"
}
trap stop EXIT

mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 0711 "$dir/munge"
mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1
chmod 0600 "$dir/munge/munge.key"
munged -F --socket="$dir/munge/munge.socket.2" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/seed" --log-file="$dir/log/munged.log" \
  2>>"$dir/log/daemons.err" &
pids+=($!)

cpus=$(nproc)
mem=$(( $(awk '/MemAvailable/ {print $2}' /proc/meminfo) / 1024 / 2 ))
cat > "$dir/slurm.conf" <<EOF
ClusterName=flexcim-test
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket.2
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ReturnToService=2
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf
sleep 0.5
slurmctld -D -c -f "$SLURM_CONF" 2>>"$dir/log/daemons.err" &
pids+=($!)
sleep 0.5
slurmd -D -N localhost -f "$SLURM_CONF" 2>>"$dir/log/daemons.err" &
pids+=($!)
for _ in $(seq 100); do
  sinfo -h -o %t 2>/dev/null | grep -q idle && break
  sleep 0.2
done
sinfo -h -o %t | grep -q idle || { echo "the node never came up"; cat "$dir/log/"*.log; exit 1; }

cat > "$dir/tiny.yaml" <<'YAML'
name: tiny
workload:
  layers: [{name: a, in: 300, out: 130}, {name: b, in: 172, out: 64, pattern: "2:4"}]
  tokens: 3
YAML
cat > "$dir/sweep.yaml" <<'YAML'
scenario: tiny.yaml
grid:
  platform.accelerator.macros: [2, 4]
  platform.dram.bandwidth_gbps: [12.8, 51.2]
YAML
"$flexcim" sweep "$dir/sweep.yaml" --out "$dir/out" --slurm
grep -q '^#SBATCH --array=0,1,2,3$' "$dir/out/sweep.sbatch"
job=$(sbatch --parsable "$dir/out/sweep.sbatch")
echo "submitted job array $job"
for _ in $(seq 600); do
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
  sleep 0.2
done
[ -z "$(squeue -h -j "$job")" ] || { echo "the array did not finish"; squeue; exit 1; }
scontrol -o show job "$job" | grep -o 'JobState=[A-Z]* .*ExitCode=[0-9:]*' | sed 's/ .*ExitCode/ ExitCode/' || true
"$flexcim" sweep collect "$dir/out"
python3 - "$dir/out/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["complete"] and len(r["rows"]) == 4, r
assert all(row["status"] == "ok" and row["golden_match"] for row in r["rows"]), r["rows"]
assert r["rows"][1]["cycles"] < r["rows"][0]["cycles"], "more bandwidth, fewer cycles"
print("slurm: 4 rows collected")
PY
