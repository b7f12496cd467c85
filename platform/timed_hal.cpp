#include "timed_hal.h"

namespace flexcim {

uint32_t TimedHal::read32(uint64_t address) {
  Stopwatch watch(in_models_);
  return hal_.read32(address);
}

void TimedHal::write32(uint64_t address, uint32_t value) {
  Stopwatch watch(in_models_);
  hal_.write32(address, value);
}

// Bulk loads and dumps are untimed copies: host work, not counted.
void TimedHal::load(uint64_t address, const void* data, size_t bytes) { hal_.load(address, data, bytes); }
void TimedHal::dump(uint64_t address, void* data, size_t bytes) { hal_.dump(address, data, bytes); }

void TimedHal::wait_for_interrupt() {
  Stopwatch watch(in_models_);
  hal_.wait_for_interrupt();
}

void TimedHal::delay_ns(double ns) {
  Stopwatch watch(in_models_);
  hal_.delay_ns(ns);
}

}  // namespace flexcim
