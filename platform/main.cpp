// flexcim: the FlexCiM virtual platform's command-line program.
//   flexcim run SCENARIO [--set key=value ...] [--out DIR] [--vcd] [--firmware LIB.so]
//   flexcim regs
//   flexcim config SCENARIO [--set ...]     effective configuration
//   flexcim sweep SWEEP.yaml [--out DIR] [-j N] [--slurm], sweep collect DIR
//   flexcim report DIR                      report.md + plots (scripts/report)
//   flexcim --version
//   flexcim compare SCENARIO [--set ...] [--out DIR]   FlexCiM vs baselines
//   flexcim bench [--out DIR] [--points N] [--set ...]   simulation speed (bench.json)
//   flexcim generate|flow|eval|pareto [MODEL] ..., tokenize TEXT   the real model (llama2.c format)
// Exit status: 0 success, 1 the run failed (error status, golden mismatch),
// 2 bad input (command line, scenario, model file, unwritable output),
// 130 / 143 stopped by SIGINT / SIGTERM (outputs so far written, marked incomplete).
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <iostream>

#include <CLI/CLI.hpp>
#include <systemc>
#include <fmt/format.h>

#include "compare.h"
#include "config.h"
#include "firmware_plugin.h"
#include "interruption.h"
#include "llm_commands.h"
#include "pareto.h"
#include "regmap.h"
#include "scenario.h"
#include "simulation.h"
#include "speed.h"
#include "sweep.h"
#include "version.h"

namespace {

constexpr int kFailed = 1;
constexpr int kBadInput = 2;

struct RunArgs {
  std::string scenario;
  std::vector<std::string> sets;
  std::string out;
  bool vcd = false;
  bool timeline = false;
  double power_window_ns = 100;
  bool quiet = false;
  std::string firmware;  // a plug-in (flexcim_plugin.h) instead of the built-in runner
  bool timing_only = false;
};

void add_scenario_options(CLI::App* cmd, RunArgs& args) {
  cmd->add_option("scenario", args.scenario, "Scenario YAML file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--set", args.sets, "Override a scenario value: key.path=value (repeatable)");
}

// A run's outcome: the golden check, or in timing-only mode the jobs' status.
bool run_ok(const flexcim::Json& stats) {
  const flexcim::Json& check = stats["check"];
  return check.contains("mode") ? check["jobs_ok"].get<bool>() : check["golden_match"].get<bool>();
}

// stdout carries results: the kernel's notes (timescale set, "stopped by user") are
// dropped, its warnings go to stderr on one line, errors keep SystemC's handling.
void report_handler(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
  if (report.get_severity() == sc_core::SC_INFO) return;
  if (report.get_severity() == sc_core::SC_WARNING) {
    std::cerr << "flexcim: warning: SystemC " << report.get_msg_type() << ": " << report.get_msg() << "\n";
    return;
  }
  sc_core::sc_report_handler::default_handler(report, actions);
}

int interrupted(const flexcim::Interrupted& e) {
  std::cout.flush();
  std::cerr << "flexcim: " << e.what() << "\n";
  return e.exit_status();
}

int run_command(const RunArgs& args) {
  std::vector<std::string> sets = args.sets;
  if (args.timing_only) sets.push_back("mode=timing-only");
  const flexcim::Scenario scenario = flexcim::load_scenario(args.scenario, sets);
  flexcim::SimulationOptions options;
  options.out_dir = args.out.empty() ? "out/" + scenario.name : args.out;
  options.vcd = args.vcd;
  options.timeline = args.timeline;
  options.power_window_ns = args.power_window_ns;
  options.progress = !args.quiet;
  if (!args.firmware.empty()) {
    // A plug-in is its own firmware: it computes what it computes, there is no mode to choose.
    if (scenario.timing_only)
      throw flexcim::PluginError("--firmware runs a plug-in; mode: timing-only applies to the built-in runner only");
    const flexcim::FirmwarePlugin plugin(args.firmware);  // load errors are bad input, before elaboration
    const flexcim::Json stats = flexcim::simulate_plugin(scenario, plugin, options.out_dir, options.vcd);
    std::cout << flexcim::summarize_plugin(stats);
    std::cout << "  wrote " << options.out_dir << "/stats.json" << (args.vcd ? " and trace.vcd" : "") << "\n";
    return stats["firmware_returned"].get<int>() == 0 ? 0 : kFailed;
  }
  const flexcim::Json stats = flexcim::simulate(scenario, options);
  std::cout << flexcim::summarize(stats);
  std::cout << "  wrote " << options.out_dir << "/stats.json, config.yaml" << (args.vcd ? ", trace.vcd" : "")
            << (args.timeline ? ", timeline.json" : "") << "\n";
  return run_ok(stats) ? 0 : kFailed;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"FlexCiM virtual platform: a SystemC/TLM-2.0 model of a digital CiM accelerator with flexible N:M "
               "sparsity, and the firmware that drives it"};
  app.require_subcommand(1);
  app.set_version_flag("--version", flexcim::version());
  sc_core::sc_report_handler::set_handler(report_handler);

  RunArgs run_args;
  CLI::App* run = app.add_subcommand("run", "Run a scenario: firmware programs the accelerator, checks every output");
  add_scenario_options(run, run_args);
  run->add_option("--out", run_args.out, "Output directory (default out/<scenario name>)");
  run->add_flag("--vcd", run_args.vcd, "Also write DIR/trace.vcd (macro busy, controller state, DMA, interrupt)");
  run->add_flag("-q,--quiet", run_args.quiet, "No progress line on stderr (shown for runs longer than a second)");
  run->add_option("--power-window-ns", run_args.power_window_ns,
                  "--vcd power signals: mean power over windows of at least this many ns (default 100)")
      ->check(CLI::PositiveNumber);
  run->add_flag("--timeline", run_args.timeline,
                "Also write DIR/timeline.json (Chrome trace events for Perfetto: jobs, sequencer, DMA, macros; power "
                "and DRAM bandwidth counters)");
  run->add_option("--firmware", run_args.firmware,
                  "Run this firmware plug-in (a shared library, flexcim_plugin.h) instead of the built-in workload runner");
  run->add_flag("--timing-only", run_args.timing_only,
                "Same jobs, cycles, counts and energy without making, computing or checking tensors (mode: timing-only)");

  CLI::App* regs = app.add_subcommand("regs", "Print the register map");

  RunArgs config_args;
  CLI::App* config = app.add_subcommand("config", "Print the effective configuration of a scenario");
  add_scenario_options(config, config_args);

  flexcim::CompareOptions compare_args;
  RunArgs compare_scenario;
  CLI::App* compare = app.add_subcommand(
      "compare",
      "Run the scenario on flexcim, dense-dcim and fixed-nm (platform.accelerator.fixed_pattern, on FlexCiM's masks "
      "and on its own model); write DIR/compare.json");
  add_scenario_options(compare, compare_scenario);
  compare->add_option("--out", compare_args.out_dir, "Output directory (default out/<scenario name>-compare)");
  compare->add_flag("-q,--quiet", compare_args.quiet, "No progress line on stderr");

  flexcim::SweepOptions sweep_args;
  CLI::App* sweep = app.add_subcommand(
      "sweep",
      "Run every point of a sweep file (grid, zip, points, architectures over a base scenario), each in its own "
      "process; write DIR/results.csv and results.json. Re-running skips finished points");
  sweep->add_option("sweep", sweep_args.sweep_file, "Sweep YAML file (see scenarios/sweeps/)");
  sweep->add_option("--out", sweep_args.out_dir, "Output directory (default out/sweep-<name>)");
  sweep->add_option("-j,--jobs", sweep_args.jobs, "Points at a time (default: one per hardware thread)")
      ->check(CLI::Range(1u, 256u));
  sweep->add_flag("--slurm", sweep_args.slurm,
                  "Write DIR/sweep.sbatch (a Slurm job array) and DIR/manifest.json instead of running");
  sweep->add_option("--sbatch", sweep_args.sbatch, "Extra #SBATCH option for --slurm, e.g. --sbatch=--partition=debug");
  sweep->add_flag("-q,--quiet", sweep_args.quiet, "No progress lines on stderr");
  std::string collect_dir;
  CLI::App* collect = sweep->add_subcommand("collect", "Write DIR/results.csv and results.json from a --slurm sweep");
  collect->add_option("dir", collect_dir, "The sweep's output directory")->required();
  std::string point_dir;
  size_t point_index = 0;
  CLI::App* point = sweep->add_subcommand("point", "Run one point of DIR/manifest.json (what a Slurm array task runs)");
  point->add_option("dir", point_dir, "The sweep's output directory")->required();
  point->add_option("index", point_index, "Point index")->required();
  sweep_args.is_run_flag = [run](const std::string& name) {
    return name.rfind("--", 0) == 0 && run->get_option_no_throw(name) != nullptr;
  };

  std::string report_dir;
  CLI::App* report = app.add_subcommand(
      "report", "Write DIR/report.md with PNG plots for a run, compare or sweep folder (scripts/report, matplotlib)");
  report->add_option("dir", report_dir, "A folder flexcim run, compare or sweep wrote")
      ->required()
      ->check(CLI::ExistingDirectory);

  flexcim::SpeedOptions bench_args;
  CLI::App* bench = app.add_subcommand(
      "bench", "Measure simulation speed side by side: timing-only vs functional, against a native int8 GEMM, 32 "
               "blocks, design points; write DIR/bench.json");
  bench->add_option("--out", bench_args.out_dir, "Output directory (default out/bench)");
  bench->add_option("--points", bench_args.points, "Timing-only design points to run (default 1000)")
      ->check(CLI::Range(1, 100000));
  bench->add_option("--set", bench_args.sets, "Override a value in every run: key.path=value (repeatable)");

  // The model commands (generate, tokenize, flow, eval) run from their callbacks during parse.
  flexcim::add_llm_commands(
      app, [] { return flexcim::probe_patterns(flexcim::load_scenario(flexcim::default_scenario_path())); },
      [](const std::string& scenario, const std::vector<std::string>& overrides,
         const std::function<void(flexcim::llm::Int8Gemm&)>& firmware) {
        return flexcim::run_int8_on_platform(flexcim::load_scenario(scenario, overrides), firmware);
      });

  flexcim::add_pareto_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "flexcim: error: " << e.what() << " (see --help)\n";
    return kBadInput;
  } catch (const flexcim::Interrupted& e) {
    return interrupted(e);
  } catch (const flexcim::RunFailed& e) {
    std::cerr << "flexcim: error: " << e.what() << "\n";
    return kFailed;
  } catch (const std::exception& e) {
    // Model commands: a bad model, tokenizer or text file, an infeasible sparsity, a bad pattern.
    std::cerr << "flexcim: error: " << e.what() << "\n";
    return kBadInput;
  }

  try {
    if (*run) return run_command(run_args);
    if (*bench) {
      const flexcim::Json result = flexcim::bench_speed(bench_args);
      std::cout << flexcim::summarize_speed(result);
      std::cout << "  wrote " << bench_args.out_dir << "/bench.json and points.csv\n";
      return 0;
    }
    if (*regs) {
      flexcim::regs::print(std::cout);
      return 0;
    }
    if (*compare) {
      compare_args.scenario = compare_scenario.scenario;
      compare_args.sets = compare_scenario.sets;
      const flexcim::Json result = flexcim::compare(compare_args);
      std::cout << flexcim::summarize_compare(result);
      std::cout << "  wrote " << result["out_dir"].get<std::string>() << "/compare.json\n";
      for (const auto& a : result["architectures"])
        if (!a["golden_match"].get<bool>()) return kFailed;
      return 0;
    }
    if (*report) {
      // Plots are matplotlib's job: hand over to the script, which prints its own errors.
      const std::string script = std::string(FLEXCIM_SOURCE_DIR) + "/scripts/report";
      std::cout.flush();
      execlp(FLEXCIM_PYTHON, FLEXCIM_PYTHON, script.c_str(), report_dir.c_str(), static_cast<char*>(nullptr));
      std::cerr << "flexcim: error: report: cannot run " << FLEXCIM_PYTHON << " " << script << "\n";
      return kBadInput;
    }
    if (*sweep) {
      if (*collect) return flexcim::sweep_collect(collect_dir);
      if (*point) return flexcim::sweep_point(point_dir, point_index);
      if (sweep_args.sweep_file.empty()) {
        std::cerr << "flexcim: error: sweep: give a sweep file (or collect DIR) (see --help)\n";
        return kBadInput;
      }
      return flexcim::sweep(sweep_args);
    }
    if (*config) {
      // Validated, so what is printed runs (from anywhere: file paths are absolute).
      std::cout << flexcim::load_scenario(config_args.scenario, config_args.sets).effective_config;
      return 0;
    }
  } catch (const flexcim::ConfigError& e) {
    std::cerr << "flexcim: error: " << e.what() << "\n";
    return kBadInput;
  } catch (const flexcim::PluginError& e) {
    std::cerr << "flexcim: error: " << e.what() << "\n";
    return kBadInput;
  } catch (const flexcim::Interrupted& e) {
    return interrupted(e);
  } catch (const std::exception& e) {
    std::cerr << "flexcim: error: " << e.what() << "\n";
    return kFailed;
  }
  return 0;
}

// Our own main replaces libsystemc's so the banner can be switched off before
// SystemC prints it (it does so before calling sc_main); stderr stays for errors.
int main(int argc, char* argv[]) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
