// FlexCiM driver: programs jobs through the registers of the generated header
// (flexcim_regs.h) and nothing else. Works on any Hal: the virtual platform's
// TLM socket or memory-mapped silicon.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "hal.h"
#include "nm/pattern.h"

namespace flexcim::fw {

// The CAP_PATTERNS bit of a sparse pattern; 0 for patterns the register has no bit for.
uint32_t pattern_bit(nm::Pattern p);

// What the hardware says it is (capability registers).
struct Capabilities {
  unsigned macros = 0, submacros = 0, rows = 0, cols = 0;
  uint32_t pattern_bits = 0;
  uint32_t wbuf_bytes = 0, abuf_bytes = 0, obuf_bytes = 0;
  uint32_t arch = 0;
  bool supports(nm::Pattern p) const;
  std::vector<nm::Pattern> patterns() const;  // sparse patterns, densest last; dense is always {P,P}
  std::string arch_name() const;
};

struct LayerJob {
  uint32_t tokens = 0, in_features = 0, out_features = 0;
  nm::Pattern pattern;           // dense: n == m
  uint64_t w_addr = 0, w_bytes = 0, x_addr = 0, y_addr = 0;
  bool dense_tiles = false;      // weight-only tile records (dense layers)
  bool out_int8 = false;         // Y requantised to int8 with the table at q_addr; else int32
  uint64_t q_addr = 0;
};

struct JobStatus {
  uint32_t error = 0;        // FLEXCIM_ERR_*
  uint32_t error_info = 0;
  uint64_t cycles = 0;
  bool ok() const { return error == 0; }
};

enum class WaitMode { Interrupt, Poll };

class DeviceError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FlexcimDriver {
 public:
  FlexcimDriver(Hal& hal, uint64_t base, WaitMode wait, double poll_interval_ns = 100);

  // Checks ID and major version, reads the capabilities, enables the interrupts.
  Capabilities probe();
  // Programs the descriptor, starts, waits for completion and acknowledges it.
  JobStatus run(const LayerJob& job);

  static const char* error_name(uint32_t code);

 private:
  uint32_t read(uint32_t offset) { return hal_.read32(base_ + offset); }
  void write(uint32_t offset, uint32_t value) { hal_.write32(base_ + offset, value); }

  Hal& hal_;
  uint64_t base_;
  WaitMode wait_;
  double poll_interval_ns_;
};

}  // namespace flexcim::fw
