#include "macro.h"

#include <algorithm>

namespace flexcim {

using namespace sc_core;

namespace {
unsigned tree_levels(unsigned inputs) {
  unsigned levels = 0;
  while ((1u << levels) < inputs) ++levels;
  return levels;
}
}  // namespace

unsigned pipeline_latency(MacroKind kind, const MacroGeometry& g, const MacroPipeline& pipe) {
  if (kind == MacroKind::DenseDcim)
    return pipe.register_read + pipe.multiply + pipe.adder_level * tree_levels(g.rows * g.submacros) +
           pipe.psum_buffer + pipe.output_register;
  return pipe.register_read + 2 * pipe.distribution_level + pipe.multiply + pipe.adder_level * tree_levels(g.rows) +
         pipe.psum_buffer + pipe.merge_level * tree_levels(g.submacros) + pipe.output_register;
}

TileTiming tile_timing(uint64_t write_cycles, uint64_t tokens, uint64_t interval, unsigned latency) {
  TileTiming t;
  t.first_result = write_cycles + interval - 1 + latency;
  t.last_result = write_cycles + tokens * interval - 1 + latency;
  t.busy = t.last_result;
  return t;
}

void count_tile_actions(EnergyCounts& energy, MacroKind kind, const MacroGeometry& g, bool dense_record,
                        uint64_t tokens) {
  const uint64_t P = g.submacros, R = g.rows, C = g.cols, T = tokens;
  // The write: a dense record latches nothing but the weights.
  energy.add(Action::CellWrite, g.cells());
  if (!dense_record) {
    energy.add(Action::MetaWrite, g.cells());
    energy.add(Action::SelectWrite, g.select_bytes());
  }
  // Per token: every cell multiplies; each (row, sub-macro) operand line is
  // driven across the C columns: FlexCiM's pair line (16 bits) through both mux
  // levels into every cell's metadata-selected 2:1 operand mux, a dense
  // DCiM's row line (8 bits) straight into the cells.
  energy.add(Action::Mac, T * g.cells());
  energy.add(Action::PsumBuffer, T * P * C);
  energy.add(Action::OutReg, T * C);
  if (kind == MacroKind::FlexCiM) {
    energy.add(Action::OperandLineBit, T * R * P * 16);
    energy.add(Action::CellOperandMux, T * g.cells());
    energy.add(Action::TreeAdd, T * P * (R - 1) * C);
    energy.add(Action::DistMux, T * 2 * R * P);
    energy.add(Action::MergeAdd, T * (P - 1) * C);
  } else {
    energy.add(Action::OperandLineBit, T * R * P * 8);
    energy.add(Action::TreeAdd, T * (R * P - 1) * C);
  }
}

Macro::Macro(sc_module_name name, MacroKind kind, const MacroGeometry& geometry, const MacroPipeline& pipeline,
             sc_time clock, EnergyCounts& energy)
    : MacroModel(name), kind_(kind), g_(geometry), pipe_(pipeline), clock_(clock), energy_(energy),
      weight_(g_.cells()), meta_(g_.cells()), beat_weight_(g_.rows * g_.submacros),
      beat_meta_(g_.rows * g_.submacros), column_sum_(g_.submacros * g_.cols) {
  SC_HAS_PROCESS(Macro);
  SC_THREAD(run);
}

unsigned Macro::pipeline_latency() const { return flexcim::pipeline_latency(kind_, g_, pipe_); }

void Macro::run() {
  for (;;) {
    wait(start_);
    busy.write(true);
    const Tile tile = tile_;

    // Whole cycles times the clock's integer ticks: exact, however the wait is split.
    const uint64_t done = tile_timing(tile.write_cycles, tile.tokens, tile.issue_interval, pipeline_latency()).busy;
    uint64_t cycles = tile.write_cycles;
    if (tile.timing_only) {  // nothing to write or compute: the tile's cycles in one step
      count_tile_actions(energy_, kind_, g_, tile.dense_record, tile.tokens);
      wait(clock_ * double(done));
      cycles = done;
    } else {
      // Weight write: one column of every row and sub-macro per cycle.
      wait(clock_ * double(tile.write_cycles));
      metadata_error_ = !write_cells(tile);
      if (!metadata_error_) {
        compute(tile);
        count_tile_actions(energy_, kind_, g_, tile.dense_record, tile.tokens);
        wait(clock_ * double(done - cycles));
        cycles = done;
      }
    }
    busy_cycles_ += cycles;
    busy.write(false);
    done_.notify(SC_ZERO_TIME);
  }
}

bool Macro::write_cells(const Tile& tile) {
  const int64_t bad = decode_selects(tile.record, g_, tile.dense_record, tile.mapping, selects_);
  if (bad >= 0) {
    metadata_error_offset_ = tile.record_offset + uint64_t(bad);
    return false;
  }
  const unsigned rows = g_.rows * g_.submacros;
  for (unsigned c = 0; c < g_.cols; ++c) {
    decode_column(tile.record, g_, tile.dense_record, c, beat_weight_.data(), beat_meta_.data());
    for (unsigned rj = 0; rj < rows; ++rj) {
      weight_[rj * g_.cols + c] = beat_weight_[rj];
      meta_[rj * g_.cols + c] = beat_meta_[rj];
    }
  }
  return true;
}

void Macro::compute(const Tile& tile) {
  const unsigned P = g_.submacros, R = g_.rows, C = g_.cols;
  const unsigned n = tile.mapping.n, m = tile.mapping.m;
  const unsigned row_inputs = tile.mapping.inputs_per_row(P);

  for (unsigned t = 0; t < tile.tokens; ++t) {
    const int8_t* x = tile.x + t * tile.x_stride;
    std::fill(column_sum_.begin(), column_sum_.end(), 0);
    for (unsigned r = 0; r < R; ++r) {
      const int8_t* row_x = x + r * row_inputs;
      for (unsigned j = 0; j < P; ++j) {
        int32_t a[2];
        if (kind_ == MacroKind::FlexCiM) {
          // Bus group i carries group i / n of this row; level 1 picks a pair of it,
          // level 2 routes one level-1 output to sub-macro j.
          const unsigned i = selects_.l2_source[r * P + j];
          const int8_t* pair = row_x + (i / n) * m + 2 * selects_.l1_pair[r * P + i];
          a[0] = pair[0];
          a[1] = pair[1];
        } else {
          a[0] = a[1] = row_x[j];  // hard-wired: one input per physical row
        }
        const int8_t* w = &weight_[(r * P + j) * C];
        const uint8_t* sel = &meta_[(r * P + j) * C];
        int32_t* sum = &column_sum_[j * C];
        for (unsigned c = 0; c < C; ++c) sum[c] += int32_t(w[c]) * a[sel[c]];
      }
    }
    // Merge network: the P sub-macro columns of a channel feed one adder tree.
    int32_t* y = tile.y + t * tile.y_stride;
    for (unsigned c = 0; c < tile.valid_cols; ++c) {
      int32_t merged = 0;
      for (unsigned j = 0; j < P; ++j) merged += column_sum_[j * C + c];
      y[c] += merged;
    }
  }
}

}  // namespace flexcim
