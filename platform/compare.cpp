#include "compare.h"

#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "child_process.h"
#include "config.h"
#include "progress.h"
#include "interruption.h"
#include "output_files.h"
#include "scenario.h"
#include "simulation.h"

namespace flexcim {

std::vector<Architecture> compared_architectures(const std::string& fixed_pattern) {
  const std::string fixed = "fixed-nm-" + fixed_pattern;
  return {
      {"flexcim", "flexcim", {"platform.accelerator.architecture=flexcim", "workload.prune_to=requested"}},
      // Its cost does not depend on the mask; its best model is the unpruned one.
      {"dense-dcim", "own", {"platform.accelerator.architecture=dense-dcim", "workload.prune_to=supported"}},
      {fixed, "flexcim", {"platform.accelerator.architecture=fixed-nm", "workload.prune_to=requested"}},
      {fixed + "-own", "own", {"platform.accelerator.architecture=fixed-nm", "workload.prune_to=supported"}},
  };
}

namespace {

// Child process: one architecture, start to finish. Exit status as `flexcim run`.
int run_child(const CompareOptions& options, const Architecture& arch, const std::string& dir) {
  try {
    std::vector<std::string> sets = options.sets;
    sets.insert(sets.end(), arch.overrides.begin(), arch.overrides.end());
    const Scenario scenario = load_scenario(options.scenario, sets);
    const Json stats = simulate(scenario, {dir, false});
    return stats["check"]["golden_match"].get<bool>() ? 0 : 1;
  } catch (const ConfigError& e) {
    std::cerr << "flexcim: error: " << e.what() << "\n";
    return 2;
  } catch (const Interrupted& e) {
    return e.exit_status();  // the parent reports it
  } catch (const std::exception& e) {
    std::cerr << "flexcim: error: " << arch.name << ": " << e.what() << "\n";
    return 1;
  }
}

Json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path));
  return Json::parse(in);
}

}  // namespace

Json compare(const CompareOptions& options) {
  // Check the scenario for every architecture up front, so bad input fails
  // with one error before any child runs. Loading it as fixed-nm checks
  // platform.accelerator.fixed_pattern, which names the baseline.
  const Scenario scenario = load_scenario(options.scenario, options.sets);
  std::vector<std::string> fixed_sets = options.sets;
  fixed_sets.push_back("platform.accelerator.architecture=fixed-nm");
  const std::string fixed_pattern =
      advertised_patterns(load_scenario(options.scenario, fixed_sets).platform.accelerator).front().str();
  const std::vector<Architecture> architectures = compared_architectures(fixed_pattern);
  for (const Architecture& arch : architectures) {
    std::vector<std::string> sets = options.sets;
    sets.insert(sets.end(), arch.overrides.begin(), arch.overrides.end());
    load_scenario(options.scenario, sets);
  }
  const std::string out = options.out_dir.empty() ? "out/" + scenario.name + "-compare" : options.out_dir;
  OutputFiles files(out, {"compare.json"});

  Json result;
  result["scenario"] = scenario.name;
  result["fixed_pattern"] = fixed_pattern;
  result["architectures"] = Json::array();
  ProgressLine progress(fmt::format("compare {}: architectures", scenario.name), architectures.size(), options.quiet);
  for (const Architecture& arch : architectures) {
    const std::string dir = out + "/" + arch.name;
    const int code = run_in_child([&] { return run_child(options, arch, dir); });
    // Exit 1 with stats.json is a golden mismatch, reported in the table; without it the run failed.
    if (code != 0 && !std::ifstream(dir + "/stats.json"))
      throw std::runtime_error(fmt::format("{} run failed (exit status {})", arch.name, code));
    const Json stats = read_json(dir + "/stats.json");

    Json entry;
    entry["name"] = arch.name;
    entry["architecture"] = stats["platform"]["architecture"];
    entry["masks"] = arch.masks;
    entry["cycles"] = stats["totals"]["cycles"];
    entry["time_ns"] = stats["totals"]["time_ns"];
    entry["energy_pj"] = stats["totals"]["energy_pj"];
    entry["score_loss"] = stats["totals"]["score_loss"];
    entry["dram_read_bytes"] = stats["totals"]["dram_read_bytes"];
    entry["golden_match"] = stats["check"]["golden_match"];
    entry["energy_by_component"] = stats["energy"]["by_component"];
    Json layers = Json::array();
    for (const Json& l : stats["layers"])
      layers.push_back({{"name", l["name"]}, {"n", l["n"]}, {"m", l["m"]}, {"pruned_to", l["pruned_to"]},
                        {"executed", l["executed"]}, {"cycles", l["cycles"]}, {"energy_pj", l["energy_pj"]},
                        {"score_loss", l["score_loss"]}});
    entry["layers"] = layers;
    result["architectures"].push_back(entry);
    progress.update(result["architectures"].size(), arch.name + " done");
  }

  // Ratios baseline / FlexCiM: how many times lower FlexCiM's latency and energy are.
  const Json& flex = result["architectures"][0];
  Json ratios = Json::object();
  for (size_t a = 1; a < result["architectures"].size(); ++a) {
    const Json& base = result["architectures"][a];
    ratios[base["name"].get<std::string>()] = {
        {"latency", base["cycles"].get<double>() / flex["cycles"].get<double>()},
        {"energy", base["energy_pj"].get<double>() / flex["energy_pj"].get<double>()}};
  }
  result["ratios"] = ratios;
  write_json(result, files.temp_path("compare.json"));
  files.commit("compare.json");
  result["out_dir"] = out;
  return result;
}

std::string summarize_compare(const Json& c) {
  const Json& archs = c["architectures"];
  const Json& flex = archs[0];
  std::string s = fmt::format(
      "scenario {}: latency and energy relative to FlexCiM (x = baseline / FlexCiM); score loss = Wanda score "
      "pruned away\n",
      c["scenario"].get<std::string>());
  s += fmt::format("  {:<18} {:>8} {:>14} {:>10} {:>16} {:>10} {:>11} {:>7}\n", "architecture", "masks", "cycles",
                   "latency", "energy [uJ]", "energy", "score loss", "golden");
  for (const Json& a : archs)
    s += fmt::format("  {:<18} {:>8} {:>14} {:>9.2f}x {:>16.3f} {:>9.2f}x {:>10.2f}% {:>7}\n",
                     a["name"].get<std::string>(), a["masks"].get<std::string>(), a["cycles"].get<uint64_t>(),
                     a["cycles"].get<double>() / flex["cycles"].get<double>(), a["energy_pj"].get<double>() / 1e6,
                     a["energy_pj"].get<double>() / flex["energy_pj"].get<double>(),
                     100.0 * a["score_loss"].get<double>(), a["golden_match"].get<bool>() ? "match" : "MISMATCH");
  s += "  per layer (cycles; ran = executed pattern):\n";
  s += fmt::format("  {:<14} {:>6}", "layer", "N:M");
  for (const Json& a : archs) s += fmt::format(" {:>24}", a["name"].get<std::string>());
  s += "\n";
  for (size_t i = 0; i < flex["layers"].size(); ++i) {
    const Json& l = flex["layers"][i];
    const bool dense = l["n"] == l["m"];
    s += fmt::format("  {:<14} {:>6}", l["name"].get<std::string>(),
                     dense ? std::string("dense") : fmt::format("{}:{}", l["n"].get<int>(), l["m"].get<int>()));
    for (const Json& a : archs) {
      const Json& al = a["layers"][i];
      s += fmt::format(" {:>15} ran {:>5}", al["cycles"].get<uint64_t>(), al["executed"].get<std::string>());
    }
    s += "\n";
  }
  return s;
}

}  // namespace flexcim
