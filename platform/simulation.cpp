#include "simulation.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "accelerator_gemm.h"
#include "child_process.h"
#include "output_files.h"
#include "platform.h"
#include "progress.h"
#include "runtime.h"
#include "timeline.h"

namespace flexcim {

Json simulate(const Scenario& scenario, const SimulationOptions& options) {
  const EnergyTable table = load_energy_table(scenario.platform);
  std::vector<std::string> files{"stats.json", "config.yaml"};
  if (options.vcd) files.push_back("trace.vcd");
  if (options.timeline) files.push_back("timeline.json");
  OutputFiles out(options.out_dir, files);

  Platform platform("platform", scenario.platform);
  // stats.json prices every layer's job: the runtime runs one per layer.
  platform.accelerator().set_job_log_capacity(
      std::max(Accelerator::kDefaultJobLog, scenario.workload.layers.size()));
  std::string vcd;
  if (options.vcd) {
    vcd = out.temp_path("trace.vcd");
    platform.trace_to(vcd.substr(0, vcd.size() - 4));  // SystemC adds ".vcd"
  }
  std::unique_ptr<RunProgress> progress;
  if (options.progress)
    progress = std::make_unique<RunProgress>("progress", platform.accelerator().sequencer().state,
                                             scenario.workload.layers.size(), fmt::format("run {}: layers", scenario.name));
  // The timeline's samples are also the VCD's power signals.
  std::unique_ptr<Timeline> timeline;
  if (options.timeline || options.vcd) {
    std::vector<std::string> jobs;
    for (const fw::LayerSpec& l : scenario.workload.layers) jobs.push_back(l.name);
    timeline = std::make_unique<Timeline>("timeline", platform, table, jobs);
    if (options.vcd) sc_core::sc_trace(platform.trace_file(), timeline->layer, "platform.accelerator.layer");
  }

  fw::RunReport report;
  const fw::BoardInfo board = platform.board();
  std::optional<Interrupted> interrupted;
  try {
    platform.run([&](fw::Hal& hal) {
      fw::Runtime runtime(hal, board, scenario.platform.wait, scenario.platform.poll_interval_ns);
      runtime.run(scenario.workload, report);
    });
  } catch (const Interrupted& e) {
    interrupted = e;
  } catch (...) {
    if (options.vcd) out.commit("trace.vcd");  // up to the failure: what one debugs it with
    throw;
  }

  // First key: a reader must not take the layers of a stopped run for the whole workload.
  Json stats = {{"complete", !interrupted}};
  stats.update(make_stats(scenario, platform, table, report));
  write_json(stats, out.temp_path("stats.json"));
  write_text(scenario.effective_config, out.temp_path("config.yaml"));
  // A stopped run keeps its VCD as the kernel closed it: activity up to the stop, no power.
  if (!interrupted) {
    if (options.timeline) write_json(timeline->json(), out.temp_path("timeline.json"));
    if (options.vcd) timeline->add_power_to_vcd(vcd, options.power_window_ns);
  }
  for (const std::string& f : files)
    if (!interrupted || f != "timeline.json") out.commit(f);
  if (interrupted)
    throw Interrupted(interrupted->signal(),
                      fmt::format("{}; {} of {} layers done, partial results in {}", interrupted->what(),
                                  report.layers.size(), scenario.workload.layers.size(), out.path("stats.json")));
  return stats;
}

std::vector<nm::Pattern> probe_patterns(const Scenario& scenario) {
  // SystemC elaborates once per process and the caller may still want its own
  // platform (eval --on-platform --candidates hw): probe in a child process that
  // reports CAP_PATTERNS as the driver reads it, one "N:M" per line.
  std::string text;
  try {
    text = child_answer([&] {
      Platform platform("platform", scenario.platform);
      const fw::BoardInfo board = platform.board();
      std::string lines;
      platform.run([&](fw::Hal& hal) {
        fw::FlexcimDriver driver(hal, board.accelerator_base, scenario.platform.wait,
                                 scenario.platform.poll_interval_ns);
        for (const nm::Pattern& p : driver.probe().patterns()) lines += p.str() + "\n";
      });
      return lines;
    });
  } catch (const ChildError& e) {
    throw std::runtime_error(fmt::format("probing the accelerator failed: {}", e.what()));
  }
  std::vector<nm::Pattern> patterns;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) patterns.push_back(nm::Pattern::parse(line));
  return patterns;
}

PlatformCost run_int8_on_platform(const Scenario& scenario, const std::function<void(llm::Int8Gemm&)>& firmware) {
  const EnergyTable table = load_energy_table(scenario.platform);
  Platform platform("platform", scenario.platform);
  // Checked job by job against the cost model's prediction: keep every job.
  platform.accelerator().set_job_log_capacity(SIZE_MAX);
  const fw::BoardInfo board = platform.board();
  PlatformCost cost;
  platform.run([&](fw::Hal& hal) {
    fw::AcceleratorGemm gemm(hal, board, scenario.platform.wait, scenario.platform.poll_interval_ns);
    firmware(gemm);
    cost.outputs_checked = gemm.outputs_checked();
    cost.mismatches = gemm.mismatches();
  });

  cost.architecture = scenario.platform.architecture;
  const auto& jobs = platform.accelerator().jobs();
  for (size_t i = 0; i < jobs.size(); ++i) {
    const double energy_pj = platform.job_energy(table, i).total_pj();
    ++cost.jobs;
    cost.cycles += jobs[i].outcome.cycles;
    cost.time_ns += jobs[i].duration_ns;
    cost.energy_pj += energy_pj;
    cost.job_cycles.push_back(jobs[i].outcome.cycles);
    cost.job_energy_pj.push_back(energy_pj);
  }
  return cost;
}

}  // namespace flexcim
