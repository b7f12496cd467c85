#include "router.h"

#include <fmt/format.h>

namespace flexcim {

Router::Router(sc_core::sc_module_name name, sc_core::sc_time hop_latency)
    : sc_module(name), in("in"), out("out"), hop_latency_(hop_latency) {
  in.register_b_transport(this, &Router::b_transport);
  in.register_transport_dbg(this, &Router::transport_dbg);
  in.register_nb_transport_fw(this, &Router::nb_transport_fw);
  out.register_nb_transport_bw(this, &Router::nb_transport_bw);
}

void Router::map(const std::string& name, uint64_t base, uint64_t size, unsigned port) {
  for (const Range& r : ranges_)
    if (base < r.base + r.size && r.base < base + size)
      throw std::invalid_argument(fmt::format("address map: {} [{:#x}, {:#x}) overlaps {} [{:#x}, {:#x})", name,
                                              base, base + size, r.name, r.base, r.base + r.size));
  ranges_.push_back({name, base, size, port});
}

const Router::Range* Router::find(uint64_t addr, uint64_t len) const {
  for (const Range& r : ranges_)
    if (addr >= r.base && addr - r.base < r.size && len <= r.size - (addr - r.base)) return &r;
  return nullptr;
}

void Router::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t addr = trans.get_address();
  const Range* r = find(addr, trans.get_data_length());
  if (!r) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  delay += hop_latency_;
  trans.set_address(addr - r->base);
  out[r->port]->b_transport(trans, delay);
  trans.set_address(addr);
}

unsigned Router::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const Range* r = find(addr, trans.get_data_length());
  if (!r) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  trans.set_address(addr - r->base);
  const unsigned n = out[r->port]->transport_dbg(trans);
  trans.set_address(addr);
  return n;
}

tlm::tlm_sync_enum Router::nb_transport_fw(int id, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                           sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    const uint64_t addr = trans.get_address();
    const Range* r = find(addr, trans.get_data_length());
    if (!r) {
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return tlm::TLM_COMPLETED;
    }
    routes_[&trans] = Route{id, r->port, r->base, false};
    trans.set_address(addr - r->base);
  }
  auto it = routes_.find(&trans);
  if (it == routes_.end()) {
    SC_REPORT_ERROR(name(), "nb_transport_fw of a transaction that is not under way");
    return tlm::TLM_COMPLETED;
  }
  Route& route = it->second;
  const tlm::tlm_sync_enum status = out[route.port]->nb_transport_fw(trans, phase, delay);
  if (status != tlm::TLM_ACCEPTED && (status == tlm::TLM_COMPLETED || phase == tlm::BEGIN_RESP)) restore(route, trans);
  if (status == tlm::TLM_COMPLETED || phase == tlm::END_RESP) routes_.erase(it);
  return status;
}

tlm::tlm_sync_enum Router::nb_transport_bw(int, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                           sc_core::sc_time& delay) {
  auto it = routes_.find(&trans);
  if (it == routes_.end()) {
    SC_REPORT_ERROR(name(), "nb_transport_bw of a transaction that is not under way");
    return tlm::TLM_COMPLETED;
  }
  Route& route = it->second;
  if (phase == tlm::BEGIN_RESP) {
    restore(route, trans);
    delay += hop_latency_;
  }
  const tlm::tlm_sync_enum status = in[route.initiator]->nb_transport_bw(trans, phase, delay);
  if (status == tlm::TLM_COMPLETED || (status == tlm::TLM_UPDATED && phase == tlm::END_RESP)) {
    restore(route, trans);
    routes_.erase(it);
  }
  return status;
}

// From the response on, the initiator sees its own address again.
void Router::restore(Route& route, tlm::tlm_generic_payload& trans) {
  if (route.restored) return;
  trans.set_address(trans.get_address() + route.base);
  route.restored = true;
}

}  // namespace flexcim
