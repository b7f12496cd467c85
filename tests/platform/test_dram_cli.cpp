// platform.dram through the flexcim program: DRAMSys runs (clean output,
// deterministic, the DMA's window and DRAMSys's back-pressure visible in the
// cycles), the simple model fitted to a DRAMSys configuration, and bad input:
// one error line and exit 2, or exit 1 for a run that stalls, never a hang.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flexcim_process.h"
#include "temp_dir.h"

namespace flexcim::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSource = FLEXCIM_SOURCE_DIR;
const std::string kDdr4 = kSource + "/scenarios/dram/ddr4-2400-x64.json";

// One DRAM-bound decode layer and one small sparse prefill layer.
constexpr const char* kSmall =
    "name: small\n"
    "workload:\n"
    "  tokens: 2\n"
    "  layers:\n"
    "    - {name: a, in: 2048, out: 256}\n"
    "    - {name: b, in: 256, out: 128, pattern: \"2:4\"}\n";

const std::vector<std::string> kOnDdr4 = {"platform.dram.model=dramsys", "platform.dram.dramsys.config=ddr4-2400-x64"};

// A copy of the shipped DDR4 configuration with `from` replaced by `to`.
std::string edited_ddr4(const TempDir& dir, const std::string& name, const std::string& from, const std::string& to) {
  std::string text = read_file(kDdr4);
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("'" + from + "' not in " + kDdr4 + "; update this test");
  text.replace(at, from.size(), to);
  return dir.write(name, text);
}

ProcessResult run(const TempDir& dir, const std::vector<std::string>& sets, const std::string& out = "out",
                  const std::string& command = "run") {
  const std::string scenario = dir.write("scenario.yaml", kSmall);
  std::vector<std::string> args{command, scenario};
  if (command == "run") args.insert(args.end(), {"--out", dir / out});
  for (const std::string& s : sets) args.insert(args.end(), {"--set", s});
  return run_flexcim(args, dir.path().string());
}

std::vector<std::string> with(std::vector<std::string> sets, const std::vector<std::string>& more) {
  sets.insert(sets.end(), more.begin(), more.end());
  return sets;
}

TEST(DramCli, DramSysRunPrintsOnlyTheSummaryAndIsDeterministic) {
  TempDir dir;
  const ProcessResult first = run(dir, kOnDdr4, "first");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(first.err.empty()) << first.err;  // no DRAMSys banner, configuration or bandwidth report
  EXPECT_EQ(first.out.rfind("scenario small on flexcim", 0), 0u) << first.out;
  const ProcessResult second = run(dir, kOnDdr4, "second");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(read_file(dir / "first/stats.json"), read_file(dir / "second/stats.json"));

  const json stats = read_json(dir / "first/stats.json");
  EXPECT_TRUE(stats["check"]["golden_match"].get<bool>());
  EXPECT_EQ(stats["platform"]["dram"]["model"], "dramsys");
  EXPECT_EQ(stats["platform"]["dram"]["type"], "DDR4");
  const json& dram = stats["energy"]["dram"];
  EXPECT_NE(dram["source"].get<std::string>().find("DRAMPower"), std::string::npos) << dram.dump();
  double sum = 0;
  for (const auto& [component, pj] : dram["breakdown"].items()) sum += pj.get<double>();
  EXPECT_NEAR(sum, stats["energy"]["by_component"]["dram"].get<double>(), 1e-6 * sum);
  EXPECT_GT(dram["commands"]["activate"].get<uint64_t>(), 0u);
  for (const json& layer : stats["layers"]) {
    double layer_sum = 0;
    for (const auto& [component, pj] : layer["dram_energy_pj"].items()) layer_sum += pj.get<double>();
    EXPECT_NEAR(layer_sum, layer["energy_breakdown_pj"]["dram"].get<double>(), 1e-6 * layer_sum);
  }
}

// The DMA keeps its window of bursts against DRAMSys: one burst at a time pays the
// DRAM latency per burst, 32 in flight stream at the memory's bandwidth.
TEST(DramCli, TheDmaWindowIsRealAgainstDramSys) {
  TempDir dir;
  auto cycles = [&](const std::string& name, const std::vector<std::string>& sets) {
    const ProcessResult r = run(dir, with(kOnDdr4, sets), name);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_json(dir / (name + "/stats.json"))["layers"][0]["cycles"].get<double>();
  };
  const double serial = cycles("serial", {"platform.accelerator.dma.outstanding=1"});
  const double window = cycles("window", {"platform.accelerator.dma.outstanding=32"});
  EXPECT_GT(serial, 4 * window);
  // And DRAMSys's back-pressure holds the DMA back: a controller front end that takes
  // two requests at a time cannot reach the bandwidth either.
  const std::string narrow = edited_ddr4(dir, "narrow.json", "\"MaxActiveTransactions\": 128", "\"MaxActiveTransactions\": 2");
  const double pressed = cycles("pressed", {"platform.dram.dramsys.config=" + narrow});
  EXPECT_GT(pressed, 1.5 * window);
}

TEST(DramCli, SimpleModelFittedToAConfigurationUsesItsCalibration) {
  TempDir dir;
  const std::string calibration = dir.write("calibration.yaml",
                                            "ddr4-2400-x64:\n"
                                            "  latency_ns: 61.5\n"
                                            "  bandwidth_gbps: 12.5\n"
                                            "  read_pj_per_byte: 100\n"
                                            "  write_pj_per_byte: 200\n"
                                            "  background_mw: 300\n");
  const ProcessResult r = run(dir, {"platform.dram.dramsys.config=ddr4-2400-x64",
                                    "platform.dram.dramsys.calibration=" + calibration});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json stats = read_json(dir / "out/stats.json");
  EXPECT_EQ(stats["platform"]["dram"]["model"], "simple");
  EXPECT_EQ(stats["platform"]["dram"]["latency_ns"].get<double>(), 61.5);
  EXPECT_EQ(stats["platform"]["dram"]["bandwidth_gbps"].get<double>(), 12.5);
  const json& t = stats["totals"];
  const json& e = stats["energy"]["dram"]["breakdown"];
  EXPECT_DOUBLE_EQ(e["read"].get<double>(), 100.0 * t["dram_read_bytes"].get<double>());
  EXPECT_DOUBLE_EQ(e["write"].get<double>(), 200.0 * t["dram_write_bytes"].get<double>());
  EXPECT_NEAR(e["background"].get<double>(), 300.0 * t["time_ns"].get<double>(), 1e-6 * e["background"].get<double>());
  EXPECT_NE(stats["energy"]["dram"]["source"].get<std::string>().find("ddr4-2400-x64"), std::string::npos);
}

TEST(DramCli, ShippedConfigurationsAreFittedAndValid) {
  TempDir dir;
  for (const char* config : {"ddr4-2400-x64", "lpddr4-3200-x64", "hbm2-stack"})
    for (const char* model : {"simple", "dramsys"}) {
      const ProcessResult r = run(dir, {std::string("platform.dram.model=") + model,
                                        std::string("platform.dram.dramsys.config=") + config}, "", "config");
      EXPECT_EQ(r.exit_code, 0) << config << " " << model << ": " << r.err;
      EXPECT_TRUE(r.err.empty()) << r.err;
    }
}

TEST(DramCli, ShippedScenariosOnEachMemoryAreValid) {
  TempDir dir;
  for (const char* name : {"llama2-7b-decode-ddr4", "llama2-7b-decode-lpddr4", "llama2-7b-decode-hbm2",
                           "llama2-7b-prefill512-lpddr4", "llama2-7b-prefill512-hbm2"}) {
    const ProcessResult r = run_flexcim({"config", kSource + "/scenarios/" + name + ".yaml"}, dir.path().string());
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
}

// --- bad input ---------------------------------------------------------------------

struct BadDram {
  const char* name;
  std::vector<std::string> sets;  // may name files written by prepare()
  std::vector<std::string> expect_in_message;
};

void PrintTo(const BadDram& bad, std::ostream* os) { *os << bad.name; }

class DramCliBadInput : public testing::TestWithParam<BadDram> {};

// Files the cases refer to as @name.
void prepare(const TempDir& dir) {
  dir.write("broken.json", "{\"simulation\": {\n  \"memspec\": \"JEDEC_4Gb_DDR4-2400_8bit_A.json\",\n");
  edited_ddr4(dir, "mismatch.json", "\"BANK_BIT\": [[15, 17], [16, 18]]", "\"BANK_BIT\": [[15, 17]]");
  edited_ddr4(dir, "nomemspec.json", "\"memspec\": \"JEDEC_4Gb_DDR4-2400_8bit_A.json", "\"memspec\": \"NO_SUCH_MEMSPEC.json");
  edited_ddr4(dir, "badarbiter.json", "\"Arbiter\": \"Fifo\"", "\"Arbiter\": \"Fastest\"");
  dir.write("energy.yaml", "SOME_OTHER_MEMORY:\n  source: x\n  activate_pj: 1\n  read_pj_per_byte: 1\n"
                           "  write_pj_per_byte: 1\n  refresh_pj: 1\n  background_mw: 1\n");
  dir.write("calibration.yaml", "hbm2-stack:\n  latency_ns: 1\n  bandwidth_gbps: 1\n  read_pj_per_byte: 1\n"
                                "  write_pj_per_byte: 1\n  background_mw: 1\n");
}

std::vector<std::string> resolve(const TempDir& dir, std::vector<std::string> sets) {
  for (std::string& s : sets) {
    const size_t at = s.find('@');
    if (at != std::string::npos) s = s.substr(0, at) + (dir / s.substr(at + 1));
  }
  return sets;
}

const BadDram kBadDram[] = {
    {"UnknownConfiguration",
     {"platform.dram.model=dramsys", "platform.dram.dramsys.config=ddr5-6400"},
     {"platform.dram.dramsys.config", "no DRAMSys configuration 'ddr5-6400'", "shipped:", "ddr4-2400-x64",
      "hbm2-stack", "lpddr4-3200-x64"}},
    {"DramSysWithoutConfiguration", {"platform.dram.model=dramsys"}, {"platform.dram.dramsys.config", "needs a DRAMSys configuration"}},
    {"MalformedJson",
     {"platform.dram.model=dramsys", "platform.dram.dramsys.config=@broken.json"},
     {"broken.json", "parse error at line 3"}},
    {"MissingMemspec",
     {"platform.dram.model=dramsys", "platform.dram.dramsys.config=@nomemspec.json"},
     {"nomemspec.json", "NO_SUCH_MEMSPEC.json"}},
    {"MappingDoesNotFitTheMemspec",
     {"platform.dram.model=dramsys", "platform.dram.dramsys.config=@mismatch.json"},
     {"mismatch.json", "DRAMSys AddressDecoder"}},
    {"UnknownArbiter",
     {"platform.dram.model=dramsys", "platform.dram.dramsys.config=@badarbiter.json"},
     {"badarbiter.json", "Arbiter"}},
    {"MemoryLargerThanTheDevice",
     {"platform.dram.model=dramsys", "platform.dram.dramsys.config=" + kSource + "/../shared/third_party/DRAMSys-5.1/configs/lpddr4-example.json",
      "platform.dram.size_mib=1536", "platform.memory_map.dram_base=0", "platform.memory_map.accelerator_base=0xC0000000"},
     {"platform.dram.size_mib", "1536 MiB is more than the 1024 MiB", "JEDEC_8Gb_LPDDR4-3200_16bit"}},
    {"WorkloadLargerThanTheMemory",
     {"platform.dram.model=dramsys", "platform.dram.dramsys.config=ddr4-2400-x64", "platform.dram.size_mib=1",
      "workload.layers[0].in=4096"},
     {"platform.dram.size_mib", "needs", "bytes of DRAM, more than the 1 MiB"}},
    {"LatencyTogetherWithAConfiguration",
     {"platform.dram.dramsys.config=ddr4-2400-x64", "platform.dram.bandwidth_gbps=40"},
     {"platform.dram.bandwidth_gbps", "set together with platform.dram.dramsys.config"}},
    {"NoCalibrationForTheConfiguration",
     {"platform.dram.dramsys.config=ddr4-2400-x64", "platform.dram.dramsys.calibration=@calibration.yaml"},
     {"platform.dram.dramsys.calibration", "no simple-model fit for 'ddr4-2400-x64'", "hbm2-stack",
      "scripts/dram-calibrate"}},
    {"NoEnergyTableEntryForTheMemory",
     {"platform.dram.model=dramsys", "platform.dram.dramsys.config=lpddr4-3200-x64",
      "platform.dram.dramsys.energy_table=@energy.yaml"},
     {"platform.dram.dramsys.energy_table", "LPDDR4 has no DRAMPower model", "JEDEC_8Gb_LPDDR4-3200_16bit",
      "SOME_OTHER_MEMORY"}},
};

TEST_P(DramCliBadInput, ExitsTwoWithOneErrorLineAndWritesNothing) {
  const BadDram& bad = GetParam();
  TempDir dir;
  prepare(dir);
  const ProcessResult r = run(dir, resolve(dir, bad.sets));
  expect_one_error_line(r, bad.expect_in_message);
  EXPECT_FALSE(fs::exists(dir / "out/stats.json"));
  // `config` refuses it the same way.
  const ProcessResult c = run(dir, resolve(dir, bad.sets), "", "config");
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_EQ(c.err, r.err);
}

INSTANTIATE_TEST_SUITE_P(DramCli, DramCliBadInput, testing::ValuesIn(kBadDram),
                         [](const testing::TestParamInfo<BadDram>& info) { return std::string(info.param.name); });

// A controller front end that never accepts a request: the DMA waits forever while
// DRAMSys refreshes. The watchdog stops the run: one line, exit 1, no stats.
TEST(DramCli, DramSysRunThatStallsExitsOneInsteadOfHanging) {
  TempDir dir;
  const std::string stuck = edited_ddr4(dir, "stuck.json", "\"MaxActiveTransactions\": 128", "\"MaxActiveTransactions\": 0");
  const ProcessResult r = run(dir, {"platform.dram.model=dramsys", "platform.dram.dramsys.config=" + stuck,
                                    "platform.stall_timeout_us=50"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  ASSERT_EQ(r.err_lines().size(), 1u) << r.err;
  EXPECT_EQ(r.err_lines()[0].rfind("flexcim: error: the simulation stalled: no progress for 50 us", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("DRAM bursts outstanding in DRAMSys: 1"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out/stats.json"));
}

}  // namespace
}  // namespace flexcim::test
