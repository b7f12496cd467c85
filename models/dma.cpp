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
  while (completed_ < ticket && !failed_) sc_core::wait(completed_event_);
  return !failed_;
}

void Dma::flush() {
  queue_.clear();
  completed_ = next_ticket_ - 1;
  failed_ = false;
}

void Dma::run() {
  for (;;) {
    while (queue_.empty()) sc_core::wait(queued_);
    active.write(true);
    Transfer t = std::move(queue_.front());
    queue_.pop_front();
    if (!execute(t)) failed_ = true;
    completed_ = std::max(completed_, t.ticket);
    if (queue_.empty()) active.write(false);
    completed_event_.notify(SC_ZERO_TIME);
  }
}

bool Dma::execute(Transfer& t) {
  const uint64_t total = t.bytes;
  // Completion times of the bursts in flight, as offsets from now (LT timing).
  std::deque<sc_time> in_flight;
  sc_time issue = SC_ZERO_TIME, last_done = SC_ZERO_TIME;
  tlm::tlm_generic_payload trans;
  for (uint64_t off = 0; off < total; off += params_.burst_bytes) {
    const uint64_t len = std::min<uint64_t>(params_.burst_bytes, total - off);
    if (in_flight.size() == params_.outstanding) {
      issue = std::max(issue, in_flight.front());
      in_flight.pop_front();
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
    sc_time done = issue;
    socket->b_transport(trans, done);
    energy_.add(Action::DmaBurst, 1);
    if (trans.is_response_error()) {
      error_address_ = t.addr + off;
      sc_core::wait(std::max(last_done, issue));
      return false;
    }
    in_flight.push_back(done);
    last_done = std::max(last_done, done);
    issue += clock_;  // one burst request per cycle
  }
  sc_core::wait(last_done);
  return true;
}

}  // namespace flexcim
