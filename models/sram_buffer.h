// An on-chip SRAM buffer: capacity (tiles must fit), a port of a given width
// (bytes per cycle, which bounds how fast it can feed the macros) and per-byte
// access energy. Timing is charged by whoever uses the port.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "energy.h"

namespace flexcim {

class SramBuffer {
 public:
  SramBuffer(std::string name, uint64_t bytes, uint64_t bytes_per_cycle, Action read, Action write,
             EnergyCounts& energy);

  const std::string& name() const { return name_; }
  uint64_t size_bytes() const { return data_.size(); }
  uint64_t bytes_per_cycle() const { return bytes_per_cycle_; }
  // Cycles the port needs to move `bytes`.
  uint64_t port_cycles(uint64_t bytes) const { return (bytes + bytes_per_cycle_ - 1) / bytes_per_cycle_; }

  // Bounds-checked views; an out-of-range access is a model bug, not a user error.
  uint8_t* at(uint64_t offset, uint64_t len);
  void count_read(uint64_t bytes) { energy_.add(read_, bytes); }
  void count_write(uint64_t bytes) { energy_.add(write_, bytes); }

 private:
  std::string name_;
  std::vector<uint8_t> data_;
  uint64_t bytes_per_cycle_;
  Action read_, write_;
  EnergyCounts& energy_;
};

}  // namespace flexcim
