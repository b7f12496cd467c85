// The RTL harness: drives one Verilated macro (rtl/verilator/rtl_core.h) with
// what the sequencer hands a macro, a tile record and a token stream, and adds
// its results into the tile's output accumulators as the TLM macro does. The
// record reaches the write port through the one record decoder (tile_record.h).
// RtlMacro (RTL in the loop) and the correlation tests (tests/rtl) use it.
//
// Schedule of one tile, in cycles from its start (what the sequencer's buffer
// ports allow; the macro itself takes a beat or a token every cycle):
//   beat c (column c, the selects with beat 0)  cycle floor(c * write_cycles / C)
//   token k enters                              cycle write_cycles + (k+1) * issue_interval - 1
//                                               (its activations cross the port in the
//                                               issue_interval cycles up to then)
//   a result is taken from the output register  in the cycle it is there (out_valid)
// The tile is done in the cycle its last result is in the output register: the
// measured first_result, last_result and busy are then what tile_timing()
// (macro.h) states for the TLM macro, if the RTL's pipeline is what
// pipeline_latency() counts.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "macro.h"
#include "rtl_core.h"
#include "tile_record.h"

namespace flexcim {

class RtlTileRunner {
 public:
  // Throws std::invalid_argument when this build has no Verilated model of the macro.
  RtlTileRunner(MacroKind kind, const MacroGeometry& geometry);

  struct Outcome {
    int64_t bad_select = -1;  // index of the first invalid select byte in the record (nothing ran), or -1
    TileTiming timing;        // measured
  };
  Outcome run(const MacroModel::Tile& tile);

  uint64_t cycles() const { return cycles_; }  // clock edges driven so far

 private:
  void fill_bus(const int8_t* x, RowMapping mapping);

  MacroKind kind_;
  MacroGeometry g_;
  std::unique_ptr<rtl::Core> core_;
  SelectRegisters selects_;
  std::vector<int8_t> beat_weight_;
  std::vector<uint8_t> beat_meta_;
  std::vector<uint8_t> bus_;
  std::vector<int32_t> sums_;
  uint64_t cycles_ = 0;
};


// Why `macro_model: rtl` cannot model this macro in this build ("" if it can):
// no Verilator at build time, a geometry that was not Verilated, or a pipeline
// other than the RTL's one register per stage.
std::string rtl_macro_unavailable(MacroKind kind, const MacroGeometry& g, const MacroPipeline& pipe);
// The same, against a given list of Verilated builds.
std::string rtl_macro_unavailable(MacroKind kind, const MacroGeometry& g, const MacroPipeline& pipe,
                                  const std::vector<rtl::Build>& built);

}  // namespace flexcim
