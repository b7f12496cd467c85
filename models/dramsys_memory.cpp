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
      storage_(size_bytes), to_dramsys_("to_dramsys"), arriving_("arriving"), scratch_(config.access_bytes) {
  SC_HAS_PROCESS(DramSysMemory);
  socket.register_nb_transport_fw(this, &DramSysMemory::nb_transport_fw);
  socket.register_transport_dbg(this, &DramSysMemory::transport_dbg);
  to_dramsys_.register_nb_transport_bw(this, &DramSysMemory::nb_transport_bw);

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
  to_dramsys_.bind(arbiter_->tSocket);
  for (unsigned c = 0; c < spec.numberOfChannels; ++c) {
    controllers_.push_back(std::make_unique<QuietController>(fmt::format("controller{}", c).c_str(), mc, spec, decoder));
    channels_.push_back(std::make_unique<Channel>(fmt::format("channel{}", c).c_str(), sim, spec));
    arbiter_->iSocket.bind(controllers_.back()->tSocket);
    controllers_.back()->iSocket.bind(channels_.back()->tSocket);
  }
  SC_THREAD(issue);
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

  // One DRAM access per burst-aligned piece the request touches.
  const uint64_t g = config_.access_bytes;
  const uint64_t first = trans.get_address() / g, last = (trans.get_address() + std::max<uint64_t>(bytes, 1) - 1) / g;
  requests_[&trans] = Request{&trans, unsigned(last - first + 1)};
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  arriving_.notify(trans, delay);
  return tlm::TLM_ACCEPTED;
}

unsigned DramSysMemory::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!storage_.check(trans)) return 0;
  storage_.copy(trans);
  return trans.get_data_length();
}

void DramSysMemory::issue() {
  const uint64_t g = config_.access_bytes;
  for (;;) {
    tlm::tlm_generic_payload* trans = arriving_.get_next_transaction();
    if (!trans) {
      wait(arriving_.get_event());
      continue;
    }
    const uint64_t first = trans->get_address() / g * g;
    const unsigned pieces = requests_.at(trans).pieces_left;
    for (unsigned i = 0; i < pieces; ++i) {
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
      piece_of_[&piece] = trans;
      tlm::tlm_phase phase = tlm::BEGIN_REQ;
      sc_time delay = SC_ZERO_TIME;
      awaiting_end_req_ = &piece;
      const tlm::tlm_sync_enum status = to_dramsys_->nb_transport_fw(piece, phase, delay);
      if (status == tlm::TLM_ACCEPTED || (status == tlm::TLM_UPDATED && phase == tlm::BEGIN_REQ)) {
        while (awaiting_end_req_ == &piece) wait(end_req_);
      } else {
        // DRAMSys's arbiters always accept a request and answer it later.
        SC_REPORT_ERROR(name(), "DRAMSys completed a request early");
        awaiting_end_req_ = nullptr;
      }
    }
    // Every piece is in DRAMSys: the initiator may send its next request.
    tlm::tlm_phase phase = tlm::END_REQ;
    sc_time delay = SC_ZERO_TIME;
    if (requests_.count(trans)) socket->nb_transport_bw(*trans, phase, delay);
  }
}

tlm::tlm_sync_enum DramSysMemory::nb_transport_bw(tlm::tlm_generic_payload& piece, tlm::tlm_phase& phase,
                                                  sc_time& delay) {
  if (phase == tlm::END_REQ) {
    if (awaiting_end_req_ == &piece) {
      awaiting_end_req_ = nullptr;
      end_req_.notify(delay);
    }
    return tlm::TLM_ACCEPTED;
  }
  if (phase != tlm::BEGIN_RESP) {
    SC_REPORT_ERROR(name(), "unexpected phase from DRAMSys");
    return tlm::TLM_ACCEPTED;
  }
  // BEGIN_RESP also means END_REQ.
  if (awaiting_end_req_ == &piece) {
    awaiting_end_req_ = nullptr;
    end_req_.notify(delay);
  }
  auto it = piece_of_.find(&piece);
  tlm::tlm_generic_payload* trans = it->second;
  piece_of_.erase(it);
  piece.release();
  Request& request = requests_.at(trans);
  if (--request.pieces_left == 0) {
    requests_.erase(trans);
    ++responses_;
    trans->set_response_status(tlm::TLM_OK_RESPONSE);
    tlm::tlm_phase up = tlm::BEGIN_RESP;
    sc_time up_delay = delay;
    socket->nb_transport_bw(*trans, up, up_delay);
  }
  // Done with the piece: DRAMSys's arbiter may take the next response.
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
