// What an accelerator did, job by job, whoever programmed it: the built-in
// runner, a firmware plug-in, a program using platform.h, or a user's own
// SystemC top (embed.h). Cycles and energy come from the job records the
// accelerator keeps; energy is priced with the scenario's table.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "accelerator.h"
#include "energy.h"

namespace flexcim {

using Json = nlohmann::ordered_json;

// {"platform": {architecture, macros, geometry, energy_node},
//  "jobs": [{job, tokens, in_features, out_features, pattern, cycles, time_ns,
//            energy_pj, energy_breakdown_pj, macs, dram_read_bytes, dram_write_bytes, error, error_info}],
//  "totals": {jobs, cycles, time_ns, energy_pj, macs, dram_read_bytes, dram_write_bytes}}
// macs: tokens x out x in x N/M, the products the job's pattern keeps.
// energy[i] is job i priced (Platform::job_energy: with DRAMSys's own DRAM energy).
Json job_stats(const Accelerator& accelerator, const std::vector<EnergyBreakdown>& energy,
               const std::string& energy_node);
// Each job priced from the accelerator's action counts alone (a user's own top).
Json job_stats(const Accelerator& accelerator, const EnergyTable& table);

}  // namespace flexcim
