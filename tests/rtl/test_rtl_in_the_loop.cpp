// `platform.accelerator.macro_model: rtl` through the flexcim program: the
// Verilated macros in place of the TLM macros, same sequencer and firmware.
// stats.json must equal the TLM run's in everything (cycles, energy, outputs
// checked, golden match) except the macro_model it records; and what the build
// cannot model in RTL is refused with one error line and exit status 2.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "platform/flexcim_process.h"
#include "platform/temp_dir.h"
#include "rtl_tile_runner.h"

namespace flexcim::test {
namespace {

using nlohmann::json;

// Every pattern, ragged edges, several tokens, on the small Verilated geometry.
constexpr const char* kSmallGeometry =
    "name: rtl-small\n"
    "platform:\n"
    "  accelerator:\n"
    "    geometry: {submacros: 4, rows: 8, cols: 4}\n"
    "workload:\n"
    "  tokens: 3\n"
    "  layers:\n"
    "    - {name: d, in: 70, out: 10}\n"
    "    - {name: a, in: 100, out: 9, pattern: \"1:2\"}\n"
    "    - {name: b, in: 130, out: 7, pattern: \"1:4\"}\n"
    "    - {name: c, in: 90, out: 6, pattern: \"2:4\"}\n"
    "    - {name: e, in: 300, out: 5, pattern: \"1:8\"}\n"
    "    - {name: f, in: 200, out: 9, pattern: \"2:8\"}\n"
    "    - {name: g, in: 150, out: 11, pattern: \"4:8\"}\n";

// The default 4 x 32 x 32 macros: decode and a short prefill.
constexpr const char* kDefaultGeometry =
    "name: rtl-default\n"
    "workload:\n"
    "  tokens: 2\n"
    "  layers:\n"
    "    - {name: q, in: 300, out: 130}\n"
    "    - {name: up, in: 512, out: 96, pattern: \"2:4\"}\n"
    "    - {name: down, in: 1100, out: 40, pattern: \"1:8\"}\n";

json run_stats(const TempDir& dir, const std::string& scenario, const std::string& model,
               const std::vector<std::string>& sets = {}) {
  std::vector<std::string> args = {"run", scenario, "--out", dir / model, "--set",
                                   "platform.accelerator.macro_model=" + model};
  for (const std::string& s : sets) args.insert(args.end(), {"--set", s});
  const ProcessResult r = run_flexcim(args, dir.path().string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_json(dir / model + "/stats.json");
}

void expect_rtl_equals_tlm(const char* yaml, const std::vector<std::string>& sets = {}) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", yaml);
  json tlm = run_stats(dir, scenario, "tlm", sets);
  json rtl = run_stats(dir, scenario, "rtl", sets);
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_EQ(tlm["platform"]["macro_model"], "tlm");
  EXPECT_EQ(rtl["platform"]["macro_model"], "rtl");
  EXPECT_TRUE(rtl["check"]["golden_match"].get<bool>());
  EXPECT_GT(rtl["check"]["outputs_checked"].get<uint64_t>(), 0u);
  EXPECT_GT(rtl["totals"]["cycles"].get<uint64_t>(), 0u);
  ASSERT_EQ(rtl["layers"].size(), tlm["layers"].size());
  for (size_t i = 0; i < tlm["layers"].size(); ++i)
    EXPECT_EQ(rtl["layers"][i]["cycles"], tlm["layers"][i]["cycles"]) << tlm["layers"][i]["name"];
  tlm["platform"].erase("macro_model");
  rtl["platform"].erase("macro_model");
  tlm.erase("configuration");  // records the macro_model override too
  rtl.erase("configuration");
  EXPECT_EQ(rtl, tlm) << "stats.json differs beyond macro_model";
}

TEST(RtlInTheLoop, FlexcimEveryPatternSmallGeometry) { expect_rtl_equals_tlm(kSmallGeometry); }

TEST(RtlInTheLoop, DenseDcimSmallGeometry) {
  expect_rtl_equals_tlm(kSmallGeometry, {"platform.accelerator.architecture=dense-dcim"});
}

TEST(RtlInTheLoop, FixedNmSmallGeometry) {
  expect_rtl_equals_tlm(kSmallGeometry, {"platform.accelerator.architecture=fixed-nm"});
}

// Narrow ports: token issue and weight writes bound by the buffers, not the macro.
TEST(RtlInTheLoop, PortBoundIssueAndWriteSmallGeometry) {
  expect_rtl_equals_tlm(kSmallGeometry, {"platform.accelerator.buffers.activation.bytes_per_cycle=24",
                                         "platform.accelerator.buffers.weight.bytes_per_cycle=8",
                                         "platform.accelerator.macros=3"});
}

TEST(RtlInTheLoop, FlexcimDefaultGeometry) { expect_rtl_equals_tlm(kDefaultGeometry); }

TEST(RtlInTheLoop, DenseDcimDefaultGeometry) {
  expect_rtl_equals_tlm(kDefaultGeometry, {"platform.accelerator.architecture=dense-dcim"});
}

ProcessResult run_bad(const std::vector<std::string>& sets) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", kDefaultGeometry);
  std::vector<std::string> args = {"run", scenario, "--out", dir / "out", "--set",
                                   "platform.accelerator.macro_model=rtl"};
  for (const std::string& s : sets) args.insert(args.end(), {"--set", s});
  return run_flexcim(args, dir.path().string());
}

TEST(RtlInTheLoop, GeometryNotVerilatedIsBadInput) {
  const ProcessResult r = run_bad({"platform.accelerator.geometry.rows=16"});
  expect_one_error_line(r, {"platform.accelerator.macro_model", "4x16x32", "flexcim 4x32x32",
                            "FLEXCIM_RTL_GEOMETRIES"});
}

TEST(RtlInTheLoop, PipelineOtherThanTheRtlsIsBadInput) {
  const ProcessResult r = run_bad({"platform.accelerator.pipeline.adder_level=2"});
  expect_one_error_line(r, {"platform.accelerator.macro_model", "one register per pipeline stage", "tlm"});
}

TEST(RtlInTheLoop, UnknownMacroModelIsBadInput) {
  const ProcessResult r = run_bad({"platform.accelerator.macro_model=gates"});
  expect_one_error_line(r, {"platform.accelerator.macro_model", "gates", "tlm", "rtl"});
}

// A build without Verilator has no Verilated builds: the message names what to do.
TEST(RtlInTheLoop, BuildWithoutVerilatorSaysWhatToDo) {
  const std::string text = rtl_macro_unavailable(MacroKind::FlexCiM, MacroGeometry{}, MacroPipeline{}, {});
  EXPECT_NE(text.find("no Verilated macros"), std::string::npos) << text;
  EXPECT_NE(text.find("apt-get install verilator"), std::string::npos) << text;
  EXPECT_NE(text.find("macro_model: tlm"), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos) << "one line";
  EXPECT_EQ(rtl_macro_unavailable(MacroKind::FlexCiM, MacroGeometry{}, MacroPipeline{}), "")
      << "this build has the default geometry";
}

}  // namespace
}  // namespace flexcim::test
