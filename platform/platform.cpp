#include "platform.h"

#include <fmt/format.h>

#include "flexcim_regs.h"

namespace flexcim {

using namespace sc_core;

namespace {
enum Port : unsigned { kAcceleratorPort = 0, kDramPort = 1 };
}  // namespace

Platform::Platform(sc_module_name name, const PlatformParams& p) : sc_module(name), params_(p), irq_("irq") {
  SC_HAS_PROCESS(Platform);
  // The firmware's end stops the simulation: SystemC's note that sc_stop was called is no news.
  sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
  cpu_ = std::make_unique<HostCpu>("host_cpu", sc_time(p.host_access_latency_ns, SC_NS));
  router_ = std::make_unique<Router>("router", sc_time(p.hop_latency_ns, SC_NS));
  accelerator_ = std::make_unique<Accelerator>("accelerator", p.accelerator, energy_);

  cpu_->socket.bind(router_->in);
  accelerator_->dma().socket.bind(router_->in);
  router_->out.bind(accelerator_->regs_socket);  // port 0
  if (p.dram_model == DramModel::DramSys) {
    dramsys_ = std::make_unique<DramSysMemory>("dram", *p.dramsys, p.dram.size_bytes, p.dram_energy, energy_);
    router_->out.bind(dramsys_->socket);  // port 1
    SC_METHOD(sample_dram);
    sensitive << accelerator_->running;
    dont_initialize();
  } else {
    dram_ = std::make_unique<Dram>("dram", p.dram, energy_);
    router_->out.bind(dram_->socket);  // port 1
  }
  router_->map("accelerator", p.accelerator_base, FLEXCIM_ACC_SIZE, kAcceleratorPort);
  router_->map("dram", p.dram_base, p.dram.size_bytes, kDramPort);

  accelerator_->irq.bind(irq_);
  cpu_->irq.bind(irq_);

  SC_METHOD(watch);  // runs once at start-up to arm itself
}

Platform::~Platform() {
  if (trace_) sc_close_vcd_trace_file(trace_);
}

fw::BoardInfo Platform::board() const { return {params_.accelerator_base, params_.dram_base, params_.dram.size_bytes}; }

namespace {
// The VCD time unit equal to the kernel's time resolution: clocks like 333 MHz put
// events between nanoseconds, and a coarser unit loses them (SystemC warning W713).
void set_resolution_unit(sc_trace_file* trace) {
  for (sc_time_unit unit : {SC_FS, SC_PS, SC_NS, SC_US, SC_MS, SC_SEC})
    for (double value : {1.0, 10.0, 100.0})
      if (sc_time(value, unit) == sc_get_time_resolution()) return trace->set_time_unit(value, unit);
}
}  // namespace

void Platform::trace_to(const std::string& path) {
  trace_ = sc_create_vcd_trace_file(path.c_str());
  set_resolution_unit(trace_);
  for (const auto& m : accelerator_->macros()) sc_trace(trace_, m->busy, std::string(m->name()) + ".busy");
  sc_trace(trace_, accelerator_->sequencer().state, std::string(accelerator_->sequencer().name()) + ".state");
  sc_trace(trace_, accelerator_->dma().active, std::string(accelerator_->dma().name()) + ".active");
  sc_trace(trace_, irq_, irq_.name());
}

void Platform::run(HostCpu::Program program) {
  cpu_->set_program(std::move(program));
  {
    SignalStop::Watch watch(signal_stop_);
    sc_start();
  }
  if (trace_) {
    sc_close_vcd_trace_file(trace_);
    trace_ = nullptr;
  }
  if (!stall_.empty()) throw std::runtime_error(stall_);
  if (cpu_->failure()) std::rethrow_exception(cpu_->failure());
  // A signal that came after the firmware finished stopped nothing.
  if (signal_stop_.signal() && !cpu_->finished())
    throw Interrupted(signal_stop_.signal(), fmt::format("interrupted by {} at {:.3f} us of simulated time",
                                                         signal_name(signal_stop_.signal()),
                                                         sc_time_stamp().to_seconds() * 1e6));
}

void Platform::sample_dram() { dram_samples_.push_back({dramsys_->energy(), dramsys_->commands()}); }

DramSample Platform::job_dram(size_t index) const {
  const DramSample& start = dram_samples_.at(2 * index);
  const DramSample& end = dram_samples_.at(2 * index + 1);
  return {end.energy - start.energy, end.commands - start.commands};
}

EnergyBreakdown Platform::job_energy(const EnergyTable& table, size_t index) const {
  const Accelerator::JobRecord& job = accelerator_->jobs().at(index);
  EnergyBreakdown e = price(table, job.energy, accelerator_->hardware_sizes(), job.duration_ns);
  if (dramsys_) {
    const DramEnergy dram = job_dram(index).energy;
    e.dynamic_pj[int(Component::Dram)] = dram.dynamic();
    e.leakage_pj[int(Component::Dram)] = dram.background + dram.power_down;
  }
  return e;
}

// Progress is any action a model counts (register accesses aside: a firmware
// polling a stuck accelerator is not progress) or a DRAM burst answered.
uint64_t Platform::progress() const {
  uint64_t sum = 0;
  for (int a = 0; a < kActions; ++a)
    if (Action(a) != Action::RegAccess) sum += energy_.count[a];
  return sum + (dramsys_ ? dramsys_->responses() : 0);
}

void Platform::watch() {
  const uint64_t now = progress();
  if (!armed_ || now != last_progress_) {
    armed_ = true;
    last_progress_ = now;
    next_trigger(sc_time(params_.stall_timeout_us, SC_US));
    return;
  }
  std::string state = cpu_->waiting_for_interrupt() ? "the firmware waits for an interrupt" : "the firmware runs";
  state += accelerator_->running.read() ? ", a job is running" : ", no job is running";
  if (dramsys_) state += fmt::format(", DRAM bursts outstanding in DRAMSys: {}", dramsys_->outstanding());
  stall_ = fmt::format("the simulation stalled: no progress for {} us of simulated time, at {} ({})",
                       params_.stall_timeout_us, sc_time_stamp().to_string(), state);
  sc_stop();
}

Json Platform::job_stats() const {
  const EnergyTable table = load_energy_table(params_);
  std::vector<EnergyBreakdown> energy;
  for (size_t i = 0; i < accelerator_->jobs().size(); ++i) energy.push_back(job_energy(table, i));
  return flexcim::job_stats(*accelerator_, energy, table.node);
}

}  // namespace flexcim
