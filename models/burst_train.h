// Timing-only DMA without a transaction per burst.
//
// BurstWindow is the DMA's issue policy: one burst request per `interval`, at
// most `outstanding` bursts in flight, a full window waits for its oldest burst
// to complete. The DMA applies it burst by burst in both modes.
//
// BurstTrain is a TLM extension that turns one b_transport into a whole
// transfer's bursts, for timing-only runs against a loosely-timed memory: the
// target prices each burst exactly as it would price it as a transaction of
// its own (same arrival, same bus state, same completion time), asking the
// window when each one issues and telling it when each one completes. No data
// moves. Counts (bursts, bytes) and times are those of the burst-by-burst run;
// only the number of function calls through the interconnect differs.
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>

namespace flexcim {

class BurstWindow {
 public:
  BurstWindow(unsigned outstanding, sc_core::sc_time interval)
      : interval_(interval), done_(outstanding) {}

  // The engine cannot issue before `now`.
  void not_before(sc_core::sc_time now) {
    if (next_ < now) next_ = now;
  }
  // When the next burst issues: after the bursts completed by then leave the
  // window, and, with the window full, not before the oldest one completes.
  sc_core::sc_time issue() {
    while (size_ > 0 && done_[head_] <= next_) pop();
    if (size_ == done_.size()) {
      if (next_ < done_[head_]) next_ = done_[head_];
      pop();
    }
    return next_;
  }
  // The burst issued at issue() completes at `done`; the next one may issue an interval later.
  void issued(sc_core::sc_time done) {
    size_t tail = head_ + size_;
    if (tail >= done_.size()) tail -= done_.size();
    done_[tail] = done;
    ++size_;
    next_ += interval_;
  }
  sc_core::sc_time next_issue() const { return next_; }
  sc_core::sc_time interval() const { return interval_; }
  void clear() { head_ = size_ = 0; }

  // Steady state, for a target that proved it (Dram::price_train): the window is
  // full of completion times `step` apart, the oldest later than the next issue.
  bool full() const { return size_ == done_.size(); }
  bool progression(sc_core::sc_time step) const {
    if (!full() || !(next_ < at(0))) return false;
    for (size_t k = 1; k < size_; ++k)
      if (at(k) != at(k - 1) + step) return false;
    return true;
  }
  sc_core::sc_time oldest() const { return at(0); }
  sc_core::sc_time newest() const { return at(size_ - 1); }
  // `count` more bursts of that state: each issues as the oldest completes and
  // completes `step` after the newest; the same as issue() / issued() per burst.
  void advance(uint64_t count, sc_core::sc_time step) {
    const sc_core::sc_time first = at(0) + step * double(count);
    next_ = first - step + interval_;
    head_ = 0;
    for (size_t k = 0; k < size_; ++k) done_[k] = first + step * double(k);
  }

 private:
  const sc_core::sc_time& at(size_t k) const { return done_[head_ + k < done_.size() ? head_ + k : head_ + k - done_.size()]; }
  void pop() {
    if (++head_ == done_.size()) head_ = 0;
    --size_;
  }
  sc_core::sc_time interval_;
  sc_core::sc_time next_;
  std::vector<sc_core::sc_time> done_;  // completion times of the bursts in flight, oldest at head_
  size_t head_ = 0, size_ = 0;
};

// Attached to a payload whose address and length span a whole transfer (data
// pointer unused). The target sets `priced` and `done` (the last completion).
struct BurstTrain : tlm::tlm_extension<BurstTrain> {
  uint64_t burst_bytes = 0;
  BurstWindow* window = nullptr;
  bool priced = false;
  sc_core::sc_time done;

  tlm::tlm_extension_base* clone() const override { return new BurstTrain(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const BurstTrain&>(other); }
};

}  // namespace flexcim
