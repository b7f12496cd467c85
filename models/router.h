// Interconnect: forwards each transaction to the target whose address range
// holds it, with the address made relative to the range; anything else gets a
// TLM address-error response. Each hop adds a fixed latency, once per
// transaction: to an AT transaction's response, so that requests pipeline through
// the router at their initiator's pace (its input takes one a cycle; the latency is
// paid, as in LT, once per round trip). Blocking, debug and
// approximately-timed (nb_transport) transactions are routed alike; an AT
// transaction's route is kept until it ends, so that its response goes back to
// its initiator with the initiator's address.
#pragma once
#include <map>
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
  struct Route {
    int initiator;
    unsigned port;
    uint64_t base;
    bool restored;  // the initiator's address is back
  };
  const Range* find(uint64_t addr, uint64_t len) const;
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& trans);
  tlm::tlm_sync_enum nb_transport_fw(int id, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(int port, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void restore(Route& route, tlm::tlm_generic_payload& trans);

  sc_core::sc_time hop_latency_;
  std::vector<Range> ranges_;
  std::map<const tlm::tlm_generic_payload*, Route> routes_;  // AT transactions under way
};

}  // namespace flexcim
