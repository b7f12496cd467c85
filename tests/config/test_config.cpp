#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "config.h"

namespace flexcim {
namespace {

namespace fs = std::filesystem;

// Line numbers matter: the tests check file:line in error messages.
constexpr const char* kDefaults =
    "platform:\n"                      // 1
    "  clock_mhz: 1000\n"              // 2
    "  dram:\n"                        // 3
    "    latency_ns: 45.5\n"           // 4
    "    kind: ddr4\n"                 // 5
    "  trace: false\n"                 // 6
    "  energy_table: energy/t.yaml\n"  // 7
    "workload:\n"                      // 8
    "  model: tiny\n"                  // 9
    "  blocks: [0, 1, 2]\n"            // 10
    "  layers:\n"                      // 11
    "    - {in: 64, out: 64}\n"        // 12
    "  extra: {}\n"                    // 13
    "seed: ~\n";                       // 14

constexpr const char* kScenario =
    "name: demo\n"                // 1
    "platform:\n"                 // 2
    "  clock_mhz: 500\n"          // 3
    "  dram:\n"                   // 4
    "    latency_ns: 60\n"        // 5
    "workload:\n"                 // 6
    "  layers:\n"                 // 7
    "    - {in: 32, out: 16}\n"   // 8
    "    - {in: 16, out: 8}\n";   // 9

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "flexcim_config_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    defaults_ = write("defaults.yaml", kDefaults);
    scenario_ = (fs::path(dir_) / "scenarios/s.yaml").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = fs::path(dir_) / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }

  Config load(const std::string& scenario_text, const std::vector<std::string>& overrides = {}) {
    write("scenarios/s.yaml", scenario_text);
    return Config::load(defaults_, scenario_, overrides);
  }

  // The ConfigError message `action` throws, or a marker when it throws none.
  static std::string error_of(const std::function<void()>& action) {
    try {
      action();
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "error must be one line";
      return e.what();
    }
    return "(no error)";
  }

  std::string dir_;
  std::string defaults_;
  std::string scenario_;  // where load() writes the scenario
};

TEST_F(ConfigTest, MapsMergeKeyByKeySequencesAndScalarsReplace) {
  const Config config = load(kScenario);
  EXPECT_EQ(config.get_int("platform.clock_mhz", 1, 5000), 500);
  EXPECT_DOUBLE_EQ(config.get_double("platform.dram.latency_ns", 0, 1000), 60.0);
  EXPECT_EQ(config.get_string("platform.dram.kind"), "ddr4");  // untouched sibling keeps its default
  EXPECT_EQ(config.size("workload.blocks"), 3u);
  ASSERT_EQ(config.size("workload.layers"), 2u);  // the scenario's sequence replaces the default one
  EXPECT_EQ(config.get_int("workload.layers[1].in", 1, 1 << 20), 16);
  EXPECT_EQ(config.get_int("workload.layers[1].out", 1, 1 << 20), 8);
}

TEST_F(ConfigTest, WhereNamesTheFileAndLineThatSetEachValue) {
  const Config config = load(kScenario, {"platform.trace=true"});
  EXPECT_EQ(config.where("platform.clock_mhz"), scenario_ + ":3");
  EXPECT_EQ(config.where("platform.dram.kind"), defaults_ + ":5");
  EXPECT_EQ(config.where("workload.layers[1]"), scenario_ + ":9");
  EXPECT_EQ(config.where("workload.blocks[2]"), defaults_ + ":10");
  EXPECT_EQ(config.where("platform.trace"), "--set platform.trace=true");
  EXPECT_EQ(config.where("platform.dram.nonexistent"), scenario_ + ":4");  // closest parent
}

TEST_F(ConfigTest, GetIntRejectsWrongTypeAndOutOfRangeWithFileAndLine) {
  const Config config = load("platform:\n  clock_mhz: fast\n  dram:\n    latency_ns: 0.5\n");
  EXPECT_EQ(error_of([&] { config.get_int("platform.clock_mhz", 1, 5000); }),
            scenario_ + ":2: platform.clock_mhz: expected an integer, got 'fast' (allowed: 1 to 5000)");
  EXPECT_EQ(error_of([&] { config.get_int("platform.dram.latency_ns", 1, 100); }),
            scenario_ + ":4: platform.dram.latency_ns: expected an integer, got '0.5' (allowed: 1 to 100)");
  EXPECT_EQ(error_of([&] { config.get_int("workload.blocks[1]", 2, 10); }),
            defaults_ + ":10: workload.blocks[1]: 1 is out of range (allowed: 2 to 10)");
  EXPECT_EQ(error_of([&] { config.get_int("platform.dram", 0, 1); }),
            scenario_ + ":3: platform.dram: expected an integer, got a map (allowed: 0 to 1)");
  EXPECT_EQ(error_of([&] { config.get_int("seed", 0, 1); }),
            defaults_ + ":14: seed: expected an integer, got no value (allowed: 0 to 1)");
}

TEST_F(ConfigTest, GetIntReportsMissingKeysAndIndices) {
  const Config config = load(kScenario);
  EXPECT_EQ(error_of([&] { config.get_int("workload.layers[1].bias", 0, 1); }),
            scenario_ + ":9: workload.layers[1].bias: missing key");
  EXPECT_EQ(error_of([&] { config.get_int("workload.layers[2].in", 0, 1); }),
            scenario_ + ":7: workload.layers[2].in: index 2 out of range (workload.layers has 2 elements)");
  EXPECT_EQ(error_of([&] { config.get_int("workload.model[0]", 0, 1); }),
            defaults_ + ":9: workload.model[0]: workload.model is a single value, not a sequence");
  EXPECT_THROW(config.get_int("workload..model", 0, 1), std::invalid_argument);  // caller bug
}

TEST_F(ConfigTest, GetDoubleChecksTypeAndRange) {
  const Config config = load("platform:\n  dram:\n    latency_ns: .nan\n", {"platform.clock_mhz=1e3"});
  EXPECT_DOUBLE_EQ(config.get_double("platform.clock_mhz", 1, 5000), 1000.0);
  EXPECT_EQ(error_of([&] { config.get_double("platform.clock_mhz", 1, 999.5); }),
            "--set platform.clock_mhz=1e3: platform.clock_mhz: 1e3 is out of range (allowed: 1 to 999.5)");
  EXPECT_EQ(error_of([&] { config.get_double("platform.dram.latency_ns", 0, 100); }),
            scenario_ + ":3: platform.dram.latency_ns: .nan is out of range (allowed: 0 to 100)");
  EXPECT_EQ(error_of([&] { config.get_double("platform.dram.kind", 0, 100); }),
            defaults_ + ":5: platform.dram.kind: expected a number, got 'ddr4' (allowed: 0 to 100)");
}

TEST_F(ConfigTest, GetBoolAcceptsYamlBooleansOnly) {
  const Config config = load("platform:\n  trace: yes\n", {"workload.model=maybe"});
  EXPECT_TRUE(config.get_bool("platform.trace"));
  EXPECT_EQ(error_of([&] { config.get_bool("workload.model"); }),
            "--set workload.model=maybe: workload.model: expected true or false, got 'maybe'");
}

TEST_F(ConfigTest, GetStringAndChoice) {
  const Config config = load("platform:\n  dram:\n    kind: hbm3\n");
  EXPECT_EQ(config.get_string("workload.model"), "tiny");
  EXPECT_EQ(config.get_string("platform.clock_mhz"), "1000");  // any single value reads as text
  EXPECT_EQ(config.get_choice("workload.model", {"tiny", "llama2-7b"}), "tiny");
  EXPECT_EQ(error_of([&] { config.get_choice("platform.dram.kind", {"ddr4", "lpddr4"}); }),
            scenario_ + ":3: platform.dram.kind: 'hbm3' is not a valid choice (allowed: ddr4, lpddr4)");
  EXPECT_EQ(error_of([&] { config.get_string("workload.blocks"); }),
            defaults_ + ":10: workload.blocks: expected a string, got a sequence");
}

TEST_F(ConfigTest, GetPathResolvesAgainstTheDirectoryOfTheSettingFile) {
  const Config defaults_only = load("");
  EXPECT_EQ(defaults_only.get_path("platform.energy_table"), (fs::path(dir_) / "energy/t.yaml").string());

  const Config from_scenario = load("platform:\n  energy_table: ../tables/e.yaml\n");
  EXPECT_EQ(from_scenario.get_path("platform.energy_table"), (fs::path(dir_) / "tables/e.yaml").string());

  const Config from_set = load("", {"platform.energy_table=./my/e.yaml"});
  EXPECT_EQ(from_set.get_path("platform.energy_table"),  // relative to the current directory
            (fs::current_path() / "my/e.yaml").string());

  const Config absolute = load("platform:\n  energy_table: /opt/e.yaml\n");
  EXPECT_EQ(absolute.get_path("platform.energy_table"), "/opt/e.yaml");
  // The effective configuration shows the resolved path, so it runs from anywhere.
  EXPECT_NE(from_scenario.dump().find("energy_table: \"" + (fs::path(dir_) / "tables/e.yaml").string() + "\""),
            std::string::npos)
      << from_scenario.dump();

  const Config empty = load("platform:\n  energy_table: ''\n");
  EXPECT_EQ(error_of([&] { empty.get_path("platform.energy_table"); }),
            scenario_ + ":2: platform.energy_table: expected a file path, got an empty string");
}

TEST_F(ConfigTest, StructureQueries) {
  const Config config = load("workload:\n  extra:\n    zeta: 1\n    alpha: 2\n");
  EXPECT_TRUE(config.has("workload.layers[0].in"));
  EXPECT_FALSE(config.has("workload.layers[1]"));
  EXPECT_FALSE(config.has("workload.model.x"));
  EXPECT_TRUE(config.is_sequence("workload.blocks"));
  EXPECT_FALSE(config.is_sequence("workload.model"));
  EXPECT_TRUE(config.is_map("platform.dram"));
  EXPECT_FALSE(config.is_map("nope"));
  EXPECT_EQ(config.keys(""), (std::vector<std::string>{"platform", "workload", "seed"}));
  EXPECT_EQ(config.keys("workload.extra"), (std::vector<std::string>{"zeta", "alpha"}));  // file order
  EXPECT_EQ(error_of([&] { config.size("platform"); }), defaults_ + ":1: platform: expected a sequence, got a map");
  EXPECT_EQ(config.where("workload"), scenario_ + ":1");
  EXPECT_EQ(config.where(""), scenario_);
  EXPECT_EQ(error_of([&] { config.keys("seed"); }), defaults_ + ":14: seed: expected a map, got no value");
}

TEST_F(ConfigTest, FailPrefixesWhereAndPath) {
  const Config config = load(kScenario);
  EXPECT_EQ(error_of([&] { config.fail("platform.clock_mhz", "must be a multiple of 100"); }),
            scenario_ + ":3: platform.clock_mhz: must be a multiple of 100");
}

TEST_F(ConfigTest, SyntaxErrorNamesFileLineAndColumn) {
  EXPECT_EQ(error_of([&] { load("platform:\n  clock_mhz: 1\n   dram: 2\n"); }),
            scenario_ + ":3:8: YAML syntax error: illegal map value");
  EXPECT_EQ(error_of([&] { load("workload:\n  blocks: [1, 2\n"); }),
            scenario_ + ":3:1: YAML syntax error: end of sequence flow not found");
}

TEST_F(ConfigTest, MissingFilesAreNamed) {
  EXPECT_EQ(error_of([&] { Config::load(defaults_, dir_ + "/none.yaml"); }), dir_ + "/none.yaml: file not found");
  EXPECT_EQ(error_of([&] { Config::load(dir_ + "/d.yaml", defaults_); }), dir_ + "/d.yaml: file not found");
  EXPECT_EQ(error_of([&] { Config::load_file(dir_); }), dir_ + ": not a regular file");
}

TEST_F(ConfigTest, UnknownScenarioKeysFailAtLoadWithTheAllowedKeys) {
  EXPECT_EQ(error_of([&] { load("platform:\n  dram:\n    latency: 3\n"); }),
            scenario_ + ":3: platform.dram.latency: unknown key (allowed: latency_ns, kind)");
  EXPECT_EQ(error_of([&] { load("# comment\nplatfrom: {}\n"); }),
            scenario_ + ":2: platfrom: unknown key (allowed: platform, workload, seed, name)");
}

TEST_F(ConfigTest, KindMismatchWithTheDefaultsFailsAtLoad) {
  EXPECT_EQ(error_of([&] { load("platform:\n  dram: fast\n"); }),
            scenario_ + ":2: platform.dram: expected a map (as in the defaults), got a single value");
  EXPECT_EQ(error_of([&] { load("workload:\n  blocks: 3\n"); }),
            scenario_ + ":2: workload.blocks: expected a sequence (as in the defaults), got a single value");
  EXPECT_EQ(error_of([&] { load("platform:\n  clock_mhz: [1]\n"); }),
            scenario_ + ":2: platform.clock_mhz: expected a single value (as in the defaults), got a sequence");
  EXPECT_EQ(error_of([&] { load("", {"workload.extra=3"}); }),
            "--set workload.extra=3: workload.extra: expected a map (as in the defaults), got a single value");
}

TEST_F(ConfigTest, FreeFormPlacesAndNullDefaultsAcceptNewContent) {
  const Config config = load(
      "seed: {base: 7}\n"
      "workload:\n"
      "  extra: {note: hi}\n"
      "  layers:\n"
      "    - {in: 8, out: 8, bias: true}\n");
  EXPECT_EQ(config.get_int("seed.base", 0, 10), 7);
  EXPECT_EQ(config.get_string("workload.extra.note"), "hi");
  EXPECT_TRUE(config.get_bool("workload.layers[0].bias"));
}

TEST_F(ConfigTest, SetOverridesScalarsSequencesAndIndexedPaths) {
  const Config config = load(kScenario, {"platform.clock_mhz=2", "workload.blocks=[0, 2]",
                                         "workload.layers[1].in=128", "platform.dram={kind: lpddr4}"});
  EXPECT_EQ(config.get_int("platform.clock_mhz", 1, 5000), 2);
  ASSERT_EQ(config.size("workload.blocks"), 2u);
  EXPECT_EQ(config.get_int("workload.blocks[1]", 0, 31), 2);
  EXPECT_EQ(config.get_int("workload.layers[1].in", 1, 1024), 128);
  EXPECT_EQ(config.get_int("workload.layers[1].out", 1, 1024), 8);
  EXPECT_EQ(config.get_string("platform.dram.kind"), "lpddr4");
  EXPECT_DOUBLE_EQ(config.get_double("platform.dram.latency_ns", 0, 100), 60.0);  // map override merges
  EXPECT_EQ(config.where("workload.layers[1].in"), "--set workload.layers[1].in=128");
  EXPECT_EQ(config.where("workload.layers[1].out"), scenario_ + ":9");
}

TEST_F(ConfigTest, SetErrorsNameTheOverride) {
  EXPECT_EQ(error_of([&] { load("", {"platform.clock=2"}); }),
            "--set platform.clock=2: platform.clock: unknown key "
            "(allowed: clock_mhz, dram, trace, energy_table)");
  EXPECT_EQ(error_of([&] { load(kScenario, {"workload.layers[2].in=1"}); }),
            "--set workload.layers[2].in=1: workload.layers[2].in: "
            "index 2 out of range (workload.layers has 2 elements)");
  EXPECT_EQ(error_of([&] { load("", {"platform.clock_mhz"}); }),
            "--set platform.clock_mhz: expected key.path=value, "
            "e.g. --set platform.clock_mhz=500 or --set workload.layers[1].in=64");
  EXPECT_EQ(error_of([&] { load("", {"workload.blocks=[1, 2"}); }),
            "--set workload.blocks=[1, 2: workload.blocks: YAML syntax error in the value: "
            "end of sequence flow not found");
  EXPECT_EQ(error_of([&] { load("", {"workload.model.size=2"}); }),
            "--set workload.model.size=2: workload.model.size: workload.model is a single value, not a map");
}

TEST_F(ConfigTest, CheckAllUsedCatchesAnUnreadKeyInsideASequenceElement) {
  const Config config = load(
      "workload:\n"
      "  layers:\n"
      "    - {in: 32, out: 16}\n"
      "    - in: 16\n"
      "      out: 8\n"
      "      stride: 2\n");
  for (size_t i = 0; i < config.size("workload.layers"); ++i) {
    config.get_int("workload.layers[" + std::to_string(i) + "].in", 1, 1024);
    config.get_int("workload.layers[" + std::to_string(i) + "].out", 1, 1024);
  }
  EXPECT_EQ(error_of([&] { config.check_all_used(); }),
            scenario_ + ":6: workload.layers[1].stride: unknown key (allowed here: in, out)");
  config.get_int("workload.layers[1].stride", 1, 4);
  EXPECT_EQ(error_of([&] { config.check_all_used(); }), "(no error)");
}

TEST_F(ConfigTest, CheckAllUsedCoversEveryWayOfSettingAValue) {
  const Config config =
      load("platform:\n  trace: true\nworkload:\n  extra:\n    a: {b: 1}\n", {"workload.blocks=[4, 5]"});
  EXPECT_EQ(error_of([&] { config.check_all_used(); }),
            scenario_ + ":2: platform.trace: is set but never read (it has no effect in this configuration)");
  config.get_bool("platform.trace");
  EXPECT_EQ(error_of([&] { config.check_all_used(); }),
            "--set workload.blocks=[4, 5]: workload.blocks: is set but never read (it has no effect in this "
            "configuration)");
  config.get_int("workload.blocks[0]", 0, 31);
  EXPECT_EQ(error_of([&] { config.check_all_used(); }),
            "--set workload.blocks=[4, 5]: workload.blocks[1]: is set but never read (it has no effect in this "
            "configuration)");
  config.get_int("workload.blocks[1]", 0, 31);
  EXPECT_EQ(error_of([&] { config.check_all_used(); }),
            scenario_ + ":5: workload.extra.a: unknown key (nothing is read here)");
  config.mark_used("workload.extra");
  EXPECT_EQ(error_of([&] { config.check_all_used(); }), "(no error)");
}

TEST_F(ConfigTest, DefaultsNeedNotBeRead) {
  const Config config = load("name: quiet\n");
  EXPECT_EQ(error_of([&] { config.check_all_used(); }), "(no error)");
}

TEST_F(ConfigTest, DumpIsTheEffectiveConfigurationInFileOrder) {
  const std::string expected =
      "platform:\n"
      "  clock_mhz: 500\n"
      "  dram:\n"
      "    latency_ns: 60\n"
      "    kind: ddr4\n"
      "  trace: false\n"
      "  energy_table: energy/t.yaml\n"
      "workload:\n"
      "  model: \"x: y\"\n"
      "  blocks: [0, 2]\n"
      "  layers:\n"
      "    - in: 32\n"
      "      out: 16\n"
      "    - in: 16\n"
      "      out: 8\n"
      "  extra: {}\n"
      "seed: ~\n"
      "name: demo\n";
  const std::vector<std::string> overrides = {"workload.blocks=[0,2]", "workload.model='x: y'"};
  EXPECT_EQ(load(kScenario, overrides).dump(), expected);
  EXPECT_EQ(load(kScenario, overrides).dump(), expected);

  // The dump is itself a valid scenario that reproduces the configuration.
  const std::string again = write("again.yaml", expected);
  EXPECT_EQ(Config::load(defaults_, again).dump(), expected);
}

TEST_F(ConfigTest, NameComesFromTheScenarioOrItsFileStem) {
  EXPECT_EQ(load(kScenario).name(), "demo");
  EXPECT_EQ(load("").name(), "s");
  EXPECT_EQ(load("", {"name=from-cli"}).name(), "from-cli");
}

TEST_F(ConfigTest, DuplicateKeysAreErrors) {
  EXPECT_EQ(error_of([&] { load("platform:\n  clock_mhz: 1\n  clock_mhz: 2\n"); }),
            scenario_ + ":3: platform.clock_mhz: duplicate key");
}

TEST_F(ConfigTest, MultiLineValuesStayOnOneLineInErrors) {
  const Config config = load("workload:\n  model: |\n    two\n    lines\n");
  EXPECT_EQ(error_of([&] { config.get_int("workload.model", 0, 1); }),
            scenario_ + ":2: workload.model: expected an integer, got 'two\\nlines\\n' (allowed: 0 to 1)");
}

TEST_F(ConfigTest, LoadFileReadsAStandaloneFile) {
  const std::string path = write("energy/table.yaml", "mac_pj: 0.315\nsram:\n  read_pj: 124.66\n");
  const Config table = Config::load_file(path);
  EXPECT_DOUBLE_EQ(table.get_double("mac_pj", 0, 10), 0.315);
  EXPECT_EQ(table.where("sram.read_pj"), path + ":3");
  EXPECT_EQ(table.name(), "table");
  EXPECT_EQ(error_of([&] { table.check_all_used(); }), path + ":2: sram: unknown key (allowed here: mac_pj)");
  table.get_double("sram.read_pj", 0, 1000);
  EXPECT_EQ(error_of([&] { table.check_all_used(); }), "(no error)");
  EXPECT_EQ(error_of([&] { Config::load_file(write("list.yaml", "- 1\n")); }),
            dir_ + "/list.yaml: the top level must be a map, got a sequence");
}

// "Billion laughs": every level doubles the uses of the one before; yaml-cpp shares
// aliased nodes, the configuration copy would expand all 2^40 of them.
TEST_F(ConfigTest, NestedAliasesStopAtTheValueBudget) {
  std::string bomb = "workload:\n  extra:\n    l0: &l0 [1, 1]\n";
  for (int i = 1; i <= 40; ++i) bomb += fmt::format("    l{}: &l{} [*l{}, *l{}]\n", i, i, i - 1, i - 1);
  EXPECT_LT(bomb.size(), 1200u);
  const std::string error = error_of([&] { load(bomb); });
  EXPECT_NE(error.find(scenario_ + ":"), std::string::npos) << error;
  EXPECT_NE(error.find("more than 100000 YAML values"), std::string::npos) << error;

  // A modest use of aliases is fine.
  const Config config = load("workload:\n  extra:\n    a: &x [1, 2]\n    b: *x\n");
  EXPECT_EQ(config.get_int("workload.extra.b[1]", 0, 9), 2);
}

TEST_F(ConfigTest, DeepNestingAndSelfReferencingAliasesAreRefused) {
  const std::string deep = "workload:\n  extra:\n    x: " + std::string(100, '[') + std::string(100, ']') + "\n";
  EXPECT_NE(error_of([&] { load(deep); }).find("nested more than 64 levels deep"), std::string::npos);
  // An anchor used inside itself is a cycle in yaml-cpp's node graph.
  EXPECT_NE(error_of([&] { load("workload:\n  extra:\n    x: &a [*a]\n"); }).find("nested more than"),
            std::string::npos);
}

TEST_F(ConfigTest, ASecondYamlDocumentIsRefused) {
  EXPECT_EQ(error_of([&] { load("name: one\n---\nname: two\n"); }),
            scenario_ + ":2: a second YAML document ('---') starts here; give one document");
  EXPECT_EQ(error_of([&] { load("", {"platform.clock_mhz=1\n---\n2"}); }),
            "--set platform.clock_mhz=1 --- 2: platform.clock_mhz: a second YAML document ('---') starts "
            "here; give one document");
  // A leading '---' or a trailing '...' still make one document.
  EXPECT_EQ(load("---\nname: only\n...\n").name(), "only");
}

// Found by fuzz_scenario: yaml-cpp's LoadAll loops forever on a stray ',' before
// the first value, and Load silently returns an empty document for it.
TEST_F(ConfigTest, AStrayCommaBeforeTheFirstValueIsASyntaxError) {
  EXPECT_EQ(error_of([&] { load(", LLaMA-2-7B\nname: x\n"); }), scenario_ + ":1:1: YAML syntax error: unexpected ','");
  EXPECT_EQ(error_of([&] { load("", {"workload.patterns=, a"}); }),
            "--set workload.patterns=, a: workload.patterns: YAML syntax error in the value: unexpected ','");
}

TEST_F(ConfigTest, SetWithTildeOrEmptyBracesEmptiesAFreeFormMap) {
  const std::string scenario = "workload:\n  extra: {a: 1, b: 2}\n";
  EXPECT_EQ(load(scenario).keys("workload.extra").size(), 2u);
  for (const char* empty : {"workload.extra={}", "workload.extra=~"}) {
    const Config config = load(scenario, {empty});
    EXPECT_TRUE(config.is_map("workload.extra")) << empty;
    EXPECT_TRUE(config.keys("workload.extra").empty()) << empty;
    EXPECT_EQ(config.where("workload.extra"), std::string("--set ") + empty);
  }
  // ... then refilled key by key.
  const Config refilled = load(scenario, {"workload.extra={}", "workload.extra.c=3"});
  EXPECT_EQ(refilled.keys("workload.extra"), std::vector<std::string>{"c"});
  // A map under a null default is free-form too: ~ makes it null again, {} empties it.
  EXPECT_FALSE(load("seed: {base: 7}\n", {"seed=~"}).is_map("seed"));
  EXPECT_TRUE(load("seed: {base: 7}\n", {"seed={}"}).keys("seed").empty());
}

TEST_F(ConfigTest, SetCannotEmptyASectionWhoseKeysAreFixed) {
  EXPECT_EQ(error_of([&] { load("", {"platform.dram={}"}); }),
            "--set platform.dram={}: platform.dram: ~ and {} empty only maps of your own keys (like "
            "workload.patterns); set the keys of this section one by one (latency_ns, kind)");
  EXPECT_NE(error_of([&] { load("", {"platform=~"}); }).find("set the keys of this section"), std::string::npos);
}

TEST_F(ConfigTest, AScenarioNameMustBeASafeFileName) {
  for (const char* bad : {"a/../../../x", "..", ".hidden", "-dash", "two words", "\"\\xff\"", "\"tab\\there\""}) {
    const std::string error = error_of([&] { load(std::string("name: ") + bad + "\n").name(); });
    EXPECT_NE(error.find(scenario_ + ":1: name: "), std::string::npos) << bad << ": " << error;
    EXPECT_NE(error.find("is not a safe file name"), std::string::npos) << bad << ": " << error;
  }
  EXPECT_NE(error_of([&] { load("name: " + std::string(101, 'a') + "\n").name(); }), "(no error)");
  EXPECT_EQ(load("name: " + std::string(100, 'a') + "\n").name(), std::string(100, 'a'));
  EXPECT_EQ(load("name: llama2-7b_v1.2+fast\n").name(), "llama2-7b_v1.2+fast");
  EXPECT_EQ(error_of([&] { load("", {"name=a/b"}).name(); }),
            "--set name=a/b: name: 'a/b' is not a safe file name (allowed: letters, digits, '.', '_', '-' and '+', "
            "not starting with '.' or '-', at most 100 characters; it names the output folder)");
}

TEST_F(ConfigTest, AFileStemThatIsNoSafeNameIsMadeSafe) {
  const std::string path = write("my scenario (v2).yaml", "");
  EXPECT_EQ(Config::load(defaults_, path).name(), "my_scenario__v2_");
  EXPECT_EQ(Config::load(defaults_, write(".dotted.yaml", "")).name(), "_.dotted");
}

}  // namespace
}  // namespace flexcim
