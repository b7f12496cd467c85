// Fuzz target 4: the packed-weight decoders, differentially. The input is one tile
// record of the packed weight stream (docs/weight-format.md), sparse or dense, and
// its activations. The hardware's decoder (a Macro: write_cells, then the data path)
// and the firmware's reference decoder (fw::effective_weights, then a host GEMM) must
// agree: both refuse a record whose select bytes name a pair or bus group that does
// not exist, and otherwise compute the same int32 outputs.
#include <fuzzer/FuzzedDataProvider.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "macro.h"
#include "systemc_support.h"
#include "weight_packer.h"

namespace flexcim::fuzz {
namespace {

struct Bench {
  MacroKind kind = MacroKind::FlexCiM;
  MacroGeometry geometry;
  EnergyCounts energy;
  std::unique_ptr<Macro> macro;
};

std::vector<std::unique_ptr<Bench>>& benches() {
  static std::vector<std::unique_ptr<Bench>> b;
  return b;
}

// The sparse patterns a P can hold, and dense (run as P:P).
std::vector<nm::Pattern> patterns(unsigned submacros) {
  std::vector<nm::Pattern> p = {{1, 1}};
  for (nm::Pattern s : {nm::Pattern{1, 2}, {1, 4}, {2, 4}, {1, 8}, {2, 8}, {4, 8}})
    if (submacros % s.n == 0) p.push_back(s);
  return p;
}

void one_tile(Bench& b, InputThread& thread, FuzzedDataProvider& in) {
  const MacroGeometry& g = b.geometry;
  const fw::MacroShape shape{g.submacros, g.rows, g.cols};
  // Dense DCiM reads dense records; FlexCiM both kinds, dense ones for dense layers.
  const bool dense_dcim = b.kind == MacroKind::DenseDcim;
  const std::vector<nm::Pattern> choices = dense_dcim ? std::vector<nm::Pattern>{{1, 1}} : patterns(g.submacros);
  const nm::Pattern p = choices[in.ConsumeIntegralInRange<size_t>(0, choices.size() - 1)];
  const fw::TileFormat format =
      p.dense() && (dense_dcim || in.ConsumeBool()) ? fw::TileFormat::Dense : fw::TileFormat::Sparse;
  const nm::Pattern row = shape.row_pattern(p);
  const unsigned tokens = in.ConsumeIntegralInRange(1u, 3u);
  const unsigned valid_cols = in.ConsumeIntegralInRange(1u, g.cols);
  const unsigned inputs = shape.inputs_per_tile(p);

  std::vector<uint8_t> record = in.ConsumeBytes<uint8_t>(shape.record_bytes(format));
  record.resize(shape.record_bytes(format), 0);
  // Mostly valid select bytes, so both decoders get past them; the input decides.
  if (format == fw::TileFormat::Sparse && in.ConsumeBool())
    for (unsigned rj = 0; rj < g.rows * g.submacros; ++rj)
      record[rj] = uint8_t((record[rj] >> 2) % g.submacros << 2 | (record[rj] & 3u) % (row.m / 2));
  std::vector<int8_t> x = in.ConsumeBytes<int8_t>(size_t(tokens) * inputs);
  x.resize(size_t(tokens) * inputs, 0);

  // Hardware: one tile through the macro.
  std::vector<int32_t> y(size_t(tokens) * g.cols, 0);
  Macro::Tile tile;
  tile.record = record.data();
  tile.dense_record = format == fw::TileFormat::Dense;
  tile.mapping = RowMapping{unsigned(row.n), unsigned(row.m)};
  tile.x = x.data();
  tile.x_stride = inputs;
  tile.y = y.data();
  tile.y_stride = g.cols;
  tile.tokens = tokens;
  tile.valid_cols = valid_cols;
  tile.write_cycles = g.cols;
  tile.issue_interval = 1;
  Macro& macro = *b.macro;
  thread.run([&] {
    macro.start(tile);
    sc_core::wait(macro.done());
  });

  // Firmware: decode, then multiply on the host.
  std::vector<int32_t> w;
  std::string refusal;
  try {
    w = fw::effective_weights(record, int(g.cols), int(inputs), p, shape, format);
  } catch (const std::invalid_argument& e) {
    refusal = e.what();
  }
  if (macro.metadata_error() != !refusal.empty())
    finding(macro.metadata_error() ? "the macro refused a record the firmware decoder accepts"
                                   : "the firmware decoder refused a record the macro accepts: " + refusal);
  if (!refusal.empty()) return;
  const std::vector<int32_t> expected = gemm(x, w, tokens, inputs, g.cols);
  for (unsigned t = 0; t < tokens; ++t)
    for (unsigned c = 0; c < valid_cols; ++c)
      if (y[size_t(t) * g.cols + c] != expected[size_t(t) * g.cols + c])
        finding("the macro and the firmware decoder compute different outputs for " + p.str() +
                (tile.dense_record ? " (dense record)" : " (sparse record)"));
}

}  // namespace
}  // namespace flexcim::fuzz

using namespace flexcim;

static fuzz::InputThread* input_thread;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::prepare_kernel();
  // FlexCiM with P = 2, 4, 8 and a dense DCiM, small R x C, so inputs reach every cell.
  const std::pair<MacroKind, MacroGeometry> macros[] = {{MacroKind::FlexCiM, {2, 2, 4}},
                                                        {MacroKind::FlexCiM, {4, 4, 4}},
                                                        {MacroKind::FlexCiM, {8, 2, 3}},
                                                        {MacroKind::DenseDcim, {4, 2, 4}}};
  for (const auto& [kind, g] : macros) {
    auto b = std::make_unique<fuzz::Bench>();
    b->kind = kind;
    b->geometry = g;
    b->macro = std::make_unique<Macro>(fmt::format("macro{}", fuzz::benches().size()).c_str(), kind, g,
                                       MacroPipeline{}, sc_core::sc_time(1, sc_core::SC_NS), b->energy);
    fuzz::benches().push_back(std::move(b));
  }
  input_thread = new fuzz::InputThread();
  sc_core::sc_start();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  fuzz::one_tile(*fuzz::benches()[in.ConsumeIntegralInRange<size_t>(0, fuzz::benches().size() - 1)], *input_thread,
                 in);
  return 0;
}
