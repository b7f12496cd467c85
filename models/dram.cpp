#include "dram.h"

#include <algorithm>
#include <cstring>

namespace flexcim {

using namespace sc_core;

Dram::Dram(sc_module_name name, const Params& params, EnergyCounts& energy)
    : sc_module(name), socket("socket"), params_(params), energy_(energy),
      pages_((params.size_bytes + kPageBytes - 1) / kPageBytes) {
  socket.register_b_transport(this, &Dram::b_transport);
  socket.register_transport_dbg(this, &Dram::transport_dbg);
}

uint8_t* Dram::page(uint64_t index) {
  if (!pages_[index]) pages_[index].reset(new uint8_t[kPageBytes]());
  return pages_[index].get();
}

bool Dram::check(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const uint64_t len = trans.get_data_length();
  if (trans.get_byte_enable_ptr()) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  if (addr >= params_.size_bytes || len > params_.size_bytes - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return false;
  }
  return true;
}

void Dram::copy(tlm::tlm_generic_payload& trans) {
  uint64_t addr = trans.get_address();
  uint8_t* data = trans.get_data_ptr();
  uint64_t left = trans.get_data_length();
  const bool read = trans.is_read();
  while (left > 0) {
    const uint64_t in_page = addr % kPageBytes;
    const uint64_t n = std::min(left, kPageBytes - in_page);
    uint8_t* p = page(addr / kPageBytes) + in_page;
    read ? std::memcpy(data, p, n) : std::memcpy(p, data, n);
    addr += n;
    data += n;
    left -= n;
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void Dram::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (!check(trans)) return;
  copy(trans);
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
  if (!check(trans)) return 0;
  copy(trans);
  return trans.get_data_length();
}

}  // namespace flexcim
