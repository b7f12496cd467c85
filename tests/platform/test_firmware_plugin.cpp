// `flexcim run SCENARIO --firmware LIB`: the firmware-hello example as a plug-in
// computes the golden result with interrupts and with polling and is refused
// a 2:4 job by a dense DCiM; broken plug-ins get one error line and exit 2;
// a plug-in that fails at run time makes the run fail (exit 1).
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

const std::string kScenario = std::string(FLEXCIM_SOURCE_DIR) + "/scenarios/default.yaml";

ProcessResult run_plugin(const TempDir& dir, const std::string& plugin, const std::string& out,
                         const std::vector<std::string>& sets = {}) {
  std::vector<std::string> args = {"run", kScenario, "--firmware", plugin, "--out", (dir.path() / out).string()};
  for (const std::string& s : sets) args.insert(args.end(), {"--set", s});
  return run_flexcim(args, dir.path().string());
}

TEST(FirmwarePlugin, HelloMatchesTheGoldenGemmWithInterrupts) {
  TempDir dir;
  const ProcessResult r = run_plugin(dir, PLUGIN_HELLO, "out");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("hello: 2:4 GEMM 4 tokens x 512 in x 64 out"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("256 of 256 outputs match the golden GEMM"), std::string::npos) << r.out;

  const nlohmann::json stats = read_json((dir.path() / "out/stats.json").string());
  EXPECT_TRUE(stats["complete"].get<bool>());
  EXPECT_EQ(stats["firmware"], PLUGIN_HELLO);
  EXPECT_EQ(stats["firmware_returned"], 0);
  ASSERT_EQ(stats["jobs"].size(), 1u);
  const nlohmann::json& job = stats["jobs"][0];
  EXPECT_EQ(job["pattern"], "2:4");
  EXPECT_EQ(job["error"], "none");
  EXPECT_EQ(job["macs"], 4u * 512 * 64 / 2);
  EXPECT_GT(job["cycles"].get<uint64_t>(), 0u);
  EXPECT_GT(job["energy_pj"].get<double>(), 0.0);
  // W (2 tiles deep x 2 column blocks of sparse records) and X read, Y written as int32.
  EXPECT_GE(job["dram_read_bytes"].get<uint64_t>(), 4u * 512);
  EXPECT_EQ(job["dram_write_bytes"], 4u * 64 * 4);
  EXPECT_EQ(stats["totals"]["cycles"], job["cycles"]);
}

TEST(FirmwarePlugin, HelloPollsWhenTheScenarioSaysSo) {
  TempDir dir;
  const ProcessResult r = run_plugin(dir, PLUGIN_HELLO, "out", {"platform.wait=poll"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("256 of 256 outputs match"), std::string::npos) << r.out;
}

TEST(FirmwarePlugin, RunsAreByteIdentical) {
  TempDir dir;
  ASSERT_EQ(run_plugin(dir, PLUGIN_HELLO, "a").exit_code, 0);
  ASSERT_EQ(run_plugin(dir, PLUGIN_HELLO, "b").exit_code, 0);
  EXPECT_EQ(read_file((dir.path() / "a/stats.json").string()), read_file((dir.path() / "b/stats.json").string()));
}

TEST(FirmwarePlugin, FirmwareThatFindsNo24FailsTheRun) {
  TempDir dir;
  const ProcessResult r = run_plugin(dir, PLUGIN_HELLO, "out", {"platform.accelerator.architecture=dense-dcim"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("does not run 2:4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("returned 3"), std::string::npos) << r.out;
}

TEST(FirmwarePlugin, MissingFileIsBadInput) {
  TempDir dir;
  expect_one_error_line(run_plugin(dir, "libnothere.so", "out"), {"firmware plug-in libnothere.so", "no such file"});
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(FirmwarePlugin, NotASharedLibraryIsBadInput) {
  TempDir dir;
  std::ofstream(dir.path() / "text.so") << "not an ELF file\n";
  expect_one_error_line(run_plugin(dir, "text.so", "out"), {"firmware plug-in text.so", "cannot load"});
}

TEST(FirmwarePlugin, MissingEntryPointIsBadInput) {
  TempDir dir;
  expect_one_error_line(run_plugin(dir, PLUGIN_NO_ENTRY, "out"),
                        {PLUGIN_NO_ENTRY, "no symbol flexcim_firmware_main", "FLEXCIM_FIRMWARE_PLUGIN"});
}

TEST(FirmwarePlugin, OtherAbiVersionIsBadInput) {
  TempDir dir;
  expect_one_error_line(run_plugin(dir, PLUGIN_OLD_ABI, "out"),
                        {PLUGIN_OLD_ABI, "firmware ABI version 999", "this flexcim runs version 1"});
}

TEST(FirmwarePlugin, TimingOnlyIsRefusedForAPlugIn) {
  TempDir dir;
  expect_one_error_line(run_plugin(dir, PLUGIN_HELLO, "out", {"mode=timing-only"}),
                        {"--firmware runs a plug-in", "timing-only applies to the built-in runner only"});
  EXPECT_FALSE(fs::exists(dir.path() / "out/stats.json"));
}

TEST(FirmwarePlugin, BusErrorInTheFirmwareFailsTheRun) {
  TempDir dir;
  const ProcessResult r = run_plugin(dir, PLUGIN_BUS_ERROR, "out");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  ASSERT_EQ(r.err_lines().size(), 1u) << r.err;
  EXPECT_NE(r.err.find(std::string("flexcim: error: firmware plug-in ") + PLUGIN_BUS_ERROR), std::string::npos) << r.err;
}

// Outputs as for the built-in runner: checked before the plug-in runs, written under
// temporary names (none left behind), an earlier run's stats.json replaced.
TEST(FirmwarePlugin, OutputsAreCheckedBeforeTheRunAndReplacedWhole) {
  TempDir dir;
  fs::create_directories(dir.path() / "out/stats.json");  // a folder where stats.json goes
  ProcessResult r = run_plugin(dir, PLUGIN_HELLO, "out");
  expect_one_error_line(r, {"cannot write", "out/stats.json", "folder"});
  EXPECT_EQ(r.out.find("hello:"), std::string::npos) << r.out;  // the firmware never ran

  fs::create_directories(dir.path() / "again");
  std::ofstream(dir.path() / "again/stats.json") << "{\"stale\": true}\n";
  r = run_plugin(dir, PLUGIN_HELLO, "again");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(read_json((dir.path() / "again/stats.json").string()).contains("stale"));
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir.path() / "again")) files.push_back(e.path().filename().string());
  EXPECT_EQ(files, std::vector<std::string>{"stats.json"});
}

}  // namespace
}  // namespace flexcim::test
