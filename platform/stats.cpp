#include "stats.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "version.h"

namespace flexcim {

namespace {

Json breakdown_json(const EnergyBreakdown& e) {
  Json j = Json::object();
  for (int c = 0; c < kComponents; ++c) j[component_name(Component(c))] = e.component_pj(Component(c));
  return j;
}

Json actions_json(const EnergyCounts& counts) {
  Json j = Json::object();
  for (int a = 0; a < kActions; ++a) j[action_name(Action(a))] = counts.count[a];
  return j;
}

Json dram_energy_json(const DramEnergy& e) {
  return {{"activate", e.activate}, {"read", e.read},           {"write", e.write},
          {"refresh", e.refresh},   {"background", e.background}, {"power_down", e.power_down}};
}

// The memory: which model, and what it is.
Json dram_platform_json(const PlatformParams& p) {
  Json j;
  j["model"] = p.dram_model == DramModel::DramSys ? "dramsys" : "simple";
  j["size_mib"] = p.dram.size_bytes >> 20;
  if (!p.dram_config.empty()) j["config"] = p.dram_config;
  if (p.dramsys) {
    const DramSysConfig& d = *p.dramsys;
    j["memory"] = d.memory_id;
    j["type"] = d.memory_type;
    j["channels"] = d.channels;
    j["peak_bandwidth_gbps"] = d.peak_bandwidth_gbps;
  } else {
    j["latency_ns"] = p.dram.latency_ns;
    j["bandwidth_gbps"] = p.dram.bandwidth_gbps;
    j["calibrated"] = p.dram_calibration.has_value();
  }
  return j;
}

// The simple model's DRAM energy: bytes priced by the energy table, and its background power.
DramEnergy simple_dram_energy(const EnergyTable& table, const EnergyCounts& counts, double duration_ns) {
  DramEnergy e;
  e.read = double(counts[Action::DramReadByte]) * table.pj_per_action[int(Action::DramReadByte)];
  e.write = double(counts[Action::DramWriteByte]) * table.pj_per_action[int(Action::DramWriteByte)];
  e.background = table.dram_background_mw * duration_ns;  // mW x ns = pJ
  return e;
}

// DRAM energy by component, where it comes from, and (DRAMSys) the commands.
Json dram_json(const PlatformParams& p, Platform& platform, const DramSample& dram) {
  Json j;
  j["unit"] = "pJ";
  if (DramSysMemory* dramsys = platform.dramsys()) {
    j["source"] = dramsys->energy_source();
    j["breakdown"] = dram_energy_json(dram.energy);
    const DramCommands& c = dram.commands;
    j["commands"] = {{"activate", c.activates}, {"precharge", c.precharges}, {"read", c.reads},
                     {"write", c.writes},       {"refresh", c.refreshes}};
    return j;
  }
  j["source"] = p.dram_calibration
                    ? fmt::format("simple model fitted to DRAMSys configuration {}", p.dram_calibration->config)
                    : fmt::format("energy table {} (pJ per byte, background mW)",
                                  std::filesystem::path(p.energy_table).lexically_relative(data_dir()).string());
  j["breakdown"] = dram_energy_json(dram.energy);
  return j;
}

}  // namespace

Json make_stats(const Scenario& scenario, Platform& platform, const EnergyTable& table, const fw::RunReport& report) {
  Accelerator& acc = platform.accelerator();
  const Accelerator::Params& ap = acc.params();
  const MacroGeometry& g = ap.geometry;
  const auto& jobs = acc.jobs();
  const HardwareSizes hw = acc.hardware_sizes();

  Json layers = Json::array();
  uint64_t total_cycles = 0, total_macs = 0;
  double total_ns = 0;
  EnergyCounts total_counts;
  EnergyBreakdown total_energy;
  DramSample total_dram;
  for (size_t i = 0; i < report.layers.size(); ++i) {
    const fw::LayerReport& l = report.layers[i];
    Json row;
    row["name"] = l.name;
    row["block"] = l.block;
    row["in_features"] = l.in_features;
    row["out_features"] = l.out_features;
    row["tokens"] = l.tokens;
    row["n"] = l.requested.n;
    row["m"] = l.requested.m;
    row["pruned_to"] = l.pruned_to.dense() ? "dense" : l.pruned_to.str();
    row["executed"] = l.executed.dense() ? "dense" : l.executed.str();
    row["kept_weights"] = l.kept_weights;
    // Wanda score pruned away: of the dense layer, and against unconstrained per-row
    // N:M at the requested pattern (negative when pruned to a denser pattern).
    // Timing-only makes no masks: no scores.
    if (l.scored) {
      row["score_total"] = l.score_total;
      row["score_kept"] = l.score_kept;
      row["score_loss"] = l.score_total > 0 ? 1.0 - l.score_kept / l.score_total : 0.0;
      if (!l.requested.dense())
        row["score_loss_vs_unconstrained"] =
            l.score_kept_unconstrained > 0 ? 1.0 - l.score_kept / l.score_kept_unconstrained : 0.0;
    }
    row["weight_stream_bytes"] = l.weight_stream_bytes;
    row["outputs"] = l.out_int8 ? "int8" : "int32";
    if (report.sparsity)
      for (const fw::BlockSelection& b : report.sparsity->blocks)
        if (b.block == l.block) {
          row["outlier_ratio"] = b.metrics.outlier_ratio_pct;
          row["locality"] = b.metrics.locality;
        }
    if (i < jobs.size()) {
      const Accelerator::JobRecord& job = jobs[i];
      const EnergyBreakdown e = platform.job_energy(table, i);
      // Useful work: one MAC per kept weight per token. The array's capacity over
      // the job is macros x cells per cycle.
      const uint64_t macs = l.kept_weights * uint64_t(l.tokens);
      const double capacity = double(ap.macros) * g.cells() * double(job.outcome.cycles);
      row["cycles"] = job.outcome.cycles;
      row["time_ns"] = job.duration_ns;
      row["energy_pj"] = e.total_pj();
      row["energy_breakdown_pj"] = breakdown_json(e);
      row["macs"] = macs;
      row["macro_utilisation"] = capacity > 0 ? double(macs) / capacity : 0.0;
      row["dram_read_bytes"] = job.energy[Action::DramReadByte];
      row["dram_write_bytes"] = job.energy[Action::DramWriteByte];
      total_cycles += job.outcome.cycles;
      total_ns += job.duration_ns;
      total_macs += macs;
      total_counts += job.energy;
      const DramSample dram = platform.dramsys() ? platform.job_dram(i)
                                                 : DramSample{simple_dram_energy(table, job.energy, job.duration_ns), {}};
      row["dram_energy_pj"] = dram_energy_json(dram.energy);
      total_dram.energy += dram.energy;
      total_dram.commands += dram.commands;
      for (int c = 0; c < kComponents; ++c) {
        total_energy.dynamic_pj[c] += e.dynamic_pj[c];
        total_energy.leakage_pj[c] += e.leakage_pj[c];
      }
    }
    row["error"] = fw::FlexcimDriver::error_name(l.status.error);
    if (l.checked) {
      row["golden_match"] = l.golden_match;
      row["outputs_checked"] = l.outputs_checked;
    }
    layers.push_back(row);
  }

  Json stats;
  stats["scenario"] = scenario.name;
  stats["seed"] = scenario.workload.seed;
  stats["version"] = version();
  // What ran: config.yaml beside this file is the whole effective configuration.
  stats["configuration"] = {{"scenario", scenario.origin.scenario}, {"overrides", scenario.origin.overrides}};
  Json plat;
  plat["architecture"] = scenario.platform.architecture;
  plat["macro_model"] = ap.macro_model == MacroModelKind::Rtl ? "rtl" : "tlm";
  plat["clock_mhz"] = scenario.platform.clock_mhz;
  plat["macros"] = ap.macros;
  plat["geometry"] = {{"submacros", g.submacros}, {"rows", g.rows}, {"cols", g.cols}};
  Json patterns = Json::array();
  for (const nm::Pattern& p : report.caps.patterns()) patterns.push_back(p.dense() ? "dense" : p.str());
  plat["patterns"] = patterns;
  plat["energy_node"] = table.node;
  plat["dram"] = dram_platform_json(scenario.platform);
  stats["platform"] = plat;

  Json totals;
  totals["cycles"] = total_cycles;
  totals["time_ns"] = total_ns;
  totals["energy_pj"] = total_energy.total_pj();
  totals["macs"] = total_macs;
  const double capacity = double(ap.macros) * g.cells() * double(total_cycles);
  totals["macro_utilisation"] = capacity > 0 ? double(total_macs) / capacity : 0.0;
  totals["energy_per_mac_pj"] = total_macs ? total_energy.total_pj() / double(total_macs) : 0.0;
  totals["dram_read_bytes"] = total_counts[Action::DramReadByte];
  totals["dram_write_bytes"] = total_counts[Action::DramWriteByte];
  double score_total = 0, score_kept = 0;
  bool scored = true;
  for (const fw::LayerReport& l : report.layers) {
    score_total += l.score_total;
    score_kept += l.score_kept;
    scored = scored && l.scored;
  }
  if (scored) totals["score_loss"] = score_total > 0 ? 1.0 - score_kept / score_total : 0.0;  // over all layers
  stats["totals"] = totals;

  Json energy;
  energy["unit"] = "pJ";
  energy["by_component"] = breakdown_json(total_energy);
  Json leakage = Json::object();
  for (int c = 0; c < kComponents; ++c) leakage[component_name(Component(c))] = total_energy.leakage_pj[c];
  energy["leakage_by_component"] = leakage;
  energy["action_counts"] = actions_json(total_counts);
  energy["sram_pj_per_byte"] = {{"wbuf", sram_pj_per_byte(table, hw, Component::Wbuf)},
                                {"abuf", sram_pj_per_byte(table, hw, Component::Abuf)},
                                {"obuf", sram_pj_per_byte(table, hw, Component::Obuf)}};
  energy["dram"] = dram_json(scenario.platform, platform, total_dram);
  stats["energy"] = energy;
  uint64_t weights = 0, kept = 0;
  for (const fw::LayerReport& l : report.layers) {
    weights += uint64_t(l.in_features) * l.out_features;
    kept += l.kept_weights;
  }
  Json sparsity;
  sparsity["weight_sparsity"] = weights ? 1.0 - double(kept) / double(weights) : 0.0;  // achieved, all linears
  if (report.sparsity) {
    const fw::SparsityReport& r = *report.sparsity;
    sparsity["policy"] = r.policy;
    sparsity["target"] = r.target;
    sparsity["h"] = r.h;
    Json candidates = Json::array();
    for (const nm::Pattern& p : r.candidates) candidates.push_back(p.str());
    sparsity["candidates"] = candidates;
    sparsity["dense_blocks"] = r.dense_blocks;
    sparsity["objective"] = r.objective;
    sparsity["sparsity_free_blocks"] = r.sparsity_free;  // mean N:M sparsity of blocks not held dense
    sparsity["sparsity_all_blocks"] = r.sparsity_all;    // mean N:M sparsity over all blocks
    Json blocks = Json::array();
    for (const fw::BlockSelection& b : r.blocks)
      blocks.push_back({{"block", b.block},
                        {"outlier_ratio", b.metrics.outlier_ratio_pct},
                        {"locality", b.metrics.locality},
                        {"n", b.pattern.n},
                        {"m", b.pattern.m}});
    sparsity["blocks"] = blocks;
  }
  stats["sparsity"] = sparsity;
  stats["layers"] = layers;
  // Timing-only checks nothing; its figures are the functional run's (README "Speed").
  if (report.timing_only)
    stats["check"] = {{"mode", "timing-only"}, {"jobs_ok", report.jobs_ok()}};
  else
    stats["check"] = {{"golden_match", report.golden_match()}, {"outputs_checked", report.outputs_checked()}};
  return stats;
}

void write_json(const Json& json, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path));
  // Names are checked when the scenario loads; should invalid UTF-8 slip through
  // anyway, it is replaced rather than losing the whole run at the end.
  out << json.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
  out.close();
  if (!out) throw std::runtime_error(fmt::format("error writing {}", path));
}

void write_text(const std::string& text, const std::string& path) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path));
}

std::string summarize(const Json& stats) {
  const Json& t = stats["totals"];
  std::string s = fmt::format("scenario {} on {} ({} macros): {} layers\n", stats["scenario"].get<std::string>(),
                              stats["platform"]["architecture"].get<std::string>(),
                              stats["platform"]["macros"].get<unsigned>(), stats["layers"].size());
  s += fmt::format("  {:<14} {:>7} {:>7} {:>6} {:>6} {:>12} {:>14} {:>7}\n", "layer", "in", "out", "N:M", "ran",
                   "cycles", "energy [nJ]", "util");
  for (const Json& l : stats["layers"])
    s += fmt::format("  {:<14} {:>7} {:>7} {:>6} {:>6} {:>12} {:>14.1f} {:>6.1f}%\n", l["name"].get<std::string>(),
                     l["in_features"].get<int>(), l["out_features"].get<int>(),
                     l["n"] == l["m"] ? std::string("dense") : fmt::format("{}:{}", l["n"].get<int>(), l["m"].get<int>()),
                     l["executed"].get<std::string>(),
                     l.value("cycles", uint64_t(0)), l.value("energy_pj", 0.0) / 1000.0,
                     100.0 * l.value("macro_utilisation", 0.0));
  s += fmt::format("  total: {} cycles, {:.1f} us, {:.3f} uJ, {} MACs, {:.3f} pJ/MAC\n", t["cycles"].get<uint64_t>(),
                   t["time_ns"].get<double>() / 1000.0, t["energy_pj"].get<double>() / 1e6, t["macs"].get<uint64_t>(),
                   t["energy_per_mac_pj"].get<double>());
  if (stats["check"].contains("mode"))
    s += fmt::format("  golden check: none (timing-only; jobs {})\n",
                     stats["check"]["jobs_ok"].get<bool>() ? "ended without error" : "FAILED");
  else
    s += fmt::format("  golden check: {} ({} outputs compared)\n",
                     stats["check"]["golden_match"].get<bool>() ? "match" : "MISMATCH",
                     stats["check"]["outputs_checked"].get<uint64_t>());
  return s;
}

}  // namespace flexcim
