#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: a thread per port
#include "dramsys_memory.h"

#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include <DRAMSys/controller/Command.h>
#include <DRAMSys/controller/Controller.h>
#include <DRAMSys/simulation/Arbiter.h>
#include <DRAMSys/simulation/Dram.h>
#include <LibDRAMPower.h>

namespace flexcim {

using namespace sc_core;

namespace {

// DRAMSys's controller prints its bandwidth summary to stdout at the end of the
// simulation; the platform's stdout is its own report (and stats.json has the figures).
class QuietController : public DRAMSys::Controller {
 public:
  using Controller::Controller;

 private:
  void end_of_simulation() override {}
};

}  // namespace

struct DramSysMemory::Port {
  explicit Port(const std::string& name) : socket(name.c_str()) {}
  tlm_utils::simple_initiator_socket_tagged<DramSysMemory> socket;
  std::deque<tlm::tlm_generic_payload*> waiting;  // pieces for BEGIN_REQ, in order
  sc_event queued, end_req;
  const tlm::tlm_generic_payload* awaiting_end_req = nullptr;
};

// One channel's DRAM devices: DRAMSys's Dram, which feeds DRAMPower with every
// command when power analysis is on, extended to count the commands and to read
// DRAMPower's energy (the Dram keeps it for subclasses, like DRAMSys's own
// DramRecordable).
class DramSysMemory::Channel : public DRAMSys::Dram {
 public:
  Channel(const sc_module_name& name, const DRAMSys::SimConfig& sim, const DRAMSys::MemSpec& spec)
      : Dram(name, sim, spec) {}

  const DramCommands& commands() const { return commands_; }
  double drampower_total_pj() const {
    return DRAMPower ? DRAMPower->getEnergy().total_energy * memSpec.devicesPerRank : 0.0;
  }

  // DRAMPower's energy of this channel from time zero to `now`, by component.
  DramEnergy drampower_energy(const sc_time& now) {
    const int64_t cycle = std::lround(now / memSpec.tCK);
    if (cycle > window_end_) {
      DRAMPower->calcWindowEnergy(cycle);
      const DRAMPower::MemoryPowerModel::Energy& e = DRAMPower->getEnergy();
      // DRAMPower models one device; a rank is devicesPerRank of them (as DRAMSys reports).
      const double devices = memSpec.devicesPerRank, ranks = memSpec.ranksPerChannel;
      const double bank_refresh = std::accumulate(e.refb_energy_banks.begin(), e.refb_energy_banks.end(), 0.0);
      DramEnergy w;
      w.activate = (e.act_energy + e.pre_energy) * devices;
      w.read = e.read_energy * devices;
      w.write = e.write_energy * devices;
      w.refresh = (e.ref_energy + bank_refresh) * devices;
      w.background = ranks * (e.act_stdby_energy + e.pre_stdby_energy) * devices;
      w.power_down = (ranks * (e.f_act_pd_energy + e.f_pre_pd_energy + e.s_act_pd_energy + e.s_pre_pd_energy +
                               e.sref_energy + e.sref_ref_energy + e.spup_ref_energy) +
                      e.io_term_energy) *
                     devices;
      total_ += w;
      window_end_ = cycle;
    }
    return total_;
  }

 private:
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_time& delay) override {
    using namespace DRAMSys;
    const uint64_t bytes = trans.get_data_length();
    if (phase == BEGIN_ACT) {
      ++commands_.activates;
    } else if (phase == BEGIN_PREPB || phase == BEGIN_PREAB || phase == BEGIN_PRESB) {
      ++commands_.precharges;
    } else if (phase == BEGIN_RD || phase == BEGIN_RDA) {
      ++commands_.reads;
      commands_.read_bytes += bytes;
      if (phase == BEGIN_RDA) ++commands_.precharges;
    } else if (phase == BEGIN_WR || phase == BEGIN_WRA || phase == BEGIN_MWR || phase == BEGIN_MWRA) {
      ++commands_.writes;
      commands_.write_bytes += bytes;
      if (phase == BEGIN_WRA || phase == BEGIN_MWRA) ++commands_.precharges;
    } else if (phase == BEGIN_REFAB) {
      ++commands_.refreshes;
    }
    return Dram::nb_transport_fw(trans, phase, delay);
  }

  DramCommands commands_;
  DramEnergy total_;
  int64_t window_end_ = 0;
};

DramSysMemory::DramSysMemory(sc_module_name name, const DramSysConfig& config, uint64_t size_bytes,
                             const DramEnergyTable& energy_table, EnergyCounts& energy)
    : sc_module(name), socket("socket"), config_(config), energy_table_(energy_table), energy_(energy),
      storage_(size_bytes), arriving_("arriving"), scratch_(config.burst_bytes) {
  SC_HAS_PROCESS(DramSysMemory);
  socket.register_nb_transport_fw(this, &DramSysMemory::nb_transport_fw);
  socket.register_transport_dbg(this, &DramSysMemory::transport_dbg);

  // What DRAMSys::DRAMSys assembles, with the two subclasses above and without its
  // trace recorders (DatabaseRecording is off) or console report.
  const DRAMSys::SimConfig& sim = *config_.simconfig;
  const DRAMSys::McConfig& mc = *config_.mcconfig;
  const DRAMSys::MemSpec& spec = *config_.memspec;
  const DRAMSys::AddressDecoder& decoder = *config_.decoder;
  switch (mc.arbiter) {
    case DRAMSys::Config::ArbiterType::Fifo:
      arbiter_ = std::make_unique<DRAMSys::ArbiterFifo>("arbiter", sim, mc, spec, decoder);
      break;
    case DRAMSys::Config::ArbiterType::Reorder:
      arbiter_ = std::make_unique<DRAMSys::ArbiterReorder>("arbiter", sim, mc, spec, decoder);
      break;
    default:
      arbiter_ = std::make_unique<DRAMSys::ArbiterSimple>("arbiter", sim, mc, spec, decoder);
      break;
  }
  for (unsigned c = 0; c < spec.numberOfChannels; ++c) {
    ports_.push_back(std::make_unique<Port>(fmt::format("port{}", c)));
    ports_.back()->socket.register_nb_transport_bw(this, &DramSysMemory::nb_transport_bw, int(c));
    ports_.back()->socket.bind(arbiter_->tSocket);
    controllers_.push_back(std::make_unique<QuietController>(fmt::format("controller{}", c).c_str(), mc, spec, decoder));
    channels_.push_back(std::make_unique<Channel>(fmt::format("channel{}", c).c_str(), sim, spec));
    arbiter_->iSocket.bind(controllers_.back()->tSocket);
    controllers_.back()->iSocket.bind(channels_.back()->tSocket);
    sc_spawn(sc_bind(&DramSysMemory::issue, this, c), fmt::format("issue{}", c).c_str());
  }
  SC_THREAD(split);
}

DramSysMemory::~DramSysMemory() = default;

tlm::tlm_sync_enum DramSysMemory::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                  sc_time& delay) {
  if (phase == tlm::END_RESP) return tlm::TLM_COMPLETED;
  if (phase != tlm::BEGIN_REQ) {
    SC_REPORT_ERROR(name(), "unexpected phase from the initiator");
    return tlm::TLM_COMPLETED;
  }
  if (!storage_.check(trans)) return tlm::TLM_COMPLETED;  // error response, at once
  storage_.copy(trans);
  const uint64_t bytes = trans.get_data_length();
  energy_.add(trans.is_read() ? Action::DramReadByte : Action::DramWriteByte, bytes);

  // One DRAMSys request per DRAM burst the request touches.
  const uint64_t g = config_.burst_bytes;
  const uint64_t first = trans.get_address() / g, last = (trans.get_address() + std::max<uint64_t>(bytes, 1) - 1) / g;
  const unsigned pieces = unsigned(last - first + 1);
  requests_[&trans] = Request{pieces, pieces};
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  arriving_.notify(trans, delay);
  return tlm::TLM_ACCEPTED;
}

unsigned DramSysMemory::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!storage_.check(trans)) return 0;
  storage_.copy(trans);
  return trans.get_data_length();
}

void DramSysMemory::split() {
  const uint64_t g = config_.burst_bytes;
  for (;;) {
    tlm::tlm_generic_payload* trans = arriving_.get_next_transaction();
    if (!trans) {
      wait(arriving_.get_event());
      continue;
    }
    const uint64_t first = trans->get_address() / g * g;
    for (unsigned i = 0; i < requests_.at(trans).unaccepted; ++i) {
      tlm::tlm_generic_payload& piece = pieces_.take();
      piece.acquire();
      piece.set_command(trans->get_command());
      piece.set_address(first + i * g);
      piece.set_data_ptr(scratch_.data());
      piece.set_data_length(unsigned(g));
      piece.set_streaming_width(unsigned(g));
      piece.set_byte_enable_ptr(nullptr);
      piece.set_dmi_allowed(false);
      piece.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      request_of_[&piece] = trans;
      Port& port = *ports_[config_.decoder->decodeChannel(piece.get_address())];
      port.waiting.push_back(&piece);
      port.queued.notify();
    }
  }
}

void DramSysMemory::issue(unsigned c) {
  Port& port = *ports_[c];
  for (;;) {
    while (port.waiting.empty()) wait(port.queued);
    tlm::tlm_generic_payload& piece = *port.waiting.front();
    port.waiting.pop_front();
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_time delay = SC_ZERO_TIME;
    port.awaiting_end_req = &piece;
    const tlm::tlm_sync_enum status = port.socket->nb_transport_fw(piece, phase, delay);
    if (status == tlm::TLM_ACCEPTED || (status == tlm::TLM_UPDATED && phase == tlm::BEGIN_REQ)) {
      while (port.awaiting_end_req == &piece) wait(port.end_req);
    } else {
      // DRAMSys's arbiters always accept a request and answer it later.
      SC_REPORT_ERROR(name(), "DRAMSys completed a request early");
      port.awaiting_end_req = nullptr;
    }
    accepted(piece);
  }
}

// Once DRAMSys took every piece of a request, its initiator may send the next one.
void DramSysMemory::accepted(tlm::tlm_generic_payload& piece) {
  tlm::tlm_generic_payload* trans = request_of_.at(&piece);
  if (--requests_.at(trans).unaccepted > 0) return;
  tlm::tlm_phase phase = tlm::END_REQ;
  sc_time delay = SC_ZERO_TIME;
  socket->nb_transport_bw(*trans, phase, delay);
}

tlm::tlm_sync_enum DramSysMemory::nb_transport_bw(int c, tlm::tlm_generic_payload& piece, tlm::tlm_phase& phase,
                                                  sc_time& delay) {
  Port& port = *ports_[c];
  if (phase == tlm::END_REQ) {
    if (port.awaiting_end_req == &piece) {
      port.awaiting_end_req = nullptr;
      port.end_req.notify(delay);
    }
    return tlm::TLM_ACCEPTED;
  }
  // DRAMSys's arbiters accept a request (END_REQ) before they answer it.
  if (phase != tlm::BEGIN_RESP || port.awaiting_end_req == &piece) {
    SC_REPORT_ERROR(name(), "unexpected phase from DRAMSys");
    return tlm::TLM_ACCEPTED;
  }
  auto it = request_of_.find(&piece);
  tlm::tlm_generic_payload* trans = it->second;
  request_of_.erase(it);
  piece.release();
  if (--requests_.at(trans).unanswered == 0) {
    requests_.erase(trans);
    ++responses_;
    trans->set_response_status(tlm::TLM_OK_RESPONSE);
    tlm::tlm_phase up = tlm::BEGIN_RESP;
    sc_time up_delay = delay;
    socket->nb_transport_bw(*trans, up, up_delay);
  }
  // Done with the piece: DRAMSys's arbiter may send this port its next response.
  phase = tlm::END_RESP;
  return tlm::TLM_UPDATED;
}

DramEnergy DramSysMemory::energy() {
  if (!config_.drampower) {
    const double elapsed_ns = sc_time_stamp().to_seconds() * 1e9;
    return energy_table_.price(commands(), config_.channels, elapsed_ns);
  }
  DramEnergy total;
  for (auto& channel : channels_) total += channel->drampower_energy(sc_time_stamp());
  return total;
}

DramCommands DramSysMemory::commands() const {
  DramCommands total;
  for (const auto& channel : channels_) total += channel->commands();
  return total;
}

double DramSysMemory::drampower_total_pj() const {
  double total = 0;
  for (const auto& channel : channels_) total += channel->drampower_total_pj();
  return total;
}

std::string DramSysMemory::energy_source() const {
  if (config_.drampower) return "DRAMPower (DRAMSys 5.1), I/O and termination not included";
  return fmt::format("energy table entry {}: {}", energy_table_.memory_id, energy_table_.source);
}

}  // namespace flexcim
