// Energy accounting: every modelled action is counted where it happens and priced
// from an energy table (YAML, pJ per action, leakage in mW). Nothing here knows
// the expected answer; energy is counts x prices + leakage x time. SRAM buffer
// bytes are priced from the table's SRAM fit at each buffer's capacity and width.
#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace flexcim {
class Config;

enum class Action : int {
  DramReadByte, DramWriteByte, DmaBurst,
  WbufReadByte, WbufWriteByte, AbufReadByte, AbufWriteByte, ObufReadByte, ObufWriteByte,
  CellWrite, MetaWrite, SelectWrite, Mac, CellOperandMux, OperandLineBit, TreeAdd, PsumBuffer, DistMux, MergeAdd,
  OutReg, Requant, RegAccess, TileControl,
  Count
};
constexpr int kActions = static_cast<int>(Action::Count);

enum class Component : int { Dram, Dma, Wbuf, Abuf, Obuf, Macro, Distribution, Merge, Requant, Control, Count };
constexpr int kComponents = static_cast<int>(Component::Count);

const char* action_name(Action a);        // YAML key, e.g. "dram_read_byte"
Component action_component(Action a);
const char* component_name(Component c);  // stats key, e.g. "dram"

// SRAM access energy as a function of capacity and access width, through two
// published points: E(cap, w) = pj * (cap / cap_ref)^a * (w / w_ref)^b, with the
// width exponent b stated and a fitted so that the second point lies on it.
struct SramEnergy {
  double ref_bytes = 0, ref_bits = 0, ref_pj = 0;
  double width_exponent = 1;     // b
  double capacity_exponent = 0;  // a, fitted
  double access_pj(uint64_t capacity_bytes, uint64_t width_bits) const;
  // Per byte moved through a port of `port_bytes` per access.
  double pj_per_byte(uint64_t capacity_bytes, uint64_t port_bytes) const;
};

// Prices of one technology point (pJ per action) and leakage (mW per component).
struct EnergyTable {
  std::string node;  // e.g. "45nm", reported in stats
  std::array<double, kActions> pj_per_action{};  // buffer byte actions: from `sram`
  SramEnergy sram;
  double macro_leakage_mw = 0;      // per macro
  double buffer_leakage_mw_per_kib = 0;
  double control_leakage_mw = 0;
  double dram_background_mw = 0;

  // Reads every action and leakage key; unknown or missing keys are errors.
  static EnergyTable load(const std::string& path);
};

// Action counts of one run or job; energy is derived from them on demand.
struct EnergyCounts {
  std::array<uint64_t, kActions> count{};
  void add(Action a, uint64_t n) { count[static_cast<int>(a)] += n; }
  uint64_t operator[](Action a) const { return count[static_cast<int>(a)]; }
  EnergyCounts operator-(const EnergyCounts& o) const;
  EnergyCounts& operator+=(const EnergyCounts& o);
};

// The instance's hardware: leakage scales with it, SRAM access energy with each
// buffer's capacity and port width. The platform states it once.
struct HardwareSizes {
  struct Buffer {
    uint64_t bytes = 0, port_bytes = 0;
  };
  unsigned macros = 0;
  Buffer wbuf, abuf, obuf;
};

// pJ per byte of each buffer action (read and write alike) on this hardware.
double sram_pj_per_byte(const EnergyTable& table, const HardwareSizes& hw, Component buffer);

struct EnergyBreakdown {
  std::array<double, kComponents> dynamic_pj{};
  std::array<double, kComponents> leakage_pj{};
  double total_pj() const;
  double component_pj(Component c) const { return dynamic_pj[int(c)] + leakage_pj[int(c)]; }
};

EnergyBreakdown price(const EnergyTable& table, const EnergyCounts& counts, const HardwareSizes& hw,
                      double duration_ns);

}  // namespace flexcim
