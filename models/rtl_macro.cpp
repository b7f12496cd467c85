#include "rtl_macro.h"

#include <stdexcept>

namespace flexcim {

using namespace sc_core;

namespace {
// Checked before the runner builds a model: the RTL has fixed pipeline stages.
const MacroPipeline& checked(MacroKind kind, const MacroGeometry& g, const MacroPipeline& pipe) {
  const std::string problem = rtl_macro_unavailable(kind, g, pipe);
  if (!problem.empty()) throw std::invalid_argument(problem);
  return pipe;
}
}  // namespace

RtlMacro::RtlMacro(sc_module_name name, MacroKind kind, const MacroGeometry& geometry, const MacroPipeline& pipeline,
                   sc_time clock, EnergyCounts& energy)
    : MacroModel(name), kind_(kind), g_(geometry), pipe_(checked(kind, geometry, pipeline)), clock_(clock),
      energy_(energy), runner_(kind, geometry) {
  SC_HAS_PROCESS(RtlMacro);
  SC_THREAD(run);
}

unsigned RtlMacro::pipeline_latency() const { return flexcim::pipeline_latency(kind_, g_, pipe_); }

void RtlMacro::run() {
  for (;;) {
    wait(start_);
    busy.write(true);
    const Tile tile = tile_;
    // The whole tile runs in the RTL now; simulated time then advances by the
    // cycles the RTL took (or, for a bad record, by the write the TLM charges).
    const RtlTileRunner::Outcome outcome = runner_.run(tile);
    metadata_error_ = outcome.bad_select >= 0;
    uint64_t cycles = tile.write_cycles;
    if (metadata_error_) {
      metadata_error_offset_ = tile.record_offset + uint64_t(outcome.bad_select);
    } else {
      count_tile_actions(energy_, kind_, g_, tile.dense_record, tile.tokens);
      cycles = outcome.timing.busy;
    }
    wait(clock_ * double(cycles));
    busy_cycles_ += cycles;
    busy.write(false);
    done_.notify(SC_ZERO_TIME);
  }
}

}  // namespace flexcim
