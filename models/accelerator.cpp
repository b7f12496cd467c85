#include "accelerator.h"

#include <fmt/format.h>

#include "flexcim_regs.h"
#include "regmap.h"
#include "rtl_macro.h"

namespace flexcim {

using namespace sc_core;

Accelerator::Accelerator(sc_module_name name, const Params& params, EnergyCounts& energy)
    : sc_module(name), regs_socket("regs_socket"), irq("irq"), running("running"), p_(params), energy_(energy),
      regs_(regs::block("ACC")),
      wbuf_("wbuf", params.weight_buffer.bytes, params.weight_buffer.bytes_per_cycle, Action::WbufReadByte,
            Action::WbufWriteByte, energy),
      abuf_("abuf", params.activation_buffer.bytes, params.activation_buffer.bytes_per_cycle, Action::AbufReadByte,
            Action::AbufWriteByte, energy),
      obuf_("obuf", params.output_buffer.bytes, params.output_buffer.bytes_per_cycle, Action::ObufReadByte,
            Action::ObufWriteByte, energy) {
  SC_HAS_PROCESS(Accelerator);
  regs_socket.register_b_transport(this, &Accelerator::b_transport);
  regs_socket.register_transport_dbg(this, &Accelerator::transport_dbg);

  Dma::Params dma = p_.dma;
  dma.timing_only = p_.timing_only;
  dma_ = std::make_unique<Dma>("dma", dma, p_.clock, energy);
  std::vector<MacroModel*> macro_ptrs;
  for (unsigned k = 0; k < p_.macros; ++k) {
    const std::string name = fmt::format("macro{}", k);
    if (p_.macro_model == MacroModelKind::Rtl)
      macros_.push_back(std::make_unique<RtlMacro>(name.c_str(), p_.kind, p_.geometry, p_.pipeline, p_.clock, energy));
    else
      macros_.push_back(std::make_unique<Macro>(name.c_str(), p_.kind, p_.geometry, p_.pipeline, p_.clock, energy));
    macro_ptrs.push_back(macros_.back().get());
  }
  Sequencer::Params sp{p_.kind, p_.geometry, p_.patterns, p_.dram_base, p_.dram_size, p_.timing_only};
  sequencer_ = std::make_unique<Sequencer>("sequencer", sp, *dma_, wbuf_, abuf_, obuf_, macro_ptrs, p_.clock, energy);

  // Capability registers describe this instance; the firmware reads, never assumes.
  const MacroGeometry& g = p_.geometry;
  regs_.set_config(FLEXCIM_ACC_CAP_GEOMETRY_OFFSET,
                   (p_.macros << FLEXCIM_ACC_CAP_GEOMETRY_MACROS_SHIFT) |
                       (g.submacros << FLEXCIM_ACC_CAP_GEOMETRY_SUBMACROS_SHIFT) |
                       (g.rows << FLEXCIM_ACC_CAP_GEOMETRY_ROWS_SHIFT) |
                       (g.cols << FLEXCIM_ACC_CAP_GEOMETRY_COLS_SHIFT));
  regs_.set_config(FLEXCIM_ACC_CAP_PATTERNS_OFFSET, p_.patterns);
  regs_.set_config(FLEXCIM_ACC_CAP_WBUF_BYTES_OFFSET, uint32_t(p_.weight_buffer.bytes));
  regs_.set_config(FLEXCIM_ACC_CAP_ABUF_BYTES_OFFSET, uint32_t(p_.activation_buffer.bytes));
  regs_.set_config(FLEXCIM_ACC_CAP_OBUF_BYTES_OFFSET, uint32_t(p_.output_buffer.bytes));
  regs_.set_config(FLEXCIM_ACC_CAP_ARCH_OFFSET, p_.arch);
  regs_.reset();

  regs_.on_write(FLEXCIM_ACC_CTRL_OFFSET, [this](uint32_t v) { write_ctrl(v); });
  regs_.on_write(FLEXCIM_ACC_IRQ_STATUS_OFFSET, [this](uint32_t) { update_irq(); });
  regs_.on_write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, [this](uint32_t) { update_irq(); });

  SC_THREAD(run);
  SC_METHOD(drive_irq);
  sensitive << irq_changed_;
}

HardwareSizes Accelerator::hardware_sizes() const {
  HardwareSizes hw;
  hw.macros = p_.macros;
  hw.wbuf = {wbuf_.size_bytes(), wbuf_.bytes_per_cycle()};
  hw.abuf = {abuf_.size_bytes(), abuf_.bytes_per_cycle()};
  hw.obuf = {obuf_.size_bytes(), obuf_.bytes_per_cycle()};
  return hw;
}

bool Accelerator::bus_access(tlm::tlm_generic_payload& trans, bool debug) {
  if (trans.get_byte_enable_ptr()) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  RegisterBank::Response r;
  if (trans.is_read())
    r = regs_.read(trans.get_address(), trans.get_data_ptr(), trans.get_data_length(), debug);
  else if (trans.is_write())
    r = regs_.write(trans.get_address(), trans.get_data_ptr(), trans.get_data_length(), debug);
  else
    r = RegisterBank::Response::CommandError;
  switch (r) {
    case RegisterBank::Response::Ok: trans.set_response_status(tlm::TLM_OK_RESPONSE); return true;
    case RegisterBank::Response::AddressError: trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE); break;
    case RegisterBank::Response::CommandError: trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE); break;
  }
  return false;
}

void Accelerator::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  // Register writes can start work: bring the model to the initiator's local time first.
  wait(delay);
  delay = p_.register_latency;
  energy_.add(Action::RegAccess, 1);
  bus_access(trans, false);
}

unsigned Accelerator::transport_dbg(tlm::tlm_generic_payload& trans) {
  return bus_access(trans, true) ? trans.get_data_length() : 0;
}

void Accelerator::write_ctrl(uint32_t value) {
  if (value & FLEXCIM_ACC_CTRL_RESET_MASK) {
    regs_.reset();
    // A running job is not aborted, so STATUS must keep saying so.
    if (busy_) regs_.set(FLEXCIM_ACC_STATUS_OFFSET, FLEXCIM_ACC_STATUS_BUSY_MASK);
    update_irq();
  }
  if (value & FLEXCIM_ACC_CTRL_START_MASK) {
    if (busy_) {
      // The running job goes on; the refused start is reported without disturbing it.
      regs_.set(FLEXCIM_ACC_STATUS_OFFSET, FLEXCIM_ACC_STATUS_BUSY_MASK | FLEXCIM_ACC_STATUS_ERROR_MASK |
                                               (FLEXCIM_ERR_BUSY << FLEXCIM_ACC_STATUS_ERR_CODE_SHIFT));
      regs_.set(FLEXCIM_ACC_IRQ_STATUS_OFFSET,
                regs_.value(FLEXCIM_ACC_IRQ_STATUS_OFFSET) | FLEXCIM_ACC_IRQ_STATUS_ERROR_MASK);
      update_irq();
      return;
    }
    busy_ = true;
    regs_.set(FLEXCIM_ACC_STATUS_OFFSET, FLEXCIM_ACC_STATUS_BUSY_MASK);
    start_.notify(SC_ZERO_TIME);
  }
}

// Register writes arrive on the initiator's thread; a signal has one driver,
// so the line itself is driven by drive_irq.
void Accelerator::update_irq() { irq_changed_.notify(SC_ZERO_TIME); }

void Accelerator::drive_irq() {
  irq.write(regs_.value(FLEXCIM_ACC_IRQ_STATUS_OFFSET) & regs_.value(FLEXCIM_ACC_IRQ_ENABLE_OFFSET));
}

Job Accelerator::descriptor() const {
  Job j;
  j.tokens = regs_.value(FLEXCIM_ACC_JOB_TOKENS_OFFSET);
  j.in_features = regs_.value(FLEXCIM_ACC_JOB_IN_FEATURES_OFFSET);
  j.out_features = regs_.value(FLEXCIM_ACC_JOB_OUT_FEATURES_OFFSET);
  const uint32_t pattern = regs_.value(FLEXCIM_ACC_JOB_PATTERN_OFFSET);
  j.n = (pattern & FLEXCIM_ACC_JOB_PATTERN_N_MASK) >> FLEXCIM_ACC_JOB_PATTERN_N_SHIFT;
  j.m = (pattern & FLEXCIM_ACC_JOB_PATTERN_M_MASK) >> FLEXCIM_ACC_JOB_PATTERN_M_SHIFT;
  j.w_addr = regs_.value(FLEXCIM_ACC_JOB_W_ADDR_OFFSET);
  j.w_bytes = regs_.value(FLEXCIM_ACC_JOB_W_BYTES_OFFSET);
  j.x_addr = regs_.value(FLEXCIM_ACC_JOB_X_ADDR_OFFSET);
  j.y_addr = regs_.value(FLEXCIM_ACC_JOB_Y_ADDR_OFFSET);
  const uint32_t flags = regs_.value(FLEXCIM_ACC_JOB_FLAGS_OFFSET);
  j.dense_tiles = flags & FLEXCIM_ACC_JOB_FLAGS_DENSE_TILES_MASK;
  j.out_int8 = flags & FLEXCIM_ACC_JOB_FLAGS_OUT_INT8_MASK;
  j.q_addr = regs_.value(FLEXCIM_ACC_JOB_Q_ADDR_OFFSET);
  return j;
}

void Accelerator::finish(const JobOutcome& outcome) {
  const bool ok = outcome.error == FLEXCIM_ERR_NONE;
  regs_.set(FLEXCIM_ACC_STATUS_OFFSET, ok ? FLEXCIM_ACC_STATUS_DONE_MASK
                                          : FLEXCIM_ACC_STATUS_ERROR_MASK |
                                                (outcome.error << FLEXCIM_ACC_STATUS_ERR_CODE_SHIFT));
  regs_.set(FLEXCIM_ACC_ERR_INFO_OFFSET, outcome.error_info);
  regs_.set(FLEXCIM_ACC_PERF_CYCLES_LO_OFFSET, uint32_t(outcome.cycles));
  regs_.set(FLEXCIM_ACC_PERF_CYCLES_HI_OFFSET, uint32_t(outcome.cycles >> 32));
  regs_.set(FLEXCIM_ACC_IRQ_STATUS_OFFSET,
            regs_.value(FLEXCIM_ACC_IRQ_STATUS_OFFSET) |
                (ok ? FLEXCIM_ACC_IRQ_STATUS_DONE_MASK : FLEXCIM_ACC_IRQ_STATUS_ERROR_MASK));
  update_irq();
}

void Accelerator::run() {
  for (;;) {
    wait(start_);
    running.write(true);
    JobRecord record;
    record.job = descriptor();
    const EnergyCounts before = energy_;
    std::vector<uint64_t> busy_before;
    for (auto& m : macros_) busy_before.push_back(m->busy_cycles());
    const sc_time begin = sc_time_stamp();

    record.outcome = sequencer_->execute(record.job);

    record.duration_ns = (sc_time_stamp() - begin).to_seconds() * 1e9;
    record.energy = energy_ - before;
    for (size_t k = 0; k < macros_.size(); ++k) record.macro_busy_cycles.push_back(macros_[k]->busy_cycles() - busy_before[k]);
    ++totals_.jobs;
    totals_.cycles += record.outcome.cycles;
    totals_.duration_ns += record.duration_ns;
    totals_.energy += record.energy;
    if (jobs_.size() >= job_log_capacity_) jobs_.erase(jobs_.begin(), jobs_.end() - (job_log_capacity_ - 1));
    jobs_.push_back(std::move(record));
    running.write(false);
    busy_ = false;
    finish(jobs_.back().outcome);
  }
}

}  // namespace flexcim
