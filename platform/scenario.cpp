#include "scenario.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "flexcim_regs.h"
#include "installed.h"
#include "presets.h"
#include "rtl_tile_runner.h"
#include "weight_packer.h"

namespace flexcim {

namespace {

constexpr const char* kHardwarePatterns = "1:2, 1:4, 2:4, 1:8, 2:8, 4:8";

nm::Pattern read_pattern(const Config& cfg, const std::string& path) {
  const std::string text = cfg.get_string(path);
  if (text == "dense") return {1, 1};
  try {
    return nm::Pattern::parse(text);
  } catch (const std::invalid_argument& e) {
    cfg.fail(path, fmt::format("'{}' is not an N:M pattern (allowed: dense or N:M with 1 <= N <= M)", text));
  }
}

// A sparse pattern the macro hardware can hold: N < M, M even <= 8, N divides P.
uint32_t hardware_pattern(const Config& cfg, const std::string& path, unsigned submacros) {
  const nm::Pattern p = read_pattern(cfg, path);
  const uint32_t bit = fw::pattern_bit(p);
  if (!bit || submacros % p.n)
    cfg.fail(path, fmt::format("{} is not a hardware pattern for {} sub-macros (allowed: {}, with N dividing P)",
                               cfg.get_string(path), submacros, kHardwarePatterns));
  return bit;
}

// Whether FlexCiM's rows can hold the pattern at all (what any architecture
// could be asked to run; which ones an instance supports is CAP_PATTERNS).
bool mappable(nm::Pattern p, unsigned submacros) {
  return p.dense() || (p.n < p.m && p.m % 2 == 0 && p.m <= 8 && submacros % p.n == 0);
}
constexpr const char* kMappable = "dense, or N:M with N < M, even M <= 8 and N dividing the sub-macro count";

void read_accelerator(const Config& cfg, PlatformParams& pp) {
  const std::string a = "platform.accelerator.";
  Accelerator::Params& acc = pp.accelerator;
  pp.architecture = cfg.get_choice(a + "architecture", {"flexcim", "dense-dcim", "fixed-nm"});
  acc.macros = unsigned(cfg.get_int(a + "macros", 1, 255));
  acc.geometry.submacros = unsigned(cfg.get_int(a + "geometry.submacros", 1, 8));
  if (acc.geometry.submacros != 2 && acc.geometry.submacros != 4 && acc.geometry.submacros != 8)
    cfg.fail(a + "geometry.submacros", "must be 2, 4 or 8 (a bus group carries 4 pairs; dense runs as P:P)");
  acc.geometry.rows = unsigned(cfg.get_int(a + "geometry.rows", 1, 255));
  acc.geometry.cols = unsigned(cfg.get_int(a + "geometry.cols", 1, 255));

  MacroPipeline& pipe = acc.pipeline;
  const std::string s = a + "pipeline.";
  pipe.register_read = unsigned(cfg.get_int(s + "register_read", 0, 16));
  pipe.distribution_level = unsigned(cfg.get_int(s + "distribution_level", 0, 16));
  pipe.multiply = unsigned(cfg.get_int(s + "multiply", 0, 16));
  pipe.adder_level = unsigned(cfg.get_int(s + "adder_level", 0, 16));
  pipe.psum_buffer = unsigned(cfg.get_int(s + "psum_buffer", 0, 16));
  pipe.merge_level = unsigned(cfg.get_int(s + "merge_level", 0, 16));
  pipe.output_register = unsigned(cfg.get_int(s + "output_register", 0, 16));

  // The architectures differ only in configuration: which patterns, which wiring.
  // Both pattern keys are checked whatever the architecture (compare switches it),
  // against the geometry only where the architecture uses them.
  acc.patterns = FLEXCIM_ACC_CAP_PATTERNS_DENSE_MASK;
  const std::string patterns = a + "patterns";
  const std::string fixed = a + "fixed_pattern";
  const unsigned any_p = 8;  // every hardware pattern's N divides 8: checks the form only
  uint32_t flexcim_patterns = 0;
  for (size_t i = 0; i < cfg.size(patterns); ++i) {
    const std::string path = fmt::format("{}[{}]", patterns, i);
    flexcim_patterns |= hardware_pattern(cfg, path, pp.architecture == "flexcim" ? acc.geometry.submacros : any_p);
  }
  const uint32_t fixed_pattern =
      hardware_pattern(cfg, fixed, pp.architecture == "fixed-nm" ? acc.geometry.submacros : any_p);
  if (pp.architecture == "flexcim") {
    acc.kind = MacroKind::FlexCiM;
    acc.arch = FLEXCIM_ARCH_FLEXCIM;
    acc.patterns |= flexcim_patterns;
  } else if (pp.architecture == "fixed-nm") {
    acc.kind = MacroKind::FlexCiM;
    acc.arch = FLEXCIM_ARCH_FIXED_NM;
    acc.patterns |= fixed_pattern;
  } else {
    acc.kind = MacroKind::DenseDcim;
    acc.arch = FLEXCIM_ARCH_DENSE_DCIM;
  }
  if (cfg.get_choice(a + "macro_model", {"tlm", "rtl"}) == "rtl") {
    acc.macro_model = MacroModelKind::Rtl;
    const std::string problem = rtl_macro_unavailable(acc.kind, acc.geometry, acc.pipeline);
    if (!problem.empty()) cfg.fail(a + "macro_model", problem);
  }

  const MacroGeometry& g = acc.geometry;
  auto buffer = [&](const std::string& name, uint64_t min_bytes, const std::string& why) {
    const std::string b = a + "buffers." + name + ".";
    Accelerator::BufferParams p;
    p.bytes = uint64_t(cfg.get_int(b + "bytes", 1, int64_t(1) << 31));
    p.bytes_per_cycle = uint64_t(cfg.get_int(b + "bytes_per_cycle", 1, 1 << 20));
    if (p.bytes < min_bytes)
      cfg.fail(b + "bytes", fmt::format("{} bytes cannot hold {} ({} bytes)", p.bytes, why, min_bytes));
    return p;
  };
  // A dense DCiM reads dense records only; the others may need sparse ones.
  const uint64_t record = g.record_bytes(acc.kind == MacroKind::DenseDcim);
  acc.weight_buffer = buffer("weight", acc.macros * record,
                             fmt::format("one wave of {} tile records of {} bytes", acc.macros, record));
  acc.activation_buffer = buffer("activation", uint64_t(g.rows) * g.submacros * 8, "one tile of inputs");
  acc.output_buffer = buffer("output", uint64_t(acc.macros) * g.cols * 4,
                             fmt::format("{} macros x {} int32 column sums", acc.macros, g.cols));
  acc.dma.burst_bytes = uint64_t(cfg.get_int(a + "dma.burst_bytes", 4, 1 << 20));
  acc.dma.outstanding = unsigned(cfg.get_int(a + "dma.outstanding", 1, 1024));
  acc.register_latency = sc_core::sc_time(cfg.get_double(a + "register_latency_ns", 0, 1e6), sc_core::SC_NS);
}

// DRAMSys configurations shipped in scenarios/dram/, by name.
std::vector<std::string> shipped_dramsys_configs() {
  std::vector<std::string> names;
  std::error_code missing;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir() + "/dram", missing))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

// platform.dram.dramsys.config: a shipped name, or a path to a DRAMSys JSON file.
std::string dramsys_config_path(const Config& cfg, const std::string& key) {
  const std::string text = cfg.get_string(key);
  const bool is_path = text.find('/') != std::string::npos || (text.size() > 5 && text.substr(text.size() - 5) == ".json");
  const std::string path = is_path ? cfg.get_path(key) : data_dir() + "/dram/" + text + ".json";
  if (!std::filesystem::is_regular_file(path))
    cfg.fail(key, fmt::format("no DRAMSys configuration '{}' (shipped: {}; or a path to a DRAMSys JSON file)", text,
                              fmt::join(shipped_dramsys_configs(), ", ")));
  return path;
}

DramCalibration read_calibration(const Config& cfg, const std::string& key, const std::string& config) {
  const std::string path = cfg.get_path(key);
  const Config file = Config::load_file(path);
  if (!file.select_entry(config))
    cfg.fail(key, fmt::format("{} has no simple-model fit for '{}' (fitted: {}); run scripts/dram-calibrate {}", path,
                              config, fmt::join(file.keys(""), ", "), config));
  DramCalibration c;
  c.config = config;
  const std::string p = config + ".";
  c.latency_ns = file.get_double(p + "latency_ns", 0, 1e6);
  c.bandwidth_gbps = file.get_double(p + "bandwidth_gbps", 0.001, 1e5);
  c.read_pj_per_byte = file.get_double(p + "read_pj_per_byte", 0, 1e4);
  c.write_pj_per_byte = file.get_double(p + "write_pj_per_byte", 0, 1e4);
  c.background_mw = file.get_double(p + "background_mw", 0, 1e6);
  file.check_all_used();
  return c;
}

// The DRAM: the simple model (with its own latency and bandwidth, or fitted to a
// DRAMSys configuration) or DRAMSys with that configuration.
void read_dram(const Config& cfg, PlatformParams& pp) {
  const std::string d = "platform.dram.";
  pp.dram_model = cfg.get_choice(d + "model", {"simple", "dramsys"}) == "dramsys" ? DramModel::DramSys : DramModel::Simple;
  const std::string config_key = d + "dramsys.config";
  const std::string name = cfg.get_string(config_key);
  const std::vector<std::string> simple_keys = {d + "latency_ns", d + "bandwidth_gbps"};

  if (name.empty()) {
    if (pp.dram_model == DramModel::DramSys)
      cfg.fail(config_key, fmt::format("the dramsys model needs a DRAMSys configuration (shipped: {}; or a path to a "
                                       "DRAMSys JSON file)",
                                       fmt::join(shipped_dramsys_configs(), ", ")));
    pp.dram.latency_ns = cfg.get_double(d + "latency_ns", 0, 1e6);
    pp.dram.bandwidth_gbps = cfg.get_double(d + "bandwidth_gbps", 0.001, 1e5);
    cfg.mark_used(d + "dramsys");
    return;
  }
  // With a configuration, DRAMSys or the fit to it times the memory.
  for (const std::string& key : simple_keys) {
    if (cfg.is_set(key))
      cfg.fail(key, fmt::format("set together with {} ({}), which decides the DRAM timing; unset one of them",
                                config_key, name));
    cfg.mark_used(key);
  }
  const std::string path = dramsys_config_path(cfg, config_key);
  pp.dram_config = std::filesystem::path(path).stem().string();
  if (pp.dram_model == DramModel::Simple) {
    pp.dram_calibration = read_calibration(cfg, d + "dramsys.calibration", pp.dram_config);
    pp.dram.latency_ns = pp.dram_calibration->latency_ns;
    pp.dram.bandwidth_gbps = pp.dram_calibration->bandwidth_gbps;
    cfg.mark_used(d + "dramsys.energy_table");
    return;
  }
  try {
    pp.dramsys = DramSysConfig::load(path, dramsys_resource_dir());
  } catch (const std::invalid_argument& e) {
    cfg.fail(config_key, e.what());
  }
  const DramSysConfig& ds = *pp.dramsys;
  if (pp.dram.size_bytes > ds.capacity_bytes)
    cfg.fail(d + "size_mib", fmt::format("{} MiB is more than the {} MiB of DRAMSys configuration {} ({})",
                                         pp.dram.size_bytes >> 20, ds.capacity_bytes >> 20, name, ds.memory_id));
  if (ds.drampower) {
    cfg.mark_used(d + "dramsys.energy_table");
  } else {
    const std::string table = cfg.get_path(d + "dramsys.energy_table");
    try {
      pp.dram_energy = DramEnergyTable::load(table, ds.memory_id);
    } catch (const ConfigError& e) {
      cfg.fail(d + "dramsys.energy_table",
               fmt::format("{} has no DRAMPower model in DRAMSys 5.1, so its energy comes from this table: {}",
                           ds.memory_type, e.what()));
    }
  }
  cfg.mark_used(d + "dramsys.calibration");
}

// Every key is checked even with policy none (a typo should not wait for the day the
// policy changes); against the geometry only when a policy uses them.
void read_sparsity(const Config& cfg, fw::Workload& wl, const Accelerator::Params& acc) {
  const std::string s = "workload.sparsity.";
  const std::string policy = cfg.get_string(s + "policy");
  fw::SparsitySpec spec;
  if (policy != "none") {
    try {
      spec.policy = flow::Policy::parse(policy);
    } catch (const std::invalid_argument& e) {
      cfg.fail(s + "policy", fmt::format("{} (or none)", e.what()));
    }
    if (spec.policy.kind == flow::PolicyKind::FlowCost)
      cfg.fail(s + "policy", "flow-cost needs each block's measured loss and platform cost, which exist for the real "
                             "model only: use flexcim flow --objective, eval --policy flow-cost or pareto");
    if (spec.policy.kind == flow::PolicyKind::Uniform &&
        !mappable(spec.policy.uniform_pattern, acc.geometry.submacros))
      cfg.fail(s + "policy", fmt::format("{} has no FlexCiM mapping (allowed: {})",
                                         spec.policy.uniform_pattern.str(), kMappable));
  }
  flow::PolicyOptions& o = spec.options;
  o.sparsity = cfg.get_double(s + "target", 0, 1);
  o.flow_h = cfg.get_double(s + "h", 0, 1e6);
  o.alpha = cfg.get_double(s + "alpha", 0, 1e6);
  o.beta = cfg.get_double(s + "beta", 0, 1e6);
  o.owl_h = cfg.get_double(s + "owl.h", 0, 1e6);
  o.owl_lambda = cfg.get_double(s + "owl.lambda", 0, 1);
  o.owl_m = int(cfg.get_int(s + "owl.m", 2, 64));
  const std::string candidates = s + "candidates";
  o.candidates.clear();
  for (size_t i = 0; i < cfg.size(candidates); ++i) {
    const std::string path = fmt::format("{}[{}]", candidates, i);
    if (cfg.get_string(path) == "hw") {
      spec.hw_candidates = true;
      continue;
    }
    o.candidates.push_back(read_pattern(cfg, path));
    if (!mappable(o.candidates.back(), policy == "none" ? 8 : acc.geometry.submacros))  // unused: the form only
      cfg.fail(path, fmt::format("{} has no FlexCiM mapping (allowed: {})", o.candidates.back().str(), kMappable));
  }
  if (spec.hw_candidates == !o.candidates.empty())
    cfg.fail(candidates, "give N:M patterns, or [hw] alone");
  std::vector<int> dense;
  for (size_t i = 0; i < cfg.size(s + "dense_blocks"); ++i)
    dense.push_back(int(cfg.get_int(fmt::format("{}dense_blocks[{}]", s, i), 0, 1 << 20)));
  o.dense_blocks = dense;
  if (policy != "none") wl.sparsity = spec;
}

void read_workload(const Config& cfg, Scenario& sc, const Accelerator::Params& acc) {
  fw::Workload& wl = sc.workload;
  wl.seed = uint64_t(cfg.get_int("seed", 0, INT64_MAX));
  const int tokens = int(cfg.get_int("workload.tokens", 1, 65535));
  const nm::Pattern pattern = read_pattern(cfg, "workload.pattern");
  wl.outputs = cfg.get_choice("workload.outputs", {"int8", "int32"}) == "int8" ? fw::OutputFormat::Int8
                                                                               : fw::OutputFormat::Int32;
  wl.prune_to = cfg.get_choice("workload.prune_to", {"requested", "supported"}) == "supported"
                    ? fw::PruneTarget::Supported
                    : fw::PruneTarget::Requested;
  wl.calibration_tokens = int(cfg.get_int("workload.calibration_tokens", 1, 1 << 20));
  wl.synthetic.outlier_fraction = cfg.get_double("workload.synthetic.outlier_fraction", 0, 1);
  wl.synthetic.outlier_scale = cfg.get_double("workload.synthetic.outlier_scale", 1, 1000);
  wl.synthetic.block_spread = cfg.get_double("workload.synthetic.block_spread", 0, 5);

  const bool has_preset = cfg.get_string("workload.preset") != "";
  const bool has_layers = cfg.size("workload.layers") > 0;
  if (has_preset == has_layers)
    cfg.fail(has_preset ? "workload.layers" : "workload.preset",
             "give exactly one of workload.preset and workload.layers");
  if (has_preset) {
    std::vector<std::string> names;
    for (const ModelPreset& p : model_presets()) names.push_back(p.name);
    const ModelPreset& preset = *find_preset(cfg.get_choice("workload.preset", names));
    const int first = int(cfg.get_int("workload.blocks.first", 0, preset.blocks - 1));
    const int count = int(cfg.get_int("workload.blocks.count", 1, preset.blocks - first));
    for (int b = first; b < first + count; ++b)
      for (const PresetLinear& l : preset.linears)
        wl.layers.push_back({fmt::format("{}.{}", b, l.name), b, l.in_features, l.out_features, tokens, pattern});
  } else {
    // Blocks select a range of a preset; beside explicit layers they are only checked.
    cfg.get_int("workload.blocks.first", 0, 1 << 20);
    cfg.get_int("workload.blocks.count", 1, 1 << 20);
    for (size_t i = 0; i < cfg.size("workload.layers"); ++i) {
      const std::string p = fmt::format("workload.layers[{}].", i);
      fw::LayerSpec l;
      l.name = cfg.get_string(p + "name");
      // Layer names end up in stats.json and one-line messages: printable ASCII only.
      if (l.name.empty() || l.name.size() > kMaxNameLength ||
          !std::all_of(l.name.begin(), l.name.end(), [](char c) { return c > ' ' && c <= '~'; }))
        cfg.fail(p + "name", fmt::format("'{}' is not a layer name (allowed: 1 to {} printable ASCII characters, "
                                         "no spaces)",
                                         l.name, kMaxNameLength));
      l.block = cfg.has(p + "block") ? int(cfg.get_int(p + "block", 0, 1 << 20)) : 0;
      l.in_features = int(cfg.get_int(p + "in", 1, 65535));
      l.out_features = int(cfg.get_int(p + "out", 1, 65535));
      l.tokens = tokens;
      l.pattern = cfg.has(p + "pattern") ? read_pattern(cfg, p + "pattern") : pattern;
      wl.layers.push_back(l);
    }
  }
  read_sparsity(cfg, wl, acc);
  if (wl.sparsity && (cfg.get_string("workload.pattern") != "dense" || !cfg.keys("workload.patterns").empty()))
    cfg.fail("workload.sparsity.policy", "the firmware chooses the N:M; leave workload.pattern and "
                                         "workload.patterns unset");

  if (wl.sparsity) {
    // Feasibility does not depend on the metrics: try the selection on neutral ones
    // so an unreachable target is refused before anything runs. [hw] candidates are
    // what CAP_PATTERNS will advertise, which this configuration determines.
    flow::PolicyOptions options = wl.sparsity->options;
    if (wl.sparsity->hw_candidates) options.candidates = advertised_patterns(acc);
    std::vector<int> blocks;
    for (const fw::LayerSpec& l : wl.layers)
      if (std::find(blocks.begin(), blocks.end(), l.block) == blocks.end()) blocks.push_back(l.block);
    try {
      flow::select_patterns(wl.sparsity->policy, options, int(blocks.size()),
                            [&](double) { return std::vector<flow::BlockMetrics>(blocks.size()); });
    } catch (const std::exception& e) {
      cfg.fail("workload.sparsity", fmt::format("{} ({} blocks in the workload)", e.what(), blocks.size()));
    }
  }

  // Per-layer patterns: a key is a block index (every linear of that block) or a
  // layer role such as "down" (that layer in every block); a role beats a block.
  for (int pass = 0; pass < 2; ++pass)
    for (const std::string& key : cfg.keys("workload.patterns")) {
      const bool is_block = key.find_first_not_of("0123456789") == std::string::npos;
      if (is_block != (pass == 0)) continue;
      const std::string path = "workload.patterns." + key;
      bool found = false;
      for (fw::LayerSpec& l : wl.layers) {
        const std::string role = l.name.substr(l.name.find('.') + 1);
        if (is_block ? std::to_string(l.block) == key : (role == key || l.name == key)) {
          l.pattern = read_pattern(cfg, path);
          found = true;
        }
      }
      if (!found) cfg.fail(path, "matches no layer of the workload (keys are block indices or layer roles)");
    }

  // Tiles must fit: one padded activation row per token, the whole layer in DRAM.
  const fw::MacroShape shape{acc.geometry.submacros, acc.geometry.rows, acc.geometry.cols};
  for (size_t i = 0; i < wl.layers.size(); ++i) {
    const fw::LayerSpec& l = wl.layers[i];
    if (!mappable(l.pattern, acc.geometry.submacros))
      cfg.fail(has_preset ? "workload.pattern" : fmt::format("workload.layers[{}]", i),
               fmt::format("layer {}: {} has no FlexCiM mapping (allowed: {})", l.name, l.pattern.str(), kMappable));
    const uint64_t tile_inputs = shape.inputs_per_tile(l.pattern.dense() ? nm::Pattern{1, 1} : l.pattern);
    const uint64_t padded = (uint64_t(l.in_features) + tile_inputs - 1) / tile_inputs * tile_inputs;
    // Dense is the widest padding a fallback could need.
    const uint64_t dense_tile = shape.inputs_per_tile({1, 1});
    const uint64_t worst = std::max(padded, (uint64_t(l.in_features) + dense_tile - 1) / dense_tile * dense_tile);
    if (worst > acc.activation_buffer.bytes)
      cfg.fail("platform.accelerator.buffers.activation.bytes",
               fmt::format("{} bytes cannot hold one token of layer {} ({} inputs padded to {} bytes)",
                           acc.activation_buffer.bytes, l.name, l.in_features, worst));
    // The largest layout: sparse records at dense density, int32 outputs, the requantisation table.
    const uint64_t need = shape.stream_bytes(l.out_features, l.in_features, {1, 1}, fw::TileFormat::Sparse) +
                          uint64_t(l.tokens) * l.in_features + uint64_t(l.tokens) * l.out_features * 4 +
                          uint64_t(l.out_features) * 8 + 256;
    if (need > sc.platform.dram.size_bytes)
      cfg.fail("platform.dram.size_mib", fmt::format("layer {} needs {} bytes of DRAM, more than the {} MiB set",
                                                     l.name, need, sc.platform.dram.size_bytes >> 20));
  }
}

}  // namespace

std::vector<nm::Pattern> advertised_patterns(const Accelerator::Params& acc) {
  fw::Capabilities caps;
  caps.submacros = acc.geometry.submacros;
  caps.pattern_bits = acc.patterns;
  return caps.patterns();
}

EnergyTable load_energy_table(const PlatformParams& platform) {
  EnergyTable table = EnergyTable::load(platform.energy_table);
  if (const auto& c = platform.dram_calibration) {
    table.pj_per_action[int(Action::DramReadByte)] = c->read_pj_per_byte;
    table.pj_per_action[int(Action::DramWriteByte)] = c->write_pj_per_byte;
    table.dram_background_mw = c->background_mw;
  }
  return table;
}
namespace {
std::string& chosen_data_dir() {
  static std::string dir;
  return dir;
}
}  // namespace

void set_data_dir(const std::string& dir) { chosen_data_dir() = dir; }

std::string data_dir() {
  if (const char* dir = std::getenv("FLEXCIM_DATA_DIR")) return dir;
  if (!chosen_data_dir().empty()) return chosen_data_dir();
  const std::string installed = installed_share_path("scenarios");
  if (!installed.empty()) return installed;
  return std::string(FLEXCIM_SOURCE_DIR) + "/scenarios";
}
std::string defaults_path() { return data_dir() + "/defaults.yaml"; }
std::string default_scenario_path() { return data_dir() + "/default.yaml"; }

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  return read_scenario(Config::load(defaults_path(), path, overrides));
}

Scenario read_scenario(const Config& cfg) {
  Scenario sc;
  sc.name = cfg.name();
  PlatformParams& pp = sc.platform;
  pp.clock_mhz = cfg.get_double("platform.clock_mhz", 1, 100000);
  pp.wait = cfg.get_choice("platform.wait", {"interrupt", "poll"}) == "poll" ? fw::WaitMode::Poll
                                                                               : fw::WaitMode::Interrupt;
  pp.poll_interval_ns = cfg.get_double("platform.poll_interval_ns", 1, 1e9);
  pp.host_access_latency_ns = cfg.get_double("platform.host.access_latency_ns", 0, 1e6);
  pp.hop_latency_ns = cfg.get_double("platform.interconnect.hop_latency_ns", 0, 1e6);

  pp.accelerator_base = uint64_t(cfg.get_int("platform.memory_map.accelerator_base", 0, 0xFFFFF000));
  if (pp.accelerator_base % FLEXCIM_ACC_SIZE)
    cfg.fail("platform.memory_map.accelerator_base", fmt::format("must be aligned to the {}-byte register block", FLEXCIM_ACC_SIZE));
  pp.dram_base = uint64_t(cfg.get_int("platform.memory_map.dram_base", 0, 0xFFFFF000));
  pp.dram.size_bytes = uint64_t(cfg.get_int("platform.dram.size_mib", 1, 2048)) << 20;
  if (pp.dram_base % 0x1000 || pp.dram_base + pp.dram.size_bytes > (uint64_t(1) << 32))
    cfg.fail("platform.memory_map.dram_base",
             "DRAM must be 4 KiB aligned and end below 4 GiB (job descriptors hold 32-bit addresses)");
  if (pp.accelerator_base < pp.dram_base + pp.dram.size_bytes && pp.dram_base < pp.accelerator_base + FLEXCIM_ACC_SIZE)
    cfg.fail("platform.memory_map.accelerator_base", "overlaps DRAM");
  read_dram(cfg, pp);
  pp.stall_timeout_us = cfg.get_double("platform.stall_timeout_us", 1e-3, 1e9);

  read_accelerator(cfg, pp);
  // DRAMSys is an approximately-timed target: the DMA keeps its window with real requests.
  pp.accelerator.dma.protocol =
      pp.dram_model == DramModel::DramSys ? Dma::Protocol::ApproximatelyTimed : Dma::Protocol::LooselyTimed;
  pp.accelerator.clock = sc_core::sc_time(1000.0 / pp.clock_mhz, sc_core::SC_NS);
  pp.accelerator.dram_base = pp.dram_base;
  pp.accelerator.dram_size = pp.dram.size_bytes;
  pp.energy_table = cfg.get_path("platform.energy_table");

  sc.timing_only = cfg.get_choice("mode", {"functional", "timing-only"}) == "timing-only";
  if (sc.timing_only && pp.accelerator.macro_model == MacroModelKind::Rtl)
    cfg.fail("mode", "timing-only computes nothing, so it cannot run the RTL macros (platform.accelerator.macro_model: tlm)");
  pp.accelerator.timing_only = sc.timing_only;

  read_workload(cfg, sc, pp.accelerator);
  sc.workload.timing_only = sc.timing_only;

  // An effective configuration flexcim wrote keeps the origin it records; the
  // overrides given now come after those it was made with.
  sc.origin.scenario = cfg.get_string("origin.scenario");
  for (size_t i = 0; i < cfg.size("origin.overrides"); ++i)
    sc.origin.overrides.push_back(cfg.get_string(fmt::format("origin.overrides[{}]", i)));
  if (sc.origin.scenario.empty()) {
    if (!sc.origin.overrides.empty()) cfg.fail("origin.overrides", "is set without origin.scenario");
    sc.origin.scenario = std::filesystem::absolute(cfg.scenario_path()).lexically_normal().string();
  }
  sc.origin.overrides.insert(sc.origin.overrides.end(), cfg.overrides().begin(), cfg.overrides().end());
  sc.effective_config = cfg.with_string("name", sc.name)
                            .with_string("origin.scenario", sc.origin.scenario)
                            .with_strings("origin.overrides", sc.origin.overrides)
                            .dump();
  cfg.check_all_used();
  sc.platform_config = cfg.dump("platform");
  return sc;
}

}  // namespace flexcim
