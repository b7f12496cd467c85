// Bit-exact GEMM through the whole platform: the firmware runtime prunes, packs
// and programs each layer, the SystemC accelerator computes it, and the runtime
// compares every output with its host reference. One platform per TEST.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "flexcim_driver.h"
#include "flexcim_regs.h"
#include "nm/prune.h"
#include "platform.h"
#include "runtime.h"
#include "scenario_loader.h"
#include "weight_packer.h"

namespace flexcim {
namespace {

using nm::Pattern;
using test::TempDir;

const char* const kAllPatterns[] = {"dense", "1:2", "1:4", "2:4", "1:8", "2:8", "4:8"};

// One layer per pattern, all of the same shape.
std::string layers_yaml(int in, int out, const std::vector<std::string>& patterns) {
  std::string y = "  layers:\n";
  for (const std::string& p : patterns)
    y += fmt::format("    - {{name: \"{}x{}@{}\", in: {}, out: {}, pattern: \"{}\"}}\n", in, out, p, in, out, p);
  return y;
}

std::vector<std::string> all_patterns() { return {std::begin(kAllPatterns), std::end(kAllPatterns)}; }

struct WorkloadRun {
  fw::RunReport report;
  std::vector<Accelerator::JobRecord> jobs;
};

WorkloadRun run_workload(const Scenario& scenario) {
  Platform platform("platform", scenario.platform);
  const fw::BoardInfo board = platform.board();
  WorkloadRun run;
  platform.run([&](fw::Hal& hal) {
    fw::Runtime runtime(hal, board, scenario.platform.wait, scenario.platform.poll_interval_ns);
    run.report = runtime.run(scenario.workload);
  });
  run.jobs = platform.accelerator().jobs();
  return run;
}

void expect_bit_exact(const WorkloadRun& run, const Scenario& scenario) {
  ASSERT_EQ(run.report.layers.size(), scenario.workload.layers.size());
  ASSERT_EQ(run.jobs.size(), scenario.workload.layers.size());
  for (size_t i = 0; i < run.report.layers.size(); ++i) {
    const fw::LayerReport& l = run.report.layers[i];
    SCOPED_TRACE("layer " + l.name + " executed as " + l.executed.str());
    EXPECT_EQ(l.status.error, 0u) << fw::FlexcimDriver::error_name(l.status.error) << ", info " << l.status.error_info;
    EXPECT_EQ(run.jobs[i].outcome.error, 0u);
    EXPECT_GT(run.jobs[i].outcome.cycles, 0u);
    EXPECT_EQ(l.outputs_checked, uint64_t(l.tokens) * l.out_features);
    EXPECT_EQ(l.mismatches, 0u);
    EXPECT_TRUE(l.golden_match);
  }
  EXPECT_TRUE(run.report.golden_match());
}

void run_all_patterns(int in, int out, int tokens, const std::string& platform_yaml = "") {
  TempDir dir;
  const Scenario scenario = test::load_scenario(
      dir, fmt::format("name: gemm\n{}workload:\n  tokens: {}\n{}", platform_yaml, tokens,
                       layers_yaml(in, out, all_patterns())));
  const WorkloadRun run = run_workload(scenario);
  expect_bit_exact(run, scenario);
  for (const fw::LayerReport& l : run.report.layers) EXPECT_EQ(l.executed, l.requested) << l.name;
}

TEST(PlatformGemm, FlexcimIn130Out33Tokens3AllPatterns) { run_all_patterns(130, 33, 3); }
TEST(PlatformGemm, FlexcimIn172Out64Tokens2AllPatterns) { run_all_patterns(172, 64, 2); }
TEST(PlatformGemm, FlexcimIn1000Out200Tokens5AllPatterns) { run_all_patterns(1000, 200, 5); }

TEST(PlatformGemm, FlexcimEightSubmacrosAllPatterns) {
  run_all_patterns(300, 40, 3,
                   "platform:\n  accelerator:\n    macros: 3\n    geometry: {submacros: 8, rows: 8, cols: 8}\n");
}

TEST(PlatformGemm, FlexcimTwoSubmacrosItsPatterns) {
  // N must divide P = 2: no 4:8.
  TempDir dir;
  const Scenario scenario = test::load_scenario(
      dir, "name: gemm\nplatform:\n  accelerator:\n    macros: 2\n    patterns: [1:2, 1:4, 2:4, 1:8, 2:8]\n"
           "    geometry: {submacros: 2, rows: 16, cols: 8}\nworkload:\n  tokens: 2\n" +
               layers_yaml(150, 20, {"dense", "1:2", "1:4", "2:4", "1:8", "2:8"}));
  expect_bit_exact(run_workload(scenario), scenario);
}

// Token chunks and macro groups, checked from what the accelerator did: the
// weights are streamed once per chunk, and every (out tile, in tile) pair is
// dispatched once per chunk.
void expect_chunks_and_groups(const std::string& buffers_yaml, int in, int out, int tokens, bool abuf_limits) {
  TempDir dir;
  const Scenario scenario = test::load_scenario(
      dir, fmt::format("name: gemm\nplatform:\n  accelerator:\n    macros: 2\n"
                       "    geometry: {{submacros: 4, rows: 8, cols: 8}}\n    buffers:\n{}"
                       "workload:\n  tokens: {}\n{}",
                       buffers_yaml, tokens, layers_yaml(in, out, all_patterns())));
  const WorkloadRun run = run_workload(scenario);
  expect_bit_exact(run, scenario);

  const Accelerator::Params& acc = scenario.platform.accelerator;
  const fw::MacroShape shape{acc.geometry.submacros, acc.geometry.rows, acc.geometry.cols};
  const uint64_t K = acc.macros, C = acc.geometry.cols;
  const uint64_t out_tiles = (out + C - 1) / C;
  ASSERT_GT(out_tiles, K) << "the layer should need several macro groups";
  for (size_t i = 0; i < run.jobs.size() && i < run.report.layers.size(); ++i) {
    const fw::LayerReport& l = run.report.layers[i];
    SCOPED_TRACE("layer " + l.name);
    const uint64_t tile_inputs = shape.inputs_per_tile(l.executed);
    const uint64_t in_tiles = (in + tile_inputs - 1) / tile_inputs;
    const uint64_t by_abuf = acc.activation_buffer.bytes / (in_tiles * tile_inputs);
    const uint64_t by_obuf = acc.output_buffer.bytes / (K * C * 4);
    const uint64_t chunk = std::min<uint64_t>({uint64_t(tokens), by_abuf, by_obuf});
    const uint64_t chunks = (tokens + chunk - 1) / chunk;
    ASSERT_GT(chunks, 1u) << "the tokens should not fit one chunk";
    EXPECT_EQ(abuf_limits, by_abuf < by_obuf);
    const EnergyCounts& e = run.jobs[i].energy;
    // Per chunk: the weights and the 8-byte requantisation record of every channel.
    ASSERT_TRUE(l.out_int8);
    EXPECT_EQ(e[Action::DramReadByte], chunks * (l.weight_stream_bytes + uint64_t(out) * 8) + uint64_t(tokens) * in);
    EXPECT_EQ(e[Action::DramWriteByte], uint64_t(tokens) * out);
    EXPECT_EQ(e[Action::Requant], uint64_t(tokens) * out);
    EXPECT_EQ(e[Action::TileControl], chunks * out_tiles * in_tiles);
  }
}

TEST(PlatformGemm, ActivationBufferSplitsTokensIntoChunksAcrossMacroGroups) {
  // 512 bytes hold 2-3 padded rows of 130 inputs; 33 outputs are 5 tiles of 8 on 2 macros.
  expect_chunks_and_groups("      activation: {bytes: 512}\n      output: {bytes: 4096}\n", 130, 33, 7, true);
}

TEST(PlatformGemm, OutputBufferSplitsTokensIntoChunksAcrossMacroGroups) {
  // 128 bytes hold 2 tokens of 2 macros x 8 int32 sums.
  expect_chunks_and_groups("      output: {bytes: 128}\n", 100, 20, 5, false);
}

TEST(PlatformGemm, DenseDcimRunsEveryLayerDense) {
  TempDir dir;
  const Scenario scenario = test::load_scenario(
      dir, "name: gemm\nplatform:\n  accelerator:\n    architecture: dense-dcim\nworkload:\n  tokens: 3\n" +
               layers_yaml(130, 33, all_patterns()));
  const WorkloadRun run = run_workload(scenario);
  expect_bit_exact(run, scenario);
  for (const fw::LayerReport& l : run.report.layers)
    EXPECT_TRUE(l.executed.dense()) << l.name << " executed as " << l.executed.str();
  // A plain DCiM macro has no distribution network, merge tree, select latches,
  // metadata bits or operand muxes; it reads dense records only, and drives an
  // 8-bit row line per physical row and token.
  const MacroGeometry& g = scenario.platform.accelerator.geometry;
  for (const Accelerator::JobRecord& job : run.jobs) {
    EXPECT_TRUE(job.job.dense_tiles);
    EXPECT_EQ(job.energy[Action::DistMux], 0u);
    EXPECT_EQ(job.energy[Action::MergeAdd], 0u);
    EXPECT_EQ(job.energy[Action::SelectWrite], 0u);
    EXPECT_EQ(job.energy[Action::MetaWrite], 0u);
    EXPECT_EQ(job.energy[Action::CellOperandMux], 0u);
    EXPECT_GT(job.energy[Action::Mac], 0u);
    const uint64_t tile_tokens = job.energy[Action::Mac] / g.cells();  // tiles x tokens
    EXPECT_EQ(job.energy[Action::OperandLineBit], tile_tokens * g.rows * g.submacros * 8);
  }
}

// FlexCiM's own hardware is counted where it switches: per tile written, a
// metadata bit per cell and a select byte per (row, sub-macro) of a sparse record
// (dense records fix both); per tile and token, every cell's 2:1 operand mux and
// a 16-bit pair line per (row, sub-macro), dense or not.
TEST(PlatformGemm, FlexcimCountsItsOperandMuxesPairLinesMetadataAndSelects) {
  TempDir dir;
  const Scenario scenario =
      test::load_scenario(dir, "name: gemm\nworkload:\n  tokens: 3\n" + layers_yaml(300, 70, {"dense", "2:4", "1:8"}));
  const WorkloadRun run = run_workload(scenario);
  expect_bit_exact(run, scenario);
  const MacroGeometry& g = scenario.platform.accelerator.geometry;
  for (size_t i = 0; i < run.jobs.size(); ++i) {
    const fw::LayerReport& l = run.report.layers[i];
    SCOPED_TRACE(l.name);
    const EnergyCounts& e = run.jobs[i].energy;
    const uint64_t tiles = e[Action::TileControl], tokens = uint64_t(l.tokens);
    ASSERT_GT(tiles, 0u);
    const bool sparse = !l.executed.dense();
    EXPECT_EQ(run.jobs[i].job.dense_tiles, !sparse);
    EXPECT_EQ(e[Action::CellWrite], tiles * g.cells());
    EXPECT_EQ(e[Action::MetaWrite], sparse ? tiles * g.cells() : 0u);
    EXPECT_EQ(e[Action::SelectWrite], sparse ? tiles * g.rows * g.submacros : 0u);
    EXPECT_EQ(e[Action::Mac], tiles * tokens * g.cells());
    EXPECT_EQ(e[Action::CellOperandMux], tiles * tokens * g.cells());
    EXPECT_EQ(e[Action::OperandLineBit], tiles * tokens * g.rows * g.submacros * 16);
    EXPECT_EQ(e[Action::DistMux], tiles * tokens * 2 * g.rows * g.submacros);
  }
}

TEST(PlatformGemm, FixedNmRunsUnsupportedPatternsWithADenserOne) {
  TempDir dir;
  const Scenario scenario = test::load_scenario(
      dir, "name: gemm\nplatform:\n  accelerator:\n    architecture: fixed-nm\n    fixed_pattern: \"2:4\"\n"
           "workload:\n  tokens: 3\n" + layers_yaml(172, 64, all_patterns()));
  const WorkloadRun run = run_workload(scenario);
  expect_bit_exact(run, scenario);
  for (const fw::LayerReport& l : run.report.layers) {
    SCOPED_TRACE(l.name);
    if (l.requested.dense()) {
      EXPECT_TRUE(l.executed.dense());
    } else if (l.requested == Pattern{4, 8}) {
      // 4:8 is as dense as 2:4 but may keep 3 of 4 inputs: 2:4 if the mask fits, else dense.
      EXPECT_TRUE(l.executed == (Pattern{2, 4}) || l.executed.dense()) << l.executed.str();
    } else {
      // 1:2, 1:4, 1:8, 2:8 masks nest in 2:4 groups; 2:4 runs as itself.
      EXPECT_EQ(l.executed, (Pattern{2, 4})) << l.executed.str();
    }
  }
}

// Every pruning mode scores weights with Wanda (|W| x sqrt(mean x^2) of the
// calibration activations), not |W| alone: a fixed-pattern scenario keeps
// exactly what a hardware-aware prune of those scores keeps, and that is more
// of the activation-aware score than a prune by |W| would keep.
TEST(PlatformGemm, FixedPatternLayersArePrunedWithWandaScores) {
  TempDir dir;
  const Scenario scenario = test::load_scenario(
      dir, "name: gemm\nworkload:\n  tokens: 2\n  synthetic: {outlier_fraction: 0.05, outlier_scale: 20}\n" +
               layers_yaml(256, 64, {"2:4", "1:8"}));
  const WorkloadRun run = run_workload(scenario);
  expect_bit_exact(run, scenario);
  const fw::Workload& wl = scenario.workload;
  const int cols = int(scenario.platform.accelerator.geometry.cols);
  for (size_t i = 0; i < wl.layers.size(); ++i) {
    const fw::LayerSpec& layer = wl.layers[i];
    SCOPED_TRACE(layer.name);
    const fw::LayerTensors t = fw::synthesize(layer, wl.seed, i, wl.synthetic);
    const std::vector<float> mean_sq = fw::calibration_mean_sq(layer, wl.seed, i, wl.synthetic, wl.calibration_tokens);
    std::vector<float> wanda(t.weights.size()), magnitude(t.weights.size());
    for (size_t k = 0; k < wanda.size(); ++k) {
      magnitude[k] = float(std::abs(int(t.weights[k])));
      wanda[k] = magnitude[k] * std::sqrt(mean_sq[k % layer.in_features]);
    }
    const auto kept = [&](const std::vector<float>& scores) {
      return nm::kept_score(wanda.data(), nm::prune_mask(scores.data(), layer.out_features, layer.in_features,
                                                         layer.pattern, nm::PruneMode::HwAware, cols));
    };
    EXPECT_DOUBLE_EQ(run.report.layers[i].score_kept, kept(wanda));
    EXPECT_GT(kept(wanda), kept(magnitude) * 1.01);
  }
}

TEST(PlatformGemm, PollModeGivesTheSameResults) {
  TempDir dir;
  const Scenario scenario = test::load_scenario(
      dir, "name: gemm\nplatform:\n  wait: poll\n  poll_interval_ns: 37\nworkload:\n  tokens: 3\n" +
               layers_yaml(130, 33, {"dense", "2:4", "1:8"}));
  ASSERT_EQ(scenario.platform.wait, fw::WaitMode::Poll);
  expect_bit_exact(run_workload(scenario), scenario);
}

// The hardware honours any level-2 routing, not only the firmware's straight one
// (docs/weight-format.md). Expected outputs come from decoding the stream here,
// independently of the firmware's unpack_weights.
std::vector<int32_t> decode_gemm(const std::vector<uint8_t>& stream, const std::vector<int8_t>& x, int tokens, int in,
                                 int out, Pattern p, const fw::MacroShape& s) {
  const Pattern rp = s.row_pattern(p);
  const unsigned P = s.submacros, R = s.rows, C = s.cols, n = rp.n, m = rp.m;
  const uint64_t row_inputs = P * m / n, tile_inputs = R * row_inputs;
  const uint64_t in_tiles = (in + tile_inputs - 1) / tile_inputs, out_tiles = (out + C - 1) / C;
  std::vector<int32_t> y(size_t(tokens) * out, 0);
  for (uint64_t ot = 0; ot < out_tiles; ++ot)
    for (uint64_t kt = 0; kt < in_tiles; ++kt) {
      const uint8_t* select = &stream[(ot * in_tiles + kt) * s.record_bytes(fw::TileFormat::Sparse)];
      const uint8_t* weight = select + R * P;
      const uint8_t* meta = weight + R * P * C;
      for (unsigned r = 0; r < R; ++r)
        for (unsigned j = 0; j < P; ++j) {
          const unsigned bus_group = select[r * P + j] >> 2, pair = select[r * P + bus_group] & 3u;
          for (unsigned c = 0; c < C; ++c) {
            const unsigned cell = (r * P + j) * C + c;
            const uint64_t o = ot * C + c;
            const uint64_t col = kt * tile_inputs + r * row_inputs + (bus_group / n) * m + 2 * pair +
                                 ((meta[cell / 8] >> (cell % 8)) & 1u);
            if (o >= uint64_t(out) || col >= uint64_t(in)) continue;
            for (int t = 0; t < tokens; ++t)
              y[size_t(t) * out + o] += int32_t(int8_t(weight[cell])) * x[size_t(t) * in + col];
          }
        }
    }
  return y;
}

TEST(PlatformGemm, MacrosHonourAnyLevel2Routing) {
  TempDir dir;
  const Scenario scenario = test::load_scenario(
      dir, "name: gemm\nplatform:\n  accelerator:\n    macros: 1\n    geometry: {submacros: 4, rows: 8, cols: 8}\n"
           "workload:\n  layers: [{name: unused, in: 8, out: 8}]\n");
  Platform platform("platform", scenario.platform);
  const fw::BoardInfo board = platform.board();
  const fw::MacroShape shape{4, 8, 8};
  const int tokens = 2, in = 100, out = 12;

  std::mt19937 rng(3);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::vector<int8_t> w(size_t(out) * in), x(size_t(tokens) * in);
  std::vector<float> scores(w.size());
  for (size_t k = 0; k < w.size(); ++k) {
    w[k] = int8_t(byte(rng));
    scores[k] = float(std::abs(int(w[k])));
  }
  for (int8_t& v : x) v = int8_t(byte(rng));

  // Per pattern: the rotated stream and the outputs it must give.
  struct Case {
    Pattern pattern;
    std::vector<uint8_t> stream;
    std::vector<int32_t> expected, y;
    fw::JobStatus status;
  };
  std::vector<Case> cases;
  for (Pattern p : {Pattern{1, 1}, Pattern{2, 4}, Pattern{1, 8}, Pattern{2, 8}}) {
    const std::vector<uint8_t> mask =
        p.dense() ? std::vector<uint8_t>(w.size(), 1)
                  : nm::prune_mask(scores.data(), out, in, p, nm::PruneMode::HwAware, int(shape.cols));
    // Sparse records for dense too: FlexCiM also runs P:P through its selects.
    Case c{p, fw::pack_weights(w.data(), mask, out, in, p, shape, fw::TileFormat::Sparse), {}, {}, {}};
    const std::vector<int32_t> straight = decode_gemm(c.stream, x, tokens, in, out, p, shape);
    // Rotate level 2: sub-macro j now takes bus group (j + 1) % P.
    for (size_t rec = 0; rec < c.stream.size(); rec += shape.record_bytes(fw::TileFormat::Sparse))
      for (unsigned rj = 0; rj < shape.rows * shape.submacros; ++rj)
        c.stream[rec + rj] = uint8_t((c.stream[rec + rj] & 3u) | (((rj + 1) % shape.submacros) << 2));
    c.expected = decode_gemm(c.stream, x, tokens, in, out, p, shape);
    ASSERT_NE(c.expected, straight) << p.str() << ": the rotation should change the result";
    cases.push_back(std::move(c));
  }

  platform.run([&](fw::Hal& hal) {
    fw::FlexcimDriver driver(hal, board.accelerator_base, fw::WaitMode::Interrupt);
    const fw::Capabilities caps = driver.probe();
    for (Case& c : cases) {
      fw::LayerJob job;
      job.tokens = tokens;
      job.in_features = in;
      job.out_features = out;
      job.pattern = c.pattern.dense() ? Pattern{int(caps.submacros), int(caps.submacros)} : c.pattern;
      job.w_addr = board.dram_base;
      job.w_bytes = c.stream.size();
      job.x_addr = board.dram_base + 0x10000;
      job.y_addr = board.dram_base + 0x20000;
      hal.load(job.w_addr, c.stream.data(), c.stream.size());
      hal.load(job.x_addr, x.data(), x.size());
      c.status = driver.run(job);
      c.y.assign(c.expected.size(), 0);
      hal.dump(job.y_addr, c.y.data(), c.y.size() * 4);
    }
  });
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.error, 0u) << c.pattern.str() << ": " << fw::FlexcimDriver::error_name(c.status.error);
    EXPECT_EQ(c.y, c.expected) << c.pattern.str();
  }
}

}  // namespace
}  // namespace flexcim
