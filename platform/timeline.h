// --timeline: DIR/timeline.json in the Chrome trace-event format (Perfetto and
// chrome://tracing open it). Tracks: the jobs (one slice per layer), the sequencer
// (a slice per state: check, load activations, compute, store outputs), the DMA
// (a slice per stretch of activity) and each macro (a slice per busy stretch: the
// tiles of a wave). Counters, sampled at every one of those events and holding
// their value until the next: power by component (mW, priced from the action
// counts of the interval with the energy table, leakage while a job runs) and
// DRAM bandwidth (GB/s). Summed over time, the power counter gives the run's
// energy; the host's own work takes no simulated time and has no track.
//
// With --vcd the same samples go into trace.vcd as real-valued power signals per
// component (averaged over windows of at least --power-window-ns, each value from
// the start of its window, so they integrate to the energy), beside the activity
// signals and `layer` (the running job's layer, 1-based; 0 between jobs).
#pragma once
#include <array>
#include <string>
#include <vector>

#include <systemc>

#include "energy.h"
#include "platform.h"
#include "stats.h"

namespace flexcim {

class Timeline : public sc_core::sc_module {
 public:
  // `jobs` names the accelerator jobs in the order they run (the workload's layers).
  Timeline(sc_core::sc_module_name name, Platform& platform, const EnergyTable& table,
           std::vector<std::string> jobs);

  Json json() const;
  // Adds the power signals to a closed VCD file SystemC wrote.
  void add_power_to_vcd(const std::string& vcd_path, double window_ns) const;

  sc_core::sc_signal<unsigned> layer;

 private:
  struct Sample {
    double start_ns, end_ns;
    std::array<double, kComponents> pj;  // energy in [start, end)
    double dram_bytes;
  };

  void on_sequencer();
  void on_dma();
  void on_macro(size_t index);
  void slice(bool begin, int track, const std::string& name);
  void sample();  // counters for the interval since the last sample

  Platform& platform_;
  const EnergyTable& table_;
  HardwareSizes hw_;
  std::vector<std::string> job_names_;
  size_t job_ = 0;
  unsigned state_ = 0;
  bool job_running_ = false;
  double last_ns_ = 0;
  EnergyCounts last_counts_;
  Json events_ = Json::array();
  std::vector<Sample> samples_;
};

}  // namespace flexcim
