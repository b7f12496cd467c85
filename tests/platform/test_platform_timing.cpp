// Timing and energy respond to the parameters that should drive them. Each
// comparison between platform configurations runs the flexcim program once per
// configuration (SystemC elaborates once per process) and reads stats.json; the
// sparsity check runs one in-process platform with one layer per pattern.
#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "flexcim_process.h"
#include "platform.h"
#include "runtime.h"
#include "scenario_loader.h"
#include "temp_dir.h"

namespace flexcim {
namespace {

using nlohmann::json;
using test::TempDir;

// The parameters the expected numbers below are derived from, pinned so that
// retuned defaults do not silently change what a test means.
const std::vector<std::string> kPinned = {
    "platform.clock_mhz=1000",
    "platform.interconnect.hop_latency_ns=2",
    "platform.dram.latency_ns=50",
    "platform.dram.bandwidth_gbps=25.6",
    "platform.accelerator.macros=4",
    "platform.accelerator.geometry.submacros=4",
    "platform.accelerator.geometry.rows=32",
    "platform.accelerator.geometry.cols=32",
    "platform.accelerator.pipeline.register_read=1",
    "platform.accelerator.pipeline.distribution_level=1",
    "platform.accelerator.pipeline.multiply=1",
    "platform.accelerator.pipeline.adder_level=1",
    "platform.accelerator.pipeline.psum_buffer=1",
    "platform.accelerator.pipeline.merge_level=1",
    "platform.accelerator.pipeline.output_register=1",
    "platform.accelerator.buffers.weight.bytes_per_cycle=512",
    "platform.accelerator.buffers.activation.bytes_per_cycle=1024",
    "platform.accelerator.buffers.output.bytes_per_cycle=1024",
    "platform.accelerator.dma.burst_bytes=64",
    "platform.accelerator.dma.outstanding=32",
};

// Runs `flexcim run` on one scenario: kPinned, then each run's --set overrides
// (later ones win).
class Runner {
 public:
  explicit Runner(const std::string& yaml) : scenario_(dir_.write("scenario.yaml", yaml)) {}

  json stats(const std::vector<std::string>& sets = {}) {
    const std::string out = dir_ / fmt::format("run{}", runs_++);
    std::vector<std::string> args{"run", scenario_, "--out", out};
    for (const std::vector<std::string>* list : {&kPinned, &sets})
      for (const std::string& s : *list) args.insert(args.end(), {"--set", s});
    const test::ProcessResult r = test::run_flexcim(args, dir_.path().string());
    if (r.exit_code != 0) throw std::runtime_error(fmt::format("flexcim exited {}: {}", r.exit_code, r.err));
    return test::read_json(out + "/stats.json");
  }
  // The only layer's cycles.
  uint64_t cycles(const std::vector<std::string>& sets = {}) {
    return stats(sets)["layers"][0]["cycles"].get<uint64_t>();
  }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string scenario_;
  int runs_ = 0;
};

// Decode (one token) through a 1024 -> 512 dense layer: 128 weight tile records
// of 4736 bytes stream from DRAM while the macros need ~50 cycles per wave.
constexpr const char* kDecode = "name: decode\nworkload:\n  tokens: 1\n  layers: [{name: l, in: 1024, out: 512}]\n";

TEST(PlatformTiming, DramBandwidthScalesAMemoryBoundDecodeLayer) {
  Runner run(kDecode);
  // Latency 0 isolates bandwidth: the weight stream time is bytes / bandwidth.
  const uint64_t slow = run.cycles({"platform.dram.latency_ns=0", "platform.dram.bandwidth_gbps=8"});
  const uint64_t fast = run.cycles({"platform.dram.latency_ns=0", "platform.dram.bandwidth_gbps=16"});
  EXPECT_LT(fast, slow);
  EXPECT_NEAR(double(slow) / double(fast), 2.0, 0.1) << slow << " vs " << fast << " cycles";
}

TEST(PlatformTiming, DramLatencyAddsCycles) {
  Runner run(kDecode);
  const uint64_t none = run.cycles({"platform.dram.latency_ns=0"});
  const uint64_t some = run.cycles({"platform.dram.latency_ns=100"});
  const uint64_t much = run.cycles({"platform.dram.latency_ns=400"});
  EXPECT_LT(none, some);
  EXPECT_LT(some, much);
}

// Default DMA: 32 bursts of 64 bytes in flight = 2048 bytes, more than the
// 50 ns x 25.6 GB/s = 1280 bytes the default DRAM needs in flight to stream at
// full bandwidth (scenarios/defaults.yaml: "enough to cover latency x bandwidth";
// models/dma.h: "DRAM latency is hidden once the stream is running"). A
// memory-bound weight stream should therefore run close to 25.6 GB/s.
TEST(PlatformTiming, DmaHidesDramLatencyOnAWeightStream) {
  Runner run(kDecode);
  const json layer = run.stats()["layers"][0];
  const double gbps = layer["dram_read_bytes"].get<double>() / layer["time_ns"].get<double>();
  EXPECT_GE(gbps, 0.9 * 25.6) << "achieved " << gbps << " GB/s of 25.6 in " << layer["cycles"] << " cycles";
}

// The same for activations and outputs: a prefill moves one DMA transfer per
// token row. With the transfers pipelined, DRAM latency is exposed only where
// the sequencer waits for the DMA (activations loaded, weights arrived, outputs
// stored: a handful of times per job), not once per token.
TEST(PlatformTiming, DmaHidesDramLatencyOnPerTokenTransfers) {
  Runner run("name: prefill\nworkload:\n  tokens: 256\n  layers: [{name: l, in: 128, out: 32}]\n");
  const uint64_t without = run.cycles({"platform.dram.latency_ns=0"});
  const uint64_t with = run.cycles({"platform.dram.latency_ns=50"});
  ASSERT_GE(with, without);
  EXPECT_LE(with - without, 20u * 50) << without << " cycles without DRAM latency, " << with << " with 50 ns";
}

TEST(PlatformTiming, ActivationPortWidthBoundsAComputeBoundPrefill) {
  // 256 tokens through one 128 -> 32 dense tile, with a near-ideal memory so the
  // macros dominate. A token's row needs R x P = 128 activation bytes per issue;
  // the port moves bytes_per_cycle of them, so tokens issue every
  // ceil(128 / bytes_per_cycle) cycles and nothing else changes.
  Runner run("name: prefill\nworkload:\n  tokens: 256\n  layers: [{name: l, in: 128, out: 32}]\n");
  const std::vector<std::string> ideal_memory = {"platform.interconnect.hop_latency_ns=0", "platform.dram.latency_ns=0",
                                                 "platform.dram.bandwidth_gbps=1000"};
  auto with_port = [&](const char* bytes_per_cycle) {
    std::vector<std::string> sets = ideal_memory;
    sets.push_back(std::string("platform.accelerator.buffers.activation.bytes_per_cycle=") + bytes_per_cycle);
    return run.cycles(sets);
  };
  const uint64_t wide = with_port("256"), narrow = with_port("16");
  ASSERT_GE(narrow, wide);
  EXPECT_EQ(narrow - wide, 256u * (128 / 16 - 1)) << wide << " vs " << narrow << " cycles";
  EXPECT_GT(narrow, 2 * wide) << "the narrow port should dominate the job";
}

TEST(PlatformTiming, WeightBufferOfTwoWavesOverlapsWeightLoadsWithCompute) {
  // 1024 -> 128 dense on 4 macros: W = 8 waves of 4 dense tile records (16384
  // bytes), 256 tokens. A wave computes for c = write + T + L - 1 = 32 + 256 +
  // 13 - 1 = 300 cycles (write: max(C = 32, 16384 B / 512 B per cycle) = 32;
  // pipeline L = 1 + 2 + 1 + 5 + 1 + 2 + 1 = 13) and its weights take 640-850 ns
  // of DMA, so the stream is DMA-bound. The first waves are fetched while the
  // activations load. One slot (18944 bytes, the least a FlexCiM buffer may have:
  // one wave of sparse records): every later wave's DMA starts only after the
  // previous compute, so compute and DMA serialise. Two slots: compute hides
  // behind the DMA of the next wave, except for the first and the last wave. The
  // saving is at least (W - 2) c; a DMA that restarts after each pause may also
  // expose the DRAM latency (50 ns + 2 ns hop) once per wave.
  Runner run(
      "name: overlap\nplatform:\n  accelerator:\n    buffers:\n      activation: {bytes: 262144}\n"
      "      output: {bytes: 131072}\nworkload:\n  tokens: 256\n  layers: [{name: l, in: 1024, out: 128}]\n");
  const uint64_t one = run.cycles({"platform.accelerator.buffers.weight.bytes=18944"});
  const uint64_t two = run.cycles({"platform.accelerator.buffers.weight.bytes=37888"});
  const uint64_t four = run.cycles({"platform.accelerator.buffers.weight.bytes=65536"});
  const double c = 32 + 256 + 13 - 1, waves = 8, restart = 50 + 2;
  ASSERT_GT(one, two);
  EXPECT_GE(double(one - two), 0.98 * (waves - 2) * c) << one << " vs " << two;
  EXPECT_LE(double(one - two), (waves - 1) * (c + restart)) << one << " vs " << two;
  EXPECT_EQ(two, four) << "a DMA-bound stream gains nothing from more slots";
}

// Compute-bound prefill, FlexCiM, every pattern, one platform (one layer each).
// Per macro and wave the model charges c = write + T x issue + L - 1 cycles:
//   write = max(C, ceil(K x record / wbuf bytes_per_cycle)): sparse records
//           max(32, 4 x 4736 / 512) = 37, dense records (weights only) max(32, 4 x 4096 / 512) = 32,
//   issue = 1 (activation port 1024 B/cycle >= R x P x M/N = 1024 for 1:8; output
//           port 1024 B/cycle = K x C x 4 x 2),
//   L     = pipeline latency = register_read + 2 distribution levels + multiply
//           + log2(R) adder levels + psum + log2(P) merge levels + output = 13.
// Waves = in / (R x P x M/N), so N:M needs N/M of dense's waves; each sparse wave
// costs the same c, so among the sparse patterns macro busy cycles follow M/N
// exactly, and dense waves are 5 cycles cheaper (no selects or metadata to load).
// Job cycles add the non-compute time: activation load, output store and the
// first wave's weight DMA, nearly the same for every pattern. So the job time is
// macro busy time plus an overhead that does not depend on the pattern.
TEST(PlatformTiming, SparsityCutsComputeBoundPrefillByMOverN) {
  const char* const patterns[] = {"dense", "1:2", "1:4", "2:4", "1:8", "2:8", "4:8"};
  std::string yaml =
      "name: sparsity\nplatform:\n  accelerator:\n"
      "    buffers:\n      activation: {bytes: 524288}\n"
      "      output: {bytes: 262144}\nworkload:\n  tokens: 512\n  layers:\n";
  for (const char* p : patterns)
    yaml += fmt::format("    - {{name: \"{}\", in: 1024, out: 128, pattern: \"{}\"}}\n", p, p);
  // A near-ideal memory, so that the macros dominate.
  std::vector<std::string> sets = kPinned;
  sets.insert(sets.end(), {"platform.interconnect.hop_latency_ns=0", "platform.dram.latency_ns=0",
                           "platform.dram.bandwidth_gbps=100000", "platform.accelerator.dma.burst_bytes=4096"});
  TempDir dir;
  const Scenario scenario = test::load_scenario(dir, yaml, sets);
  Platform platform("platform", scenario.platform);
  const fw::BoardInfo board = platform.board();
  fw::RunReport report;
  platform.run([&](fw::Hal& hal) { report = fw::Runtime(hal, board, fw::WaitMode::Interrupt, 100).run(scenario.workload); });
  ASSERT_TRUE(report.golden_match());
  const auto& jobs = platform.accelerator().jobs();
  ASSERT_EQ(jobs.size(), std::size(patterns));

  const Accelerator::Params& acc = scenario.platform.accelerator;
  const MacroPipeline& pipe = acc.pipeline;
  const uint64_t latency = pipe.register_read + 2 * pipe.distribution_level + pipe.multiply + 5 * pipe.adder_level +
                           pipe.psum_buffer + 2 * pipe.merge_level + pipe.output_register;
  ASSERT_EQ(latency, platform.accelerator().macros()[0]->pipeline_latency());
  const uint64_t tokens = 512;
  auto per_wave = [&](uint64_t write) { return write + tokens + latency - 1; };

  const uint64_t dense_busy = jobs[0].macro_busy_cycles[0], dense_cycles = jobs[0].outcome.cycles;
  ASSERT_GE(dense_cycles, dense_busy);
  const uint64_t dense_overhead = dense_cycles - dense_busy;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const fw::LayerReport& l = report.layers[i];
    SCOPED_TRACE(l.name);
    EXPECT_EQ(jobs[i].job.dense_tiles, l.requested.dense());
    const uint64_t speedup = l.requested.dense() ? 1 : uint64_t(l.requested.m / l.requested.n);
    const uint64_t waves = 8 / speedup;
    const uint64_t busy = waves * per_wave(l.requested.dense() ? 32 : 37);
    for (uint64_t b : jobs[i].macro_busy_cycles) EXPECT_EQ(b, busy);
    const uint64_t cycles = jobs[i].outcome.cycles;
    ASSERT_GE(cycles, jobs[i].macro_busy_cycles[0]);
    const uint64_t overhead = cycles - jobs[i].macro_busy_cycles[0];
    EXPECT_NEAR(double(overhead), double(dense_overhead), 64) << "non-compute time depends on the pattern";
    EXPECT_LE(double(dense_cycles) / double(cycles), double(speedup));
  }
}

// The default activation port (scenarios/defaults.yaml) is derived from the
// default geometry: one token per cycle at the sparsest advertised pattern,
// R x P x M/N bytes (1024 at 1:8). At that width a compute-bound 1:8 layer issues
// a token every cycle; at half of it, every second cycle, while dense (R x P =
// 128 bytes per token) does not notice.
TEST(PlatformTiming, DefaultActivationPortIssuesOneTokenPerCycleAtTheSparsestPattern) {
  TempDir dir;
  const Scenario defaults = test::load_scenario(dir, "name: d\nworkload:\n  layers: [{name: l, in: 8, out: 8}]\n");
  const Accelerator::Params& acc = defaults.platform.accelerator;
  unsigned widest = 0;  // M/N of the sparsest advertised pattern
  for (const nm::Pattern& p : advertised_patterns(acc)) widest = std::max(widest, unsigned(p.m / p.n));
  ASSERT_EQ(widest, 8u);
  EXPECT_EQ(acc.activation_buffer.bytes_per_cycle, uint64_t(acc.geometry.rows) * acc.geometry.submacros * widest);

  // 256 tokens, one wave (1024 inputs) of 1:8 and one of dense (128 inputs), ideal memory.
  Runner run("name: port\nworkload:\n  tokens: 256\n  layers:\n"
             "    - {name: s, in: 1024, out: 32, pattern: \"1:8\"}\n    - {name: d, in: 128, out: 32}\n");
  const std::vector<std::string> ideal = {"platform.interconnect.hop_latency_ns=0", "platform.dram.latency_ns=0",
                                          "platform.dram.bandwidth_gbps=1000"};
  auto busy = [&](const char* port) {
    std::vector<std::string> sets = ideal;
    sets.push_back(std::string("platform.accelerator.buffers.activation.bytes_per_cycle=") + port);
    const json s = run.stats(sets);
    return std::pair<uint64_t, uint64_t>{s["layers"][0]["cycles"].get<uint64_t>(), s["layers"][1]["cycles"].get<uint64_t>()};
  };
  const auto full = busy("1024"), half = busy("512");
  EXPECT_EQ(half.first - full.first, 256u) << "1:8 at half the port: one more cycle per token";
  EXPECT_EQ(half.second, full.second) << "dense needs 128 bytes per token";
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "'" << from << "' not in the energy table; update this test";
  ASSERT_EQ(text.find(from, at + 1), std::string::npos) << "'" << from << "' twice in the energy table";
  text.replace(at, from.size(), to);
}

TEST(PlatformTiming, EnergyFollowsTheEnergyTable) {
  Runner run(kDecode);
  // A copy of the default table with dearer MACs and leakier macros.
  std::string table = test::read_file(std::string(FLEXCIM_SOURCE_DIR) + "/scenarios/energy/dcim-45nm.yaml");
  ASSERT_NO_FATAL_FAILURE(replace_once(table, "\n  mac: 0.2 ", "\n  mac: 1.2 "));
  ASSERT_NO_FATAL_FAILURE(replace_once(table, "\n  macro: 0.5 ", "\n  macro: 2.5 "));
  const std::string modified = run.dir().write("energy.yaml", table);

  const json base = run.stats();
  const json dear = run.stats({"platform.energy_table=" + modified});
  const json& b = base["layers"][0];
  const json& d = dear["layers"][0];
  EXPECT_EQ(b["cycles"], d["cycles"]) << "prices must not change timing";
  const double macs = base["energy"]["action_counts"]["mac"].get<double>();
  ASSERT_GT(macs, 0);
  const double macros = base["platform"]["macros"].get<double>();
  // pJ: (1.2 - 0.2) pJ per MAC, and (2.5 - 0.5) mW x ns per macro.
  const double expected = macs * 1.0 + macros * 2.0 * b["time_ns"].get<double>();
  const double delta = d["energy_pj"].get<double>() - b["energy_pj"].get<double>();
  EXPECT_NEAR(delta, expected, 1e-9 * d["energy_pj"].get<double>());
  EXPECT_NEAR(d["energy_breakdown_pj"]["macro"].get<double>() - b["energy_breakdown_pj"]["macro"].get<double>(),
              expected, 1e-9 * d["energy_pj"].get<double>());
  EXPECT_EQ(b["energy_breakdown_pj"]["dram"], d["energy_breakdown_pj"]["dram"]);
}

// FlexCiM's operand muxes, pair lines, metadata bits and select latches are
// priced from the table like every other action: a 2:4 layer (sparse records).
TEST(PlatformTiming, FlexcimSelectionHardwareIsPricedFromTheTable) {
  Runner run("name: sparse\nworkload:\n  tokens: 4\n  layers: [{name: l, in: 512, out: 64, pattern: \"2:4\"}]\n");
  std::string table = test::read_file(std::string(FLEXCIM_SOURCE_DIR) + "/scenarios/energy/dcim-45nm.yaml");
  ASSERT_NO_FATAL_FAILURE(replace_once(table, "\n  cell_operand_mux: 0.008 ", "\n  cell_operand_mux: 1.008 "));
  ASSERT_NO_FATAL_FAILURE(replace_once(table, "\n  operand_line_bit: 0.009 ", "\n  operand_line_bit: 2.009 "));
  ASSERT_NO_FATAL_FAILURE(replace_once(table, "\n  meta_write: 0.16 ", "\n  meta_write: 3.16 "));
  ASSERT_NO_FATAL_FAILURE(replace_once(table, "\n  select_write: 0.62 ", "\n  select_write: 4.62 "));
  const std::string modified = run.dir().write("energy.yaml", table);

  const json base = run.stats();
  const json dear = run.stats({"platform.energy_table=" + modified});
  const json& counts = base["energy"]["action_counts"];
  for (const char* action : {"cell_operand_mux", "operand_line_bit", "meta_write", "select_write"})
    EXPECT_GT(counts[action].get<uint64_t>(), 0u) << action;
  const double expected = 1.0 * counts["cell_operand_mux"].get<double>() + 2.0 * counts["operand_line_bit"].get<double>() +
                          3.0 * counts["meta_write"].get<double>() + 4.0 * counts["select_write"].get<double>();
  const double delta = dear["energy"]["by_component"]["macro"].get<double>() -
                       base["energy"]["by_component"]["macro"].get<double>();
  EXPECT_NEAR(delta, expected, 1e-9 * expected);
  EXPECT_EQ(base["totals"]["cycles"], dear["totals"]["cycles"]);
}

// int32 outputs remain an option: four bytes per output to DRAM instead of one,
// no requantisation, both checked against the golden model.
TEST(PlatformTiming, Int32OutputsRemainAnOption) {
  Runner run("name: out\nworkload:\n  tokens: 16\n  layers: [{name: l, in: 256, out: 512}]\n");
  const json int8 = run.stats();
  const json int32 = run.stats({"workload.outputs=int32"});
  EXPECT_EQ(int8["layers"][0]["outputs"], "int8");
  EXPECT_EQ(int32["layers"][0]["outputs"], "int32");
  EXPECT_EQ(int8["totals"]["dram_write_bytes"].get<uint64_t>(), 16u * 512);
  EXPECT_EQ(int32["totals"]["dram_write_bytes"].get<uint64_t>(), 16u * 512 * 4);
  EXPECT_EQ(int8["energy"]["action_counts"]["requant"].get<uint64_t>(), 16u * 512);
  EXPECT_EQ(int32["energy"]["action_counts"]["requant"].get<uint64_t>(), 0u);
  // The int8 run also reads one 8-byte record per channel.
  EXPECT_EQ(int8["totals"]["dram_read_bytes"].get<uint64_t>() - int32["totals"]["dram_read_bytes"].get<uint64_t>(),
            512u * 8);
  EXPECT_TRUE(int32["check"]["golden_match"].get<bool>());
  EXPECT_LT(int8["totals"]["energy_pj"].get<double>(), int32["totals"]["energy_pj"].get<double>());
}

TEST(PlatformTiming, WaitModeDoesNotChangeJobCycles) {
  Runner run(
      "name: wait\nworkload:\n  tokens: 3\n  layers:\n    - {name: a, in: 300, out: 70}\n"
      "    - {name: b, in: 172, out: 64, pattern: \"2:4\"}\n");
  const json irq = run.stats({"platform.wait=interrupt"});
  const json poll = run.stats({"platform.wait=poll"});
  ASSERT_EQ(irq["layers"].size(), poll["layers"].size());
  for (size_t i = 0; i < irq["layers"].size(); ++i)
    EXPECT_EQ(irq["layers"][i]["cycles"], poll["layers"][i]["cycles"]) << irq["layers"][i]["name"];
  EXPECT_TRUE(poll["check"]["golden_match"].get<bool>());
}

// platform.poll_interval_ns is the firmware's delay between STATUS reads in
// poll mode: over a ~24 us decode layer, 10 ns between reads means about a
// thousand register accesses, 2000 ns about a dozen.
TEST(PlatformTiming, PollIntervalSetsTheStatusReadRate) {
  Runner run(kDecode);
  auto reg_accesses = [&](const char* interval) {
    const json s = run.stats({"platform.wait=poll", std::string("platform.poll_interval_ns=") + interval});
    return s["energy"]["action_counts"]["reg_access"].get<uint64_t>();
  };
  const uint64_t often = reg_accesses("10"), rarely = reg_accesses("2000");
  EXPECT_GT(often, 10 * rarely) << often << " register accesses polling every 10 ns, " << rarely << " every 2000 ns";
}

}  // namespace
}  // namespace flexcim
