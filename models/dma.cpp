#include "dma.h"

#include <algorithm>

namespace flexcim {

using namespace sc_core;

Dma::Dma(sc_module_name name, const Params& params, sc_time clock, EnergyCounts& energy)
    : sc_module(name), socket("socket"), active("active"), params_(params), clock_(clock), energy_(energy),
      window_(params.outstanding, clock), scratch_(params.timing_only ? params.burst_bytes : 0),
      responses_(this, &Dma::response) {
  SC_HAS_PROCESS(Dma);
  socket.register_nb_transport_bw(this, &Dma::nb_transport_bw);
  SC_THREAD(run);
}

Dma::Ticket Dma::read(uint64_t dram_addr, uint8_t* dst, uint64_t bytes) {
  return submit(Transfer{0, true, dram_addr, bytes, dst, {}});
}

Dma::Ticket Dma::write(uint64_t dram_addr, const uint8_t* src, uint64_t bytes) {
  if (params_.timing_only) return submit(Transfer{0, false, dram_addr, bytes, nullptr, {}});
  return submit(Transfer{0, false, dram_addr, bytes, nullptr, std::vector<uint8_t>(src, src + bytes)});
}

Dma::Ticket Dma::submit(Transfer t) {
  t.ticket = next_ticket_++;
  queue_.push_back(std::move(t));
  queued_.notify(SC_ZERO_TIME);
  return queue_.back().ticket;
}

bool Dma::wait(Ticket ticket) {
  for (;;) {
    if (failed_) return false;
    if (issued_ >= ticket) {
      if (params_.protocol == Protocol::ApproximatelyTimed) {
        // Done when no burst of this or an earlier transfer is still in flight.
        if (bursts_in_flight_.empty() || bursts_in_flight_.begin()->first > ticket) return true;
      } else {
        auto it = done_at_.find(ticket);
        if (it != done_at_.end()) {
          if (it->second > sc_time_stamp()) sc_core::wait(it->second - sc_time_stamp());
          done_at_.erase(done_at_.begin(), std::next(it));  // in order: earlier ones are done too
        }
        return true;
      }
    }
    sc_core::wait(progress_);
  }
}

void Dma::flush() {
  queue_.clear();
  while (executing_ || in_flight_ > 0) sc_core::wait(progress_);
  done_at_.clear();
  window_.clear();
  issued_ = next_ticket_ - 1;
  failed_ = false;
}

void Dma::fail(uint64_t address) {
  if (!failed_) error_address_ = address;
  failed_ = true;
  progress_.notify(SC_ZERO_TIME);
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
    executing_ = true;
    execute(t);
    executing_ = false;
    issued_ = std::max(issued_, t.ticket);
    progress_.notify(SC_ZERO_TIME);
  }
}

bool Dma::execute(Transfer& t) {
  if (failed_) return false;  // after an error nothing more goes out until flush()
  const bool lt = params_.protocol == Protocol::LooselyTimed;
  if (lt) {
    window_.not_before(sc_time_stamp());
    done_at_[t.ticket] = sc_time_stamp();
  } else {
    next_issue_ = std::max(next_issue_, sc_time_stamp());
  }
  if (!(lt && params_.timing_only && execute_train(t))) {
    for (uint64_t off = 0; off < t.bytes;) {
      const uint64_t addr = t.addr + off;
      uint8_t* data = params_.timing_only ? scratch_.data() : t.read ? t.dst + off : t.data.data() + off;
      const Burst burst{t.read, addr, data, std::min(params_.burst_bytes, t.bytes - off)};
      const bool ok = lt ? issue_lt(burst, t.ticket) : issue_at(burst, t.ticket);
      energy_.add(Action::DmaBurst, 1);
      if (!ok) return false;
      off += burst.bytes;
    }
  }
  // LT: the engine is busy issuing until its last request went out; the data
  // arrives while the next transfer is already being issued.
  const sc_time next = lt ? window_.next_issue() : next_issue_;
  if (next > sc_time_stamp()) sc_core::wait(next - sc_time_stamp());
  return true;
}

bool Dma::execute_train(const Transfer& t) {
  BurstTrain train;
  train.burst_bytes = params_.burst_bytes;
  train.window = &window_;
  tlm::tlm_generic_payload trans;
  trans.set_command(t.read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
  trans.set_address(t.addr);
  trans.set_data_ptr(nullptr);
  trans.set_data_length(unsigned(t.bytes));
  trans.set_streaming_width(unsigned(t.bytes));
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  trans.set_extension(&train);
  sc_time delay = SC_ZERO_TIME;  // the path adds its latency; each burst arrives that long after it issues
  socket->b_transport(trans, delay);
  trans.clear_extension(&train);
  // Not priced (an error found before pricing anything): burst by burst, which
  // finds the failing burst's address.
  if (!train.priced) return false;
  energy_.add(Action::DmaBurst, (t.bytes + params_.burst_bytes - 1) / params_.burst_bytes);
  done_at_[t.ticket] = std::max(sc_time_stamp(), train.done);
  return true;
}

void Dma::Burst::fill(tlm::tlm_generic_payload& trans) const {
  trans.set_command(read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
  trans.set_address(addr);
  trans.set_data_ptr(data);
  trans.set_data_length(unsigned(bytes));
  trans.set_streaming_width(unsigned(bytes));
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

bool Dma::issue_lt(const Burst& burst, Ticket ticket) {
  const sc_time issue = window_.issue();
  tlm::tlm_generic_payload& trans = lt_trans_;
  burst.fill(trans);
  sc_time delay = issue - sc_time_stamp();
  socket->b_transport(trans, delay);
  if (trans.is_response_error()) {
    fail(trans.get_address());
    return false;
  }
  const sc_time burst_done = sc_time_stamp() + delay;
  window_.issued(burst_done);  // one burst request per cycle
  done_at_[ticket] = std::max(done_at_[ticket], burst_done);
  return true;
}

bool Dma::issue_at(const Burst& burst, Ticket ticket) {
  while (in_flight_ >= params_.outstanding && !failed_) sc_core::wait(progress_);
  if (failed_) return false;
  if (next_issue_ > sc_time_stamp()) sc_core::wait(next_issue_ - sc_time_stamp());
  const sc_time issued = sc_time_stamp();

  tlm::tlm_generic_payload& trans = pool_.take();
  trans.acquire();
  burst.fill(trans);
  burst_ticket_[&trans] = ticket;
  ++bursts_in_flight_[ticket];
  ++in_flight_;
  awaiting_end_req_ = &trans;
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_time delay = SC_ZERO_TIME;
  switch (socket->nb_transport_fw(trans, phase, delay)) {
    case tlm::TLM_COMPLETED:  // answered at once (an address error, say)
      awaiting_end_req_ = nullptr;
      responses_.notify(trans, tlm::BEGIN_RESP, delay);
      break;
    case tlm::TLM_UPDATED:
      if (phase == tlm::BEGIN_RESP) {
        awaiting_end_req_ = nullptr;
        phase = tlm::END_RESP;
        sc_time end = SC_ZERO_TIME;
        socket->nb_transport_fw(trans, phase, end);
        responses_.notify(trans, tlm::BEGIN_RESP, delay);
      } else {
        responses_.notify(trans, phase, delay);  // END_REQ
      }
      break;
    case tlm::TLM_ACCEPTED:
      break;
  }
  // Back-pressure: the next request waits until the target took this one.
  while (awaiting_end_req_ == &trans) sc_core::wait(end_req_);
  next_issue_ = std::max(issued + clock_, sc_time_stamp());
  return true;
}

tlm::tlm_sync_enum Dma::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_time& delay) {
  responses_.notify(trans, phase, delay);
  // A response ends the transaction here: no END_RESP needed.
  return phase == tlm::BEGIN_RESP ? tlm::TLM_COMPLETED : tlm::TLM_ACCEPTED;
}

void Dma::response(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  if (awaiting_end_req_ == &trans) {  // END_REQ, or a BEGIN_RESP that implies it
    awaiting_end_req_ = nullptr;
    end_req_.notify();
  }
  if (phase == tlm::BEGIN_RESP) complete(trans);
}

void Dma::complete(tlm::tlm_generic_payload& trans) {
  auto it = burst_ticket_.find(&trans);
  const Ticket ticket = it->second;
  burst_ticket_.erase(it);
  if (trans.is_response_error()) fail(trans.get_address());
  if (--bursts_in_flight_[ticket] == 0) bursts_in_flight_.erase(ticket);
  --in_flight_;
  trans.release();
  progress_.notify(SC_ZERO_TIME);
}

}  // namespace flexcim
