// One simulation of a scenario, start to finish: elaborate the platform, run
// the firmware, collect statistics, write them (and the VCD) to a directory.
// SystemC elaborates once per process, so this runs at most once per process.
#pragma once
#include <string>

#include "stats.h"

namespace flexcim {

struct SimulationOptions {
  std::string out_dir;
  bool vcd = false;
};

// Returns the stats written to out_dir/stats.json. Throws ConfigError for bad
// configuration (before anything is written) and other exceptions for
// failures of the firmware or the models.
Json simulate(const Scenario& scenario, const SimulationOptions& options);

}  // namespace flexcim
