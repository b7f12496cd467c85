#include "energy.h"

#include <cmath>

#include "config.h"

namespace flexcim {

namespace {
struct ActionInfo {
  const char* name;
  Component component;
};
constexpr ActionInfo kActionInfo[kActions] = {
    {"dram_read_byte", Component::Dram},     {"dram_write_byte", Component::Dram},
    {"dma_burst", Component::Dma},           {"wbuf_read_byte", Component::Wbuf},
    {"wbuf_write_byte", Component::Wbuf},    {"abuf_read_byte", Component::Abuf},
    {"abuf_write_byte", Component::Abuf},    {"obuf_read_byte", Component::Obuf},
    {"obuf_write_byte", Component::Obuf},    {"cell_write", Component::Macro},
    {"meta_write", Component::Macro},        {"select_write", Component::Macro},
    {"mac", Component::Macro},               {"cell_operand_mux", Component::Macro},
    {"operand_line_bit", Component::Macro},  {"tree_add", Component::Macro},
    {"psum_buffer", Component::Macro},       {"dist_mux", Component::Distribution},
    {"merge_add", Component::Merge},         {"out_reg", Component::Merge},
    {"requant", Component::Requant},         {"reg_access", Component::Control},
    {"tile_control", Component::Control},
};
constexpr const char* kComponentNames[kComponents] = {"dram",  "dma",          "wbuf",  "abuf",    "obuf",
                                                      "macro", "distribution", "merge", "requant", "control"};

// Buffer byte actions are priced by the SRAM fit, not by actions_pj.
bool sram_priced(int a) {
  const Component c = kActionInfo[a].component;
  return c == Component::Wbuf || c == Component::Abuf || c == Component::Obuf;
}
}  // namespace

const char* action_name(Action a) { return kActionInfo[static_cast<int>(a)].name; }
Component action_component(Action a) { return kActionInfo[static_cast<int>(a)].component; }
const char* component_name(Component c) { return kComponentNames[static_cast<int>(c)]; }

EnergyTable EnergyTable::load(const std::string& path) {
  const Config cfg = Config::load_file(path);
  EnergyTable t;
  t.node = cfg.get_string("node");
  for (int a = 0; a < kActions; ++a)
    if (!sram_priced(a)) t.pj_per_action[a] = cfg.get_double(std::string("actions_pj.") + kActionInfo[a].name, 0.0, 1e6);

  SramEnergy& s = t.sram;
  s.ref_bytes = cfg.get_double("sram.reference.kib", 1e-3, 1e9) * 1024;
  s.ref_bits = cfg.get_double("sram.reference.bits", 1, 1e6);
  s.ref_pj = cfg.get_double("sram.reference.pj", 1e-6, 1e6);
  const double fit_bytes = cfg.get_double("sram.fit.kib", 1e-3, 1e9) * 1024;
  const double fit_bits = cfg.get_double("sram.fit.bits", 1, 1e6);
  const double fit_pj = cfg.get_double("sram.fit.pj", 1e-6, 1e6);
  s.width_exponent = cfg.get_double("sram.width_exponent", 0, 2);
  if (fit_bytes == s.ref_bytes) cfg.fail("sram.fit.kib", "must differ from sram.reference.kib to fit the capacity exponent");
  s.capacity_exponent =
      (std::log(fit_pj / s.ref_pj) - s.width_exponent * std::log(fit_bits / s.ref_bits)) / std::log(fit_bytes / s.ref_bytes);
  t.macro_leakage_mw = cfg.get_double("leakage_mw.macro", 0.0, 1e6);
  t.buffer_leakage_mw_per_kib = cfg.get_double("leakage_mw.buffer_per_kib", 0.0, 1e6);
  t.control_leakage_mw = cfg.get_double("leakage_mw.control", 0.0, 1e6);
  t.dram_background_mw = cfg.get_double("leakage_mw.dram_background", 0.0, 1e6);
  cfg.check_all_used();
  return t;
}

double SramEnergy::access_pj(uint64_t capacity_bytes, uint64_t width_bits) const {
  return ref_pj * std::pow(double(capacity_bytes) / ref_bytes, capacity_exponent) *
         std::pow(double(width_bits) / ref_bits, width_exponent);
}

double SramEnergy::pj_per_byte(uint64_t capacity_bytes, uint64_t port_bytes) const {
  return access_pj(capacity_bytes, port_bytes * 8) / double(port_bytes);
}

double sram_pj_per_byte(const EnergyTable& table, const HardwareSizes& hw, Component buffer) {
  const HardwareSizes::Buffer& b = buffer == Component::Wbuf ? hw.wbuf : buffer == Component::Abuf ? hw.abuf : hw.obuf;
  return table.sram.pj_per_byte(b.bytes, b.port_bytes);
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

EnergyBreakdown price(const EnergyTable& table, const EnergyCounts& counts, const HardwareSizes& hw,
                      double duration_ns) {
  EnergyBreakdown e;
  for (int a = 0; a < kActions; ++a) {
    const Component c = kActionInfo[a].component;
    const double pj = sram_priced(a) ? sram_pj_per_byte(table, hw, c) : table.pj_per_action[a];
    e.dynamic_pj[int(c)] += double(counts.count[a]) * pj;
  }
  // mW x ns = pJ.
  const double per_byte_mw = table.buffer_leakage_mw_per_kib / 1024.0;
  e.leakage_pj[int(Component::Macro)] = table.macro_leakage_mw * hw.macros * duration_ns;
  e.leakage_pj[int(Component::Wbuf)] = per_byte_mw * double(hw.wbuf.bytes) * duration_ns;
  e.leakage_pj[int(Component::Abuf)] = per_byte_mw * double(hw.abuf.bytes) * duration_ns;
  e.leakage_pj[int(Component::Obuf)] = per_byte_mw * double(hw.obuf.bytes) * duration_ns;
  e.leakage_pj[int(Component::Control)] = table.control_leakage_mw * duration_ns;
  e.leakage_pj[int(Component::Dram)] = table.dram_background_mw * duration_ns;
  return e;
}

}  // namespace flexcim
