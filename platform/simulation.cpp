#include "simulation.h"

#include <filesystem>

#include "accelerator_gemm.h"
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
  platform.run([&](fw::Hal& hal) {
    fw::Runtime runtime(hal, board, scenario.platform.wait, scenario.platform.poll_interval_ns);
    report = runtime.run(scenario.workload);
  });

  Json stats = make_stats(scenario, platform, table, report);
  write_json(stats, options.out_dir + "/stats.json");
  return stats;
}

std::vector<nm::Pattern> probe_patterns(const Scenario& scenario) {
  Platform platform("platform", scenario.platform);
  std::vector<nm::Pattern> patterns;
  const fw::BoardInfo board = platform.board();
  platform.run([&](fw::Hal& hal) {
    fw::FlexcimDriver driver(hal, board.accelerator_base, scenario.platform.wait, scenario.platform.poll_interval_ns);
    patterns = driver.probe().patterns();
  });
  return patterns;
}

PlatformCost run_int8_on_platform(const Scenario& scenario, const std::function<void(llm::Int8Gemm&)>& firmware) {
  const EnergyTable table = EnergyTable::load(scenario.platform.energy_table);
  Platform platform("platform", scenario.platform);
  const fw::BoardInfo board = platform.board();
  platform.run([&](fw::Hal& hal) {
    fw::AcceleratorGemm gemm(hal, board, scenario.platform.wait, scenario.platform.poll_interval_ns);
    firmware(gemm);
  });

  PlatformCost cost;
  const LeakageSources hw = platform.accelerator().leakage_sources();
  for (const Accelerator::JobRecord& job : platform.accelerator().jobs()) {
    ++cost.jobs;
    cost.cycles += job.outcome.cycles;
    cost.time_ns += job.duration_ns;
    cost.energy_pj += price(table, job.energy, hw, job.duration_ns).total_pj();
  }
  return cost;
}

}  // namespace flexcim
