// A scenario read and checked: platform parameters for the models and the
// workload for the firmware. Every value comes from the configuration
// (scenarios/defaults.yaml overlaid by the scenario and --set); every check
// that fails names the key, where it was set, and what is allowed.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "accelerator.h"
#include "config.h"
#include "dram.h"
#include "dram_energy.h"
#include "dramsys_config.h"
#include "energy.h"
#include "flexcim_driver.h"
#include "workload.h"

namespace flexcim {

// The simple DRAM model fitted to a DRAMSys configuration: its latency and
// bandwidth, and its energy per byte and background power, from DRAMSys runs of
// the platform's own access patterns (scenarios/dram/calibration.yaml).
struct DramCalibration {
  std::string config;  // the DRAMSys configuration it was fitted to
  double latency_ns = 0, bandwidth_gbps = 0;
  double read_pj_per_byte = 0, write_pj_per_byte = 0, background_mw = 0;
};

enum class DramModel { Simple, DramSys };

struct PlatformParams {
  double clock_mhz = 1000;
  fw::WaitMode wait = fw::WaitMode::Interrupt;
  double poll_interval_ns = 100;
  double host_access_latency_ns = 0;
  double hop_latency_ns = 0;
  uint64_t accelerator_base = 0;
  Dram::Params dram;                              // size; latency and bandwidth of the simple model
  DramModel dram_model = DramModel::Simple;
  std::string dram_config;                        // platform.dram.dramsys.config ("" = none)
  std::optional<DramSysConfig> dramsys;           // dramsys model
  DramEnergyTable dram_energy;                    // dramsys model, memory types without DRAMPower
  std::optional<DramCalibration> dram_calibration;  // simple model fitted to dram_config
  uint64_t dram_base = 0;
  double stall_timeout_us = 1000;
  std::string architecture;   // flexcim | dense-dcim | fixed-nm
  Accelerator::Params accelerator;
  std::string energy_table;   // resolved path
};

// Where the configuration came from: the scenario file and the --set overrides (as
// recorded in `origin:` when the file is an effective configuration flexcim wrote).
struct ScenarioOrigin {
  std::string scenario;  // absolute path
  std::vector<std::string> overrides;
};

struct Scenario {
  std::string name;
  bool timing_only = false;  // mode: timing-only
  PlatformParams platform;
  std::string platform_config;  // the effective `platform:` section as YAML (what cost-model caches are keyed by)
  fw::Workload workload;
  ScenarioOrigin origin;
  std::string effective_config;  // YAML: defaults + scenario + overrides, absolute paths, name and origin filled
};

// Reads everything, checks ranges and consistency, then refuses keys nobody read.
Scenario read_scenario(const Config& cfg);

// The patterns CAP_PATTERNS will advertise for this configuration, as the driver lists them.
std::vector<nm::Pattern> advertised_patterns(const Accelerator::Params& acc);

// The energy table of a run: the scenario's table, with the DRAM prices of the
// calibration when the simple model is fitted to a DRAMSys configuration.
EnergyTable load_energy_table(const PlatformParams& platform);

// Scenario data: $FLEXCIM_DATA_DIR, else the source tree's scenarios/.
// Scenario data (defaults.yaml, energy tables): $FLEXCIM_DATA_DIR, else the
// directory set_data_dir chose (programs built against the installed package:
// FLEXCIM_VP_DATA_DIR), else ../share/flexcim-vp/scenarios beside an installed
// flexcim, else the source tree's scenarios/.
void set_data_dir(const std::string& dir);
std::string data_dir();
std::string defaults_path();         // data_dir()/defaults.yaml
std::string default_scenario_path(); // data_dir()/default.yaml

// Loads and checks a scenario file with overrides.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});

}  // namespace flexcim
