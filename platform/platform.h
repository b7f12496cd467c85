// The virtual platform: host CPU (running the firmware), router, DRAM and the
// FlexCiM accelerator, assembled from a scenario.
//
//   host_cpu --socket--> router --+--> accelerator.regs_socket   (ACC registers)
//                                 +--> dram.socket
//   accelerator.dma.socket -----> router
//   accelerator.irq ------------> host_cpu.irq
#pragma once
#include <memory>
#include <string>

#include <systemc>

#include "accelerator.h"
#include "dram.h"
#include "energy.h"
#include "host_cpu.h"
#include "router.h"
#include "runtime.h"
#include "scenario.h"

namespace flexcim {

class Platform : public sc_core::sc_module {
 public:
  Platform(sc_core::sc_module_name name, const PlatformParams& params);
  ~Platform() override;

  HostCpu& cpu() { return *cpu_; }
  Accelerator& accelerator() { return *accelerator_; }
  Router& router() { return *router_; }
  Dram& dram() { return *dram_; }
  const EnergyCounts& energy() const { return energy_; }
  fw::BoardInfo board() const;

  // VCD of macro busy, controller state, DMA activity and the interrupt line.
  void trace_to(const std::string& vcd_path_without_extension);
  sc_core::sc_trace_file* trace_file() { return trace_; }  // null without trace_to()
  // Runs the firmware program to completion; rethrows what the firmware threw.
  void run(HostCpu::Program program);

 private:
  PlatformParams params_;
  EnergyCounts energy_;
  std::unique_ptr<HostCpu> cpu_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<Dram> dram_;
  std::unique_ptr<Accelerator> accelerator_;
  sc_core::sc_signal<bool> irq_;
  sc_core::sc_trace_file* trace_ = nullptr;
};

}  // namespace flexcim
