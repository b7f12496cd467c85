// DRAMSys as the platform's memory, in process: the firmware's results and the
// energy DRAMPower and the DRAM energy table report, the DMA's approximately-timed
// path (a real window of bursts in flight, bus errors, data intact) and the host's
// timed accesses through the bridge. One elaborated bench per TEST (own process).
#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn, before SystemC is first included
#include <algorithm>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>

#include "dma.h"
#include "dramsys_memory.h"
#include "platform.h"
#include "router.h"
#include "runtime.h"
#include "scenario_loader.h"
#include "temp_dir.h"

namespace flexcim {
namespace {

using test::TempDir;

// Two small layers (one sparse) of 4 tokens: a few thousand DRAM bursts.
constexpr const char* kTwoLayers =
    "name: small\n"
    "workload:\n"
    "  tokens: 4\n"
    "  layers:\n"
    "    - {name: a, in: 1024, out: 256}\n"
    "    - {name: b, in: 256, out: 512, pattern: \"2:4\"}\n";

std::vector<std::string> on_dramsys(const std::string& config) {
  return {"platform.dram.model=dramsys", "platform.dram.dramsys.config=" + config};
}

fw::RunReport run_firmware(Platform& platform, const Scenario& scenario) {
  const fw::BoardInfo board = platform.board();
  fw::RunReport report;
  platform.run([&](fw::Hal& hal) { report = fw::Runtime(hal, board, fw::WaitMode::Interrupt, 100).run(scenario.workload); });
  return report;
}

TEST(DramSys, Ddr4RunMatchesTheGoldenModelAndDramPowerPricesIt) {
  TempDir dir;
  const Scenario scenario = test::load_scenario(dir, kTwoLayers, on_dramsys("ddr4-2400-x64"));
  Platform platform("platform", scenario.platform);
  const fw::RunReport report = run_firmware(platform, scenario);
  ASSERT_TRUE(report.golden_match());
  ASSERT_NE(platform.dramsys(), nullptr);
  ASSERT_TRUE(scenario.platform.dramsys->drampower);

  const EnergyTable table = load_energy_table(scenario.platform);
  const auto& jobs = platform.accelerator().jobs();
  ASSERT_EQ(jobs.size(), 2u);
  DramEnergy total;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const DramSample dram = platform.job_dram(i);
    total += dram.energy;
    // The job's DRAM energy is DRAMPower's, not the table's per-byte price.
    EXPECT_DOUBLE_EQ(platform.job_energy(table, i).component_pj(Component::Dram), dram.energy.total());
    // Every byte the DMA moved went through a DDR4 burst of 64 bytes, and only those.
    EXPECT_EQ(dram.commands.read_bytes, jobs[i].energy[Action::DramReadByte]);
    EXPECT_EQ(dram.commands.write_bytes, jobs[i].energy[Action::DramWriteByte]);
    EXPECT_EQ(dram.commands.read_bytes, 64 * dram.commands.reads);
    EXPECT_GT(dram.commands.activates, 0u);
  }
  for (double component : {total.activate, total.read, total.write, total.refresh, total.background})
    EXPECT_GT(component, 0.0);
  EXPECT_EQ(total.power_down, 0.0);  // the configuration never powers down
  // The breakdown adds up to DRAMPower's own total (what DRAMSys would print).
  const DramEnergy now = platform.dramsys()->energy();
  EXPECT_NEAR(now.total(), platform.dramsys()->drampower_total_pj(), 1e-9 * now.total());
  // Standby power of eight x8 DDR4 devices: VDD 1.2 V x IDD3N..IDD2N (44..38.25 mA) each.
  const double seconds = sc_core::sc_time_stamp().to_seconds();
  EXPECT_GT(now.background / seconds * 1e-9, 8 * 1.2 * 38.25);  // mW
  EXPECT_LE(now.background / seconds * 1e-9, 8 * 1.2 * 44.0 * (1 + 1e-9));
}

TEST(DramSys, Lpddr4IsPricedPerCommandFromTheEnergyTable) {
  TempDir dir;
  const Scenario scenario = test::load_scenario(dir, kTwoLayers, on_dramsys("lpddr4-3200-x64"));
  ASSERT_FALSE(scenario.platform.dramsys->drampower);
  const DramEnergyTable& t = scenario.platform.dram_energy;
  ASSERT_EQ(t.memory_id, "JEDEC_8Gb_LPDDR4-3200_16bit");
  Platform platform("platform", scenario.platform);
  ASSERT_TRUE(run_firmware(platform, scenario).golden_match());
  const auto& jobs = platform.accelerator().jobs();
  for (size_t i = 0; i < jobs.size(); ++i) {
    const DramSample dram = platform.job_dram(i);
    const DramCommands& c = dram.commands;
    EXPECT_EQ(c.read_bytes, jobs[i].energy[Action::DramReadByte]);
    EXPECT_EQ(c.read_bytes, 32 * c.reads);  // BL16 on x16
    EXPECT_DOUBLE_EQ(dram.energy.activate, double(c.activates) * t.activate_pj);
    EXPECT_DOUBLE_EQ(dram.energy.read, double(c.read_bytes) * t.read_pj_per_byte);
    EXPECT_DOUBLE_EQ(dram.energy.write, double(c.write_bytes) * t.write_pj_per_byte);
    EXPECT_DOUBLE_EQ(dram.energy.refresh, double(c.refreshes) * t.refresh_pj);
    EXPECT_NEAR(dram.energy.background, t.background_mw * 4 * jobs[i].duration_ns, 1e-6 * dram.energy.background);
  }
}

TEST(DramSys, HostRegisterSizedAccessesToDramAreTimedAndSeeTheData) {
  TempDir dir;
  const Scenario scenario = test::load_scenario(dir, kTwoLayers, on_dramsys("ddr4-2400-x64"));
  Platform platform("platform", scenario.platform);
  const uint64_t base = platform.board().dram_base + 0x1000;
  uint32_t word = 0, dumped = 0;
  sc_core::sc_time took;
  platform.run([&](fw::Hal& hal) {
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    hal.write32(base, 0xC0FFEE11);
    word = hal.read32(base);
    took = sc_core::sc_time_stamp() - start;
    hal.dump(base, &dumped, 4);
  });
  EXPECT_EQ(word, 0xC0FFEE11u);
  EXPECT_EQ(dumped, 0xC0FFEE11u);
  // Two DDR4 accesses: at least CL + tRCD (16 + 16 cycles of 0.833 ns) each.
  EXPECT_GT(took, sc_core::sc_time(2 * 32 * 0.833, sc_core::SC_NS));
}

// The DMA against DRAMSys directly, through the router as on the platform.
struct DmaBench : sc_core::sc_module {
  EnergyCounts energy;
  Dma dma;
  Router router;
  DramSysMemory dram;
  static constexpr uint64_t kBase = 0x80000000, kSize = 64 << 20;

  DmaBench(sc_core::sc_module_name name, const DramSysConfig& config, unsigned outstanding)
      : sc_module(name),
        dma("dma", {64, outstanding, Dma::Protocol::ApproximatelyTimed}, sc_core::sc_time(1, sc_core::SC_NS), energy),
        router("router", sc_core::SC_ZERO_TIME),
        dram("dram", config, kSize, DramEnergyTable{}, energy) {
    dma.socket.bind(router.in);
    router.out.bind(dram.socket);
    router.map("dram", kBase, kSize, 0);
  }
};

DramSysConfig ddr4() {
  return DramSysConfig::load(data_dir() + "/dram/ddr4-2400-x64.json", dramsys_resource_dir());
}

TEST(DramSysDma, KeepsItsWindowOfBurstsInFlight) {
  DmaBench bench("bench", ddr4(), 32);
  std::vector<uint8_t> buffer(64 << 10);
  size_t most = 0;
  sc_core::sc_time took;
  sc_core::sc_spawn([&] {
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    const Dma::Ticket t = bench.dma.read(DmaBench::kBase, buffer.data(), buffer.size());
    EXPECT_TRUE(bench.dma.wait(t));
    took = sc_core::sc_time_stamp() - start;
    sc_core::sc_stop();
  });
  sc_core::sc_spawn([&] {
    for (;;) {
      most = std::max(most, bench.dram.outstanding());
      sc_core::wait(1, sc_core::SC_NS);
    }
  });
  sc_core::sc_start();
  EXPECT_GT(most, 8u) << "bursts serialised";
  EXPECT_LE(most, 32u) << "more bursts in flight than the DMA's window";
  // 1024 bursts of 64 bytes: at least at peak bandwidth (19.2 GB/s), and far faster
  // than one burst at a time (each costs at least CL + burst, ~16 ns).
  const double ns = took.to_seconds() * 1e9;
  EXPECT_GE(ns, buffer.size() / 19.21);
  EXPECT_LT(ns, 1024 * 16.0 / 4);
}

TEST(DramSysDma, WritesThenReadsBackTheSameBytes) {
  DmaBench bench("bench", ddr4(), 8);
  std::vector<uint8_t> out(5000), in(5000), seen(5000);
  for (size_t i = 0; i < out.size(); ++i) out[i] = uint8_t(i * 7 + 3);
  sc_core::sc_spawn([&] {
    EXPECT_TRUE(bench.dma.wait(bench.dma.write(DmaBench::kBase + 96, out.data(), out.size())));
    EXPECT_TRUE(bench.dma.wait(bench.dma.read(DmaBench::kBase + 96, in.data(), in.size())));
    sc_core::sc_stop();
  });
  sc_core::sc_start();
  EXPECT_EQ(in, out);
}

TEST(DramSysDma, BusErrorOnTheApproximatelyTimedPathFailsTheTransfer) {
  DmaBench bench("bench", ddr4(), 8);
  std::vector<uint8_t> buffer(256);
  bool ok = true;
  sc_core::sc_spawn([&] {
    // Inside DRAM, then past its end: the router answers the latter with an address error.
    EXPECT_TRUE(bench.dma.wait(bench.dma.read(DmaBench::kBase, buffer.data(), 128)));
    ok = bench.dma.wait(bench.dma.read(DmaBench::kBase + DmaBench::kSize, buffer.data(), 128));
    bench.dma.flush();
    // After the flush the engine works again.
    EXPECT_TRUE(bench.dma.wait(bench.dma.read(DmaBench::kBase, buffer.data(), 256)));
    sc_core::sc_stop();
  });
  sc_core::sc_start();
  EXPECT_FALSE(ok);
  EXPECT_EQ(bench.dma.error_address(), DmaBench::kBase + DmaBench::kSize);
}

}  // namespace
}  // namespace flexcim
