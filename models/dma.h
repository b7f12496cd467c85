// The accelerator's DMA engine: one channel that executes transfers between DRAM
// (through its TLM initiator socket) and the on-chip buffers in submission order.
// Transfers are split into bursts of burst_bytes, issued one per cycle with up to
// `outstanding` bursts in flight; the window spans transfer boundaries, so
// back-to-back transfers stream without draining and DRAM latency is paid once
// per stream. Write data is captured when the transfer is
// submitted (the engine's write FIFO), so the source buffer may be reused at once;
// read data is in the destination when the transfer is done.
//
// Two bus protocols, chosen by the memory behind the socket:
//  - loosely timed (the simple DRAM): each burst is one b_transport whose
//    annotated delay says when it completes; the window is kept on those times.
//  - approximately timed (DRAMSys): each burst is a BEGIN_REQ that waits for the
//    target's END_REQ (back-pressure) and completes at its BEGIN_RESP; the
//    window is the count of bursts between the two.
//
// Timing-only (Params::timing_only): no data moves. On the LT path a transfer
// is one transaction carrying a burst train (burst_train.h) that the target
// prices burst by burst; the times and counts are the burst-by-burst ones. On
// the AT path bursts go out one by one as in functional runs, without data.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "burst_train.h"
#include "energy.h"
#include "payload_pool.h"

namespace flexcim {

class Dma : public sc_core::sc_module {
 public:
  enum class Protocol { LooselyTimed, ApproximatelyTimed };
  struct Params {
    uint64_t burst_bytes = 256;
    unsigned outstanding = 8;
    Protocol protocol = Protocol::LooselyTimed;
    bool timing_only = false;  // move no data; LT: price whole transfers as burst trains where the target can
  };
  using Ticket = uint64_t;

  tlm_utils::simple_initiator_socket<Dma> socket;
  sc_core::sc_signal<bool> active;

  Dma(sc_core::sc_module_name name, const Params& params, sc_core::sc_time clock, EnergyCounts& energy);

  Ticket read(uint64_t dram_addr, uint8_t* dst, uint64_t bytes);          // DRAM -> buffer
  Ticket write(uint64_t dram_addr, const uint8_t* src, uint64_t bytes);   // buffer -> DRAM
  // Blocks the calling thread until the transfer is done; false on a bus error.
  bool wait(Ticket ticket);
  // Address of the first failed burst, valid after wait() returned false.
  uint64_t error_address() const { return error_address_; }
  // After an error: drops queued transfers once the running one and the bursts
  // in flight have ended.
  void flush();

 private:
  struct Transfer {
    Ticket ticket;
    bool read;
    uint64_t addr;
    uint64_t bytes;
    uint8_t* dst;                 // reads
    std::vector<uint8_t> data;    // writes, captured at submission
  };
  struct Burst {
    bool read;
    uint64_t addr;
    uint8_t* data;
    uint64_t bytes;
    void fill(tlm::tlm_generic_payload& trans) const;
  };

  Ticket submit(Transfer t);
  void run();
  // Issues the transfer's bursts; false on a bus error.
  bool execute(Transfer& t);
  // LT, timing-only: the whole transfer as one burst train; false when the target did not price it.
  bool execute_train(const Transfer& t);
  bool issue_lt(const Burst& burst, Ticket ticket);
  bool issue_at(const Burst& burst, Ticket ticket);
  void fail(uint64_t address);

  // AT: the target's side of a burst.
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void response(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
  void complete(tlm::tlm_generic_payload& trans);

  Params params_;
  sc_core::sc_time clock_;
  EnergyCounts& energy_;
  std::deque<Transfer> queue_;
  Ticket next_ticket_ = 1, issued_ = 0;
  bool executing_ = false;
  sc_core::sc_time next_issue_;                 // AT: absolute time the next burst may issue
  bool failed_ = false;
  uint64_t error_address_ = 0;
  sc_core::sc_event queued_, progress_;         // progress: a transfer issued or a burst completed

  // LT: completion times, known when a burst is issued.
  tlm::tlm_generic_payload lt_trans_;
  std::map<Ticket, sc_core::sc_time> done_at_;  // issued transfers not yet waited for
  BurstWindow window_;                          // bursts in flight; when the next one may issue
  std::vector<uint8_t> scratch_;                // timing-only: where burst data goes (outlives AT bursts)

  // AT: bursts between BEGIN_REQ and BEGIN_RESP, per transfer.
  PayloadPool pool_;
  std::map<Ticket, unsigned> bursts_in_flight_;
  std::map<const tlm::tlm_generic_payload*, Ticket> burst_ticket_;
  unsigned in_flight_ = 0;
  const tlm::tlm_generic_payload* awaiting_end_req_ = nullptr;
  sc_core::sc_event end_req_;
  tlm_utils::peq_with_cb_and_phase<Dma> responses_;
};

}  // namespace flexcim
