// The virtual platform: host CPU (running the firmware), router, DRAM and the
// FlexCiM accelerator, assembled from a scenario.
//
//   host_cpu --socket--> router --+--> accelerator.regs_socket   (ACC registers)
//                                 +--> dram.socket   (simple model, or DRAMSys)
//   accelerator.dma.socket -----> router
//   accelerator.irq ------------> host_cpu.irq
//
// A watchdog stops a run that makes no progress (no action counted by any model,
// no DRAM burst answered) for platform.stall_timeout_us of simulated time: with
// DRAMSys, refresh would otherwise keep such a simulation going forever.
// The public API for running your own firmware (docs/firmware-guide.md):
//
//   flexcim::Scenario scenario = flexcim::load_scenario("my.yaml", {"platform.accelerator.macros=2"});
//   flexcim::Platform platform("platform", scenario.platform);   // elaborate once per process
//   platform.run([&](flexcim::fw::Hal& hal) { /* registers + memory only */ });
//   flexcim::Json stats = platform.job_stats();                   // cycles, time, energy per job
//
// To put only the accelerator into your own SystemC top, see embed.h.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "accelerator.h"
#include "dram.h"
#include "dram_energy.h"
#include "dramsys_memory.h"
#include "energy.h"
#include "host_cpu.h"
#include "job_stats.h"
#include "interruption.h"
#include "router.h"
#include "runtime.h"
#include "scenario.h"

namespace flexcim {

// The DRAM's cumulative energy and commands at one instant (DRAMSys only).
struct DramSample {
  DramEnergy energy;
  DramCommands commands;
};

class Platform : public sc_core::sc_module {
 public:
  Platform(sc_core::sc_module_name name, const PlatformParams& params);
  ~Platform() override;

  HostCpu& cpu() { return *cpu_; }
  Accelerator& accelerator() { return *accelerator_; }
  Router& router() { return *router_; }
  // The DRAMSys memory, or null with the simple model.
  DramSysMemory* dramsys() { return dramsys_.get(); }
  const EnergyCounts& energy() const { return energy_; }
  fw::BoardInfo board() const;

  // VCD of macro busy, controller state, DMA activity and the interrupt line, in
  // the kernel's time resolution (every event lands on its own time).
  void trace_to(const std::string& vcd_path_without_extension);
  sc_core::sc_trace_file* trace_file() { return trace_; }  // null without trace_to()
  // Runs the firmware program to completion and closes the VCD; rethrows what the
  // firmware threw; throws std::runtime_error if the run stalled. SIGINT or SIGTERM
  // stop the simulation at the next delta cycle: the VCD is closed up to that time
  // and Interrupted is thrown.
  void run(HostCpu::Program program);
  // The jobs the accelerator ran so far, priced with the scenario's energy table (job_stats.h).
  Json job_stats() const;

  // What job `index` cost: the accelerator's actions priced from `table`, and the
  // DRAM's energy from DRAMSys (DRAMPower or its energy table) when it is the memory.
  EnergyBreakdown job_energy(const EnergyTable& table, size_t index) const;
  // DRAMSys only: DRAM energy and commands during job `index`.
  DramSample job_dram(size_t index) const;

 private:
  void sample_dram();  // at every start and end of a job
  void watch();        // the stall watchdog
  uint64_t progress() const;

  PlatformParams params_;
  EnergyCounts energy_;
  std::unique_ptr<HostCpu> cpu_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<Dram> dram_;
  std::unique_ptr<DramSysMemory> dramsys_;
  std::unique_ptr<Accelerator> accelerator_;
  sc_core::sc_signal<bool> irq_;
  sc_core::sc_trace_file* trace_ = nullptr;
  std::vector<DramSample> dram_samples_;  // two per job: start, end
  bool armed_ = false;
  uint64_t last_progress_ = 0;
  std::string stall_;  // why the watchdog stopped the run
  SignalStop signal_stop_;
};

}  // namespace flexcim
