// Hardware abstraction layer: the only way firmware touches the hardware.
// The virtual platform implements it over a TLM-2.0 socket (models/host_cpu);
// a silicon port would implement it with volatile MMIO and a memcpy loader.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace flexcim::fw {

// A bus access that the interconnect or a target refused.
class BusError : public std::runtime_error {
 public:
  BusError(uint64_t address, const std::string& what) : std::runtime_error(what), address_(address) {}
  uint64_t address() const { return address_; }

 private:
  uint64_t address_;
};

class Hal {
 public:
  virtual ~Hal() = default;
  // Timed 32-bit register accesses; throw BusError on an error response.
  virtual uint32_t read32(uint64_t address) = 0;
  virtual void write32(uint64_t address, uint32_t value) = 0;
  // Untimed bulk memory access, like a boot loader placing an image: model
  // weights and inputs are resident before inference starts, and results are
  // inspected after it; neither is part of the accelerator's cost.
  virtual void load(uint64_t address, const void* data, size_t bytes) = 0;
  virtual void dump(uint64_t address, void* data, size_t bytes) = 0;
  // Blocks until the interrupt line is high.
  virtual void wait_for_interrupt() = 0;
  // Lets time pass (polling loops).
  virtual void delay_ns(double ns) = 0;
};

}  // namespace flexcim::fw
