// Main memory timed by DRAMSys 5.1. The platform keeps the contents (the same
// page store as the simple model), so every burst reads or writes its data when
// it is requested and the host's untimed load/dump keep working; DRAMSys, run
// with StoreMode NoStorage, decides when each burst completes (banks, rows,
// refresh, read/write turnaround, the controller's request buffer) and what it
// costs: DRAMPower where DRAMSys 5.1 connects it (DDR3, DDR4, WideIO), a
// per-command energy table for the other types.
//
//   socket --> page store
//      \-----> one request per DRAM burst it touches --> port[c] --> arbiter --> controller[c] --> channel[c]
//
// The socket is an AT target (BEGIN_REQ; END_REQ once DRAMSys accepted every
// piece, which is its back-pressure; BEGIN_RESP once every piece was answered);
// a b_transport is converted by the socket and blocks its caller. Each channel
// has its own port into DRAMSys's arbiter, as a memory system has a queue per
// channel: the arbiter answers one initiator at most once per DRAM cycle, which
// one port would make a limit of 32 bytes per ns on an HBM2 stack.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_get.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "dram_energy.h"
#include "dramsys_config.h"
#include "energy.h"
#include "memory_storage.h"
#include "payload_pool.h"

namespace DRAMSys {
class Arbiter;
class Controller;
}  // namespace DRAMSys

namespace flexcim {

class DramSysMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<DramSysMemory> socket;

  // `energy_table` prices the commands of memory types DRAMPower does not model
  // (unused for the others).
  DramSysMemory(sc_core::sc_module_name name, const DramSysConfig& config, uint64_t size_bytes,
                const DramEnergyTable& energy_table, EnergyCounts& energy);
  ~DramSysMemory() override;

  const DramSysConfig& config() const { return config_; }
  uint64_t size_bytes() const { return storage_.size_bytes(); }
  // Energy from time zero to now, and the commands issued so far, all channels.
  DramEnergy energy();
  DramCommands commands() const;
  std::string energy_source() const;
  // DRAMPower's own running total up to the last energy() (what DRAMSys prints at
  // its end), against which the breakdown can be checked; 0 without DRAMPower.
  double drampower_total_pj() const;
  // Bursts answered so far, and bursts accepted but not yet answered.
  uint64_t responses() const { return responses_; }
  size_t outstanding() const { return requests_.size(); }

 private:
  class Channel;
  struct Request {
    unsigned unaccepted;   // pieces DRAMSys has not taken yet
    unsigned unanswered;   // pieces DRAMSys has not answered yet
  };
  struct Port;

  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  tlm::tlm_sync_enum nb_transport_bw(int port, tlm::tlm_generic_payload& piece, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void split();           // thread: a request, once it arrives, into pieces queued at their channel's port
  void issue(unsigned c);  // thread per port: one BEGIN_REQ after the other's END_REQ
  void accepted(tlm::tlm_generic_payload& piece);

  DramSysConfig config_;
  DramEnergyTable energy_table_;
  EnergyCounts& energy_;
  MemoryStorage storage_;

  std::vector<std::unique_ptr<Port>> ports_;
  std::unique_ptr<DRAMSys::Arbiter> arbiter_;
  std::vector<std::unique_ptr<DRAMSys::Controller>> controllers_;
  std::vector<std::unique_ptr<Channel>> channels_;

  tlm_utils::peq_with_get<tlm::tlm_generic_payload> arriving_;  // requests, at their annotated time
  std::map<const tlm::tlm_generic_payload*, Request> requests_;  // by the initiator's payload
  std::map<const tlm::tlm_generic_payload*, tlm::tlm_generic_payload*> request_of_;  // piece -> request
  PayloadPool pieces_;
  std::vector<uint8_t> scratch_;  // data pointer of the pieces (DRAMSys stores nothing)
  uint64_t responses_ = 0;
};

}  // namespace flexcim
