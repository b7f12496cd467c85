#include "platform.h"

#include <fmt/format.h>

#include "flexcim_regs.h"

namespace flexcim {

using namespace sc_core;

namespace {
enum Port : unsigned { kAcceleratorPort = 0, kDramPort = 1 };
}  // namespace

Platform::Platform(sc_module_name name, const PlatformParams& p) : sc_module(name), params_(p), irq_("irq") {
  cpu_ = std::make_unique<HostCpu>("host_cpu", sc_time(p.host_access_latency_ns, SC_NS));
  router_ = std::make_unique<Router>("router", sc_time(p.hop_latency_ns, SC_NS));
  dram_ = std::make_unique<Dram>("dram", p.dram, energy_);
  accelerator_ = std::make_unique<Accelerator>("accelerator", p.accelerator, energy_);

  cpu_->socket.bind(router_->in);
  accelerator_->dma().socket.bind(router_->in);
  router_->out.bind(accelerator_->regs_socket);  // port 0
  router_->out.bind(dram_->socket);              // port 1
  router_->map("accelerator", p.accelerator_base, FLEXCIM_ACC_SIZE, kAcceleratorPort);
  router_->map("dram", p.dram_base, p.dram.size_bytes, kDramPort);

  accelerator_->irq.bind(irq_);
  cpu_->irq.bind(irq_);
}

Platform::~Platform() {
  if (trace_) sc_close_vcd_trace_file(trace_);
}

fw::BoardInfo Platform::board() const { return {params_.accelerator_base, params_.dram_base, params_.dram.size_bytes}; }

void Platform::trace_to(const std::string& path) {
  trace_ = sc_create_vcd_trace_file(path.c_str());
  trace_->set_time_unit(1, SC_NS);
  for (const auto& m : accelerator_->macros()) sc_trace(trace_, m->busy, std::string(m->name()) + ".busy");
  sc_trace(trace_, accelerator_->sequencer().state, std::string(accelerator_->sequencer().name()) + ".state");
  sc_trace(trace_, accelerator_->dma().active, std::string(accelerator_->dma().name()) + ".active");
  sc_trace(trace_, irq_, irq_.name());
}

void Platform::run(HostCpu::Program program) {
  cpu_->set_program(std::move(program));
  sc_start();
  if (trace_) {
    sc_close_vcd_trace_file(trace_);
    trace_ = nullptr;
  }
  if (cpu_->failure()) std::rethrow_exception(cpu_->failure());
}

}  // namespace flexcim
