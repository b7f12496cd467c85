// DRAM energy by component and the commands behind it. DRAMSys runs get it
// from DRAMPower (DDR3, DDR4, WideIO: what DRAMSys 5.1 connects it to) or, for
// the other memory types, from a per-command energy table (DramEnergyTable).
// I/O and termination energy is not counted by either (DRAMSys 5.1 runs
// DRAMPower without it), so the device-core energies of all types compare.
#pragma once
#include <cstdint>
#include <string>

namespace flexcim {

struct DramEnergy {  // pJ
  double activate = 0;    // ACT and its PRE (row open and close)
  double read = 0;        // read bursts, above standby
  double write = 0;       // write bursts, above standby
  double refresh = 0;
  double background = 0;  // active and precharge standby
  double power_down = 0;  // power-down and self-refresh states
  double total() const { return activate + read + write + refresh + background + power_down; }
  double dynamic() const { return activate + read + write + refresh; }
  DramEnergy operator-(const DramEnergy& o) const;
  DramEnergy& operator+=(const DramEnergy& o);
};

struct DramCommands {
  uint64_t activates = 0, precharges = 0, reads = 0, writes = 0, refreshes = 0;
  uint64_t read_bytes = 0, write_bytes = 0;  // data moved by the read and write bursts
  DramCommands operator-(const DramCommands& o) const;
  DramCommands& operator+=(const DramCommands& o);
};

// Energy per command for one memory device kind (a memspec memoryId), from
// scenarios/dram/energy.yaml; every number states its source there.
struct DramEnergyTable {
  std::string memory_id;
  std::string source;
  double activate_pj = 0;        // per ACT (with its PRE)
  double read_pj_per_byte = 0;
  double write_pj_per_byte = 0;
  double refresh_pj = 0;         // per all-bank refresh
  double background_mw = 0;      // per channel

  // The entry for `memory_id`; ConfigError (one line) if it is missing or malformed.
  static DramEnergyTable load(const std::string& path, const std::string& memory_id);
  // Energy of `commands` on `channels` channels over `elapsed_ns`.
  DramEnergy price(const DramCommands& commands, unsigned channels, double elapsed_ns) const;
};

}  // namespace flexcim
