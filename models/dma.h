// The accelerator's DMA engine: one channel that executes transfers between DRAM
// (through its TLM initiator socket) and the on-chip buffers in submission order.
// Transfers are split into bursts issued one per cycle, with up to `outstanding`
// bursts in flight; the window spans transfer boundaries, so back-to-back
// transfers stream without draining and DRAM latency is paid once per stream.
// Write data is captured when the transfer is submitted (the engine's write
// FIFO), so the source buffer may be reused at once; read data lands in the
// destination when the burst is issued (LT), and a waiter resumes at the
// transfer's completion time.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "energy.h"

namespace flexcim {

class Dma : public sc_core::sc_module {
 public:
  struct Params {
    uint64_t burst_bytes = 256;
    unsigned outstanding = 8;
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
  // Drops queued transfers (after an error) once the running one ends.
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
  Ticket submit(Transfer t);
  void run();
  // Issues the transfer's bursts; returns its completion time, or false on a bus error.
  bool execute(Transfer& t, sc_core::sc_time& done);

  Params params_;
  sc_core::sc_time clock_;
  EnergyCounts& energy_;
  std::deque<Transfer> queue_;
  Ticket next_ticket_ = 1, issued_ = 0;
  std::map<Ticket, sc_core::sc_time> done_at_;  // issued transfers not yet waited for
  std::deque<sc_core::sc_time> in_flight_;      // completion times of bursts in flight
  sc_core::sc_time next_issue_;                 // absolute time the next burst may issue
  bool failed_ = false;
  uint64_t error_address_ = 0;
  sc_core::sc_event queued_, issued_event_;
};

}  // namespace flexcim
