// Host CPU stub: runs the firmware on a SystemC thread and gives it the HAL,
// implemented over a TLM-2.0 initiator socket and the interrupt input. The
// simulation stops when the firmware returns (DRAM refresh alone would keep it
// going); an exception thrown by the firmware is kept and handed back after sc_start.
#pragma once
#include <exception>
#include <functional>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "hal.h"

namespace flexcim {

class HostCpu : public sc_core::sc_module, public fw::Hal {
 public:
  using Program = std::function<void(fw::Hal&)>;

  tlm_utils::simple_initiator_socket<HostCpu> socket;
  sc_core::sc_in<bool> irq;

  HostCpu(sc_core::sc_module_name name, sc_core::sc_time access_latency);

  void set_program(Program program) { program_ = std::move(program); }
  std::exception_ptr failure() const { return failure_; }
  bool finished() const { return finished_; }  // the program returned or threw
  bool waiting_for_interrupt() const { return waiting_for_interrupt_; }

  uint32_t read32(uint64_t address) override;
  void write32(uint64_t address, uint32_t value) override;
  void load(uint64_t address, const void* data, size_t bytes) override;
  void dump(uint64_t address, void* data, size_t bytes) override;
  using sc_core::sc_object::dump;  // the HAL's dump does not hide SystemC's (clang -Woverloaded-virtual)
  void wait_for_interrupt() override;
  void delay_ns(double ns) override;

 private:
  void run();
  void access(tlm::tlm_command cmd, uint64_t address, uint8_t* data, unsigned bytes);
  void debug_access(tlm::tlm_command cmd, uint64_t address, uint8_t* data, size_t bytes);

  sc_core::sc_time access_latency_;
  Program program_;
  std::exception_ptr failure_;
  bool finished_ = false;
  bool waiting_for_interrupt_ = false;
};

}  // namespace flexcim
