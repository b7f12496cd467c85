#include "energy.h"

#include "config.h"

namespace flexcim {

namespace {
struct ActionInfo {
  const char* name;
  Component component;
};
constexpr ActionInfo kActionInfo[kActions] = {
    {"dram_read_byte", Component::Dram},   {"dram_write_byte", Component::Dram},
    {"dma_burst", Component::Dma},         {"wbuf_read_byte", Component::Wbuf},
    {"wbuf_write_byte", Component::Wbuf},  {"abuf_read_byte", Component::Abuf},
    {"abuf_write_byte", Component::Abuf},  {"obuf_read_byte", Component::Obuf},
    {"obuf_write_byte", Component::Obuf},  {"cell_write", Component::Macro},
    {"select_write", Component::Macro},    {"mac", Component::Macro},
    {"tree_add", Component::Macro},        {"psum_buffer", Component::Macro},
    {"dist_mux", Component::Distribution}, {"merge_add", Component::Merge},
    {"out_reg", Component::Merge},         {"reg_access", Component::Control},
    {"tile_control", Component::Control},
};
constexpr const char* kComponentNames[kComponents] = {"dram",  "dma",   "wbuf",         "abuf",   "obuf",
                                                      "macro", "distribution", "merge", "control"};
}  // namespace

const char* action_name(Action a) { return kActionInfo[static_cast<int>(a)].name; }
Component action_component(Action a) { return kActionInfo[static_cast<int>(a)].component; }
const char* component_name(Component c) { return kComponentNames[static_cast<int>(c)]; }

EnergyTable EnergyTable::load(const std::string& path) {
  const Config cfg = Config::load_file(path);
  EnergyTable t;
  t.node = cfg.get_string("node");
  for (int a = 0; a < kActions; ++a)
    t.pj_per_action[a] = cfg.get_double(std::string("actions_pj.") + kActionInfo[a].name, 0.0, 1e6);
  t.macro_leakage_mw = cfg.get_double("leakage_mw.macro", 0.0, 1e6);
  t.buffer_leakage_mw_per_kib = cfg.get_double("leakage_mw.buffer_per_kib", 0.0, 1e6);
  t.control_leakage_mw = cfg.get_double("leakage_mw.control", 0.0, 1e6);
  t.dram_background_mw = cfg.get_double("leakage_mw.dram_background", 0.0, 1e6);
  cfg.check_all_used();
  return t;
}

EnergyCounts EnergyCounts::operator-(const EnergyCounts& o) const {
  EnergyCounts d;
  for (int i = 0; i < kActions; ++i) d.count[i] = count[i] - o.count[i];
  return d;
}

EnergyCounts& EnergyCounts::operator+=(const EnergyCounts& o) {
  for (int i = 0; i < kActions; ++i) count[i] += o.count[i];
  return *this;
}

double EnergyBreakdown::total_pj() const {
  double sum = 0;
  for (int c = 0; c < kComponents; ++c) sum += dynamic_pj[c] + leakage_pj[c];
  return sum;
}

EnergyBreakdown price(const EnergyTable& table, const EnergyCounts& counts, const LeakageSources& hw,
                      double duration_ns) {
  EnergyBreakdown e;
  for (int a = 0; a < kActions; ++a)
    e.dynamic_pj[int(kActionInfo[a].component)] += double(counts.count[a]) * table.pj_per_action[a];
  // mW x ns = pJ.
  const double per_byte_mw = table.buffer_leakage_mw_per_kib / 1024.0;
  e.leakage_pj[int(Component::Macro)] = table.macro_leakage_mw * hw.macros * duration_ns;
  e.leakage_pj[int(Component::Wbuf)] = per_byte_mw * double(hw.wbuf_bytes) * duration_ns;
  e.leakage_pj[int(Component::Abuf)] = per_byte_mw * double(hw.abuf_bytes) * duration_ns;
  e.leakage_pj[int(Component::Obuf)] = per_byte_mw * double(hw.obuf_bytes) * duration_ns;
  e.leakage_pj[int(Component::Control)] = table.control_leakage_mw * duration_ns;
  e.leakage_pj[int(Component::Dram)] = table.dram_background_mw * duration_ns;
  return e;
}

}  // namespace flexcim
