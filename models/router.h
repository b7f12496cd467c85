// Interconnect: forwards each transaction to the target whose address range
// holds it, with the address made relative to the range; anything else gets a
// TLM address-error response. Each hop adds a fixed latency.
#pragma once
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

namespace flexcim {

class Router : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Router> in;
  tlm_utils::multi_passthrough_initiator_socket<Router> out;

  Router(sc_core::sc_module_name name, sc_core::sc_time hop_latency);

  // Routes [base, base + size) to out[port]. Overlapping ranges are refused.
  void map(const std::string& name, uint64_t base, uint64_t size, unsigned port);


 private:
  struct Range {
    std::string name;
    uint64_t base, size;
    unsigned port;
  };
  const Range* find(uint64_t addr, uint64_t len) const;
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& trans);

  sc_core::sc_time hop_latency_;
  std::vector<Range> ranges_;
};

}  // namespace flexcim
