// Energy accounting: every modelled action is counted where it happens and priced
// from an energy table (YAML, pJ per action, leakage in mW). Nothing here knows
// the expected answer; energy is counts x prices + leakage x time.
#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace flexcim {
class Config;

enum class Action : int {
  DramReadByte, DramWriteByte, DmaBurst,
  WbufReadByte, WbufWriteByte, AbufReadByte, AbufWriteByte, ObufReadByte, ObufWriteByte,
  CellWrite, SelectWrite, Mac, TreeAdd, PsumBuffer, DistMux, MergeAdd, OutReg,
  RegAccess, TileControl,
  Count
};
constexpr int kActions = static_cast<int>(Action::Count);

enum class Component : int { Dram, Dma, Wbuf, Abuf, Obuf, Macro, Distribution, Merge, Control, Count };
constexpr int kComponents = static_cast<int>(Component::Count);

const char* action_name(Action a);        // YAML key, e.g. "dram_read_byte"
Component action_component(Action a);
const char* component_name(Component c);  // stats key, e.g. "dram"

// Prices of one technology point (pJ per action) and leakage (mW per component).
struct EnergyTable {
  std::string node;  // e.g. "45nm", reported in stats
  std::array<double, kActions> pj_per_action{};
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

// Leakage depends on how much hardware is switched on; the platform states it once.
struct LeakageSources {
  unsigned macros = 0;
  uint64_t wbuf_bytes = 0, abuf_bytes = 0, obuf_bytes = 0;
};

struct EnergyBreakdown {
  std::array<double, kComponents> dynamic_pj{};
  std::array<double, kComponents> leakage_pj{};
  double total_pj() const;
  double component_pj(Component c) const { return dynamic_pj[int(c)] + leakage_pj[int(c)]; }
};

EnergyBreakdown price(const EnergyTable& table, const EnergyCounts& counts, const LeakageSources& hw,
                      double duration_ns);

}  // namespace flexcim
