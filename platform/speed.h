// `flexcim bench`: how fast the platform explores designs, measured side by
// side in one invocation on one machine and written to DIR/bench.json
// (README "Speed", regenerated from it by scripts/speed-table):
//  1. timing-only against functional wall time, one LLaMA-2-7B block (the
//     llama2-7b-prefill-mixed scenario's N:M per role), decode and 64-token prefill;
//  2. the functional runs against a native int8 GEMM of the same layers
//     (fw::reference_gemm on the same tensors, best of 3), platform total and
//     models only (wall time inside the HAL calls that let simulated time pass);
//  3. all 32 blocks timing-only, decode and 64-token prefill: wall time and
//     simulated time / wall time;
//  4. `points` timing-only design points of the block (macros x DRAM bandwidth x
//     N:M x tokens), each a fresh platform in a child process, against one
//     functional run of the block (DIR/points.csv holds every point's figures).
// Every simulation runs in its own child process (SystemC elaborates once per
// process); wall times are those the child measures around elaboration, run and
// statistics. Only ratios measured in the same run mean anything.
#pragma once
#include <string>
#include <vector>

#include "stats.h"

namespace flexcim {

struct SpeedOptions {
  std::string out_dir = "out/bench";
  int points = 1000;
  std::vector<std::string> sets;  // applied to every run
};

// Runs the benchmark, writes out_dir/bench.json and points.csv, returns bench.json.
Json bench_speed(const SpeedOptions& options);

// The short human summary of bench.json.
std::string summarize_speed(const Json& bench);

}  // namespace flexcim
