#include "rtl_tile_runner.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace flexcim {

namespace {
rtl::Build build_of(MacroKind kind, const MacroGeometry& g) {
  return {kind == MacroKind::DenseDcim, g.submacros, g.rows, g.cols};
}
const char* kind_name(bool dense) { return dense ? "dense" : "flexcim"; }
}  // namespace

std::string rtl_macro_unavailable(MacroKind kind, const MacroGeometry& g, const MacroPipeline& pipe) {
  return rtl_macro_unavailable(kind, g, pipe, rtl::builds());
}

std::string rtl_macro_unavailable(MacroKind kind, const MacroGeometry& g, const MacroPipeline& pipe,
                                  const std::vector<rtl::Build>& built) {
  if (built.empty())
    return "this flexcim has no Verilated macros (Verilator was not found when it was built): install verilator "
           "(apt-get install verilator) and rebuild (scripts/vp build), or use macro_model: tlm";
  const rtl::Build want = build_of(kind, g);
  std::vector<std::string> names;
  for (const rtl::Build& b : built)
    names.push_back(fmt::format("{} {}x{}x{}", kind_name(b.dense), b.submacros, b.rows, b.cols));
  if (std::none_of(built.begin(), built.end(), [&](const rtl::Build& b) {
        return b.dense == want.dense && b.submacros == want.submacros && b.rows == want.rows && b.cols == want.cols;
      }))
    return fmt::format(
        "no Verilated {} macro of geometry {}x{}x{} (P x R x C) in this build; it has {}: choose one of those "
        "geometries, or add it to FLEXCIM_RTL_GEOMETRIES (cmake -DFLEXCIM_RTL_GEOMETRIES=...) and rebuild",
        kind_name(want.dense), g.submacros, g.rows, g.cols, fmt::join(names, ", "));
  // The dense macro has no distribution or merge stages.
  const bool flexcim = kind == MacroKind::FlexCiM;
  if (pipe.register_read != 1 || pipe.multiply != 1 || pipe.adder_level != 1 || pipe.psum_buffer != 1 ||
      pipe.output_register != 1 || (flexcim && (pipe.distribution_level != 1 || pipe.merge_level != 1)))
    return "the RTL macro has one register per pipeline stage: set every platform.accelerator.pipeline value to 1, "
           "or use macro_model: tlm";
  return "";
}

RtlTileRunner::RtlTileRunner(MacroKind kind, const MacroGeometry& g) : kind_(kind), g_(g) {
  core_ = rtl::make_core(build_of(kind, g));
  if (!core_) throw std::invalid_argument(rtl_macro_unavailable(kind, g, MacroPipeline{}));
  const unsigned rows = g.rows * g.submacros;
  beat_weight_.resize(rows);
  beat_meta_.resize(rows);
  bus_.resize(kind == MacroKind::DenseDcim ? rows : rows * 8);
  sums_.resize(g.cols);
  core_->reset();
  ++cycles_;
}

void RtlTileRunner::fill_bus(const int8_t* x, RowMapping mapping) {
  const unsigned P = g_.submacros, n = mapping.n, m = mapping.m, row_inputs = mapping.inputs_per_row(P);
  for (unsigned r = 0; r < g_.rows; ++r) {
    const int8_t* row_x = x + uint64_t(r) * row_inputs;
    if (kind_ == MacroKind::DenseDcim) {
      for (unsigned j = 0; j < P; ++j) bus_[r * P + j] = uint8_t(row_x[j]);  // one input per physical row
      continue;
    }
    // The activation buffer's placement: bus group i carries the M/2 pairs of
    // group i / N of the row; its other pair slots are zero.
    for (unsigned i = 0; i < P; ++i)
      for (unsigned k = 0; k < 4; ++k)
        for (unsigned e = 0; e < 2; ++e)
          bus_[((r * P + i) * 4 + k) * 2 + e] = k < m / 2 ? uint8_t(row_x[(i / n) * m + 2 * k + e]) : 0;
  }
}

RtlTileRunner::Outcome RtlTileRunner::run(const MacroModel::Tile& tile) {
  Outcome out;
  out.bad_select = decode_selects(tile.record, g_, tile.dense_record, tile.mapping, selects_);
  if (out.bad_select >= 0) return out;
  const uint64_t C = g_.cols, W = tile.write_cycles, I = tile.issue_interval, T = tile.tokens;
  if (W < C || I == 0 || T == 0)
    throw std::invalid_argument(fmt::format("RTL tile: {} write cycles for {} columns, issue interval {}, {} tokens",
                                            W, C, I, T));

  uint64_t beats = 0, issued = 0, collected = 0;
  const uint64_t give_up = W + T * I + 1024;  // no pipeline is that deep
  for (uint64_t cycle = 0;; ++cycle) {
    // The output register as the last edge left it; a result belongs to the
    // oldest token still in flight.
    if (core_->out_valid() && collected < issued) {
      core_->out_sums(sums_.data());
      int32_t* y = tile.y + collected * tile.y_stride;
      for (unsigned c = 0; c < tile.valid_cols; ++c) y[c] += sums_[c];
      if (collected == 0) out.timing.first_result = cycle;
      if (++collected == T) {
        out.timing.last_result = out.timing.busy = cycle;
        return out;
      }
    }
    if (cycle > give_up)
      throw std::logic_error(fmt::format("the RTL macro returned {} of {} results in {} cycles", collected, T, cycle));

    // Inputs for this cycle's edge.
    const bool beat = beats < C && beats * W / C == cycle;
    if (beat)
      decode_column(tile.record, g_, tile.dense_record, unsigned(beats), beat_weight_.data(), beat_meta_.data());
    core_->write(beat, unsigned(beats), beat_weight_.data(), beat_meta_.data(), tile.dense_record);
    // A dense record latches no selects: dense mode fixes them in the RTL.
    core_->write_selects(beat && beats == 0 && !tile.dense_record, selects_.l1_pair.data(),
                         selects_.l2_source.data());
    beats += beat;
    const bool token = issued < T && cycle == W + (issued + 1) * I - 1;
    if (token) fill_bus(tile.x + issued * tile.x_stride, tile.mapping);
    core_->token(token, bus_.data());
    issued += token;
    core_->tick();
    ++cycles_;
  }
}

}  // namespace flexcim
