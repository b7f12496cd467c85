// The flexcim program as a user runs it: bad input is refused with exit status
// 2 and one error line, help and the register map print, runs are
// deterministic, and stats.json and the VCD hold what they promise.
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flexcim_process.h"
#include "temp_dir.h"

namespace flexcim::test {
namespace {

namespace fs = std::filesystem;

// Two small layers, one sparse, using all 4 macros: a run takes well under a second.
constexpr const char* kSmall =
    "name: small\n"
    "workload:\n"
    "  tokens: 3\n"
    "  layers:\n"
    "    - {name: a, in: 300, out: 130}\n"
    "    - {name: b, in: 172, out: 64, pattern: \"2:4\"}\n";

struct BadInput {
  const char* name;
  const char* scenario;                 // written as scenario.yaml
  std::vector<std::string> sets;        // --set overrides
  std::vector<std::string> expect_in_message;
};

void PrintTo(const BadInput& bad, std::ostream* os) { *os << bad.name; }

class CliBadInput : public testing::TestWithParam<BadInput> {};

// Line numbers matter: the messages must point at them.
const BadInput kBadInputs[] = {
    {"YamlSyntax",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}\n",  // unclosed flow sequence
     {},
     {"scenario.yaml:4", "YAML syntax error"}},
    {"UnknownKey",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n"
     "platform:\n"
     "  clokc_mhz: 500\n",
     {},
     {"scenario.yaml:5", "platform.clokc_mhz", "unknown key", "allowed:", "clock_mhz"}},
    {"WrongType",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n"
     "platform:\n"
     "  clock_mhz: fast\n",
     {},
     {"scenario.yaml:5", "platform.clock_mhz", "expected a number", "fast"}},
    {"OutOfRange",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 0}]\n",
     {},
     {"scenario.yaml:3", "workload.layers[0].out", "out of range", "allowed: 1 to 65535"}},
    {"WeightBufferSmallerThanOneWave",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n"
     "platform:\n"
     "  accelerator:\n"
     "    buffers:\n"
     "      weight: {bytes: 18940}\n",
     {},
     {"scenario.yaml:7", "platform.accelerator.buffers.weight.bytes", "one wave", "18944"}},
    {"PatternWithNAboveM",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n"
     "  pattern: \"4:2\"\n",
     {},
     {"scenario.yaml:4", "workload.pattern", "4:2", "allowed:"}},
    {"UnknownPreset",
     "name: x\n"
     "workload:\n"
     "  preset: llama3\n",
     {},
     {"scenario.yaml:3", "workload.preset", "llama3", "allowed:", "llama2-7b"}},
    {"SetOfUnknownKey",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n",
     {"platform.dram.latency=5"},
     {"--set platform.dram.latency=5", "platform.dram.latency", "unknown key", "latency_ns"}},
    {"SetOfBadValue",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n",
     {"platform.accelerator.architecture=sparse"},
     {"--set platform.accelerator.architecture=sparse", "allowed:", "dense-dcim"}},
    {"UnknownOutputFormat",
     "name: x\n"
     "workload:\n"
     "  outputs: int16\n"
     "  layers: [{name: a, in: 64, out: 32}]\n",
     {},
     {"scenario.yaml:3", "workload.outputs", "int16", "allowed:", "int8", "int32"}},
    {"UnknownPruneTarget",
     "name: x\n"
     "workload:\n"
     "  layers: [{name: a, in: 64, out: 32}]\n",
     {"workload.prune_to=best"},
     {"--set workload.prune_to=best", "allowed:", "requested", "supported"}},
};

TEST_P(CliBadInput, ExitsTwoWithOneErrorLineAndWritesNothing) {
  const BadInput& bad = GetParam();
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", bad.scenario);
  const std::string out = dir / "out";
  std::vector<std::string> args{"run", scenario, "--out", out};
  for (const std::string& s : bad.sets) args.insert(args.end(), {"--set", s});
  const ProcessResult r = run_flexcim(args, dir.path().string());

  expect_one_error_line(r, bad.expect_in_message);
  EXPECT_FALSE(fs::exists(out + "/stats.json"));

  // `config` validates the same way.
  args[0] = "config";
  args.erase(args.begin() + 2, args.begin() + 4);  // no --out
  const ProcessResult c = run_flexcim(args, dir.path().string());
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_EQ(c.err, r.err);
}

INSTANTIATE_TEST_SUITE_P(Cli, CliBadInput, testing::ValuesIn(kBadInputs),
                         [](const testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

TEST(Cli, MissingScenarioFileExitsTwo) {
  TempDir dir;
  const ProcessResult r = run_flexcim({"run", dir / "nope.yaml", "--out", dir / "out"}, dir.path().string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope.yaml"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(Cli, MissingOrUnknownSubcommandExitsTwo) {
  TempDir dir;
  EXPECT_EQ(run_flexcim({}, dir.path().string()).exit_code, 2);
  EXPECT_EQ(run_flexcim({"simulate"}, dir.path().string()).exit_code, 2);
}

// SystemC prints its banner on stderr when the kernel starts, before sc_main,
// unless SC_COPYRIGHT_MESSAGE is set; ctest sets it, users do not.
TEST(Cli, OneErrorLineAlsoWithoutTheSystemCEnvironmentVariable) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", "name: x\nworkload:\n  preset: llama3\n");
  const ProcessResult r = run_flexcim({"run", scenario}, dir.path().string(), "env -u SC_COPYRIGHT_MESSAGE");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err_lines().size(), 1u) << r.err;
}

std::vector<std::string> subcommands(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream in(help);
  bool listing = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Subcommands:", 0) == 0 || line.rfind("SUBCOMMANDS:", 0) == 0) {
      listing = true;
    } else if (listing) {
      std::smatch m;
      if (!std::regex_match(line, m, std::regex(R"(  (\S+)\s.*)"))) break;
      names.push_back(m[1]);
    }
  }
  return names;
}

TEST(Cli, HelpForTheProgramAndEverySubcommand) {
  TempDir dir;
  const ProcessResult top = run_flexcim({"--help"}, dir.path().string());
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("Usage:"), std::string::npos) << top.out;
  const std::vector<std::string> names = subcommands(top.out);
  for (const char* required : {"run", "regs", "config"})
    EXPECT_NE(std::find(names.begin(), names.end(), required), names.end()) << required << " not in\n" << top.out;
  for (const std::string& name : names) {
    const ProcessResult r = run_flexcim({name, "--help"}, dir.path().string());
    EXPECT_EQ(r.exit_code, 0) << name;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << name << ":\n" << r.out;
    EXPECT_TRUE(r.err.empty()) << name << ":\n" << r.err;
  }
}

TEST(Cli, RegsPrintsTheRegisterMap) {
  TempDir dir;
  const ProcessResult r = run_flexcim({"regs"}, dir.path().string());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(0x020\s+CTRL\s+WO)"))) << r.out;
  for (const char* reg : {"ID", "STATUS", "IRQ_STATUS", "ERR_INFO", "JOB_W_BYTES", "0x40000000"})
    EXPECT_NE(r.out.find(reg), std::string::npos) << reg;
}

TEST(Cli, ConfigPrintsTheEffectiveConfiguration) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", kSmall);
  const ProcessResult r = run_flexcim({"config", scenario, "--set", "platform.clock_mhz=500"}, dir.path().string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\n  clock_mhz: 500\n)"))) << r.out;
  EXPECT_NE(r.out.find("bandwidth_gbps: 25.6"), std::string::npos) << "defaults missing:\n" << r.out;
}

// The one long test (~10 s): the scenario the project ships as its example.
TEST(Cli, ShippedDefaultScenarioRunsAndMatches) {
  TempDir dir;
  const ProcessResult r = run_flexcim(
      {"run", std::string(FLEXCIM_SOURCE_DIR) + "/scenarios/default.yaml", "--out", dir / "out"}, dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json s = read_json(dir / "out/stats.json");
  EXPECT_EQ(s.at("layers").size(), 7u);
  EXPECT_TRUE(s.at("check").at("golden_match").get<bool>());
}

TEST(Cli, RunsAreDeterministic) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", kSmall);
  for (const char* out : {"one", "two"}) {
    const ProcessResult r = run_flexcim({"run", scenario, "--out", dir / out}, dir.path().string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string one = read_file(dir / "one/stats.json"), two = read_file(dir / "two/stats.json");
  EXPECT_FALSE(one.empty());
  EXPECT_EQ(one, two);
}

// Full dotted names of a VCD's variables (scopes joined), by identifier code.
std::map<std::string, std::string> vcd_variables(const std::string& vcd) {
  std::map<std::string, std::string> vars;
  std::vector<std::string> scopes;
  std::istringstream in(vcd);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string w;
    words >> w;
    if (w == "$scope") {
      std::string kind, name;
      words >> kind >> name;
      scopes.push_back(name);
    } else if (w == "$upscope" && !scopes.empty()) {
      scopes.pop_back();
    } else if (w == "$var") {
      std::string type, width, id, name;
      words >> type >> width >> id >> name;
      std::string full;
      for (const std::string& s : scopes) full += s + ".";
      vars[id] = full + name;
    } else if (w == "$enddefinitions") {
      break;
    }
  }
  return vars;
}

// Distinct values each variable (by identifier code) takes in the dump.
std::map<std::string, std::set<std::string>> vcd_values(const std::string& vcd) {
  std::map<std::string, std::set<std::string>> values;
  std::istringstream in(vcd.substr(vcd.find("$enddefinitions")));
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex(R"(b([01xz]+) (\S+))")) ||
        std::regex_match(line, m, std::regex(R"(([01xz])(\S+))")))
      values[m[2]].insert(m[1]);
  }
  return values;
}

TEST(Cli, VcdTracesMacrosSequencerDmaAndInterrupt) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", kSmall);
  const ProcessResult r = run_flexcim({"run", scenario, "--out", dir / "out", "--vcd"}, dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string vcd = read_file(dir / "out/trace.vcd");
  const std::map<std::string, std::string> vars = vcd_variables(vcd);
  const std::map<std::string, std::set<std::string>> values = vcd_values(vcd);

  auto find = [&](const std::string& suffix) -> std::string {
    for (const auto& [id, name] : vars)
      if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        return id;
    return "";
  };
  // Every signal is there and moves: each busy/active/irq line goes high at some point.
  for (const std::string name : {"macro0.busy", "macro1.busy", "macro2.busy", "macro3.busy", "dma.active", "irq"}) {
    const std::string id = find(name);
    ASSERT_FALSE(id.empty()) << name << " not traced";
    EXPECT_EQ(values.count(id) ? values.at(id).count("1") : 0u, 1u) << name << " never high";
  }
  const std::string state = find("sequencer.state");
  ASSERT_FALSE(state.empty()) << "sequencer state not traced";
  EXPECT_GE(values.count(state) ? values.at(state).size() : 0u, 4u) << "sequencer went through too few states";
}

TEST(Cli, StatsJsonHasTheDocumentedKeys) {
  TempDir dir;
  const std::string scenario = dir.write("scenario.yaml", kSmall);
  const ProcessResult r = run_flexcim({"run", scenario, "--out", dir / "out"}, dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("golden check: match"), std::string::npos) << r.out;
  const nlohmann::json s = read_json(dir / "out/stats.json");

  const nlohmann::json& t = s.at("totals");
  EXPECT_GT(t.at("cycles").get<uint64_t>(), 0u);
  EXPECT_GT(t.at("time_ns").get<double>(), 0.0);
  EXPECT_GT(t.at("energy_pj").get<double>(), 0.0);
  // Kept weights x tokens: layer a dense, layer b keeps half.
  EXPECT_EQ(t.at("macs").get<uint64_t>(), 3u * (300 * 130 + 172 * 64 / 2));

  const nlohmann::json& by_component = s.at("energy").at("by_component");
  double sum = 0;
  for (const char* c :
       {"dram", "dma", "wbuf", "abuf", "obuf", "macro", "distribution", "merge", "requant", "control"})
    sum += by_component.at(c).get<double>();
  EXPECT_NEAR(sum, t.at("energy_pj").get<double>(), 1e-9 * sum);

  ASSERT_EQ(s.at("layers").size(), 2u);
  uint64_t cycles = 0;
  for (const nlohmann::json& l : s.at("layers")) {
    for (const char* key : {"name", "in_features", "out_features", "tokens", "n", "m", "pruned_to", "executed",
                            "cycles", "energy_pj", "macro_utilisation", "score_loss", "outputs"})
      EXPECT_TRUE(l.contains(key)) << key << " missing in " << l.dump();
    const double util = l.at("macro_utilisation").get<double>();
    EXPECT_GT(util, 0.0);
    EXPECT_LE(util, 1.0);
    cycles += l.at("cycles").get<uint64_t>();
  }
  EXPECT_EQ(cycles, t.at("cycles").get<uint64_t>());
  const nlohmann::json& b = s.at("layers")[1];
  EXPECT_EQ(b.at("name"), "b");
  EXPECT_EQ(b.at("in_features"), 172);
  EXPECT_EQ(b.at("out_features"), 64);
  EXPECT_EQ(b.at("tokens"), 3);
  EXPECT_EQ(b.at("n"), 2);
  EXPECT_EQ(b.at("m"), 4);
  EXPECT_EQ(b.at("outputs"), "int8");
  // Hardware-aware 2:4 of Wanda scores keeps the larger part of the layer's score.
  EXPECT_GT(b.at("score_loss").get<double>(), 0.0);
  EXPECT_LT(b.at("score_loss").get<double>(), 0.5);
  EXPECT_EQ(s.at("layers")[0].at("score_loss"), 0.0);
  EXPECT_TRUE(s.at("check").at("golden_match").get<bool>());
  EXPECT_EQ(s.at("check").at("outputs_checked").get<uint64_t>(), 3u * (130 + 64));
}

}  // namespace
}  // namespace flexcim::test
