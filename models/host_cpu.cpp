#include "host_cpu.h"

#include <cstring>

#include <fmt/format.h>

namespace flexcim {

using namespace sc_core;

HostCpu::HostCpu(sc_module_name name, sc_time access_latency)
    : sc_module(name), socket("socket"), irq("irq"), access_latency_(access_latency) {
  SC_HAS_PROCESS(HostCpu);
  SC_THREAD(run);
}

void HostCpu::run() {
  try {
    if (program_) program_(*this);
  } catch (const sc_core::sc_unwind_exception&) {
    throw;  // the thread is being killed (the simulation was interrupted): SystemC unwinds it
  } catch (...) {
    failure_ = std::current_exception();
  }
  finished_ = true;
  sc_stop();
}

void HostCpu::access(tlm::tlm_command cmd, uint64_t address, uint8_t* data, unsigned bytes) {
  tlm::tlm_generic_payload trans;
  trans.set_command(cmd);
  trans.set_address(address);
  trans.set_data_ptr(data);
  trans.set_data_length(bytes);
  trans.set_streaming_width(bytes);
  trans.set_byte_enable_ptr(nullptr);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_time delay = access_latency_;
  socket->b_transport(trans, delay);
  wait(delay);  // the CPU stalls on every register access (no posted writes)
  if (trans.is_response_error())
    throw fw::BusError(address, fmt::format("bus error: {} {:#010x}: {}", cmd == tlm::TLM_READ_COMMAND ? "read" : "write",
                                            address, trans.get_response_string()));
}

uint32_t HostCpu::read32(uint64_t address) {
  uint8_t data[4] = {};
  access(tlm::TLM_READ_COMMAND, address, data, 4);
  return uint32_t(data[0]) | uint32_t(data[1]) << 8 | uint32_t(data[2]) << 16 | uint32_t(data[3]) << 24;
}

void HostCpu::write32(uint64_t address, uint32_t value) {
  uint8_t data[4] = {uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24)};
  access(tlm::TLM_WRITE_COMMAND, address, data, 4);
}

void HostCpu::debug_access(tlm::tlm_command cmd, uint64_t address, uint8_t* data, size_t bytes) {
  tlm::tlm_generic_payload trans;
  trans.set_command(cmd);
  trans.set_address(address);
  trans.set_data_ptr(data);
  trans.set_data_length(unsigned(bytes));
  trans.set_streaming_width(unsigned(bytes));
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  if (socket->transport_dbg(trans) != bytes)
    throw fw::BusError(address, fmt::format("bus error: {} of {} bytes at {:#010x} is outside memory",
                                            cmd == tlm::TLM_READ_COMMAND ? "dump" : "load", bytes, address));
}

void HostCpu::load(uint64_t address, const void* data, size_t bytes) {
  // Debug transport takes at most 4 GiB per call; images are far smaller, but chunk anyway.
  constexpr size_t kChunk = 1u << 30;
  auto* p = static_cast<uint8_t*>(const_cast<void*>(data));
  for (size_t off = 0; off < bytes; off += kChunk)
    debug_access(tlm::TLM_WRITE_COMMAND, address + off, p + off, std::min(kChunk, bytes - off));
}

void HostCpu::dump(uint64_t address, void* data, size_t bytes) {
  constexpr size_t kChunk = 1u << 30;
  auto* p = static_cast<uint8_t*>(data);
  for (size_t off = 0; off < bytes; off += kChunk)
    debug_access(tlm::TLM_READ_COMMAND, address + off, p + off, std::min(kChunk, bytes - off));
}

void HostCpu::wait_for_interrupt() {
  waiting_for_interrupt_ = true;
  while (!irq.read()) wait(irq.posedge_event());
  waiting_for_interrupt_ = false;
}

void HostCpu::delay_ns(double ns) { wait(sc_time(ns, SC_NS)); }

}  // namespace flexcim
