// `flexcim compare` as a user runs it: one scenario on FlexCiM and on the
// baselines (dense DCiM on the unpruned model; the fixed-pattern DCiM on
// FlexCiM's masks and on its own model), each in a child process. compare.json
// agrees with every architecture's own stats.json, each architecture executes
// what its hardware can, the fixed pattern is the scenario's, the output is
// deterministic, and bad input is refused before any architecture runs.
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

// Six small layers, eight tokens: dense, five sparse patterns, no shape a
// multiple of the tile. All three architectures together run in about a second.
constexpr const char* kMixed =
    "name: mixed\n"
    "workload:\n"
    "  tokens: 8\n"
    "  layers:\n"
    "    - {name: d, in: 300, out: 130}\n"
    "    - {name: s18, in: 256, out: 96, pattern: \"1:8\"}\n"
    "    - {name: s48, in: 200, out: 70, pattern: \"4:8\"}\n"
    "    - {name: s24, in: 172, out: 64, pattern: \"2:4\"}\n"
    "    - {name: s28, in: 260, out: 40, pattern: \"2:8\"}\n"
    "    - {name: s14, in: 130, out: 33, pattern: \"1:4\"}\n";

struct LayerPattern {
  const char* name;
  int n, m;
};
constexpr LayerPattern kMixedLayers[] = {{"d", 1, 1},   {"s18", 1, 8}, {"s48", 4, 8},
                                         {"s24", 2, 4}, {"s28", 2, 8}, {"s14", 1, 4}};

// Name in compare.json, the architecture its stats.json reports, whose masks it runs.
struct ArchName {
  const char* name;
  const char* architecture;
  const char* masks;
};
constexpr ArchName kArchitectures[] = {{"flexcim", "flexcim", "flexcim"},
                                       {"dense-dcim", "dense-dcim", "own"},
                                       {"fixed-nm-2:4", "fixed-nm", "flexcim"},
                                       {"fixed-nm-2:4-own", "fixed-nm", "own"}};

bool sparse(const json& layer) { return layer.at("n") != layer.at("m"); }

// "2:4", as stats.json writes an executed sparse pattern.
std::string pattern_name(const json& layer) {
  return std::to_string(layer.at("n").get<int>()) + ":" + std::to_string(layer.at("m").get<int>());
}

double density(const std::string& executed) {
  if (executed == "dense") return 1.0;
  const size_t colon = executed.find(':');
  return std::stod(executed.substr(0, colon)) / std::stod(executed.substr(colon + 1));
}

// Runs `flexcim compare` on kMixed into DIR/OUT; returns compare.json.
json compare_mixed(const TempDir& dir, const std::string& out, const std::vector<std::string>& sets = {}) {
  const std::string scenario = dir.write("mixed.yaml", kMixed);
  std::vector<std::string> args{"compare", scenario, "--out", dir / out};
  for (const std::string& s : sets) args.insert(args.end(), {"--set", s});
  const ProcessResult r = run_flexcim(args, dir.path().string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  return read_json(dir / (out + "/compare.json"));
}

const json& architecture(const json& compare, const std::string& name) {
  for (const json& a : compare.at("architectures"))
    if (a.at("name") == name) return a;
  throw std::runtime_error(name + " not in compare.json");
}

TEST(Compare, MixedScenarioRunsOnEveryArchitectureAndMatches) {
  TempDir dir;
  const std::string scenario = dir.write("mixed.yaml", kMixed);
  // Without --out the result goes to out/<scenario name>-compare.
  const ProcessResult r = run_flexcim({"compare", scenario}, dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("wrote out/mixed-compare/compare.json"), std::string::npos) << r.out;
  const json c = read_json(dir / "out/mixed-compare/compare.json");

  EXPECT_EQ(c.at("scenario"), "mixed");
  EXPECT_EQ(c.at("fixed_pattern"), "2:4");
  const json& archs = c.at("architectures");
  ASSERT_EQ(archs.size(), std::size(kArchitectures));
  for (size_t a = 0; a < archs.size(); ++a) {
    const json& arch = archs[a];
    EXPECT_EQ(arch.at("name"), kArchitectures[a].name);
    EXPECT_EQ(arch.at("architecture"), kArchitectures[a].architecture);
    EXPECT_EQ(arch.at("masks"), kArchitectures[a].masks);
    EXPECT_GT(arch.at("cycles").get<uint64_t>(), 0u);
    EXPECT_GT(arch.at("energy_pj").get<double>(), 0.0);
    EXPECT_TRUE(arch.at("golden_match").get<bool>()) << kArchitectures[a].name;
    const json& layers = arch.at("layers");
    ASSERT_EQ(layers.size(), std::size(kMixedLayers));
    uint64_t cycles = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
      const json& l = layers[i];
      // Every architecture reports the pattern the weights were pruned to.
      EXPECT_EQ(l.at("name"), kMixedLayers[i].name);
      EXPECT_EQ(l.at("n"), kMixedLayers[i].n) << l.dump();
      EXPECT_EQ(l.at("m"), kMixedLayers[i].m) << l.dump();
      EXPECT_GT(l.at("cycles").get<uint64_t>(), 0u);
      EXPECT_GT(l.at("energy_pj").get<double>(), 0.0);
      cycles += l.at("cycles").get<uint64_t>();
    }
    EXPECT_EQ(cycles, arch.at("cycles").get<uint64_t>()) << kArchitectures[a].name;
  }
}

TEST(Compare, RatiosAreBaselineOverFlexcim) {
  TempDir dir;
  const json c = compare_mixed(dir, "out");
  const json& flex = architecture(c, "flexcim");
  const json& ratios = c.at("ratios");
  EXPECT_EQ(ratios.size(), 3u) << ratios.dump();
  for (const char* name : {"dense-dcim", "fixed-nm-2:4", "fixed-nm-2:4-own"}) {
    const json& base = architecture(c, name);
    ASSERT_TRUE(ratios.contains(name)) << ratios.dump();
    EXPECT_DOUBLE_EQ(ratios[name].at("latency").get<double>(),
                     base.at("cycles").get<double>() / flex.at("cycles").get<double>());
    EXPECT_DOUBLE_EQ(ratios[name].at("energy").get<double>(),
                     base.at("energy_pj").get<double>() / flex.at("energy_pj").get<double>());
  }
}

TEST(Compare, EveryArchitectureWritesItsStatsJsonInItsDirectory) {
  TempDir dir;
  const json c = compare_mixed(dir, "out");
  for (const ArchName& a : kArchitectures) {
    const std::string path = dir / ("out/" + std::string(a.name) + "/stats.json");
    ASSERT_TRUE(fs::exists(path)) << path;
    const json s = read_json(path);
    const json& entry = architecture(c, a.name);
    EXPECT_EQ(s.at("platform").at("architecture"), a.architecture);
    EXPECT_EQ(s.at("totals").at("cycles"), entry.at("cycles"));
    EXPECT_EQ(s.at("totals").at("energy_pj"), entry.at("energy_pj"));
    EXPECT_EQ(s.at("totals").at("score_loss"), entry.at("score_loss"));
    EXPECT_EQ(s.at("check").at("golden_match"), entry.at("golden_match"));
    ASSERT_EQ(s.at("layers").size(), entry.at("layers").size());
    for (size_t i = 0; i < s.at("layers").size(); ++i)
      for (const char* key : {"name", "pruned_to", "executed", "cycles", "energy_pj", "score_loss"})
        EXPECT_EQ(s.at("layers")[i].at(key), entry.at("layers")[i].at(key)) << a.name << " layer " << i << " " << key;
  }
}

TEST(Compare, FlexcimRunsEveryPatternAndBeatsDenseDcimOnEverySparseLayer) {
  TempDir dir;
  const json c = compare_mixed(dir, "out");
  const json& flex = architecture(c, "flexcim").at("layers");
  const json& dense = architecture(c, "dense-dcim").at("layers");
  for (size_t i = 0; i < flex.size(); ++i) {
    const json& l = flex[i];
    const std::string requested = sparse(l) ? pattern_name(l) : "dense";
    EXPECT_EQ(l.at("pruned_to"), requested);
    EXPECT_EQ(l.at("executed"), requested) << "flexcim advertises every pattern of the scenario";
    // dense-dcim's cost does not depend on the mask: it runs the unpruned layer.
    EXPECT_EQ(dense[i].at("pruned_to"), "dense") << l.at("name");
    EXPECT_EQ(dense[i].at("executed"), "dense") << "dense-dcim runs " << l.at("name");
    EXPECT_EQ(dense[i].at("score_loss"), 0.0) << l.at("name");
    if (sparse(l)) {
      EXPECT_LT(l.at("cycles").get<uint64_t>(), dense[i].at("cycles").get<uint64_t>()) << l.at("name");
    }
  }
  EXPECT_GT(c.at("ratios").at("dense-dcim").at("latency").get<double>(), 1.0);
}

// fixed-nm advertises 2:4 and dense only. A hardware-aware mask that keeps at
// most two weights per group uses at most two pair slots in any four inputs, so
// it always fits 2:4; a 4:8 mask fits only if no column block needs both
// elements of a pair, otherwise the layer runs dense.
TEST(Compare, FixedNmRunsTwoFourCompatibleLayersAsTwoFourAndTheOthersDenser) {
  TempDir dir;
  const json c = compare_mixed(dir, "out");
  const json& flex = architecture(c, "flexcim").at("layers");
  const json& fixed = architecture(c, "fixed-nm-2:4").at("layers");
  int fallbacks_to_dense = 0;
  for (size_t i = 0; i < fixed.size(); ++i) {
    const json& l = fixed[i];
    const std::string executed = l.at("executed");
    const std::string name = l.at("name");
    if (!sparse(l)) {
      EXPECT_EQ(executed, "dense") << name;
      continue;
    }
    if (l.at("n").get<int>() <= 2) {
      EXPECT_EQ(executed, "2:4") << name;
    } else {
      EXPECT_TRUE(executed == "2:4" || executed == "dense") << name << " ran " << executed;
    }
    EXPECT_GE(density(executed), l.at("n").get<double>() / l.at("m").get<double>()) << name;
    if (executed == "dense") {
      ++fallbacks_to_dense;
      EXPECT_GT(l.at("cycles").get<uint64_t>(), flex[i].at("cycles").get<uint64_t>()) << name;
    }
  }
  // The seed's 4:8 layer keeps both elements of a pair somewhere (75 column
  // block x group choices), so the fallback path is exercised.
  EXPECT_GE(fallbacks_to_dense, 1);
}

// Score loss = share of the Wanda score the masks prune away: FlexCiM's for
// FlexCiM and for the fixed pattern on its masks, none for the dense baseline.
TEST(Compare, ReportsTheScoreLossOfEachMask) {
  TempDir dir;
  const json c = compare_mixed(dir, "out");
  const double flex = architecture(c, "flexcim").at("score_loss");
  EXPECT_GT(flex, 0.1);
  EXPECT_LT(flex, 0.9);
  EXPECT_EQ(architecture(c, "dense-dcim").at("score_loss"), 0.0);
  EXPECT_EQ(architecture(c, "fixed-nm-2:4").at("score_loss"), flex);
  const double own = architecture(c, "fixed-nm-2:4-own").at("score_loss");
  EXPECT_GT(own, 0.0);
  EXPECT_LT(own, flex) << "2:4 keeps more than kMixed's 1:8, 2:8 and 1:4 layers";
}

// Its own best model: every sparse layer of kMixed is at most as dense as 2:4,
// so each is pruned hardware-aware to 2:4 and runs as 2:4, never slower than on
// FlexCiM's masks (where a 4:8 mask may not fit 2:4 and runs dense). It keeps
// more score than FlexCiM's layers sparser than 2:4, and no more on the 4:8
// layer, where 2:4 is the stricter rule.
TEST(Compare, FixedNmOwnModelIsPrunedToItsPattern) {
  TempDir dir;
  const json c = compare_mixed(dir, "out");
  const json& flex = architecture(c, "flexcim").at("layers");
  const json& fixed = architecture(c, "fixed-nm-2:4").at("layers");
  const json& own = architecture(c, "fixed-nm-2:4-own").at("layers");
  for (size_t i = 0; i < own.size(); ++i) {
    const json& l = own[i];
    const std::string name = l.at("name");
    if (!sparse(l)) {
      EXPECT_EQ(l.at("pruned_to"), "dense") << name;
      continue;
    }
    EXPECT_EQ(l.at("pruned_to"), "2:4") << name;
    EXPECT_EQ(l.at("executed"), "2:4") << name;
    EXPECT_LE(l.at("cycles").get<uint64_t>(), fixed[i].at("cycles").get<uint64_t>()) << name;
    const double density = l.at("n").get<double>() / l.at("m").get<double>();
    if (density < 0.5)
      EXPECT_LT(l.at("score_loss").get<double>(), flex[i].at("score_loss").get<double>()) << name;
    else
      EXPECT_GE(l.at("score_loss").get<double>(), flex[i].at("score_loss").get<double>()) << name;
  }
  EXPECT_LT(architecture(c, "fixed-nm-2:4-own").at("cycles").get<uint64_t>(),
            architecture(c, "fixed-nm-2:4").at("cycles").get<uint64_t>());
}

// platform.accelerator.fixed_pattern names the baseline; here 1:4: a layer runs
// 1:4 where its FlexCiM mask fits, else denser; its own model prunes layers
// sparser than 1:4 (1:8) to 1:4 and holds the denser ones (2:4, 4:8) dense.
TEST(Compare, HonoursTheScenariosFixedPattern) {
  TempDir dir;
  const json c = compare_mixed(dir, "out", {"platform.accelerator.fixed_pattern=1:4"});
  EXPECT_EQ(c.at("fixed_pattern"), "1:4");
  const json& flex = architecture(c, "flexcim").at("layers");
  const json& fixed = architecture(c, "fixed-nm-1:4").at("layers");
  const json& own = architecture(c, "fixed-nm-1:4-own").at("layers");
  EXPECT_TRUE(c.at("ratios").contains("fixed-nm-1:4-own"));
  for (size_t i = 0; i < fixed.size(); ++i) {
    const std::string name = fixed[i].at("name");
    const std::string executed = fixed[i].at("executed"), own_executed = own[i].at("executed");
    EXPECT_TRUE(executed == "1:4" || executed == "dense") << name << " ran " << executed;
    EXPECT_GE(density(executed), density(flex[i].at("executed"))) << name;
    const double requested = density(sparse(fixed[i]) ? pattern_name(fixed[i]) : "dense");
    const std::string own_pattern = requested <= 0.25 ? "1:4" : "dense";
    EXPECT_EQ(own[i].at("pruned_to"), own_pattern) << name;
    EXPECT_EQ(own_executed, own_pattern) << name;
  }
  EXPECT_EQ(fixed[1].at("executed"), "1:4") << "a 1:8 mask fits 1:4";
}

TEST(Compare, TwoComparesWriteIdenticalFiles) {
  TempDir dir;
  compare_mixed(dir, "one");
  compare_mixed(dir, "two");
  const std::string one = read_file(dir / "one/compare.json");
  EXPECT_FALSE(one.empty());
  EXPECT_EQ(one, read_file(dir / "two/compare.json"));
  for (const ArchName& a : kArchitectures)
    EXPECT_EQ(read_file(dir / ("one/" + std::string(a.name) + "/stats.json")),
              read_file(dir / ("two/" + std::string(a.name) + "/stats.json")))
        << a.name;
}

struct BadCompare {
  const char* name;
  const char* scenario;
  std::vector<std::string> sets;
  std::vector<std::string> expect_in_message;
};

void PrintTo(const BadCompare& bad, std::ostream* os) { *os << bad.name; }

class CompareBadInput : public testing::TestWithParam<BadCompare> {};

const BadCompare kBadCompares[] = {
    {"UnknownKey",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n"
     "  tokenz: 8\n",
     {},
     {"scenario.yaml:4", "workload.tokenz", "unknown key"}},
    {"PatternWithoutMapping",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32, pattern: \"3:5\"}]\n",
     {},
     {"workload.layers[0]", "3:5", "allowed:"}},
    // compare runs fixed-nm, so its pattern is checked whatever the scenario's architecture.
    {"FixedPatternInTheScenario",
     "name: x\n"
     "platform:\n"
     "  accelerator:\n"
     "    fixed_pattern: \"1:3\"\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n",
     {},
     {"scenario.yaml:4", "platform.accelerator.fixed_pattern", "1:3", "allowed:"}},
    {"FixedPatternSet",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n",
     {"platform.accelerator.fixed_pattern=3:8"},
     {"--set platform.accelerator.fixed_pattern=3:8", "3:8", "allowed:"}},
    {"FixedPatternDense",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n",
     {"platform.accelerator.fixed_pattern=dense"},
     {"platform.accelerator.fixed_pattern: dense is not a hardware pattern", "allowed:"}},
    {"SetOfBadArchitecture",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n",
     {"platform.accelerator.architecture=sparse"},
     {"--set platform.accelerator.architecture=sparse", "allowed:", "fixed-nm"}},
    // Valid for dense-dcim, which ignores the pattern list; FlexCiM cannot hold 3:8.
    {"InvalidForAnotherArchitecture",
     "name: x\n"
     "platform:\n"
     "  accelerator:\n"
     "    architecture: dense-dcim\n"
     "    patterns: [\"3:8\"]\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32, pattern: \"2:4\"}]\n",
     {},
     {"scenario.yaml:5", "platform.accelerator.patterns[0]", "3:8", "allowed:"}},
};

TEST_P(CompareBadInput, ExitsTwoWithOneErrorLineBeforeAnyArchitectureRuns) {
  const BadCompare& bad = GetParam();
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", bad.scenario);
  const std::string out = dir / "out";
  std::vector<std::string> args{"compare", scenario, "--out", out};
  for (const std::string& s : bad.sets) args.insert(args.end(), {"--set", s});
  const ProcessResult r = run_flexcim(args, dir.path().string());

  expect_one_error_line(r, bad.expect_in_message);
  EXPECT_FALSE(fs::exists(out)) << "an architecture ran: " << out << " exists";
}

INSTANTIATE_TEST_SUITE_P(Compare, CompareBadInput, testing::ValuesIn(kBadCompares),
                         [](const testing::TestParamInfo<BadCompare>& info) { return std::string(info.param.name); });

// The shipped comparison scenarios are valid on every architecture compare runs.
TEST(Compare, ShippedMixedScenariosAreValidForEveryArchitecture) {
  TempDir dir;
  const std::vector<std::vector<std::string>> overrides = {
      {"--set", "platform.accelerator.architecture=flexcim"},
      {"--set", "platform.accelerator.architecture=dense-dcim"},
      {"--set", "platform.accelerator.architecture=fixed-nm", "--set", "platform.accelerator.fixed_pattern=2:4"}};
  int found = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(std::string(FLEXCIM_SOURCE_DIR) + "/scenarios")) {
    const std::string name = e.path().filename().string();
    if (name.size() < 11 || name.compare(name.size() - 11, 11, "-mixed.yaml") != 0) continue;
    ++found;
    for (const std::vector<std::string>& sets : overrides) {
      std::vector<std::string> args{"config", e.path().string()};
      args.insert(args.end(), sets.begin(), sets.end());
      const ProcessResult r = run_flexcim(args, dir.path().string());
      EXPECT_EQ(r.exit_code, 0) << name << " " << sets[1] << ": " << r.err;
      EXPECT_TRUE(r.err.empty()) << name << ": " << r.err;
    }
  }
  EXPECT_GE(found, 4) << "scenarios/*-mixed.yaml";
}

}  // namespace
}  // namespace flexcim::test
