#include "dram.h"

#include <algorithm>

namespace flexcim {

using namespace sc_core;

Dram::Dram(sc_module_name name, const Params& params, EnergyCounts& energy)
    : sc_module(name), socket("socket"), params_(params), energy_(energy), storage_(params.size_bytes) {
  socket.register_b_transport(this, &Dram::b_transport);
  socket.register_transport_dbg(this, &Dram::transport_dbg);
}

void Dram::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (!storage_.check(trans)) return;
  storage_.copy(trans);
  const uint64_t bytes = trans.get_data_length();
  energy_.add(trans.is_read() ? Action::DramReadByte : Action::DramWriteByte, bytes);

  // LT timing: the request arrives at now + delay, waits for the data bus,
  // holds it for bytes / bandwidth and completes one latency after it started.
  const sc_time arrival = sc_time_stamp() + delay;
  const sc_time start = std::max(arrival, bus_free_at_);
  const sc_time transfer = sc_time(double(bytes) / params_.bandwidth_gbps, SC_NS);
  bus_free_at_ = start + transfer;
  delay = start + sc_time(params_.latency_ns, SC_NS) + transfer - sc_time_stamp();
}

unsigned Dram::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!storage_.check(trans)) return 0;
  storage_.copy(trans);
  return trans.get_data_length();
}

}  // namespace flexcim
