// The platform's own cost model for the cost-aware N:M selection (policy flow-cost):
// what one accelerator job -- a linear layer, tokens x in -> out, at an N:M pattern --
// costs on a platform configuration, in cycles and energy, and from that what each
// block of a model costs at each candidate pattern.
//
// Every figure is measured: measure_jobs runs the jobs on the platform and is the
// one place that does. A job's cycles and energy depend only on its descriptor and
// the platform, not on earlier jobs (every job ends with its last output write done,
// so the DMA's burst window and the DRAM's data bus are idle when the next starts;
// all timing is relative to the job's start), nor on the weight and activation values;
// `flexcim pareto` checks both by validating its assignments on the platform, where
// the summed prediction must equal the run.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nm/pattern.h"
#include "scenario.h"

namespace flexcim {

struct JobShape {
  int in = 0, out = 0, tokens = 1;
  nm::Pattern pattern{1, 1};  // dense: n == m
  bool out_int8 = false;      // int8 outputs requantised on the accelerator, else int32

  std::string key() const;  // "64x172x1@2:4/int32", the cache's name for it
  friend bool operator<(const JobShape& a, const JobShape& b) { return a.key() < b.key(); }
};

struct JobCost {
  uint64_t cycles = 0;
  double energy_pj = 0;
};

// Runs one job per shape on the platform of `scenario` (its workload is ignored), all
// on one elaborated platform in a child process, and returns each job's cycles and
// energy. This is the one function that measures costs. Functional runs today: the firmware synthesizes weights and activations, prunes
// them hardware-aware to the pattern, packs, runs and checks every output against the
// golden GEMM (a mismatch is an error). Patterns must be advertised by CAP_PATTERNS.
// A timing-only platform mode would be switched on here, for the child's platform
// only (its cycles and energy must equal the functional run's; `pareto` checks).
std::vector<JobCost> measure_jobs(const Scenario& scenario, const std::vector<JobShape>& shapes);

// measure_jobs through an on-disk cache, one file per platform configuration:
// DIR/<key>.json, key = SHA-256 of the effective `platform:` configuration, the energy
// table's bytes, this program's executable file and the cost model's version. Only
// shapes the file does not hold are measured (then added). Empty cache_dir: no cache.
std::vector<JobCost> job_costs(const Scenario& scenario, const std::vector<JobShape>& shapes,
                               const std::string& cache_dir);

// A block's linear layers, in the order they run (the real model: wq wk wv wo w1 w3 w2).
struct LayerDims {
  int in = 0, out = 0, tokens = 1;
};

// Each block's cost at each candidate: the sum, in layer order, of its layers' job
// costs at that pattern. [block][candidate]; jobs[block][candidate][layer] are the
// terms of each sum.
struct BlockCosts {
  std::vector<std::vector<uint64_t>> cycles;
  std::vector<std::vector<double>> energy_pj;
  std::vector<std::vector<std::vector<JobCost>>> jobs;
};
BlockCosts block_costs(const Scenario& scenario, const std::vector<std::vector<LayerDims>>& blocks,
                       const std::vector<nm::Pattern>& candidates, bool out_int8, const std::string& cache_dir);

}  // namespace flexcim
