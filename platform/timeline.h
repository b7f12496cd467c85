// --timeline: DIR/timeline.json in the Chrome trace-event format (Perfetto and
// chrome://tracing open it). Tracks: the jobs (one slice per layer), the sequencer
// (a slice per state: check, load activations, compute, store outputs), the DMA
// (a slice per stretch of activity) and each macro (a slice per busy stretch: the
// tiles of a wave). Counters, sampled at every one of those events and holding
// their value until the next: power by component (mW, priced from the action
// counts of the interval with the energy table, leakage while a job runs) and
// DRAM bandwidth (GB/s). Summed over time, the power counter gives the run's
// energy; the host's own work takes no simulated time and has no track.
#pragma once
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

 private:
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
};

}  // namespace flexcim
