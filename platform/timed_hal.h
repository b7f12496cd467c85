// A Hal that forwards every call to another one and adds up the wall time
// spent inside the calls that let simulated time pass (register accesses,
// interrupt waits, delays). The firmware runs on a SystemC thread, so during
// those calls the kernel runs the hardware models: that wall time is what the
// models cost. The rest of a run is the firmware's own host work.
#pragma once
#include <chrono>

#include "hal.h"

namespace flexcim {

class TimedHal : public fw::Hal {
 public:
  explicit TimedHal(fw::Hal& hal) : hal_(hal) {}

  uint32_t read32(uint64_t address) override;
  void write32(uint64_t address, uint32_t value) override;
  void load(uint64_t address, const void* data, size_t bytes) override;
  void dump(uint64_t address, void* data, size_t bytes) override;
  void wait_for_interrupt() override;
  void delay_ns(double ns) override;

  // Wall time inside the timed calls so far.
  std::chrono::steady_clock::duration in_models() const { return in_models_; }

 private:
  // Adds the wall time of one timed call, also when it throws.
  class Stopwatch {
   public:
    explicit Stopwatch(std::chrono::steady_clock::duration& total)
        : total_(total), start_(std::chrono::steady_clock::now()) {}
    ~Stopwatch() { total_ += std::chrono::steady_clock::now() - start_; }
    Stopwatch(const Stopwatch&) = delete;
    Stopwatch& operator=(const Stopwatch&) = delete;

   private:
    std::chrono::steady_clock::duration& total_;
    std::chrono::steady_clock::time_point start_;
  };

  fw::Hal& hal_;
  std::chrono::steady_clock::duration in_models_{};
};

}  // namespace flexcim
