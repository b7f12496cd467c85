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

// How a layer's N:M maps onto the rows (dense runs as P:P).
struct RowMapping {
  unsigned n = 4, m = 4;
  unsigned inputs_per_row(unsigned submacros) const { return submacros * m / n; }
};

class Macro : public sc_core::sc_module {
 public:
  // One tile of work: write the tile's cells, then stream `tokens` activation rows.
  struct Tile {
    const uint8_t* record = nullptr;  // tile record in the weight buffer
    bool dense_record = false;        // weights only: selects and metadata fixed by the dense mode
    RowMapping mapping;
    const int8_t* x = nullptr;        // activations of the first token at this tile's first input
    uint64_t x_stride = 0;            // bytes between tokens
    int32_t* y = nullptr;             // output accumulators of the first token, C per token
    uint64_t y_stride = 0;            // int32 elements between tokens
    unsigned tokens = 0;
    unsigned valid_cols = 0;          // columns that hold real output channels
    uint64_t write_cycles = 0;        // charged by the sequencer: buffer port bound
    uint64_t issue_interval = 1;      // cycles between tokens: buffer port bound
    uint64_t record_offset = 0;       // byte offset of the record in the weight stream (for errors)
  };

  sc_core::sc_signal<bool> busy;

  Macro(sc_core::sc_module_name name, MacroKind kind, const MacroGeometry& geometry,
        const MacroPipeline& pipeline, sc_core::sc_time clock, EnergyCounts& energy);

  // Cycles from the first token entering to its result in the output register.
  unsigned pipeline_latency() const;

  // Starts a tile; `done` fires when the last result is written.
  void start(const Tile& tile);
  const sc_core::sc_event& done() const { return done_; }
  // Set when a select byte of the last tile was invalid: byte offset in the weight stream.
  bool metadata_error() const { return metadata_error_; }
  uint64_t metadata_error_offset() const { return metadata_error_offset_; }

  uint64_t busy_cycles() const { return busy_cycles_; }

 private:
  void run();
  bool write_cells(const Tile& tile);  // decodes and checks the record (docs/weight-format.md)
  void compute(const Tile& tile);      // the data path, token by token

  MacroKind kind_;
  MacroGeometry g_;
  MacroPipeline pipe_;
  sc_core::sc_time clock_;
  EnergyCounts& energy_;

  // Cell array, [r][j][c] flattened; select state per (row, sub-macro).
  std::vector<int8_t> weight_;
  std::vector<uint8_t> meta_;
  std::vector<uint8_t> l1_pair_;    // level-1 mux (r, i): pair of bus group i
  std::vector<uint8_t> l2_source_;  // level-2 mux (r, j): which level-1 output feeds sub-macro j
  std::vector<int32_t> column_sum_; // [j][c]: per sub-macro column partial sums

  Tile tile_;
  sc_core::sc_event start_, done_;
  bool metadata_error_ = false;
  uint64_t metadata_error_offset_ = 0;
  uint64_t busy_cycles_ = 0;
};

}  // namespace flexcim
