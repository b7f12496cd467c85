#include "llm_commands.h"
#include "llm_cli.h"

#include <algorithm>
#include <cctype>
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
#include "llm/text.h"
#include "llm/tokenizer.h"
#include "llm/transformer.h"
#include "flow_cost.h"
#include "scenario.h"

namespace flexcim {
namespace {

using namespace cli;
namespace fs = std::filesystem;
using HwCandidates = std::function<std::vector<nm::Pattern>()>;

std::vector<nm::Pattern> parse_candidates(const std::string& text, const HwCandidates& hw) {
  if (text == "hw") {
    if (!hw) throw std::invalid_argument("--candidates hw: hw candidates unavailable");
    return hw();
  }
  return parse_patterns(text);
}

// Options flow and eval share: the policy parameters and the calibration text.
struct PolicyArgs {
  std::string model, tokenizer;
  double h = 0.5;
  double alpha = 1.0;
  double beta = 4.0;
  std::string flow_mode = "free-blocks";
  std::string candidates = "2:4,4:4,2:8,4:8,8:8";
  std::string dense_blocks;
  TextArgs calib{default_data("tinystories-valid-calib.txt"), 0};
  std::string out;
};

void add_policy_options(CLI::App* cmd, PolicyArgs& a) {
  add_model_options(cmd, a.model, a.tokenizer);
  cmd->add_option("--h", a.h, "FLOW outlier multiplier h: outlier = score > h * mean")->capture_default_str();
  cmd->add_option("--alpha", a.alpha, "FLOW weight of the N term")->capture_default_str();
  cmd->add_option("--beta", a.beta, "FLOW weight of the M term")->capture_default_str();
  cmd->add_option("--flow-mode", a.flow_mode,
                  "free-blocks: solve over the blocks not held dense, meeting the target there; reference: solve "
                  "over all blocks, then force the held blocks dense (the authors' code)")
      ->capture_default_str()
      ->check(CLI::IsMember({"free-blocks", "reference"}));
  cmd->add_option("--candidates", a.candidates,
                  "Candidate patterns N:M,N:M,... or hw (the accelerator's capability register)")
      ->capture_default_str();
  cmd->add_option("--dense-blocks", a.dense_blocks, "Blocks held dense, e.g. 0,4, or none (default: first and last)");
  add_text_options(cmd, a.calib, "--calib", "--calib-stories", "Calibration");
  cmd->add_option("--out", a.out, "Output directory");
}

flow::PolicyOptions policy_options(const PolicyArgs& a, const HwCandidates& hw) {
  flow::PolicyOptions o;
  o.flow_h = a.h;
  o.alpha = a.alpha;
  o.beta = a.beta;
  o.flow_mode = flow::parse_flow_mode(a.flow_mode);
  o.candidates = parse_candidates(a.candidates, hw);
  o.dense_blocks = parse_dense_blocks(a.dense_blocks);
  return o;
}

// flow-cost (flow --objective, eval --policy flow-cost): the budget, the platform that
// prices it and the cost model's cache. --platform and --set also name eval
// --on-platform's platform.
struct CostArgs {
  std::string objective = "latency";
  double budget = 1.0;
  std::string phase = "decode";
  int tokens = 64;
  std::string cache = "out/cost-cache";
  std::string platform = default_scenario_path();
  std::vector<std::string> sets;
  const CLI::Option* objective_option = nullptr;
  const CLI::Option* budget_option = nullptr;
};

void add_cost_options(CLI::App* cmd, CostArgs& c) {
  c.objective_option =
      cmd->add_option("--objective", c.objective,
                      "flow-cost: what the budget limits, latency (cycles) or energy (pJ) of the model's linear "
                      "layers on the --platform accelerator")
          ->capture_default_str()
          ->check(CLI::IsMember({"latency", "energy"}));
  c.budget_option = cmd->add_option("--budget", c.budget,
                                    "flow-cost: the budget as a fraction of the all-dense model's cost in --phase on "
                                    "the --platform accelerator, e.g. 0.8")
                        ->check(CLI::NonNegativeNumber);
  cmd->add_option("--phase", c.phase, "flow-cost: decode (one token per job) or prefill (--tokens per job)")
      ->capture_default_str()
      ->check(CLI::IsMember({"decode", "prefill"}));
  cmd->add_option("--tokens", c.tokens, "flow-cost: tokens per job in the prefill phase")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--cost-cache", c.cache, "Directory caching the platform's measured costs (\"\" = none)")
      ->capture_default_str();
  cmd->add_option("--platform", c.platform, "Scenario whose platform prices flow-cost (and runs --on-platform)")
      ->capture_default_str();
  cmd->add_option("--set", c.sets,
                  "Override a value of the --platform scenario, e.g. platform.accelerator.architecture=dense-dcim");
}

// The accelerator shares pair selects over its columns: hardware-aware pruning must use them.
void check_col_block(int col_block, const Scenario& platform, const std::string& path) {
  const unsigned cols = platform.platform.accelerator.geometry.cols;
  if (unsigned(col_block) != cols)
    throw std::invalid_argument(fmt::format("--col-block {} differs from the {} columns of the accelerator in {}: "
                                            "pair selects are shared by a sub-macro's columns",
                                            col_block, cols, path));
}

struct FlowCostSetup {
  FlowCostModel model;
  flow::PolicyOptions options;  // candidates: the accelerator's; dense blocks: --dense-blocks or none
  Phase phase = Phase::Decode;
};

FlowCostSetup flow_cost_setup(const LoadedModel& m, const TokenizedText& calib, const CostArgs& c,
                              const PolicyArgs& p, const Scenario& platform) {
  if (!c.budget_option->count()) throw std::invalid_argument("flow-cost needs --budget (a fraction of dense, e.g. 0.8)");
  FlowCostSetup s;
  s.phase = parse_phase(c.phase);
  s.model = build_flow_cost_model(m.model, calib.sequences, platform, c.tokens, c.cache);
  s.options.objective = flow::parse_objective(c.objective);
  s.options.budget = c.budget;
  s.options.candidates = s.model.candidates;
  s.options.dense_blocks = parse_dense_blocks(p.dense_blocks).value_or(std::vector<int>{});
  return s;
}

Json flow_cost_settings(const FlowCostSetup& s, const flow::Selection& sel, const CostArgs& c) {
  return Json{{"objective", c.objective},
              {"unit", flow::objective_unit(s.options.objective)},
              {"phase", c.phase},
              {"budget_fraction_of_dense", c.budget},
              {"budget", sel.budget},
              {"predicted_cost", sel.cost},
              {"predicted_delta_calibration_ce", sel.objective},
              {"dense_blocks", *s.options.dense_blocks},
              {"candidates", pattern_list(s.options.candidates)},
              {"platform", {{"scenario", c.platform}, {"set", c.sets}}},
              {"cost_cache", c.cache},
              {"models", flow_cost_json(s.model)}};
}

// --- generate, tokenize -----------------------------------------------------

struct GenerateArgs {
  std::string model, tokenizer, prompt;
  int steps = 256;
  float temperature = 0.0f;
  uint64_t seed = 1;
  bool ids = false;
};

// The prompt's ids as llama2.c's generate encodes it: BOS, then encode(prompt).
std::vector<int> prompt_ids(const llm::Tokenizer& t, const std::string& prompt) {
  llm::check_utf8(prompt, "--prompt");
  std::vector<int> ids = {llm::kBosToken};
  const std::vector<int> text = t.encode(prompt);
  ids.insert(ids.end(), text.begin(), text.end());
  return ids;
}

void run_generate(const GenerateArgs& a) {
  const LoadedModel m = load_model(a.model, a.tokenizer);
  const std::vector<int> tokens =
      llm::generate(m.model, prompt_ids(m.tokenizer, a.prompt), a.steps, a.temperature, a.seed);
  if (a.ids) {
    fmt::print("{}\n", fmt::join(tokens, " "));
    return;
  }
  // As llama2.c's safe_printf: a one-byte piece that is neither printable nor
  // whitespace (a control or a lone byte token) is not printed.
  std::string text;
  for (size_t i = 1; i < tokens.size(); ++i) {
    const std::string piece = m.tokenizer.decode(tokens[i - 1], tokens[i]);
    const unsigned char c = piece.empty() ? 0 : static_cast<unsigned char>(piece[0]);
    if (piece.size() == 1 && !(std::isprint(c) || std::isspace(c))) continue;
    text += piece;
  }
  fmt::print("{}\n", text);
}

struct TokenizeArgs {
  std::string text, model, tokenizer;
};

void run_tokenize(const TokenizeArgs& a) {
  const LoadedModel m = load_model(a.model, a.tokenizer);
  fmt::print("{}\n", fmt::join(prompt_ids(m.tokenizer, a.text), " "));
}

// --- flow -------------------------------------------------------------------

struct FlowArgs {
  PolicyArgs policy;
  CostArgs cost;
  double sparsity = 0;
  const CLI::Option* sparsity_option = nullptr;
  const CLI::Option* candidates_option = nullptr;
};

// flow --objective: the cost-aware selection, its table and flow.json.
void run_flow_cost(const FlowArgs& a) {
  if (a.candidates_option->count())
    throw std::invalid_argument("flow --objective: the candidates are the patterns the accelerator advertises "
                                "(CAP_PATTERNS); leave out --candidates");
  const Scenario platform = load_scenario(a.cost.platform, a.cost.sets);
  const LoadedModel m = load_model(a.policy.model, a.policy.tokenizer);
  const TokenizedText calib = tokenize(m, a.policy.calib, "--calib-stories");
  const FlowCostSetup setup = flow_cost_setup(m, calib, a.cost, a.policy, platform);
  const flow::Selection s = select_flow_cost(setup.model, setup.options, setup.phase);
  const llm::ChannelStats stats = llm::collect_channel_stats(m.model, calib.sequences);
  const auto metrics = llm::outlier_metrics(m.model, stats, a.policy.h);

  const fs::path out = a.policy.out.empty() ? fs::path("out") / ("flow-cost-" + fs::path(m.path).stem().string())
                                            : fs::path(a.policy.out);
  fmt::print("flow-cost on {}, platform {}: least predicted loss within {} {} of the all-dense model's {} cost\n",
             m.name, a.cost.platform, a.cost.budget, a.cost.phase, a.cost.objective);
  fmt::print("{}", flow_cost_report(setup.model, s, setup.options, setup.phase));
  std::string csv = "block,outlier_ratio,locality,n,m,sparsity,delta_calibration_ce,cycles,energy_pj\n";
  Json blocks = Json::array();
  const BlockCosts& costs = setup.model.costs(setup.phase);
  for (size_t b = 0; b < s.patterns.size(); ++b) {
    const nm::Pattern p = s.patterns[b];
    const size_t c = setup.model.candidate(p);
    csv += fmt::format("{},{:.6g},{:.6g},{},{},{:.6g},{:.6g},{},{:.6g}\n", b, metrics[b].outlier_ratio_pct,
                       metrics[b].locality, p.n, p.m, p.sparsity(), setup.model.sensitivity.delta_ce[b][c],
                       costs.cycles[b][c], costs.energy_pj[b][c]);
    blocks.push_back(Json{{"block", b},
                          {"outlier_ratio_pct", rounded(metrics[b].outlier_ratio_pct)},
                          {"locality", rounded(metrics[b].locality)},
                          {"pattern", p.str()},
                          {"sparsity", rounded(p.sparsity())},
                          {"delta_calibration_ce", setup.model.sensitivity.delta_ce[b][c]},
                          {"cycles", costs.cycles[b][c]},
                          {"energy_pj", costs.energy_pj[b][c]}});
  }
  const Json json = {{"model", m.name},
                     {"policy", "flow-cost"},
                     {"sparsity_all", rounded(s.sparsity_all)},
                     {"blocks", blocks},
                     {"flow_cost", flow_cost_settings(setup, s, a.cost)},
                     {"calibration", calibration_json(calib, true, false)}};
  write_file(out / "flow.csv", csv);
  write_file(out / "flow.json", json.dump(2) + "\n");
  fmt::print("wrote {} and flow.json\n", (out / "flow.csv").string());
}

void run_flow(const FlowArgs& a, const HwCandidates& hw) {
  if (a.cost.objective_option->count()) {
    if (a.sparsity_option->count())
      throw std::invalid_argument("flow takes --sparsity (FLOW) or --objective with --budget (flow-cost), not both");
    return run_flow_cost(a);
  }
  if (a.cost.budget_option->count()) throw std::invalid_argument("--budget needs --objective latency or energy");
  if (!a.sparsity_option->count())
    throw std::invalid_argument("flow needs --sparsity (FLOW) or --objective and --budget (flow-cost)");
  const LoadedModel m = load_model(a.policy.model, a.policy.tokenizer);
  flow::PolicyOptions options = policy_options(a.policy, hw);
  options.sparsity = a.sparsity;
  const TokenizedText calib = tokenize(m, a.policy.calib, "--calib-stories");
  const llm::ChannelStats stats = llm::collect_channel_stats(m.model, calib.sequences);
  const auto metrics = llm::outlier_metrics(m.model, stats, options.flow_h);
  const flow::Selection s =
      llm::select_patterns(m.model, stats, flow::Policy{flow::PolicyKind::Flow, {}}, options);
  const std::vector<int> dense = flow::dense_blocks(options, m.model.config.n_layers);
  const auto is_dense = [&](int b) { return std::find(dense.begin(), dense.end(), b) != dense.end(); };

  const fs::path out = a.policy.out.empty() ? fs::path("out") / ("flow-" + fs::path(m.path).stem().string())
                                            : fs::path(a.policy.out);
  fmt::print("FLOW ({} mode) on {}: target sparsity {}{}, h {}, alpha {}, beta {}\n", a.policy.flow_mode, m.name,
             a.sparsity,
             options.flow_mode == flow::FlowMode::Reference ? " over all blocks before forcing the held ones dense"
                                                             : " over the blocks not held dense",
             options.flow_h, options.alpha, options.beta);
  fmt::print("{:>5}  {:>11}  {:>11}  {:>5}  {:>8}\n", "block", "outliers_%", "locality", "N:M", "sparsity");
  std::string csv = "block,outlier_ratio,locality,n,m,sparsity\n";
  Json blocks = Json::array();
  for (size_t b = 0; b < s.patterns.size(); ++b) {
    const nm::Pattern p = s.patterns[b];
    fmt::print("{:>5}  {:>11.4f}  {:>11.4e}  {:>5}  {:>8.4f}{}\n", b, metrics[b].outlier_ratio_pct,
               metrics[b].locality, p.str(), p.sparsity(), is_dense(int(b)) ? "  (held dense)" : "");
    csv += fmt::format("{},{:.6g},{:.6g},{},{},{:.6g}\n", b, metrics[b].outlier_ratio_pct, metrics[b].locality, p.n,
                       p.m, p.sparsity());
    blocks.push_back(Json{{"block", b},
                          {"outlier_ratio_pct", rounded(metrics[b].outlier_ratio_pct)},
                          {"locality", rounded(metrics[b].locality)},
                          {"pattern", p.str()},
                          {"sparsity", rounded(p.sparsity())},
                          {"held_dense", is_dense(int(b))}});
  }
  fmt::print("sparsity {:.4f} over the free blocks, {:.4f} over all blocks; objective {:.6g}\n", s.sparsity_free,
             s.sparsity_all, s.objective);

  const Json json = {{"model", m.name},
                     {"target_sparsity", a.sparsity},
                     {"objective", rounded(s.objective)},
                     {"sparsity_free", rounded(s.sparsity_free)},
                     {"sparsity_all", rounded(s.sparsity_all)},
                     {"blocks", blocks},
                     {"settings",
                      {{"mode", a.policy.flow_mode},
                       {"h", options.flow_h},
                       {"alpha", options.alpha},
                       {"beta", options.beta},
                       {"candidates", pattern_list(options.candidates)},
                       {"dense_blocks", dense},
                       {"calibration", calibration_json(calib, true, false)}}}};
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
  CostArgs cost;
  double owl_h = 5.0;
  double owl_lambda = 0.08;
  int owl_m = 8;
  TextArgs text{default_data("tinystories-valid-eval.txt"), 0};
  const CLI::Option* sparsity_option = nullptr;
};

void run_eval(const EvalArgs& a, const HwCandidates& hw, const OnPlatform& on_platform) {
  llm::EvalOptions o;
  o.policy = flow::Policy::parse(a.policy_name);
  const bool targeted = o.policy.kind == flow::PolicyKind::Owl || o.policy.kind == flow::PolicyKind::Flow;
  const bool sparse = o.policy.kind != flow::PolicyKind::Dense;
  if (targeted && !a.sparsity_option->count())
    throw std::invalid_argument(fmt::format("policy {} needs --sparsity", a.policy_name));
  if (!targeted && a.sparsity_option->count())
    throw std::invalid_argument(fmt::format(
        "--sparsity applies to policies owl and flow, not {} (its pattern fixes the sparsity)", a.policy_name));
  if (a.on_platform && sparse && !a.hw_aware)
    throw std::invalid_argument("--on-platform needs --hw-aware: the accelerator only executes masks whose pair "
                                "selects are shared by its columns");
  const bool flow_cost = o.policy.kind == flow::PolicyKind::FlowCost;
  if (flow_cost && !a.hw_aware)
    throw std::invalid_argument("policy flow-cost needs --hw-aware: its costs are those of the accelerator, which "
                                "only executes masks whose pair selects are shared by its columns");
  if (!flow_cost && (a.cost.objective_option->count() || a.cost.budget_option->count()))
    throw std::invalid_argument(fmt::format("--objective and --budget apply to policy flow-cost, not {}", a.policy_name));
  std::optional<Scenario> platform;
  if (a.on_platform || flow_cost) {
    platform = load_scenario(a.cost.platform, a.cost.sets);
    check_col_block(a.col_block, *platform, a.cost.platform);
  }
  const LoadedModel m = load_model(a.policy.model, a.policy.tokenizer);
  o.policy_options = policy_options(a.policy, hw);
  o.policy_options.sparsity = a.sparsity;
  o.policy_options.owl_h = a.owl_h;
  o.policy_options.owl_lambda = a.owl_lambda;
  o.policy_options.owl_m = a.owl_m;
  o.prune_mode = a.hw_aware ? nm::PruneMode::HwAware : nm::PruneMode::Unconstrained;
  o.col_block = a.col_block;
  o.int8 = a.int8 || a.on_platform;
  const TokenizedText text = tokenize(m, a.text, "--stories");
  const TokenizedText calib = tokenize(m, a.policy.calib, "--calib-stories");
  std::optional<FlowCostSetup> setup;
  flow::CostTables tables;
  if (flow_cost) {
    setup = flow_cost_setup(m, calib, a.cost, a.policy, *platform);
    o.policy_options.objective = setup->options.objective;
    o.policy_options.budget = setup->options.budget;
    o.policy_options.candidates = setup->options.candidates;
    o.policy_options.dense_blocks = setup->options.dense_blocks;
    // Checked here so an infeasible budget is one line naming the fraction and unit.
    select_flow_cost(setup->model, setup->options, setup->phase);
    tables = setup->model.tables(setup->options.objective, setup->phase);
  }

  llm::EvalResult r;
  PlatformCost cost;
  if (a.on_platform) {
    if (!on_platform) throw std::invalid_argument("--on-platform is not available in this build");
    cost = on_platform(a.cost.platform, a.cost.sets, [&](llm::Int8Gemm& gemm) {
      o.gemm = &gemm;
      r = llm::evaluate(m.model, calib.sequences, text.sequences, o, &tables);
    });
  } else {
    r = llm::evaluate(m.model, calib.sequences, text.sequences, o, &tables);
  }

  const bool reference = o.policy.kind == flow::PolicyKind::Flow && o.policy_options.flow_mode == flow::FlowMode::Reference;
  std::string slug = "eval-" + o.policy.str() + (reference ? "-reference" : "");
  std::replace(slug.begin(), slug.end(), ':', '-');
  if (a.hw_aware) slug += "-hw";
  if (a.int8 && !a.on_platform) slug += "-int8";
  if (a.on_platform) slug += "-platform";
  const fs::path out = a.policy.out.empty() ? fs::path("out") / slug : fs::path(a.policy.out);
  const std::vector<int> dense = flow::dense_blocks(o.policy_options, m.model.config.n_layers);

  Json settings = {{"model", m.name},
                   {"pruning", a.hw_aware ? "hw-aware" : "unconstrained"},
                   {"col_block", a.col_block},
                   {"int8", o.int8}};
  if (sparse) settings["dense_blocks"] = dense;
  if (targeted) settings["target_sparsity"] = a.sparsity;
  if (o.policy.kind == flow::PolicyKind::Flow)
    settings["flow"] = {{"mode", a.policy.flow_mode},
                        {"h", o.policy_options.flow_h},
                        {"alpha", o.policy_options.alpha},
                        {"beta", o.policy_options.beta},
                        {"candidates", pattern_list(o.policy_options.candidates)}};
  if (flow_cost) settings["flow_cost"] = flow_cost_settings(*setup, r.selection, a.cost);
  if (o.policy.kind == flow::PolicyKind::Owl)
    settings["owl"] = {{"h", a.owl_h},
                       {"lambda", a.owl_lambda},
                       {"m", a.owl_m},
                       {"candidates", pattern_list(o.policy_options.candidates)}};

  Json blocks = Json::array();
  for (size_t b = 0; b < r.selection.patterns.size(); ++b)
    blocks.push_back(Json{{"block", b},
                          {"pattern", r.selection.patterns[b].str()},
                          {"sparsity", rounded(r.block_sparsity[b])}});
  Json json = {{"policy", o.policy.str()},
               {"ce", rounded(r.cross_entropy)},
               {"ppl", rounded(r.perplexity)},
               {"kl", rounded(r.kl)},
               {"top1", rounded(r.top1)},
               {"dense_ce", rounded(r.dense_cross_entropy)},
               {"dense_ppl", rounded(r.dense_perplexity)},
               {"tokens", r.tokens},
               {"stories", r.stories},
               {"sparsity", rounded(r.sparsity)},
               {"sparsity_free_blocks", rounded(r.selection.sparsity_free)},
               {"sparsity_all_blocks", rounded(r.selection.sparsity_all)},
               {"blocks", blocks},
               {"text", text_json(text)}};
  if (sparse) json["calibration"] = calibration_json(calib, targeted, true);
  json["settings"] = settings;
  if (a.on_platform) {
    // Tokens per second of accelerator time: the model's linear layers only.
    const double rate = cost.time_ns > 0 ? double(r.tokens) / (cost.time_ns * 1e-9) : 0.0;
    json["platform"] = {{"scenario", a.cost.platform},
                        {"set", a.cost.sets},
                        {"architecture", cost.architecture},
                        {"jobs", cost.jobs},
                        {"cycles", cost.cycles},
                        {"time_ns", cost.time_ns},
                        {"energy_pj", cost.energy_pj},
                        {"tokens_per_simulated_second", rate},
                        {"outputs_checked", cost.outputs_checked},
                        {"golden_match", cost.mismatches == 0}};
  }
  write_file(out / "eval.json", json.dump(2) + "\n");
  if (a.on_platform)
    fmt::print("on the virtual {}: {} jobs, {} cycles, {:.3f} us, {:.3f} uJ, {:.0f} tokens per simulated second; "
               "golden check: {} ({} outputs compared)\n",
               cost.architecture, cost.jobs, cost.cycles, cost.time_ns / 1000.0, cost.energy_pj / 1e6,
               cost.time_ns > 0 ? double(r.tokens) / (cost.time_ns * 1e-9) : 0.0,
               cost.mismatches == 0 ? "match" : "MISMATCH", cost.outputs_checked);
  fmt::print("{}{} ({}{}) on {}: ppl {:.4f} (CE {:.4f} nats/token; dense {:.4f}), KL {:.5f}, top-1 {:.4f}, "
             "sparsity {:.4f}, blocks {}; {} tokens of {} stories\n",
             o.policy.str(), reference ? " (reference mode)" : "", a.hw_aware ? "hw-aware" : "unconstrained",
             o.int8 ? ", int8" : "", m.name, r.perplexity, r.cross_entropy, r.dense_cross_entropy, r.kl, r.top1,
             r.sparsity, patterns_str(r.selection.patterns), r.tokens, r.stories);
  fmt::print("wrote {}\n", (out / "eval.json").string());
  if (cost.mismatches)
    throw RunFailed(fmt::format("{} of {} accelerator outputs differ from the golden GEMM", cost.mismatches,
                                cost.outputs_checked));
}

}  // namespace

void add_llm_commands(CLI::App& app, std::function<std::vector<nm::Pattern>()> hw_candidates,
                      OnPlatform on_platform) {
  auto hw = std::make_shared<HwCandidates>(std::move(hw_candidates));
  auto platform = std::make_shared<OnPlatform>(std::move(on_platform));

  auto gen = std::make_shared<GenerateArgs>();
  CLI::App* g = app.add_subcommand("generate", "Print the text the model generates from BOS (or a prompt)");
  add_model_options(g, gen->model, gen->tokenizer);
  g->add_option("--prompt", gen->prompt, "Text the generation starts from (printed too)");
  g->add_option("--steps", gen->steps, "Positions to run, the prompt's included (llama2.c's -n)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  g->add_option("--temperature", gen->temperature, "0 = greedy; else softmax sampling")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  g->add_option("--seed", gen->seed, "Sampling seed")->capture_default_str();
  g->add_flag("--ids", gen->ids, "Print the token ids (BOS first) instead of the text");
  g->callback([gen] { run_generate(*gen); });

  auto tok = std::make_shared<TokenizeArgs>();
  CLI::App* t = app.add_subcommand("tokenize", "Print the token ids of TEXT as the model sees it: BOS, then encode(TEXT)");
  t->add_option("text", tok->text, "UTF-8 text")->required();
  t->add_option("--model", tok->model, "llama2.c checkpoint whose vocabulary the tokenizer must match");
  t->add_option("--tokenizer", tok->tokenizer, "llama2.c tokenizer file (default: tok512.bin beside the model)");
  t->callback([tok] { run_tokenize(*tok); });

  auto fl = std::make_shared<FlowArgs>();
  CLI::App* f = app.add_subcommand(
      "flow", "Select one N:M pattern per block with FLOW (--sparsity), or with the least predicted accuracy loss "
              "within a latency or energy budget on the --platform accelerator (--objective, --budget); writes "
              "DIR/flow.csv and DIR/flow.json (default DIR out/flow-<model stem>, out/flow-cost-<model stem>)");
  add_policy_options(f, fl->policy);
  fl->candidates_option = f->get_option("--candidates");
  add_cost_options(f, fl->cost);
  fl->sparsity_option = f->add_option("--sparsity", fl->sparsity, "FLOW: target mean sparsity (see --flow-mode)")
                            ->check(CLI::Range(0.0, 1.0));
  f->callback([fl, hw] { run_flow(*fl, *hw); });

  auto ev = std::make_shared<EvalArgs>();
  CLI::App* e = app.add_subcommand(
      "eval", "Prune with a policy and measure cross-entropy and perplexity on text, and KL and top-1 agreement "
              "against the dense model; writes DIR/eval.json (default DIR out/eval-<policy>[-reference][-hw][-int8])");
  add_policy_options(e, ev->policy);
  add_text_options(e, ev->text, "--text", "--stories", "Evaluation");
  e->add_option("--policy", ev->policy_name, "dense, uniform:N:M, owl, flow or flow-cost")->required();
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
              "Run the int8 linear layers on the virtual accelerator (implies --int8; sparse policies need "
              "--hw-aware)");
  add_cost_options(e, ev->cost);
  e->add_option("--owl-h", ev->owl_h, "OWL outlier multiplier")->capture_default_str();
  e->add_option("--owl-lambda", ev->owl_lambda, "OWL sparsity spread lambda")->capture_default_str();
  e->add_option("--owl-m", ev->owl_m, "OWL group size M (N comes from the candidates with this M)")
      ->capture_default_str();
  e->callback([ev, hw, platform] { run_eval(*ev, *hw, *platform); });
}

}  // namespace flexcim
