// What the sequencer sees of a macro, whichever model computes it: the TLM
// macro (macro.h, fast) or the Verilated RTL (rtl_macro.h, cycle by cycle).
// Both take the same tiles, write the same output accumulators, raise the same
// metadata error and take the same cycles (tests/rtl checks it).
#pragma once
#include <cstdint>

#include <systemc>

namespace flexcim {

enum class MacroModelKind { Tlm, Rtl };

struct RowMapping {
  unsigned n = 4, m = 4;  // how a layer's N:M maps onto the rows (dense runs as P:P)
  unsigned inputs_per_row(unsigned submacros) const { return submacros * m / n; }
};

class MacroModel : public sc_core::sc_module {
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
    bool timing_only = false;         // write no cells, compute no outputs: the same cycles and actions
  };

  sc_core::sc_signal<bool> busy;

  // Cycles from the first token entering to its result in the output register.
  virtual unsigned pipeline_latency() const = 0;

  // Starts a tile; `done` fires when the last result is written.
  void start(const Tile& tile) {
    tile_ = tile;
    start_.notify(sc_core::SC_ZERO_TIME);
  }
  const sc_core::sc_event& done() const { return done_; }
  // Set when a select byte of the last tile was invalid: byte offset in the weight stream.
  bool metadata_error() const { return metadata_error_; }
  uint64_t metadata_error_offset() const { return metadata_error_offset_; }

  uint64_t busy_cycles() const { return busy_cycles_; }

 protected:
  explicit MacroModel(sc_core::sc_module_name name) : sc_module(name), busy("busy") {}

  Tile tile_;
  sc_core::sc_event start_, done_;
  bool metadata_error_ = false;
  uint64_t metadata_error_offset_ = 0;
  uint64_t busy_cycles_ = 0;
};

}  // namespace flexcim
