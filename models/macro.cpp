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

Macro::Macro(sc_module_name name, MacroKind kind, const MacroGeometry& geometry, const MacroPipeline& pipeline,
             sc_time clock, EnergyCounts& energy)
    : sc_module(name), busy("busy"), kind_(kind), g_(geometry), pipe_(pipeline), clock_(clock), energy_(energy),
      weight_(g_.cells()), meta_(g_.cells()), l1_pair_(g_.rows * g_.submacros),
      l2_source_(g_.rows * g_.submacros), column_sum_(g_.submacros * g_.cols) {
  SC_HAS_PROCESS(Macro);
  SC_THREAD(run);
}

unsigned Macro::pipeline_latency() const {
  if (kind_ == MacroKind::DenseDcim)
    return pipe_.register_read + pipe_.multiply + pipe_.adder_level * tree_levels(g_.rows * g_.submacros) +
           pipe_.psum_buffer + pipe_.output_register;
  return pipe_.register_read + 2 * pipe_.distribution_level + pipe_.multiply +
         pipe_.adder_level * tree_levels(g_.rows) + pipe_.psum_buffer +
         pipe_.merge_level * tree_levels(g_.submacros) + pipe_.output_register;
}

void Macro::start(const Tile& tile) {
  tile_ = tile;
  start_.notify(SC_ZERO_TIME);
}

void Macro::run() {
  for (;;) {
    wait(start_);
    busy.write(true);
    const Tile tile = tile_;

    // Weight write: one column of every row and sub-macro per cycle.
    wait(clock_ * double(tile.write_cycles));
    metadata_error_ = !write_cells(tile);
    uint64_t cycles = tile.write_cycles;
    if (!metadata_error_) {
      compute(tile);
      const uint64_t stream = tile.tokens * tile.issue_interval + pipeline_latency() - 1;
      wait(clock_ * double(stream));
      cycles += stream;
    }
    busy_cycles_ += cycles;
    busy.write(false);
    done_.notify(SC_ZERO_TIME);
  }
}

bool Macro::write_cells(const Tile& tile) {
  const unsigned P = g_.submacros;
  if (tile.dense_record) {
    // Dense mode: sub-macro j takes bus group j, pair j / 2, element j % 2 of
    // its row's P inputs, i.e. input j; nothing to latch but the weights.
    std::copy(tile.record, tile.record + g_.cells(), weight_.begin());
    for (unsigned rj = 0; rj < g_.rows * P; ++rj) {
      const unsigned j = rj % P;
      l1_pair_[rj] = uint8_t(j / 2);
      l2_source_[rj] = uint8_t(j);
      std::fill_n(&meta_[rj * g_.cols], g_.cols, uint8_t(j % 2));
    }
    energy_.add(Action::CellWrite, g_.cells());
    return true;
  }

  const uint8_t* select = tile.record;
  const uint8_t* weights = select + g_.select_bytes();
  const uint8_t* meta = weights + g_.weight_bytes();
  for (unsigned rj = 0; rj < g_.rows * P; ++rj) {
    const unsigned pair = select[rj] & 0x3u, source = select[rj] >> 2;
    // Only the pairs of one group exist on a bus group, and only P level-1 outputs.
    if (pair >= tile.mapping.m / 2 || source >= P) {
      metadata_error_offset_ = tile.record_offset + rj;
      return false;
    }
    l1_pair_[rj] = uint8_t(pair);
    l2_source_[rj] = uint8_t(source);
  }
  std::copy(weights, weights + g_.cells(), weight_.begin());
  for (unsigned cell = 0; cell < g_.cells(); ++cell) meta_[cell] = (meta[cell / 8] >> (cell % 8)) & 1u;

  energy_.add(Action::CellWrite, g_.cells());
  energy_.add(Action::MetaWrite, g_.cells());
  energy_.add(Action::SelectWrite, g_.select_bytes());
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
          const unsigned i = l2_source_[r * P + j];
          const int8_t* pair = row_x + (i / n) * m + 2 * l1_pair_[r * P + i];
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

  // Per token: every cell multiplies; each (row, sub-macro) operand line is
  // driven across the C columns: FlexCiM's pair line (16 bits) through both mux
  // levels into every cell's metadata-selected 2:1 operand mux, a dense
  // DCiM's row line (8 bits) straight into the cells.
  const uint64_t T = tile.tokens;
  energy_.add(Action::Mac, T * g_.cells());
  energy_.add(Action::PsumBuffer, T * P * C);
  energy_.add(Action::OutReg, T * C);
  if (kind_ == MacroKind::FlexCiM) {
    energy_.add(Action::OperandLineBit, T * R * P * 16);
    energy_.add(Action::CellOperandMux, T * g_.cells());
    energy_.add(Action::TreeAdd, T * P * (R - 1) * C);
    energy_.add(Action::DistMux, T * 2 * R * P);
    energy_.add(Action::MergeAdd, T * (P - 1) * C);
  } else {
    energy_.add(Action::OperandLineBit, T * R * P * 8);
    energy_.add(Action::TreeAdd, T * (R * P - 1) * C);
  }
}

}  // namespace flexcim
