#include "dma.h"

#include <algorithm>

namespace flexcim {

using namespace sc_core;

Dma::Dma(sc_module_name name, const Params& params, sc_time clock, EnergyCounts& energy)
    : sc_module(name), socket("socket"), active("active"), params_(params), clock_(clock), energy_(energy) {
  SC_HAS_PROCESS(Dma);
  SC_THREAD(run);
}

Dma::Ticket Dma::read(uint64_t dram_addr, uint8_t* dst, uint64_t bytes) {
  return submit(Transfer{0, true, dram_addr, bytes, dst, {}});
}

Dma::Ticket Dma::write(uint64_t dram_addr, const uint8_t* src, uint64_t bytes) {
  return submit(Transfer{0, false, dram_addr, bytes, nullptr, std::vector<uint8_t>(src, src + bytes)});
}

Dma::Ticket Dma::submit(Transfer t) {
  t.ticket = next_ticket_++;
  queue_.push_back(std::move(t));
  queued_.notify(SC_ZERO_TIME);
  return queue_.back().ticket;
}

bool Dma::wait(Ticket ticket) {
  while (issued_ < ticket && !failed_) sc_core::wait(issued_event_);
  if (failed_) return false;
  auto it = done_at_.find(ticket);
  if (it != done_at_.end()) {
    if (it->second > sc_time_stamp()) sc_core::wait(it->second - sc_time_stamp());
    done_at_.erase(done_at_.begin(), std::next(it));  // in order: earlier ones are done too
  }
  return true;
}

void Dma::flush() {
  queue_.clear();
  done_at_.clear();
  in_flight_.clear();
  issued_ = next_ticket_ - 1;
  failed_ = false;
}

void Dma::run() {
  for (;;) {
    while (queue_.empty()) {
      active.write(false);
      sc_core::wait(queued_);
    }
    active.write(true);
    Transfer t = std::move(queue_.front());
    queue_.pop_front();
    sc_time done;
    if (execute(t, done))
      done_at_[t.ticket] = done;
    else
      failed_ = true;
    issued_ = std::max(issued_, t.ticket);
    issued_event_.notify(SC_ZERO_TIME);
  }
}

bool Dma::execute(Transfer& t, sc_time& done) {
  tlm::tlm_generic_payload trans;
  done = sc_time_stamp();
  next_issue_ = std::max(next_issue_, sc_time_stamp());
  for (uint64_t off = 0; off < t.bytes; off += params_.burst_bytes) {
    const uint64_t len = std::min<uint64_t>(params_.burst_bytes, t.bytes - off);
    // Free a slot of the in-flight window; completed bursts leave it.
    while (!in_flight_.empty() && in_flight_.front() <= next_issue_) in_flight_.pop_front();
    if (in_flight_.size() == params_.outstanding) {
      next_issue_ = std::max(next_issue_, in_flight_.front());
      in_flight_.pop_front();
    }
    uint8_t* data = t.read ? t.dst + off : t.data.data() + off;
    trans.set_command(t.read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
    trans.set_address(t.addr + off);
    trans.set_data_ptr(data);
    trans.set_data_length(unsigned(len));
    trans.set_streaming_width(unsigned(len));
    trans.set_byte_enable_ptr(nullptr);
    trans.set_dmi_allowed(false);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time delay = next_issue_ - sc_time_stamp();
    socket->b_transport(trans, delay);
    energy_.add(Action::DmaBurst, 1);
    if (trans.is_response_error()) {
      error_address_ = t.addr + off;
      return false;
    }
    const sc_time burst_done = sc_time_stamp() + delay;
    in_flight_.push_back(burst_done);
    done = std::max(done, burst_done);
    next_issue_ += clock_;  // one burst request per cycle
  }
  // The engine is busy issuing until its last request went out; the data
  // arrives while the next transfer is already being issued.
  if (next_issue_ > sc_time_stamp()) sc_core::wait(next_issue_ - sc_time_stamp());
  return true;
}

}  // namespace flexcim
