// RTL in the loop: a macro whose data path and cycle counts come from the
// Verilated RTL (rtl/flexcim_macro.sv, rtl/flexcim_dense_macro.sv), clocked cycle
// by cycle through RtlTileRunner, behind the same interface as the TLM macro
// (`platform.accelerator.macro_model: rtl`). Energy is counted from the same
// modelled actions as the TLM macro's (count_tile_actions).
#pragma once
#include <systemc>

#include "energy.h"
#include "macro.h"
#include "rtl_tile_runner.h"

namespace flexcim {

class RtlMacro : public MacroModel {
 public:
  // Throws std::invalid_argument (rtl_macro_unavailable's text) when this build
  // cannot model the macro in RTL.
  RtlMacro(sc_core::sc_module_name name, MacroKind kind, const MacroGeometry& geometry,
           const MacroPipeline& pipeline, sc_core::sc_time clock, EnergyCounts& energy);

  unsigned pipeline_latency() const override;

 private:
  void run();

  MacroKind kind_;
  MacroGeometry g_;
  MacroPipeline pipe_;
  sc_core::sc_time clock_;
  EnergyCounts& energy_;
  RtlTileRunner runner_;
};

}  // namespace flexcim
