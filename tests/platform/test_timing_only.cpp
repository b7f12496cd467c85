// Timing-only runs (`flexcim run --timing-only`, scenario key `mode`) against
// functional runs of the same scenario: every figure of stats.json is the
// functional run's (cycles, time, every action count, DRAM bytes, energy by
// component, MACs, kept weights, executed patterns, the N:M selection), except
// what needs the tensors timing-only does not make: the check section, each
// layer's golden_match and outputs_checked, and the score figures of layers
// whose mask it did not need; and the configuration records the mode override. Every shipped scenario (the LLaMA-2-7B ones
// reduced to one block, README "Speed"; label timing-only-full runs them
// whole) and every supported pattern on all three architectures, on shapes
// that are no multiple of the tile and with token chunks; one with DRAMSys.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flexcim_process.h"
#include "temp_dir.h"

namespace flexcim::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kScoreKeys[] = {"score_total", "score_kept", "score_loss", "score_loss_vs_unconstrained"};

// Runs the scenario functionally and timing-only and compares the two stats.json.
void expect_same_figures(const std::string& scenario, const std::vector<std::string>& sets) {
  TempDir dir;
  json stats[2];
  for (int timing_only = 0; timing_only < 2; ++timing_only) {
    const std::string out = dir / (timing_only ? "timing" : "functional");
    std::vector<std::string> args = {"run", scenario, "--out", out};
    for (const std::string& s : sets) args.insert(args.end(), {"--set", s});
    if (timing_only) args.push_back("--timing-only");
    const ProcessResult r = run_flexcim(args, dir.path().string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    stats[timing_only] = read_json(out + "/stats.json");
  }
  json& f = stats[0];
  json& t = stats[1];
  ASSERT_TRUE(f["check"]["golden_match"].get<bool>());
  EXPECT_EQ(t["check"], json({{"mode", "timing-only"}, {"jobs_ok", true}}));
  f.erase("check");
  t.erase("check");
  ASSERT_EQ(f["layers"].size(), t["layers"].size());
  for (size_t i = 0; i < f["layers"].size(); ++i) {
    json& fl = f["layers"][i];
    const json& tl = t["layers"][i];
    EXPECT_FALSE(tl.contains("golden_match") || tl.contains("outputs_checked")) << tl["name"];
    fl.erase("golden_match");
    fl.erase("outputs_checked");
    for (const char* key : kScoreKeys)
      if (!tl.contains(key)) fl.erase(key);
  }
  if (!t["totals"].contains("score_loss")) f["totals"].erase("score_loss");
  // The configuration it records names the flag as an override.
  json& overrides = t["configuration"]["overrides"];
  ASSERT_FALSE(overrides.empty());
  EXPECT_EQ(overrides.back(), "mode=timing-only");
  overrides.erase(overrides.size() - 1);
  // Everything that is left must be identical, numbers to the last bit.
  EXPECT_EQ(f, t) << "functional:\n" << f.dump(1) << "\ntiming-only:\n" << t.dump(1);
}

std::string scenario(const std::string& name) { return std::string(FLEXCIM_SOURCE_DIR) + "/scenarios/" + name; }

TEST(TimingOnly, DefaultScenario) { expect_same_figures(scenario("default.yaml"), {}); }

TEST(TimingOnly, Llama2DecodeMixed) {
  expect_same_figures(scenario("llama2-7b-decode-mixed.yaml"), {});
}

TEST(TimingOnly, Llama2PrefillMixed24Tokens) {
  expect_same_figures(scenario("llama2-7b-prefill-mixed.yaml"), {"workload.tokens=24"});
}

TEST(TimingOnly, Mamba28DecodeMixed) { expect_same_figures(scenario("mamba-2.8b-decode-mixed.yaml"), {}); }

TEST(TimingOnly, Mamba28PrefillMixed) { expect_same_figures(scenario("mamba-2.8b-prefill-mixed.yaml"), {}); }

// FLOW selects from Wanda statistics: timing-only computes them too and picks the same N:M.
TEST(TimingOnly, Mamba130mFlow) { expect_same_figures(scenario("mamba-130m-flow.yaml"), {}); }

// Every pattern on shapes that are no multiple of a tile or of M, three token
// chunks (the activation buffer holds four tokens of the widest layer), int8
// and int32 outputs.
std::string pattern_scenario(const TempDir& dir, const std::string& pattern) {
  return dir.write("p.yaml", "name: pattern\n"
                             "workload:\n"
                             "  tokens: 9\n"
                             "  pattern: \"" + pattern + "\"\n"
                             "  layers:\n"
                             "    - {name: a, in: 1000, out: 70}\n"
                             "    - {name: b, in: 515, out: 33}\n"
                             "    - {name: c, in: 64, out: 200}\n");
}

class TimingOnlyPattern : public ::testing::TestWithParam<const char*> {};

TEST_P(TimingOnlyPattern, FlexcimInt8AndInt32) {
  TempDir dir;
  const std::string path = pattern_scenario(dir, GetParam());
  expect_same_figures(path, {"platform.accelerator.buffers.activation.bytes=4096"});
  expect_same_figures(path, {"workload.outputs=int32", "platform.accelerator.dma.burst_bytes=100"});
}

// The dense DCiM runs a pruned layer dense; the fixed 2:4 DCiM runs another
// pattern with the sparsest supported one its mask fits (timing-only makes that
// mask), or runs its own 2:4 model (prune_to: supported).
TEST_P(TimingOnlyPattern, Baselines) {
  TempDir dir;
  const std::string path = pattern_scenario(dir, GetParam());
  expect_same_figures(path, {"platform.accelerator.architecture=dense-dcim"});
  expect_same_figures(path, {"platform.accelerator.architecture=fixed-nm"});
  expect_same_figures(path, {"platform.accelerator.architecture=fixed-nm", "workload.prune_to=supported"});
}

// With DRAMSys as the DRAM the DMA takes its AT path: timing-only sends the
// bursts one by one (no trains) and must still give the functional figures.
TEST(TimingOnly, DramSysDdr4) {
  TempDir dir;
  expect_same_figures(pattern_scenario(dir, "2:4"),
                      {"platform.dram.model=dramsys", "platform.dram.dramsys.config=ddr4-2400-x64",
                       "platform.accelerator.buffers.activation.bytes=4096"});
}

INSTANTIATE_TEST_SUITE_P(EveryPattern, TimingOnlyPattern,
                         ::testing::Values("1:2", "1:4", "2:4", "1:8", "2:8", "4:8", "dense"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           return name == "dense" ? name : "p" + name.replace(1, 1, "_");
                         });

}  // namespace
}  // namespace flexcim::test
