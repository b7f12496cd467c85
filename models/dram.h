// Main memory, simple model: a TLM-2.0 LT target with a fixed access latency
// and a data bandwidth shared by all initiators. Back-to-back bursts pipeline:
// each burst occupies the data bus for bytes / bandwidth and completes
// `latency` later. Fast, for sweeps; its latency and bandwidth can be fitted to
// a DRAMSys configuration (scenarios/dram/calibration.yaml). A burst train
// (burst_train.h, timing-only runs) is priced burst by burst the same way,
// without data.
#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "energy.h"
#include "memory_storage.h"

namespace flexcim {

class Dram : public sc_core::sc_module {
 public:
  struct Params {
    uint64_t size_bytes = 0;
    double latency_ns = 0;        // first data after the request
    double bandwidth_gbps = 1;    // GB/s == bytes per ns
  };

  tlm_utils::simple_target_socket<Dram> socket;

  Dram(sc_core::sc_module_name name, const Params& params, EnergyCounts& energy);

  uint64_t size_bytes() const { return params_.size_bytes; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  // The data bus: a burst holding it for `transfer` arrives at `arrival`; returns its completion time.
  sc_core::sc_time burst(sc_core::sc_time arrival, sc_core::sc_time transfer);
  sc_core::sc_time transfer_time(uint64_t bytes) const;
  void price_train(tlm::tlm_generic_payload& trans, struct BurstTrain& train, const sc_core::sc_time& delay);

  Params params_;
  EnergyCounts& energy_;
  MemoryStorage storage_;
  sc_core::sc_time latency_;
  sc_core::sc_time bus_free_at_;  // when the data bus can take the next burst
};

}  // namespace flexcim
