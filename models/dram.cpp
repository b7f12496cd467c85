#include "dram.h"

#include <algorithm>

#include "burst_train.h"

namespace flexcim {

using namespace sc_core;

Dram::Dram(sc_module_name name, const Params& params, EnergyCounts& energy)
    : sc_module(name), socket("socket"), params_(params), energy_(energy), storage_(params.size_bytes),
      latency_(params.latency_ns, SC_NS) {
  socket.register_b_transport(this, &Dram::b_transport);
  socket.register_transport_dbg(this, &Dram::transport_dbg);
}

void Dram::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (!storage_.check(trans)) return;
  const uint64_t bytes = trans.get_data_length();
  energy_.add(trans.is_read() ? Action::DramReadByte : Action::DramWriteByte, bytes);
  if (BurstTrain* train = trans.get_extension<BurstTrain>()) {
    price_train(trans, *train, delay);
    return;
  }
  storage_.copy(trans);
  delay = burst(sc_time_stamp() + delay, transfer_time(bytes)) - sc_time_stamp();
}

sc_time Dram::transfer_time(uint64_t bytes) const { return sc_time(double(bytes) / params_.bandwidth_gbps, SC_NS); }

// LT timing: the request waits for the data bus, holds it for bytes / bandwidth
// and completes one latency after it started.
sc_time Dram::burst(sc_time arrival, sc_time transfer) {
  const sc_time start = std::max(arrival, bus_free_at_);
  bus_free_at_ = start + transfer;
  return start + latency_ + transfer;
}

// Each burst arrives `delay` (the path's latency) after the window issues it,
// exactly as it would as a transaction of its own.
void Dram::price_train(tlm::tlm_generic_payload& trans, BurstTrain& train, const sc_time& delay) {
  const uint64_t bytes = trans.get_data_length();
  const sc_time full = transfer_time(train.burst_bytes), tail = transfer_time(bytes % train.burst_bytes);
  BurstWindow& window = *train.window;
  train.done = SC_ZERO_TIME;
  for (uint64_t off = 0; off < bytes; off += train.burst_bytes) {
    // Steady state: the window full of bursts `full` apart, the oldest not yet
    // done when the next may issue, so it issues when the oldest completes, and
    // arrives no later than the bus frees, so it starts when the bus frees; the
    // newest completes one latency after that. Then every further full burst
    // does the same, `full` later (the bus is slower than the issue rate): skip
    // to the last of them in one step.
    const uint64_t full_left = (bytes - off) / train.burst_bytes;
    if (full_left > 1 && full > window.interval() && window.full() && window.oldest() + delay <= bus_free_at_ &&
        window.newest() == bus_free_at_ + latency_ && window.progression(full)) {
      window.advance(full_left, full);
      bus_free_at_ += full * double(full_left);
      train.done = std::max(train.done, window.newest());
      off += (full_left - 1) * train.burst_bytes;
      continue;
    }
    const sc_time done = burst(window.issue() + delay, bytes - off >= train.burst_bytes ? full : tail);
    window.issued(done);
    train.done = std::max(train.done, done);
  }
  train.priced = true;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned Dram::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!storage_.check(trans)) return 0;
  storage_.copy(trans);
  return trans.get_data_length();
}

}  // namespace flexcim
