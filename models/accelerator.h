// FlexCiM accelerator top: the register block (built from the register map),
// the sequencer, the DMA engine, three SRAM buffers and K macros, and the done
// interrupt. The register side is a TLM-2.0 target; memory traffic leaves
// through the DMA's initiator socket.
#pragma once
#include <algorithm>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "dma.h"
#include "macro.h"
#include "register_bank.h"
#include "sequencer.h"
#include "sram_buffer.h"

namespace flexcim {

class Accelerator : public sc_core::sc_module {
 public:
  struct BufferParams {
    uint64_t bytes = 0;
    uint64_t bytes_per_cycle = 0;
  };
  struct Params {
    MacroKind kind = MacroKind::FlexCiM;
    MacroModelKind macro_model = MacroModelKind::Tlm;  // TLM macros, or the Verilated RTL in the loop
    uint32_t arch = 0;        // CAP_ARCH value
    unsigned macros = 1;
    MacroGeometry geometry;
    MacroPipeline pipeline;
    uint32_t patterns = 0;    // CAP_PATTERNS bits
    BufferParams weight_buffer, activation_buffer, output_buffer;
    Dma::Params dma;
    sc_core::sc_time clock = sc_core::sc_time(1, sc_core::SC_NS);
    sc_core::sc_time register_latency = sc_core::SC_ZERO_TIME;
    uint64_t dram_base = 0, dram_size = 0;
    bool timing_only = false;  // DMA, sequencer and macros move and compute no data (scenario key mode)
  };

  // What one job cost, for the platform's statistics.
  struct JobRecord {
    Job job;
    JobOutcome outcome;
    double duration_ns = 0;
    EnergyCounts energy;             // actions counted during the job
    std::vector<uint64_t> macro_busy_cycles;
  };

  // Every job, summed: what a long session (thousands of jobs) reports.
  struct JobTotals {
    uint64_t jobs = 0, cycles = 0;
    double duration_ns = 0;
    EnergyCounts energy;
  };
  static constexpr size_t kDefaultJobLog = 1024;

  tlm_utils::simple_target_socket<Accelerator> regs_socket;
  sc_core::sc_out<bool> irq;
  sc_core::sc_signal<bool> running;  // a job is running (from CTRL.START to its end)

  Accelerator(sc_core::sc_module_name name, const Params& params, EnergyCounts& energy);

  Dma& dma() { return *dma_; }
  const std::vector<std::unique_ptr<MacroModel>>& macros() const { return macros_; }
  Sequencer& sequencer() { return *sequencer_; }
  // The most recent jobs, oldest first: at most job_log_capacity of them, so memory
  // stays bounded however long a session runs; totals() covers every job.
  const std::vector<JobRecord>& jobs() const { return jobs_; }
  const JobTotals& totals() const { return totals_; }
  void set_job_log_capacity(size_t jobs) { job_log_capacity_ = std::max<size_t>(jobs, 1); }
  const Params& params() const { return p_; }
  HardwareSizes hardware_sizes() const;

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  bool bus_access(tlm::tlm_generic_payload& trans, bool debug);

  void write_ctrl(uint32_t value);
  void update_irq();  // register side: schedule the line update
  void drive_irq();   // the one process that drives the line
  void finish(const JobOutcome& outcome);
  void run();  // the controller thread: one job per CTRL.START
  Job descriptor() const;

  Params p_;
  EnergyCounts& energy_;
  RegisterBank regs_;
  SramBuffer wbuf_, abuf_, obuf_;
  std::unique_ptr<Dma> dma_;
  std::vector<std::unique_ptr<MacroModel>> macros_;
  std::unique_ptr<Sequencer> sequencer_;
  sc_core::sc_event start_, irq_changed_;
  bool busy_ = false;
  std::vector<JobRecord> jobs_;
  size_t job_log_capacity_ = kDefaultJobLog;
  JobTotals totals_;
};

}  // namespace flexcim
