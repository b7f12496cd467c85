// The energy table: SRAM access energy as a function of capacity and width
// through the two published points it names, and buffer bytes priced by it
// at each buffer's capacity and port width (no SystemC simulation).
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "config_error.h"
#include "energy.h"
#include "temp_dir.h"

namespace flexcim {
namespace {

const std::string kTable = std::string(FLEXCIM_SOURCE_DIR) + "/scenarios/energy/dcim-45nm.yaml";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The default table with one line's text replaced.
std::string variant(const std::string& from, const std::string& to) {
  std::string text = read(kTable);
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("'" + from + "' not in the energy table");
  return text.replace(at, from.size(), to);
}

TEST(EnergyTable, SramFitPassesThroughBothPublishedPoints) {
  const EnergyTable t = EnergyTable::load(kTable);
  // Horowitz 8 KB, 64-bit: 10 pJ; Accelergy 256 KB, 256-bit: 124.66 pJ.
  EXPECT_NEAR(t.sram.access_pj(8 * 1024, 64), 10.0, 1e-9);
  EXPECT_NEAR(t.sram.access_pj(256 * 1024, 256), 124.66, 1e-9);
  EXPECT_NEAR(t.sram.capacity_exponent, std::log(124.66 / 40.0) / std::log(32.0), 1e-12);
  // Per byte, with access energy linear in width: the same at any port width.
  EXPECT_NEAR(t.sram.pj_per_byte(8 * 1024, 8), 1.25, 1e-12);
  EXPECT_NEAR(t.sram.pj_per_byte(8 * 1024, 1024), 1.25, 1e-12);
  EXPECT_NEAR(t.sram.pj_per_byte(256 * 1024, 32), 124.66 / 32, 1e-12);
  // The default buffers: 64 KiB weight and output, 256 KiB activation.
  EXPECT_NEAR(t.sram.pj_per_byte(64 * 1024, 512), 1.25 * std::pow(8.0, t.sram.capacity_exponent), 1e-12);
  EXPECT_GT(t.sram.pj_per_byte(64 * 1024, 512), 2.4);
  EXPECT_LT(t.sram.pj_per_byte(64 * 1024, 512), 2.5);
}

TEST(EnergyTable, AnotherWidthExponentStillFitsBothPoints) {
  test::TempDir dir;
  const std::string path = dir.write("t.yaml", variant("width_exponent: 1.0 ", "width_exponent: 0.5 "));
  const EnergyTable t = EnergyTable::load(path);
  EXPECT_NEAR(t.sram.access_pj(8 * 1024, 64), 10.0, 1e-9);
  EXPECT_NEAR(t.sram.access_pj(256 * 1024, 256), 124.66, 1e-9);
  // Wider ports now amortise the access: a byte through 128 bytes costs less than through 8.
  EXPECT_LT(t.sram.pj_per_byte(64 * 1024, 128), t.sram.pj_per_byte(64 * 1024, 8));
}

TEST(EnergyTable, BufferBytesArePricedAtEachBuffersCapacity) {
  const EnergyTable t = EnergyTable::load(kTable);
  HardwareSizes hw;
  hw.macros = 1;
  hw.wbuf = {8 * 1024, 8};
  hw.abuf = {256 * 1024, 32};
  hw.obuf = {64 * 1024, 1024};
  EnergyCounts counts;
  counts.add(Action::WbufReadByte, 1000);
  counts.add(Action::AbufWriteByte, 100);
  counts.add(Action::ObufReadByte, 10);
  const EnergyBreakdown e = price(t, counts, hw, 0.0);
  EXPECT_NEAR(e.dynamic_pj[int(Component::Wbuf)], 1000 * 1.25, 1e-9);
  EXPECT_NEAR(e.dynamic_pj[int(Component::Abuf)], 100 * 124.66 / 32, 1e-9);
  EXPECT_NEAR(e.dynamic_pj[int(Component::Obuf)], 10 * sram_pj_per_byte(t, hw, Component::Obuf), 1e-12);
  EXPECT_EQ(e.dynamic_pj[int(Component::Macro)], 0.0);
}

TEST(EnergyTable, BufferBytesHaveNoFixedPrice) {
  // A per-byte price next to the fit would be silently ignored: it is an unknown key.
  test::TempDir dir;
  const std::string path = dir.write("t.yaml", variant("  cell_write: 1.25 ", "  wbuf_read_byte: 1.25\n  cell_write: 1.25 "));
  try {
    EnergyTable::load(path);
    FAIL() << "loaded a table with wbuf_read_byte";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("actions_pj.wbuf_read_byte"), std::string::npos) << e.what();
  }
}

TEST(EnergyTable, EveryMacroActionHasAPrice) {
  const EnergyTable t = EnergyTable::load(kTable);
  for (Action a : {Action::CellWrite, Action::MetaWrite, Action::SelectWrite, Action::Mac, Action::CellOperandMux,
                   Action::OperandLineBit, Action::DistMux, Action::Requant})
    EXPECT_GT(t.pj_per_action[int(a)], 0.0) << action_name(a);
}

}  // namespace
}  // namespace flexcim
