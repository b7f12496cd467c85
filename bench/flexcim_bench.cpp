// flexcim_bench: how fast the virtual platform simulates a fixed scenario
// (bench/bench.yaml, or the one given), measured against the host computing
// the same layers' GEMMs directly with the firmware's golden model
// (fw::reference_gemm). Prints wall time per phase, simulated cell-MACs per
// wall second, simulation / host-GEMM wall time and simulated / wall time.
// It only reports: wall times differ between machines and runs.
//   flexcim_bench [SCENARIO] [--set key.path=value ...] [--json FILE]
// --json writes the figures (and the run's totals and per-layer cycles) for
// scripts, e.g. scripts/rtl-bench (TLM against RTL-in-the-loop macros).
// Exit status: 0 measured, 1 the simulation failed or mismatched, 2 bad input.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <systemc>

#include "config.h"
#include "energy.h"
#include "platform.h"
#include "runtime.h"
#include "scenario.h"
#include "stats.h"
#include "timed_hal.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct GemmTiming {
  double seconds = 0;
  uint64_t macs = 0;  // tokens x in x out: the golden model skips no zeros
  int repeats = 0;
  double synthesis_seconds = 0;  // making the tensors, which the firmware also does in the run
};

// The golden GEMM of every layer on the tensors the run used (unpruned: the
// golden model costs the same with or without zeros). Best of `repeats`
// passes per layer, so one-off costs such as page faults stay out.
GemmTiming host_gemm(const flexcim::fw::Workload& wl, int repeats) {
  GemmTiming t;
  t.repeats = repeats;
  for (size_t i = 0; i < wl.layers.size(); ++i) {
    const flexcim::fw::LayerSpec& l = wl.layers[i];
    const Clock::time_point synthesis_start = Clock::now();
    const flexcim::fw::LayerTensors tensors = flexcim::fw::synthesize(l, wl.seed, i, wl.synthetic);
    t.synthesis_seconds += seconds(Clock::now() - synthesis_start);
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < repeats; ++r) {
      const Clock::time_point start = Clock::now();
      const std::vector<int32_t> y = flexcim::fw::reference_gemm(tensors.activations.data(), tensors.weights.data(),
                                                                 l.tokens, l.in_features, l.out_features);
      best = std::min(best, seconds(Clock::now() - start));
    }
    t.seconds += best;
    t.macs += uint64_t(l.tokens) * l.in_features * l.out_features;
  }
  return t;
}

std::string per_second(double count, double wall_s) { return fmt::format("{:.1f} M/s", count / wall_s / 1e6); }

int bench(const std::string& scenario_path, const std::vector<std::string>& sets, const std::string& json_path) {
  using namespace flexcim;
  const Clock::time_point t0 = Clock::now();
  const Scenario scenario = load_scenario(scenario_path, sets);
  const EnergyTable table = load_energy_table(scenario.platform);
  const Clock::time_point t1 = Clock::now();

  Platform platform("platform", scenario.platform);
  const Clock::time_point t2 = Clock::now();

  fw::RunReport report;
  Clock::duration in_models{};
  const fw::BoardInfo board = platform.board();
  platform.run([&](fw::Hal& hal) {
    TimedHal timed(hal);
    fw::Runtime runtime(timed, board, scenario.platform.wait, scenario.platform.poll_interval_ns);
    report = runtime.run(scenario.workload);
    in_models = timed.in_models();
  });
  const double simulated_s = sc_core::sc_time_stamp().to_seconds();
  const Clock::time_point t3 = Clock::now();

  const Json stats = make_stats(scenario, platform, table, report);
  const Clock::time_point t4 = Clock::now();
  if (!stats["check"]["golden_match"].get<bool>()) {
    std::cerr << "flexcim_bench: error: golden mismatch: the simulation computed wrong outputs\n";
    return 1;
  }

  const GemmTiming gemm = host_gemm(scenario.workload, 3);

  const double load_s = seconds(t1 - t0), elaborate_s = seconds(t2 - t1), run_s = seconds(t3 - t2),
               stats_s = seconds(t4 - t3), models_s = seconds(in_models);
  const double platform_s = elaborate_s + run_s + stats_s;
  const Json& totals = stats["totals"];
  const double cell_macs = stats["energy"]["action_counts"]["mac"].get<double>();

  const int tokens = scenario.workload.layers.front().tokens;
  std::cout << fmt::format("flexcim_bench: scenario {}: {} layers, {} tokens, {}, {} macros at {} MHz\n",
                           scenario.name, scenario.workload.layers.size(), tokens, scenario.platform.architecture,
                           scenario.platform.accelerator.macros, scenario.platform.clock_mhz);
  const auto row = [](const std::string& what, double s, const std::string& note = "") {
    return fmt::format("  {:<44} {:>8.3f}{}\n", what, s, note.empty() ? "" : "  " + note);
  };
  std::cout << fmt::format("  {:<44} {:>8}\n", "phase", "wall [s]");
  std::cout << row("load scenario and energy table", load_s);
  std::cout << row("elaborate the platform", elaborate_s);
  std::cout << row("run: firmware and models", run_s);
  std::cout << row("  of which in the models", models_s, "(timed HAL calls)");
  std::cout << row("  of which firmware work on the host", run_s - models_s,
                   "(synthesis, pruning, packing, golden check)");
  std::cout << row("statistics", stats_s);
  std::cout << row("platform total (elaborate, run, statistics)", platform_s);
  std::cout << row("host golden GEMM of the same layers", gemm.seconds, fmt::format("(best of {})", gemm.repeats));
  std::cout << row("host synthesis of their tensors", gemm.synthesis_seconds, "(part of the firmware work above)");
  std::cout << "\n";
  std::cout << fmt::format("  simulated: {} cycles, {:.3f} ms of platform time, {} cell-MACs ({} useful)\n",
                           totals["cycles"].get<uint64_t>(), simulated_s * 1e3, uint64_t(cell_macs),
                           totals["macs"].get<uint64_t>());
  const auto line = [](const std::string& what, const std::string& value) {
    return fmt::format("  {:<44} {}\n", what, value);
  };
  std::cout << line("cell-MACs per wall second, platform total", per_second(cell_macs, platform_s));
  std::cout << line("cell-MACs per wall second, models only", per_second(cell_macs, models_s));
  std::cout << line("host GEMM MACs per wall second",
                    fmt::format("{} ({} dense MACs)", per_second(double(gemm.macs), gemm.seconds), gemm.macs));
  std::cout << line("simulation / host GEMM wall time", fmt::format("{:.1f}x platform total, {:.1f}x models only",
                                                                    platform_s / gemm.seconds, models_s / gemm.seconds));
  std::cout << line("simulated time / wall time",
                    fmt::format("{:.3g} (one simulated ms takes {:.2f} wall s)", simulated_s / platform_s,
                                platform_s / (simulated_s * 1e3)));
  if (!json_path.empty()) {
    Json j;
    j["scenario"] = scenario.name;
    j["macro_model"] = stats["platform"]["macro_model"];
    j["wall_s"] = {{"load", load_s}, {"elaborate", elaborate_s}, {"run", run_s}, {"models", models_s},
                   {"firmware", run_s - models_s}, {"statistics", stats_s}, {"platform", platform_s},
                   {"host_gemm", gemm.seconds}};
    j["totals"] = totals;
    Json cycles = Json::array();
    for (const Json& l : stats["layers"]) cycles.push_back(l["cycles"]);
    j["layer_cycles"] = cycles;
    j["golden_match"] = stats["check"]["golden_match"];
    write_json(j, json_path);
  }
  return 0;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  std::string scenario = FLEXCIM_BENCH_SCENARIO, json;
  std::vector<std::string> sets;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--set" && i + 1 < argc) {
      sets.push_back(argv[++i]);
    } else if (arg == "--json" && i + 1 < argc) {
      json = argv[++i];
    } else if (arg.rfind("--", 0) != 0 && i == 1) {
      scenario = arg;
    } else {
      std::cerr << "flexcim_bench: error: usage: flexcim_bench [SCENARIO] [--set key.path=value ...] [--json FILE] "
                   "(default scenario "
                << FLEXCIM_BENCH_SCENARIO << ")\n";
      return 2;
    }
  }
  try {
    return bench(scenario, sets, json);
  } catch (const flexcim::ConfigError& e) {
    std::cerr << "flexcim_bench: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "flexcim_bench: error: " << e.what() << "\n";
    return 1;
  }
}

// As in the flexcim program: our own main switches the SystemC banner off
// before the kernel prints it.
int main(int argc, char* argv[]) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
