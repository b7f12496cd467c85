// The flexcim program against hostile or careless input: every defect here was
// found by an audit or by the fuzz targets (fuzz/), and each is refused before
// anything runs, with exit status 2 and one error line.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flexcim_process.h"
#include "llm/checkpoint.h"
#include "llm/tokenizer.h"
#include "llm_tiny_model.h"
#include "temp_dir.h"

namespace flexcim::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLayers =
    "workload:\n"
    "  layers: [{name: a, in: 64, out: 32}, {name: b, in: 96, out: 40}]\n";

struct Hostile {
  const char* name;
  std::string scenario;
  std::vector<std::string> sets;
  std::vector<std::string> expect_in_message;
};

void PrintTo(const Hostile& h, std::ostream* os) { *os << h.name; }

std::string billion_laughs() {
  std::string s = std::string(kLayers) + "  patterns:\n    l0: &l0 [\"2:4\", \"2:4\"]\n";
  for (int i = 1; i <= 30; ++i) s += "    l" + std::to_string(i) + ": &l" + std::to_string(i) + " [*l" +
                                     std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + "]\n";
  return s;
}

const Hostile kHostile[] = {
    {"BillionLaughs", billion_laughs(), {}, {"scenario.yaml:", "more than 100000 YAML values"}},
    {"SecondYamlDocument",
     std::string(kLayers) + "---\nplatform: {clock_mhz: 1}\n",
     {},
     {"scenario.yaml:3", "a second YAML document"}},
    {"NameThatIsNoFileName", std::string("name: \"\\xff\"\n") + kLayers, {}, {"scenario.yaml:1", "name", "safe"}},
    {"NameThatLeavesTheOutputFolder",
     std::string("name: a/../../../x\n") + kLayers,
     {},
     {"scenario.yaml:1", "'a/../../../x' is not a safe file name"}},
    {"LayerNameWithAControlCharacter",
     "workload:\n  layers: [{name: \"a\\tb\", in: 64, out: 32}]\n",
     {},
     {"scenario.yaml:2", "workload.layers[0].name", "printable"}},
    // Keys the chosen mode does not read are checked all the same ...
    {"SparsityTargetWithPolicyNone",
     kLayers,
     {"workload.sparsity.target=abc"},
     {"--set workload.sparsity.target=abc", "expected a number", "abc"}},
    {"SparsityCandidateWithPolicyNone",
     kLayers,
     {"workload.sparsity.candidates=[2:4, 3:4]"},
     {"workload.sparsity.candidates[1]", "3:4", "no FlexCiM mapping"}},
    {"FixedPatternOnFlexcim",
     std::string(kLayers) + "platform:\n  accelerator:\n    fixed_pattern: \"0:4\"\n",
     {},
     {"scenario.yaml:5", "platform.accelerator.fixed_pattern", "0:4"}},
    {"FlexcimPatternsOnDenseDcim",
     kLayers,
     {"platform.accelerator.architecture=dense-dcim", "platform.accelerator.patterns=[2:4, 3:8]"},
     {"platform.accelerator.patterns[1]", "3:8"}},
    {"BlocksBesideExplicitLayers",
     std::string(kLayers) + "  blocks: {first: one}\n",
     {},
     {"scenario.yaml:3", "workload.blocks.first", "expected an integer"}},
    {"SetEmptiesAFixedSection",
     kLayers,
     {"platform.dram={}"},
     {"--set platform.dram={}", "set the keys of this section one by one"}},
};

class Robustness : public testing::TestWithParam<Hostile> {};

TEST_P(Robustness, RefusedBeforeAnythingRunsWithOneErrorLine) {
  const Hostile& h = GetParam();
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", h.scenario);
  std::vector<std::string> args{"run", scenario, "--vcd"};
  for (const std::string& s : h.sets) args.insert(args.end(), {"--set", s});
  const ProcessResult r = run_flexcim(args, dir.path().string());
  expect_one_error_line(r, h.expect_in_message);
  // Nothing written anywhere: no out/ folder, nothing beside or above the work folder.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir.path())) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"flexcim.stderr", "flexcim.stdout", "scenario.yaml"}));
  EXPECT_FALSE(fs::exists(dir.path().parent_path().parent_path() / "x"));
}

INSTANTIATE_TEST_SUITE_P(Robustness, Robustness, testing::ValuesIn(kHostile),
                         [](const testing::TestParamInfo<Hostile>& info) { return std::string(info.param.name); });

// `--set workload.patterns={}` empties the scenario's per-layer patterns, so
// workload.pattern applies to every layer again.
TEST(Robustness, SetEmptiesTheScenariosPerLayerPatterns) {
  TempDir dir;
  const std::string scenario =
      dir.write("scenario.yaml", std::string(kLayers) + "  patterns: {a: \"2:4\", b: \"4:8\"}\n");
  const ProcessResult r = run_flexcim({"run", scenario, "--out", dir / "out", "--set", "workload.patterns={}", "--set",
                                       "workload.pattern=1:8"},
                                      dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json stats = read_json(dir / "out/stats.json");
  ASSERT_EQ(stats.at("layers").size(), 2u);
  for (const nlohmann::json& layer : stats.at("layers")) {
    EXPECT_EQ(layer.at("n"), 1) << layer.dump();
    EXPECT_EQ(layer.at("m"), 8) << layer.dump();
  }
}

// Found by fuzz_scenario: `flexcim config` prints every key, so its output must load
// as a scenario again, explicit layers and all (workload.blocks there used to be
// "set but never read").
TEST(Robustness, ConfigOutputLoadsAsAScenarioAgain) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", std::string("name: again\n") + kLayers);
  const ProcessResult first = run_flexcim({"config", scenario}, dir.path().string());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string again = dir.write("again.yaml", first.out);
  const ProcessResult second = run_flexcim({"config", again}, dir.path().string());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, first.out);
}

// Finite weights whose arithmetic overflows float: the model commands stop with one
// error line instead of printing NaN cross-entropy and exiting 0.
TEST(Robustness, ModelWhoseLogitsOverflowIsAnError) {
  std::string tokenizer;
  try {
    tokenizer = llm::find_tokenizer("", llm::find_model(""));
  } catch (const llm::CheckpointError&) {
    GTEST_SKIP() << "stories260K.bin (and tok512.bin beside it) not found";
  }
  TempDir dir;
  llm::Config config = llm::test_models::tiny_config();
  config.vocab_size = 512;  // tok512's
  llm::Model m = llm::test_models::random_model(config, 5);
  std::fill(m.rms_final.begin(), m.rms_final.end(), 1e38f);
  llm::save_checkpoint(m, dir / "overflow.bin");
  fs::copy_file(tokenizer, dir / "tok512.bin");
  const std::string text = dir.write("story.txt", "Once upon a time there was a cat.\n<|endoftext|>\n");
  const std::vector<std::vector<std::string>> commands = {
      {"generate", dir / "overflow.bin", "--steps", "4"},
      {"eval", dir / "overflow.bin", "--policy", "uniform:2:4", "--dense-blocks", "none", "--calib", text, "--text", text,
       "--out", dir / "eval"}};
  for (const std::vector<std::string>& args : commands) {
    const ProcessResult r = run_flexcim(args, dir.path().string());
    expect_one_error_line(r, {"logit", "overflow float"});
  }
  EXPECT_FALSE(fs::exists(dir / "eval/eval.json"));
}

// Unwritable outputs are bad input: found before the run, reported on one line.
TEST(Robustness, UnwritableOutputsAreRefusedBeforeTheRun) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", kLayers);
  fs::create_directories(dir.path() / "out/trace.vcd");  // a folder where the VCD goes
  ProcessResult r = run_flexcim({"run", scenario, "--out", dir / "out", "--vcd"}, dir.path().string());
  expect_one_error_line(r, {"cannot write", "out/trace.vcd", "folder"});
  EXPECT_FALSE(fs::exists(dir / "out/stats.json"));

  dir.write("file", "");
  r = run_flexcim({"run", scenario, "--out", dir / "file/out"}, dir.path().string());
  expect_one_error_line(r, {"cannot write to the output folder", "file/out"});

  fs::create_directories(dir.path() / "cmp/compare.json");
  r = run_flexcim({"compare", scenario, "--out", dir / "cmp"}, dir.path().string());
  expect_one_error_line(r, {"cannot write", "cmp/compare.json"});
}

// A 333 MHz clock puts events between nanoseconds: the VCD keeps every one of them
// (picosecond timescale) and SystemC has nothing to warn about.
TEST(Robustness, VcdTimescaleHoldsEveryEventWhateverTheClock) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", kLayers);
  const ProcessResult r = run_flexcim(
      {"run", scenario, "--out", dir / "out", "--vcd", "--set", "platform.clock_mhz=333"}, dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_EQ(r.out.find("Warning"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Info"), std::string::npos) << r.out;
  const std::string vcd = read_file(dir / "out/trace.vcd");
  EXPECT_NE(vcd.find("$timescale\n     1 ps\n$end"), std::string::npos);
  size_t off_ns = 0;
  for (size_t at = vcd.find("\n#"); at != std::string::npos; at = vcd.find("\n#", at + 1))
    off_ns += std::stoull(vcd.substr(at + 2)) % 1000 != 0;
  EXPECT_GT(off_ns, 0u) << "no event between nanoseconds: the test does not test";
}

// Outputs appear under their names only when complete; nothing temporary is left.
TEST(Robustness, ACompleteRunSaysSoAndLeavesOnlyItsFiles) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", kLayers);
  const ProcessResult r = run_flexcim({"run", scenario, "--out", dir / "out", "--vcd"}, dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(read_json(dir / "out/stats.json").at("complete").get<bool>());
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir.path() / "out")) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"config.yaml", "stats.json", "trace.vcd"}));
}

}  // namespace
}  // namespace flexcim::test
