// One FlexCiM macro (DESIGN.md section 2): P sub-macros of R x C cells. A cell
// holds an int8 weight and one metadata bit. Per row, a two-level distribution
// network routes one activation pair to each sub-macro; the metadata bit picks
// the pair element the cell multiplies. Columns sum their rows in an adder tree;
// the merge network adds the P sub-macro columns into one output channel.
// In dense mode (dense tile records) the selects and metadata bits are fixed so
// that sub-macro j multiplies input j of its row's P: only weights are written.
//
// The `dense-dcim` baseline is the same cell array wired as one plain R*P x C
// macro: row (r, j) always sees input r*P + j; no distribution, no merge stage.
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>

#include "energy.h"
#include "macro_model.h"
#include "tile_record.h"

namespace flexcim {

enum class MacroKind { FlexCiM, DenseDcim };

struct MacroGeometry {
  unsigned submacros = 4;  // P
  unsigned rows = 32;      // R, the reduction dimension
  unsigned cols = 32;      // C, output channels
  unsigned cells() const { return submacros * rows * cols; }
  // One tile of the packed weight stream (docs/weight-format.md), padded to 4 bytes.
  // Sparse record: select bytes [R][P], weights [R][P][C], metadata bits [R][P][C].
  // Dense record (JOB_FLAGS.DENSE_TILES): weights [R][P][C] only.
  uint64_t select_bytes() const { return uint64_t(rows) * submacros; }
  uint64_t weight_bytes() const { return uint64_t(cells()); }
  uint64_t meta_bytes() const { return (uint64_t(cells()) + 7) / 8; }
  uint64_t tile_record_bytes() const { return (select_bytes() + weight_bytes() + meta_bytes() + 3) / 4 * 4; }
  uint64_t dense_record_bytes() const { return (weight_bytes() + 3) / 4 * 4; }
  uint64_t record_bytes(bool dense) const { return dense ? dense_record_bytes() : tile_record_bytes(); }
};

// Pipeline stage counts (cycles) of the fixed-latency units; the adder and merge
// trees take one stage per level, so their depth follows from the geometry.
struct MacroPipeline {
  unsigned register_read = 1;
  unsigned distribution_level = 1;  // per mux level; two levels
  unsigned multiply = 1;
  unsigned adder_level = 1;         // per adder-tree level
  unsigned psum_buffer = 1;
  unsigned merge_level = 1;         // per merge-tree level
  unsigned output_register = 1;
};

// Pipeline latency of a macro: cycles from a token entering to its result in the output register.
unsigned pipeline_latency(MacroKind kind, const MacroGeometry& g, const MacroPipeline& pipe);

// The TLM timing of one tile, in cycles from its start: the write takes
// write_cycles; token k's activations cross the activation port in cycles
// [write + k*interval, write + (k+1)*interval) and the token enters the pipeline
// in the last of them; its result reaches the output register `latency` cycles
// later. The tile is done when the last result is there.
struct TileTiming {
  uint64_t first_result = 0, last_result = 0, busy = 0;
};
TileTiming tile_timing(uint64_t write_cycles, uint64_t tokens, uint64_t interval, unsigned latency);

// The actions one tile of `tokens` costs, whichever model computes it.
void count_tile_actions(EnergyCounts& energy, MacroKind kind, const MacroGeometry& g, bool dense_record,
                        uint64_t tokens);

class Macro : public MacroModel {
 public:
  Macro(sc_core::sc_module_name name, MacroKind kind, const MacroGeometry& geometry,
        const MacroPipeline& pipeline, sc_core::sc_time clock, EnergyCounts& energy);

  unsigned pipeline_latency() const override;

 private:
  void run();
  bool write_cells(const Tile& tile);  // the weight-write port, beat by beat (tile_record.h)
  void compute(const Tile& tile);      // the data path, token by token

  MacroKind kind_;
  MacroGeometry g_;
  MacroPipeline pipe_;
  sc_core::sc_time clock_;
  EnergyCounts& energy_;

  // Cell array, [r][j][c] flattened; select state per (row, sub-macro).
  std::vector<int8_t> weight_;
  std::vector<uint8_t> meta_;
  SelectRegisters selects_;
  std::vector<int8_t> beat_weight_;  // one write-port beat
  std::vector<uint8_t> beat_meta_;
  std::vector<int32_t> column_sum_; // [j][c]: per sub-macro column partial sums
};

}  // namespace flexcim
