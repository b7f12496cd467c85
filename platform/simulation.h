// One simulation of a scenario, start to finish: elaborate the platform, run
// the firmware, collect statistics, write them (and the VCD) to a directory.
// SystemC elaborates once per process, so this runs at most once per process.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "llm_commands.h"
#include "nm/pattern.h"
#include "stats.h"

namespace flexcim {

struct SimulationOptions {
  std::string out_dir;
  bool vcd = false;
  bool timeline = false;  // out_dir/timeline.json (Chrome trace events)
  double power_window_ns = 100;
  bool progress = false;  // a progress line on stderr (progress.h)  // the VCD's power signals: mean over windows at least this long
};

// Returns the stats written to out_dir/stats.json. Throws ConfigError for bad
// configuration (before anything is written) and other exceptions for
// failures of the firmware or the models.
Json simulate(const Scenario& scenario, const SimulationOptions& options);

// The N:M patterns the scenario's accelerator advertises (read by the driver
// from CAP_PATTERNS in a child process), sparse ones first, dense as P:P last.
std::vector<nm::Pattern> probe_patterns(const Scenario& scenario);

// Runs `firmware` on the scenario's platform with an Int8Gemm backed by the
// accelerator, and prices the jobs it ran.
PlatformCost run_int8_on_platform(const Scenario& scenario, const std::function<void(llm::Int8Gemm&)>& firmware);

}  // namespace flexcim
