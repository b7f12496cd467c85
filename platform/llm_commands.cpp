#include "llm_commands.h"
#include "scenario.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "llm/checkpoint.h"
#include "llm/eval.h"
#include "llm/policy.h"
#include "llm/transformer.h"

namespace flexcim {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;
using HwCandidates = std::function<std::vector<nm::Pattern>()>;

// Six significant digits: stable, readable JSON and CSV.
double rounded(double v) { return std::stod(fmt::format("{:.6g}", v)); }

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

std::vector<nm::Pattern> parse_candidates(const std::string& text, const HwCandidates& hw) {
  if (text == "hw") {
    if (!hw) throw std::invalid_argument("--candidates hw: hw candidates unavailable");
    return hw();
  }
  std::vector<nm::Pattern> candidates;
  for (const std::string& part : split_commas(text)) candidates.push_back(nm::Pattern::parse(part));
  return candidates;
}

// "none" = no dense blocks; empty = the default (first and last).
std::optional<std::vector<int>> parse_dense_blocks(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text == "none") return std::vector<int>{};
  std::vector<int> blocks;
  for (const std::string& part : split_commas(text)) {
    int block = -1;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), block);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || block < 0)
      throw std::invalid_argument(fmt::format(
          "--dense-blocks: \"{}\" is not a block index; expected e.g. 0,4 or none", part));
    blocks.push_back(block);
  }
  return blocks;
}

std::string patterns_str(const std::vector<nm::Pattern>& patterns) {
  std::vector<std::string> s;
  for (const nm::Pattern& p : patterns) s.push_back(p.str());
  return fmt::format("{}", fmt::join(s, ","));
}

Json pattern_list(const std::vector<nm::Pattern>& patterns) {
  Json list = Json::array();
  for (const nm::Pattern& p : patterns) list.push_back(p.str());
  return list;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
}

// Options flow and eval share: the policy parameters and the calibration set.
struct PolicyArgs {
  std::string model;
  double h = 0.5;
  double alpha = 1.0;
  double beta = 4.0;
  std::string candidates = "2:4,4:4,2:8,4:8,8:8";
  std::string dense_blocks;
  llm::SequenceSet calibration{8, 64, 1};
  std::string out;
};

void add_policy_options(CLI::App* cmd, PolicyArgs& a, const char* seed_flag) {
  cmd->add_option("model", a.model, "llama2.c checkpoint (default: stories260K.bin, see find_model)");
  cmd->add_option("--h", a.h, "FLOW outlier multiplier h: outlier = score > h * mean")
      ->capture_default_str();
  cmd->add_option("--alpha", a.alpha, "FLOW weight of the N term")->capture_default_str();
  cmd->add_option("--beta", a.beta, "FLOW weight of the M term")->capture_default_str();
  cmd->add_option("--candidates", a.candidates,
                  "Candidate patterns N:M,N:M,... or hw (the accelerator's capability register)")
      ->capture_default_str();
  cmd->add_option("--dense-blocks", a.dense_blocks,
                  "Blocks held dense, e.g. 0,4, or none (default: first and last)");
  cmd->add_option("--calib-seqs", a.calibration.count, "Calibration sequences")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--calib-len", a.calibration.length, "Tokens per calibration sequence")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option(seed_flag, a.calibration.seed, "Seed of the calibration sequences")
      ->capture_default_str();
  cmd->add_option("--out", a.out, "Output directory");
}

flow::PolicyOptions policy_options(const PolicyArgs& a, const HwCandidates& hw) {
  flow::PolicyOptions o;
  o.flow_h = a.h;
  o.alpha = a.alpha;
  o.beta = a.beta;
  o.candidates = parse_candidates(a.candidates, hw);
  o.dense_blocks = parse_dense_blocks(a.dense_blocks);
  return o;
}

Json sequence_json(const llm::SequenceSet& s) {
  return Json{{"sequences", s.count}, {"length", s.length}, {"seed", s.seed}};
}

// --- generate ---------------------------------------------------------------

struct GenerateArgs {
  std::string model;
  int steps = 32;
  float temperature = 0.0f;
  uint64_t seed = 1;
};

void run_generate(const GenerateArgs& a) {
  const llm::Model model = llm::load_checkpoint(llm::find_model(a.model));
  fmt::print("{}\n", fmt::join(llm::generate(model, a.steps, a.temperature, a.seed), " "));
}

// --- flow -------------------------------------------------------------------

struct FlowArgs {
  PolicyArgs policy;
  double sparsity = 0;
};

void run_flow(const FlowArgs& a, const HwCandidates& hw) {
  const std::string model_path = llm::find_model(a.policy.model);
  const llm::Model model = llm::load_checkpoint(model_path);
  flow::PolicyOptions options = policy_options(a.policy, hw);
  options.sparsity = a.sparsity;
  const llm::ChannelStats stats = llm::calibrate(model, a.policy.calibration, 1.0f);
  const auto metrics = llm::outlier_metrics(model, stats, options.flow_h);
  const flow::Selection s =
      llm::select_patterns(model, stats, flow::Policy{flow::PolicyKind::Flow, {}}, options);
  const std::vector<int> dense = flow::dense_blocks(options, model.config.n_layers);
  const auto is_dense = [&](int b) { return std::find(dense.begin(), dense.end(), b) != dense.end(); };

  const std::string name = fs::path(model_path).filename().string();
  const fs::path out = a.policy.out.empty()
                           ? fs::path("out") / ("flow-" + fs::path(model_path).stem().string())
                           : fs::path(a.policy.out);
  fmt::print("FLOW on {}: target sparsity {} of the blocks not held dense, h {}, alpha {}, beta {}\n",
             name, a.sparsity, options.flow_h, options.alpha, options.beta);
  fmt::print("{:>5}  {:>11}  {:>11}  {:>5}  {:>8}\n", "block", "outliers_%", "locality", "N:M",
             "sparsity");
  std::string csv = "block,outlier_ratio,locality,n,m,sparsity\n";
  Json blocks = Json::array();
  for (size_t b = 0; b < s.patterns.size(); ++b) {
    const nm::Pattern p = s.patterns[b];
    fmt::print("{:>5}  {:>11.4f}  {:>11.4e}  {:>5}  {:>8.4f}{}\n", b, metrics[b].outlier_ratio_pct,
               metrics[b].locality, p.str(), p.sparsity(), is_dense(int(b)) ? "  (held dense)" : "");
    csv += fmt::format("{},{:.6g},{:.6g},{},{},{:.6g}\n", b, metrics[b].outlier_ratio_pct,
                       metrics[b].locality, p.n, p.m, p.sparsity());
    blocks.push_back(Json{{"block", b},
                          {"outlier_ratio_pct", rounded(metrics[b].outlier_ratio_pct)},
                          {"locality", rounded(metrics[b].locality)},
                          {"pattern", p.str()},
                          {"sparsity", rounded(p.sparsity())},
                          {"held_dense", is_dense(int(b))}});
  }
  fmt::print("sparsity {:.4f} over the free blocks, {:.4f} over all blocks; objective {:.6g}\n",
             s.sparsity_free, s.sparsity_all, s.objective);

  const Json json = {{"model", name},
                     {"target_sparsity", a.sparsity},
                     {"objective", rounded(s.objective)},
                     {"sparsity_free", rounded(s.sparsity_free)},
                     {"sparsity_all", rounded(s.sparsity_all)},
                     {"blocks", blocks},
                     {"settings",
                      {{"h", options.flow_h},
                       {"alpha", options.alpha},
                       {"beta", options.beta},
                       {"candidates", pattern_list(options.candidates)},
                       {"dense_blocks", dense},
                       {"calibration", sequence_json(a.policy.calibration)}}}};
  write_file(out / "flow.csv", csv);
  write_file(out / "flow.json", json.dump(2) + "\n");
  fmt::print("wrote {} and flow.json\n", (out / "flow.csv").string());
}

// --- eval -------------------------------------------------------------------

struct EvalArgs {
  PolicyArgs policy;
  std::string policy_name;
  double sparsity = 0;
  bool hw_aware = false;
  int col_block = 32;
  bool int8 = false;
  bool on_platform = false;
  std::string platform_scenario = default_scenario_path();
  double owl_h = 5.0;
  double owl_lambda = 0.08;
  int owl_m = 8;
  llm::SequenceSet evaluation{8, 64, 2};
  const CLI::Option* sparsity_option = nullptr;
};

void run_eval(const EvalArgs& a, const HwCandidates& hw, const OnPlatform& on_platform) {
  const std::string model_path = llm::find_model(a.policy.model);
  const llm::Model model = llm::load_checkpoint(model_path);
  llm::EvalOptions o;
  o.policy = flow::Policy::parse(a.policy_name);
  const bool targeted = o.policy.kind == flow::PolicyKind::Owl || o.policy.kind == flow::PolicyKind::Flow;
  if (targeted && !a.sparsity_option->count())
    throw std::invalid_argument(fmt::format("policy {} needs --sparsity", a.policy_name));
  if (!targeted && a.sparsity_option->count())
    throw std::invalid_argument(fmt::format(
        "--sparsity applies to policies owl and flow, not {} (its pattern fixes the sparsity)",
        a.policy_name));
  o.policy_options = policy_options(a.policy, hw);
  o.policy_options.sparsity = a.sparsity;
  o.policy_options.owl_h = a.owl_h;
  o.policy_options.owl_lambda = a.owl_lambda;
  o.policy_options.owl_m = a.owl_m;
  o.prune_mode = a.hw_aware ? nm::PruneMode::HwAware : nm::PruneMode::Unconstrained;
  o.col_block = a.col_block;
  o.int8 = a.int8 || a.on_platform;
  o.calibration = a.policy.calibration;
  o.evaluation = a.evaluation;
  if (a.on_platform && !a.hw_aware)
    throw std::invalid_argument("--on-platform needs --hw-aware: FlexCiM only executes masks whose pair selects "
                                "are shared by its columns");
  if (a.on_platform) {
    const unsigned cols = load_scenario(a.platform_scenario).platform.accelerator.geometry.cols;
    if (unsigned(a.col_block) != cols)
      throw std::invalid_argument(fmt::format("--col-block {} differs from the {} columns of the accelerator in {}: "
                                              "pair selects are shared by a sub-macro's columns",
                                              a.col_block, cols, a.platform_scenario));
  }

  llm::EvalResult r;
  PlatformCost cost;
  if (a.on_platform) {
    if (!on_platform) throw std::invalid_argument("--on-platform is not available in this build");
    cost = on_platform(a.platform_scenario, [&](llm::Int8Gemm& gemm) {
      o.gemm = &gemm;
      r = llm::evaluate(model, o);
    });
  } else {
    r = llm::evaluate(model, o);
  }

  std::string slug = "eval-" + o.policy.str();
  std::replace(slug.begin(), slug.end(), ':', '-');
  if (a.hw_aware) slug += "-hw";
  if (a.int8 && !a.on_platform) slug += "-int8";
  if (a.on_platform) slug += "-platform";
  const fs::path out = a.policy.out.empty() ? fs::path("out") / slug : fs::path(a.policy.out);
  const std::string name = fs::path(model_path).filename().string();
  const std::vector<int> dense = flow::dense_blocks(o.policy_options, model.config.n_layers);

  Json settings = {{"model", name},
                   {"pruning", a.hw_aware ? "hw-aware" : "unconstrained"},
                   {"col_block", a.col_block},
                   {"int8", o.int8},
                   {"dense_blocks", dense}};
  if (targeted) settings["target_sparsity"] = a.sparsity;
  if (o.policy.kind == flow::PolicyKind::Flow)
    settings["flow"] = {{"h", o.policy_options.flow_h},
                        {"alpha", o.policy_options.alpha},
                        {"beta", o.policy_options.beta},
                        {"candidates", pattern_list(o.policy_options.candidates)}};
  if (o.policy.kind == flow::PolicyKind::Owl)
    settings["owl"] = {{"h", a.owl_h},
                       {"lambda", a.owl_lambda},
                       {"m", a.owl_m},
                       {"candidates", pattern_list(o.policy_options.candidates)}};
  settings["calibration"] = sequence_json(o.calibration);
  settings["evaluation"] = sequence_json(o.evaluation);
  settings["sample_temperature"] = o.sample_temperature;

  Json json = {{"kl", rounded(r.kl)},
                     {"top1", rounded(r.top1)},
                     {"cross_entropy", rounded(r.cross_entropy)},
                     {"dense_cross_entropy", rounded(r.dense_cross_entropy)},
                     {"sparsity", rounded(r.sparsity)},
                     {"sparsity_free_blocks", rounded(r.selection.sparsity_free)},
                     {"sparsity_all_blocks", rounded(r.selection.sparsity_all)},
                     {"blocks", pattern_list(r.selection.patterns)},
                     {"policy", o.policy.str()},
                     {"tokens", r.tokens},
                     {"settings", settings}};
  if (a.on_platform) {
    // Tokens per second of accelerator time: the pruned model's linear layers only.
    json["platform"] = {{"scenario", a.platform_scenario},
                        {"jobs", cost.jobs},
                        {"cycles", cost.cycles},
                        {"time_ns", cost.time_ns},
                        {"energy_pj", cost.energy_pj},
                        {"tokens_per_simulated_second", cost.time_ns > 0 ? r.tokens / (cost.time_ns * 1e-9) : 0.0}};
  }
  write_file(out / "eval.json", json.dump(2) + "\n");
  if (a.on_platform)
    fmt::print("on the virtual FlexCiM: {} jobs, {} cycles, {:.3f} us, {:.3f} uJ, {:.0f} tokens per simulated second\n",
               cost.jobs, cost.cycles, cost.time_ns / 1000.0, cost.energy_pj / 1e6,
               cost.time_ns > 0 ? r.tokens / (cost.time_ns * 1e-9) : 0.0);

  fmt::print("{} ({}{}) on {}: KL {:.5f} nats/token, top-1 {:.4f}, cross-entropy {:.4f} "
             "(dense {:.4f}), sparsity {:.4f}, blocks {}\n",
             o.policy.str(), a.hw_aware ? "hw-aware" : "unconstrained", o.int8 ? ", int8" : "",
             name, r.kl, r.top1, r.cross_entropy, r.dense_cross_entropy, r.sparsity,
             patterns_str(r.selection.patterns));
  fmt::print("wrote {}\n", (out / "eval.json").string());
}

}  // namespace

void add_llm_commands(CLI::App& app, std::function<std::vector<nm::Pattern>()> hw_candidates,
                      OnPlatform on_platform) {
  auto hw = std::make_shared<HwCandidates>(std::move(hw_candidates));
  auto platform = std::make_shared<OnPlatform>(std::move(on_platform));

  auto gen = std::make_shared<GenerateArgs>();
  CLI::App* g = app.add_subcommand("generate", "Print token ids the model generates from BOS");
  g->add_option("model", gen->model, "llama2.c checkpoint (default: stories260K.bin, see find_model)");
  g->add_option("--steps", gen->steps, "Tokens to generate")->capture_default_str()->check(CLI::NonNegativeNumber);
  g->add_option("--temperature", gen->temperature, "0 = greedy; else softmax sampling")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  g->add_option("--seed", gen->seed, "Sampling seed")->capture_default_str();
  g->callback([gen] { run_generate(*gen); });

  auto fl = std::make_shared<FlowArgs>();
  CLI::App* f = app.add_subcommand(
      "flow", "Select one N:M pattern per block with FLOW; writes DIR/flow.csv and DIR/flow.json "
              "(default DIR out/flow-<model stem>)");
  add_policy_options(f, fl->policy, "--seed");
  f->add_option("--sparsity", fl->sparsity, "Target mean sparsity of the blocks not held dense")
      ->required()
      ->check(CLI::Range(0.0, 1.0));
  f->callback([fl, hw] { run_flow(*fl, *hw); });

  auto ev = std::make_shared<EvalArgs>();
  CLI::App* e = app.add_subcommand(
      "eval", "Prune with a policy and measure it against the dense model on sampled sequences; "
              "writes DIR/eval.json (default DIR out/eval-<policy>[-hw][-int8])");
  add_policy_options(e, ev->policy, "--calib-seed");
  e->add_option("--policy", ev->policy_name, "dense, uniform:N:M, owl or flow")->required();
  ev->sparsity_option =
      e->add_option("--sparsity", ev->sparsity, "owl, flow: target mean sparsity of the blocks not held dense")
          ->check(CLI::Range(0.0, 1.0));
  e->add_flag("--hw-aware", ev->hw_aware,
              "Prune so FlexCiM can execute it (pair selects shared by --col-block output channels)");
  e->add_option("--col-block", ev->col_block, "Output channels sharing pair selects (FlexCiM columns)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  e->add_flag("--int8", ev->int8, "Run the pruned model's linear layers in int8");
  e->add_flag("--on-platform", ev->on_platform,
              "Run the int8 linear layers on the virtual FlexCiM (implies --int8; needs --hw-aware)");
  e->add_option("--platform", ev->platform_scenario, "Scenario whose platform runs --on-platform")
      ->capture_default_str();
  e->add_option("--owl-h", ev->owl_h, "OWL outlier multiplier")->capture_default_str();
  e->add_option("--owl-lambda", ev->owl_lambda, "OWL sparsity spread lambda")->capture_default_str();
  e->add_option("--owl-m", ev->owl_m, "OWL group size M (N comes from the candidates with this M)")
      ->capture_default_str();
  e->add_option("--eval-seqs", ev->evaluation.count, "Evaluation sequences")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  e->add_option("--eval-len", ev->evaluation.length, "Tokens per evaluation sequence")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  e->add_option("--eval-seed", ev->evaluation.seed, "Seed of the evaluation sequences")
      ->capture_default_str();
  e->callback([ev, hw, platform] { run_eval(*ev, *hw, *platform); });
}

}  // namespace flexcim
