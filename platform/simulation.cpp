#include "simulation.h"

#include <filesystem>

#include "platform.h"
#include "runtime.h"

namespace flexcim {

Json simulate(const Scenario& scenario, const SimulationOptions& options) {
  const EnergyTable table = EnergyTable::load(scenario.platform.energy_table);
  std::filesystem::create_directories(options.out_dir);

  Platform platform("platform", scenario.platform);
  if (options.vcd) platform.trace_to(options.out_dir + "/trace");

  fw::RunReport report;
  const fw::BoardInfo board = platform.board();
  const fw::WaitMode wait = scenario.platform.wait;
  platform.run([&](fw::Hal& hal) {
    fw::Runtime runtime(hal, board, wait);
    report = runtime.run(scenario.workload);
  });

  Json stats = make_stats(scenario, platform, table, report);
  write_json(stats, options.out_dir + "/stats.json");
  return stats;
}

}  // namespace flexcim
