#include "dram_energy.h"

#include <fmt/format.h>

#include "config.h"

namespace flexcim {

DramEnergy DramEnergy::operator-(const DramEnergy& o) const {
  return {activate - o.activate, read - o.read,         write - o.write,
          refresh - o.refresh,   background - o.background, power_down - o.power_down};
}

DramEnergy& DramEnergy::operator+=(const DramEnergy& o) {
  activate += o.activate;
  read += o.read;
  write += o.write;
  refresh += o.refresh;
  background += o.background;
  power_down += o.power_down;
  return *this;
}

DramCommands DramCommands::operator-(const DramCommands& o) const {
  return {activates - o.activates, precharges - o.precharges, reads - o.reads,           writes - o.writes,
          refreshes - o.refreshes, read_bytes - o.read_bytes,   write_bytes - o.write_bytes};
}

DramCommands& DramCommands::operator+=(const DramCommands& o) {
  activates += o.activates;
  precharges += o.precharges;
  reads += o.reads;
  writes += o.writes;
  refreshes += o.refreshes;
  read_bytes += o.read_bytes;
  write_bytes += o.write_bytes;
  return *this;
}

DramEnergyTable DramEnergyTable::load(const std::string& path, const std::string& memory_id) {
  const Config cfg = Config::load_file(path);
  if (!cfg.select_entry(memory_id))
    throw ConfigError(fmt::format("{}: no entry for memory '{}' (entries: {})", path, memory_id,
                                  fmt::join(cfg.keys(""), ", ")));
  DramEnergyTable t;
  t.memory_id = memory_id;
  const std::string p = memory_id + ".";
  t.source = cfg.get_string(p + "source");
  t.activate_pj = cfg.get_double(p + "activate_pj", 0, 1e7);
  t.read_pj_per_byte = cfg.get_double(p + "read_pj_per_byte", 0, 1e4);
  t.write_pj_per_byte = cfg.get_double(p + "write_pj_per_byte", 0, 1e4);
  t.refresh_pj = cfg.get_double(p + "refresh_pj", 0, 1e9);
  t.background_mw = cfg.get_double(p + "background_mw", 0, 1e5);
  cfg.check_all_used();
  return t;
}

DramEnergy DramEnergyTable::price(const DramCommands& c, unsigned channels, double elapsed_ns) const {
  DramEnergy e;
  e.activate = double(c.activates) * activate_pj;
  e.read = double(c.read_bytes) * read_pj_per_byte;
  e.write = double(c.write_bytes) * write_pj_per_byte;
  e.refresh = double(c.refreshes) * refresh_pj;
  e.background = background_mw * channels * elapsed_ns;  // mW x ns = pJ
  return e;
}

}  // namespace flexcim
