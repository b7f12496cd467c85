// RTL against TLM, tile by tile: the Verilated macro (rtl/, driven by
// RtlTileRunner) and the TLM macro (models/macro.h) get the same tiles, random
// records and records the firmware's packer made from pruned layers, and must
// produce the same outputs bit for bit, the same metadata errors, and the cycles
// tile_timing() states: first result, last result, busy cycles per tile.
//
// Built twice: at small geometries (the default suite) and, with
// FLEXCIM_RTL_FULL, at the default 4 x 32 x 32 (label rtl-full).
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <systemc>

#include "llm/checkpoint.h"
#include "llm/quant.h"
#include "macro.h"
#include "nm/prune.h"
#include "rtl_tile_runner.h"
#include "runtime.h"
#include "weight_packer.h"
#include "workload.h"

namespace flexcim {
namespace {

using nm::Pattern;

struct Geometry {
  MacroKind kind;
  MacroGeometry g;
  std::string name() const {
    return fmt::format("{}_{}x{}x{}", kind == MacroKind::FlexCiM ? "flexcim" : "dense", g.submacros, g.rows, g.cols);
  }
};

#ifdef FLEXCIM_RTL_FULL
const Geometry kGeometries[] = {{MacroKind::FlexCiM, {4, 32, 32}}, {MacroKind::DenseDcim, {4, 32, 32}}};
#else
const Geometry kGeometries[] = {{MacroKind::FlexCiM, {4, 8, 4}},
                                {MacroKind::DenseDcim, {4, 8, 4}},
                                {MacroKind::FlexCiM, {2, 4, 8}},
                                {MacroKind::FlexCiM, {8, 4, 4}}};
#endif

const Pattern kPatterns[] = {{1, 1}, {1, 2}, {1, 4}, {2, 4}, {1, 8}, {2, 8}, {4, 8}};

struct Case {
  Geometry geometry;
  Pattern pattern;     // the layer's N:M (the dense macro runs it dense)
  bool dense_record;   // weight-only tile records (JOB_FLAGS.DENSE_TILES)
  std::string name() const {
    std::string p = pattern.dense() ? "dense" : fmt::format("{}of{}", pattern.n, pattern.m);
    if (pattern.dense() && !dense_record) p += "_as_sparse_records";
    return geometry.name() + "_" + p;
  }
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name(); }

// Every pattern a geometry can hold, in the records the firmware sends (dense
// layers as dense records); FlexCiM also takes dense layers as sparse P:P
// records. The dense macro runs every layer dense from dense records, so it
// gets each pattern's pruned layers but only one kind of tile.
std::vector<Case> cases(bool layers) {
  std::vector<Case> all;
  for (const Geometry& geometry : kGeometries) {
    const bool flexcim = geometry.kind == MacroKind::FlexCiM;
    for (const Pattern& p : kPatterns)
      if ((p.dense() || geometry.g.submacros % p.n == 0) && (layers || flexcim || p.dense()))
        all.push_back({geometry, p, !flexcim || p.dense()});
    if (flexcim) all.push_back({geometry, {1, 1}, false});
  }
  return all;
}

// How the macro runs the pattern: dense as P:P; the dense-DCiM macro runs everything dense.
Pattern executed(const Case& c) {
  return c.geometry.kind == MacroKind::DenseDcim ? Pattern{1, 1} : c.pattern;
}
RowMapping mapping_of(Pattern p, const MacroGeometry& g) {
  return p.dense() ? RowMapping{g.submacros, g.submacros} : RowMapping{unsigned(p.n), unsigned(p.m)};
}
fw::TileFormat format_of(const Case& c) { return c.dense_record ? fw::TileFormat::Dense : fw::TileFormat::Sparse; }
fw::MacroShape shape_of(const MacroGeometry& g) { return {g.submacros, g.rows, g.cols}; }

// A tile as the sequencer hands it to a macro, with offsets in place of the
// buffer pointers so that each model gets its own output accumulators.
struct TileSpec {
  const uint8_t* record = nullptr;
  bool dense_record = false;
  uint64_t record_offset = 0;
  RowMapping mapping;
  const int8_t* x = nullptr;
  uint64_t x_stride = 0;
  uint64_t y_offset = 0, y_stride = 0;
  unsigned tokens = 0, valid_cols = 0;
  uint64_t write_cycles = 0, issue_interval = 1;

  MacroModel::Tile tile(std::vector<int32_t>& y) const {
    MacroModel::Tile t;
    t.record = record;
    t.dense_record = dense_record;
    t.record_offset = record_offset;
    t.mapping = mapping;
    t.x = x;
    t.x_stride = x_stride;
    t.y = y.data() + y_offset;
    t.y_stride = y_stride;
    t.tokens = tokens;
    t.valid_cols = valid_cols;
    t.write_cycles = write_cycles;
    t.issue_interval = issue_interval;
    return t;
  }
};

// What a model made of one tile.
struct TileResult {
  bool error = false;
  uint64_t error_offset = 0;
  uint64_t busy = 0;  // cycles from start to done
  TileTiming timing;  // RTL only: measured
};

// Runs the tiles one after the other on the TLM macro. SystemC elaborates once
// per process, so each TEST calls this at most once.
class TlmBench : public sc_core::sc_module {
 public:
  TlmBench(sc_core::sc_module_name name, const Geometry& geometry, const std::vector<TileSpec>& specs,
           std::vector<int32_t>& y)
      : sc_module(name),
        macro("macro", geometry.kind, geometry.g, MacroPipeline{}, sc_core::sc_time(1, sc_core::SC_NS), energy),
        specs_(specs), y_(y) {
    SC_HAS_PROCESS(TlmBench);
    SC_THREAD(run);
  }
  EnergyCounts energy;
  Macro macro;
  std::vector<TileResult> results;

 private:
  void run() {
    for (const TileSpec& spec : specs_) {
      const sc_core::sc_time start = sc_core::sc_time_stamp();
      const uint64_t busy_before = macro.busy_cycles();
      macro.start(spec.tile(y_));
      wait(macro.done());
      TileResult r;
      r.error = macro.metadata_error();
      r.error_offset = macro.metadata_error_offset();
      r.busy = uint64_t((sc_core::sc_time_stamp() - start) / sc_core::sc_time(1, sc_core::SC_NS));
      EXPECT_EQ(macro.busy_cycles() - busy_before, r.busy);
      results.push_back(r);
    }
  }
  const std::vector<TileSpec>& specs_;
  std::vector<int32_t>& y_;
};

std::vector<TileResult> run_tlm(const Geometry& geometry, const std::vector<TileSpec>& specs, std::vector<int32_t>& y,
                                unsigned* latency = nullptr) {
  TlmBench bench("bench", geometry, specs, y);
  sc_core::sc_start();
  if (latency) *latency = bench.macro.pipeline_latency();
  return bench.results;
}

std::vector<TileResult> run_rtl(const Geometry& geometry, const std::vector<TileSpec>& specs,
                                std::vector<int32_t>& y) {
  RtlTileRunner runner(geometry.kind, geometry.g);
  std::vector<TileResult> results;
  for (const TileSpec& spec : specs) {
    const RtlTileRunner::Outcome o = runner.run(spec.tile(y));
    TileResult r;
    r.error = o.bad_select >= 0;
    r.error_offset = spec.record_offset + uint64_t(std::max<int64_t>(o.bad_select, 0));
    r.busy = r.error ? spec.write_cycles : o.timing.busy;
    r.timing = o.timing;
    results.push_back(r);
  }
  return results;
}

// Both models on the same tiles: same outputs, same errors, the cycles the TLM
// formula states. Returns the (common) outputs.
std::vector<int32_t> expect_same(const Geometry& geometry, const std::vector<TileSpec>& specs, size_t y_size) {
  std::vector<int32_t> y_tlm(y_size, 0), y_rtl(y_size, 0);
  unsigned latency = 0;
  const std::vector<TileResult> tlm = run_tlm(geometry, specs, y_tlm, &latency);
  const std::vector<TileResult> rtl = run_rtl(geometry, specs, y_rtl);
  EXPECT_EQ(latency, pipeline_latency(geometry.kind, geometry.g, MacroPipeline{}));
  EXPECT_EQ(tlm.size(), specs.size());
  EXPECT_EQ(rtl.size(), specs.size());
  for (size_t i = 0; i < std::min(tlm.size(), rtl.size()); ++i) {
    SCOPED_TRACE(fmt::format("tile {}: {} tokens, write {} cycles, issue every {}", i, specs[i].tokens,
                             specs[i].write_cycles, specs[i].issue_interval));
    EXPECT_EQ(rtl[i].error, tlm[i].error);
    if (tlm[i].error || rtl[i].error) {
      EXPECT_EQ(rtl[i].error_offset, tlm[i].error_offset);
      continue;
    }
    const TileTiming want = tile_timing(specs[i].write_cycles, specs[i].tokens, specs[i].issue_interval, latency);
    EXPECT_EQ(rtl[i].timing.first_result, want.first_result);
    EXPECT_EQ(rtl[i].timing.last_result, want.last_result);
    EXPECT_EQ(rtl[i].timing.busy, want.busy);
    EXPECT_EQ(tlm[i].busy, want.busy);
  }
  EXPECT_EQ(y_rtl, y_tlm) << "outputs differ";
  return y_rtl;
}

class RtlTiles : public ::testing::TestWithParam<Case> {};
class RtlLayers : public ::testing::TestWithParam<Case> {};

// Random records: random weights (all of int8), metadata bits and any valid
// select (level 2 not only straight through), random activations, token counts,
// write lengths and issue intervals, some columns past the layer's edge.
TEST_P(RtlTiles, Random) {
  const Case& c = GetParam();
  const MacroGeometry& g = c.geometry.g;
  const RowMapping mapping = mapping_of(executed(c), g);
  const uint64_t record_bytes = g.record_bytes(c.dense_record);
  const uint64_t tile_inputs = uint64_t(g.rows) * mapping.inputs_per_row(g.submacros);
  constexpr int kTiles = 12;
  std::mt19937 rng(std::hash<std::string>{}(c.name()));
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  std::vector<uint8_t> records(kTiles * record_bytes);
  std::vector<TileSpec> specs(kTiles);
  std::vector<std::vector<int8_t>> activations(kTiles);
  uint64_t y_size = 0;
  for (int t = 0; t < kTiles; ++t) {
    uint8_t* rec = &records[t * record_bytes];
    const uint64_t selects = c.dense_record ? 0 : g.select_bytes();
    const uint64_t payload = c.dense_record ? g.weight_bytes() : g.weight_bytes() + g.meta_bytes();
    for (uint64_t b = 0; b < selects; ++b)
      rec[b] = uint8_t(uniform(0, int(mapping.m) / 2 - 1) | (uniform(0, int(g.submacros) - 1) << 2));
    for (uint64_t b = selects; b < selects + payload; ++b) rec[b] = uint8_t(uniform(0, 255));
    TileSpec& s = specs[t];
    s.record = rec;
    s.dense_record = c.dense_record;
    s.record_offset = t * record_bytes;
    s.mapping = mapping;
    s.tokens = unsigned(uniform(1, 6));
    s.x_stride = tile_inputs + uniform(0, 5);
    activations[t].resize(s.tokens * s.x_stride);
    for (int8_t& a : activations[t]) a = int8_t(uniform(-128, 127));
    s.x = activations[t].data();
    s.valid_cols = unsigned(uniform(1, int(g.cols)));
    s.y_stride = g.cols + uniform(0, 3);
    s.y_offset = y_size;
    y_size += s.tokens * s.y_stride;
    s.write_cycles = g.cols + uniform(0, 7) * (t % 2);
    s.issue_interval = uint64_t(uniform(1, 4));
  }
  expect_same(c.geometry, specs, y_size);
}

// A pruned layer as the firmware makes it: seeded synthetic Laplace weights and
// activations with outlier channels (fw::synthesize), Wanda scores, hardware-aware
// N:M (nm::prune_mask), packed by pack_weights; its tiles run in the sequencer's
// order into shared accumulators, over ragged edges on both sides. The outputs
// must also equal the host GEMM of the weights the stream holds.
struct Layer {
  std::vector<int8_t> weights;  // [out][in], pruned
  std::vector<uint8_t> stream;
  int out = 0, in = 0;
};

// Appends the layer's tiles in the sequencer's order (its accumulators start at
// y_base) and returns its output row stride.
uint64_t add_layer_tiles(const Case& c, const Layer& layer, const std::vector<int8_t>& abuf, uint64_t y_base,
                         std::vector<TileSpec>& specs) {
  const MacroGeometry& g = c.geometry.g;
  const RowMapping mapping = mapping_of(executed(c), g);
  const uint64_t tile_inputs = uint64_t(g.rows) * mapping.inputs_per_row(g.submacros);
  const uint64_t in_tiles = (layer.in + tile_inputs - 1) / tile_inputs, out_tiles = (layer.out + g.cols - 1) / g.cols;
  const uint64_t record_bytes = g.record_bytes(c.dense_record);
  EXPECT_EQ(layer.stream.size(), out_tiles * in_tiles * record_bytes);
  const uint64_t y_stride = out_tiles * g.cols;
  for (uint64_t ot = 0; ot < out_tiles; ++ot)
    for (uint64_t kt = 0; kt < in_tiles; ++kt) {
      TileSpec s;
      s.record_offset = (ot * in_tiles + kt) * record_bytes;
      s.record = &layer.stream[s.record_offset];
      s.dense_record = c.dense_record;
      s.mapping = mapping;
      s.x = &abuf[kt * tile_inputs];
      s.x_stride = in_tiles * tile_inputs;
      s.y_offset = y_base + ot * g.cols;
      s.y_stride = y_stride;
      s.tokens = unsigned(abuf.size() / s.x_stride);
      s.valid_cols = unsigned(std::min<uint64_t>(g.cols, layer.out - ot * g.cols));
      s.write_cycles = g.cols + (kt % 3);
      s.issue_interval = 1 + ot % 2;
      specs.push_back(s);
    }
  return y_stride;
}

// The activation buffer: each token's row padded with zeros to whole tiles.
std::vector<int8_t> activation_buffer(const Case& c, const std::vector<int8_t>& x, int tokens, int in) {
  const MacroGeometry& g = c.geometry.g;
  const uint64_t tile_inputs = uint64_t(g.rows) * mapping_of(executed(c), g).inputs_per_row(g.submacros);
  const uint64_t padded_in = (in + tile_inputs - 1) / tile_inputs * tile_inputs;
  std::vector<int8_t> abuf(tokens * padded_in, 0);
  for (int t = 0; t < tokens; ++t) std::copy_n(&x[t * in], in, &abuf[t * padded_in]);
  return abuf;
}

// Runs the layers' tiles on both models (one SystemC session), then checks the
// outputs against the host GEMM of the weights the streams hold.
void run_layers(const Case& c, const std::vector<Layer>& layers, const std::vector<std::vector<int8_t>>& x,
                int tokens) {
  std::vector<std::vector<int8_t>> abufs;
  for (size_t i = 0; i < layers.size(); ++i) abufs.push_back(activation_buffer(c, x[i], tokens, layers[i].in));
  std::vector<TileSpec> specs;
  std::vector<uint64_t> y_base, y_stride;
  uint64_t y_size = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    y_base.push_back(y_size);
    y_stride.push_back(add_layer_tiles(c, layers[i], abufs[i], y_size, specs));
    y_size += tokens * y_stride.back();
  }
  const std::vector<int32_t> y = expect_same(c.geometry, specs, y_size);

  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& layer = layers[i];
    SCOPED_TRACE("layer " + std::to_string(i));
    const std::vector<int8_t> held =
        fw::unpack_weights(layer.stream, layer.out, layer.in, executed(c), shape_of(c.geometry.g), format_of(c));
    EXPECT_EQ(held, layer.weights) << "the stream does not hold the pruned weights";
    const std::vector<int32_t> golden =
        fw::reference_gemm(x[i].data(), layer.weights.data(), tokens, layer.in, layer.out);
    for (int t = 0; t < tokens; ++t)
      for (int o = 0; o < layer.out; ++o)
        ASSERT_EQ(y[y_base[i] + t * y_stride[i] + o], golden[t * layer.out + o]) << "token " << t << ", output " << o;
  }
}

Layer prune_and_pack(const Case& c, std::vector<int8_t> weights, const std::vector<float>& scores, int out, int in) {
  const MacroGeometry& g = c.geometry.g;
  Layer layer;
  layer.out = out;
  layer.in = in;
  const std::vector<uint8_t> mask = nm::prune_mask(scores.data(), out, in, c.pattern, nm::PruneMode::HwAware,
                                                   int(g.cols));
  for (size_t i = 0; i < weights.size(); ++i)
    if (!mask[i]) weights[i] = 0;
  layer.weights = std::move(weights);
  layer.stream = fw::pack_weights(layer.weights.data(), mask, out, in, executed(c), shape_of(g), format_of(c));
  return layer;
}

TEST_P(RtlLayers, PrunedSynthetic) {
  const Case& c = GetParam();
  const MacroGeometry& g = c.geometry.g;
  const unsigned sparse_tile = g.rows * g.submacros * 8;  // the widest tile (1:8)
  fw::LayerSpec spec;
  spec.name = "layer";
  spec.in_features = int(2 * sparse_tile + 6);  // several input tiles, a ragged last one
  spec.out_features = int(2 * g.cols + 3);      // a ragged last output tile
  spec.tokens = 3;
  spec.pattern = c.pattern;
  const fw::SyntheticParams synthetic;
  const fw::LayerTensors tensors = fw::synthesize(spec, 7, 0, synthetic);
  const std::vector<float> mean_sq = fw::calibration_mean_sq(spec, 7, 0, synthetic, 16);
  std::vector<float> scores(tensors.weights.size());
  for (size_t i = 0; i < scores.size(); ++i)
    scores[i] = float(std::abs(int(tensors.weights[i]))) * std::sqrt(mean_sq[i % spec.in_features]);
  const Layer layer = prune_and_pack(c, tensors.weights, scores, spec.out_features, spec.in_features);
  run_layers(c, {layer}, {tensors.activations}, spec.tokens);
}

// The real model's weights: stories260K's block 1 attention output (wo) and FFN
// gate (w1) linears, magnitude-pruned hardware-aware and quantised to int8 as
// `flexcim eval --int8` does; random activations.
TEST_P(RtlLayers, PrunedStories260K) {
  const Case& c = GetParam();
  std::string path;
  try {
    path = llm::find_model("");
  } catch (const llm::CheckpointError&) {
    GTEST_SKIP() << "stories260K.bin not found";
  }
  llm::Model model = llm::load_checkpoint(path);
  std::mt19937 rng(3);
  const int tokens = 2;
  std::vector<Layer> layers;
  std::vector<std::vector<int8_t>> x;
  for (const int sublayer : {llm::kWo, llm::kW1}) {
    const std::vector<float>& w = model.linear_weights(1, sublayer);
    const int in = model.config.dim, out = int(w.size()) / in;
    std::vector<float> scores(w.size());
    for (size_t i = 0; i < w.size(); ++i) scores[i] = std::abs(w[i]);
    const std::vector<uint8_t> mask =
        nm::prune_mask(scores.data(), out, in, c.pattern, nm::PruneMode::HwAware, int(c.geometry.g.cols));
    std::vector<float> pruned = w;
    for (size_t i = 0; i < pruned.size(); ++i)
      if (!mask[i]) pruned[i] = 0;
    const llm::QuantLayer q = llm::quantize_layer(1, sublayer, pruned.data(), out, in, c.pattern, mask);
    layers.push_back(prune_and_pack(c, q.weights, scores, out, in));
    x.emplace_back(tokens * in);
    for (int8_t& a : x.back()) a = int8_t(std::uniform_int_distribution<int>(-127, 127)(rng));
  }
  run_layers(c, layers, x, tokens);
}

// A bad select byte (a pair past the group, or a level-1 output that does not
// exist): both models refuse the tile at the same byte and compute nothing.
// Dense records have no selects: whatever their bytes, they run.
TEST_P(RtlTiles, BadSelectByte) {
  const Case& c = GetParam();
  const bool selects = !c.dense_record;
  const MacroGeometry& g = c.geometry.g;
  const RowMapping mapping = mapping_of(executed(c), g);
  const uint64_t record_bytes = g.record_bytes(c.dense_record);
  std::vector<uint8_t> records(3 * record_bytes, 0);
  const uint64_t bad_first = 5, bad_source = g.select_bytes() - 2;
  // A pair past the group (M = 8 uses every pair a select byte can name), then a
  // level-1 output that does not exist (in a dense record: weights).
  records[bad_first] = mapping.m < 8 ? uint8_t(mapping.m / 2) : uint8_t(g.submacros << 2);
  records[record_bytes + bad_source] = uint8_t((g.submacros + 1) << 2);
  for (uint64_t b = selects ? g.select_bytes() : 0; b < record_bytes; ++b)
    if (b != bad_first && b != bad_source)
      for (int t = 0; t < 3; ++t) records[t * record_bytes + b] = uint8_t(b * 37 + t);
  std::vector<int8_t> x(g.rows * mapping.inputs_per_row(g.submacros));
  for (size_t i = 0; i < x.size(); ++i) x[i] = int8_t(i * 13 + 1);
  std::vector<TileSpec> specs(3);
  for (int t = 0; t < 3; ++t) {
    specs[t].record_offset = t * record_bytes;
    specs[t].record = &records[specs[t].record_offset];
    specs[t].dense_record = c.dense_record;
    specs[t].mapping = mapping;
    specs[t].x = x.data();
    specs[t].x_stride = x.size();
    specs[t].y_offset = t * g.cols;
    specs[t].y_stride = g.cols;
    specs[t].tokens = 1;
    specs[t].valid_cols = g.cols;
    specs[t].write_cycles = g.cols + 2;
  }
  std::vector<int32_t> y(3 * g.cols, 0);
  const std::vector<TileResult> rtl = run_rtl(c.geometry, specs, y);
  ASSERT_EQ(rtl.size(), 3u);
  EXPECT_EQ(rtl[0].error, selects);
  EXPECT_EQ(rtl[1].error, selects);
  EXPECT_FALSE(rtl[2].error);
  if (selects) {
    EXPECT_EQ(rtl[0].error_offset, bad_first);
    EXPECT_EQ(rtl[1].error_offset, record_bytes + bad_source);
    EXPECT_TRUE(std::all_of(y.begin(), y.begin() + 2 * g.cols, [](int32_t v) { return v == 0; }))
        << "a refused tile computed";
  }
  EXPECT_EQ(expect_same(c.geometry, specs, y.size()), y);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name(); }
INSTANTIATE_TEST_SUITE_P(Correlation, RtlTiles, ::testing::ValuesIn(cases(false)), case_name);
INSTANTIATE_TEST_SUITE_P(Correlation, RtlLayers, ::testing::ValuesIn(cases(true)), case_name);

}  // namespace
}  // namespace flexcim
