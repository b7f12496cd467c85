// Main memory: a TLM-2.0 LT target with a fixed access latency and a data
// bandwidth shared by all initiators. Back-to-back bursts pipeline: each burst
// occupies the data bus for bytes / bandwidth and completes `latency` later.
#pragma once
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "energy.h"

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
  // Checks the payload; on success returns true and leaves the response unset.
  bool check(tlm::tlm_generic_payload& trans);
  void copy(tlm::tlm_generic_payload& trans);

  // Storage is allocated page by page on first touch: a 2 GiB map costs nothing until used.
  static constexpr uint64_t kPageBytes = 1u << 20;
  uint8_t* page(uint64_t index);

  Params params_;
  EnergyCounts& energy_;
  std::vector<std::unique_ptr<uint8_t[]>> pages_;
  sc_core::sc_time bus_free_at_;  // when the data bus can take the next burst
};

}  // namespace flexcim
