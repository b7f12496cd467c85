#include "flow_cost.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "child_process.h"
#include "llm/quant.h"
#include "llm/transformer.h"
#include "simulation.h"

namespace flexcim {

Phase parse_phase(const std::string& text) {
  if (text == "decode") return Phase::Decode;
  if (text == "prefill") return Phase::Prefill;
  throw std::invalid_argument(fmt::format("unknown phase \"{}\": allowed decode, prefill", text));
}

const char* phase_name(Phase phase) { return phase == Phase::Decode ? "decode" : "prefill"; }

flow::CostTables FlowCostModel::tables(flow::Objective objective, Phase phase) const {
  const BlockCosts& c = costs(phase);
  flow::CostTables t;
  t.loss = sensitivity.delta_ce;
  if (objective == flow::Objective::Energy) {
    t.cost = c.energy_pj;
  } else {
    for (const auto& block : c.cycles) t.cost.emplace_back(block.begin(), block.end());
  }
  return t;
}

size_t FlowCostModel::candidate(nm::Pattern p) const {
  for (size_t c = 0; c < candidates.size(); ++c)
    if (candidates[c] == p || (p.dense() && candidates[c].dense())) return c;
  throw std::invalid_argument(fmt::format("{} is not a pattern the accelerator advertises", p.str()));
}

std::vector<std::vector<LayerDims>> model_blocks(const llm::Config& config, int tokens) {
  const int dim = config.dim, kv = config.kv_dim(), hidden = config.hidden_dim;
  // Sublayer order: wq wk wv wo w1 w3 w2; weights are [out][in].
  const std::vector<LayerDims> block = {{dim, dim, tokens},    {dim, kv, tokens},     {dim, kv, tokens},
                                        {dim, dim, tokens},    {dim, hidden, tokens}, {dim, hidden, tokens},
                                        {hidden, dim, tokens}};
  return std::vector<std::vector<LayerDims>>(config.n_layers, block);
}

FlowCostModel build_flow_cost_model(const llm::Model& model, const std::vector<std::vector<int>>& calibration,
                                    const Scenario& platform, int prefill_tokens, const std::string& cache_dir) {
  if (prefill_tokens < 1 || prefill_tokens >= model.config.seq_len)
    throw std::invalid_argument(fmt::format("--tokens {} outside 1..{} (the model's seq_len - 1)", prefill_tokens,
                                            model.config.seq_len - 1));
  FlowCostModel m;
  m.candidates = probe_patterns(platform);
  m.prefill_tokens = prefill_tokens;
  m.decode = block_costs(platform, model_blocks(model.config, 1), m.candidates, false, cache_dir);
  m.prefill = block_costs(platform, model_blocks(model.config, prefill_tokens), m.candidates, false, cache_dir);
  llm::SensitivityOptions o;
  o.prune_mode = nm::PruneMode::HwAware;
  o.col_block = int(platform.platform.accelerator.geometry.cols);
  o.int8 = true;
  m.sensitivity = llm::block_sensitivity(model, calibration, m.candidates, o);
  return m;
}

flow::Selection select_flow_cost(const FlowCostModel& model, const flow::PolicyOptions& options, Phase phase) {
  flow::PolicyOptions o = options;
  o.candidates = model.candidates;
  const flow::CostTables tables = model.tables(options.objective, phase);
  const int n_blocks = int(tables.cost.size());
  try {
    return flow::select_flow_cost(o, n_blocks, tables);
  } catch (const flow::InfeasibleBudget& e) {
    const double dense = flow::dense_cost(flow::flow_cost_problem(o, n_blocks, tables));
    // Rounded up, so the budget it names is feasible.
    const double nearest = std::ceil(e.cheapest() / dense * 1e4) / 1e4;
    throw std::invalid_argument(fmt::format(
        "--budget {} (of the all-dense {} cost: {:.6g} {}) is below the cheapest assignment on this platform ({:.6g} {}, {:.4f} "
        "of dense); nearest feasible budget: {}",
        options.budget, phase_name(phase), e.budget(), flow::objective_unit(options.objective), e.cheapest(),
        flow::objective_unit(options.objective), e.cheapest() / dense, nearest));
  }
}

uint64_t Validation::cycles(bool measured_side) const {
  uint64_t total = 0;
  for (const JobCost& j : measured_side ? measured : predicted) total += j.cycles;
  return total;
}

double Validation::energy_pj(bool measured_side) const {
  double total = 0;
  for (const JobCost& j : measured_side ? measured : predicted) total += j.energy_pj;
  return total;
}

bool Validation::equal() const {
  if (predicted.size() != measured.size()) return false;
  for (size_t i = 0; i < predicted.size(); ++i)
    if (predicted[i].cycles != measured[i].cycles || predicted[i].energy_pj != measured[i].energy_pj) return false;
  return true;
}

Validation validate_on_platform(const FlowCostModel& m, const Scenario& platform, const llm::PrunedModel& pruned,
                                const std::vector<int>& tokens, Phase phase) {
  const int fed = phase == Phase::Decode ? kDecodeSteps : m.prefill_tokens;
  if (tokens.size() < size_t(fed))
    throw std::invalid_argument(fmt::format("validation needs a sequence of {} tokens, got {}", fed, tokens.size()));
  Validation v;
  const BlockCosts& costs = m.costs(phase);
  for (int step = 0; step < (phase == Phase::Decode ? fed : 1); ++step)
    for (size_t b = 0; b < pruned.patterns.size(); ++b)
      for (const JobCost& job : costs.jobs[b][m.candidate(pruned.patterns[b])]) v.predicted.push_back(job);

  using Json = nlohmann::json;
  const Json answer = Json::parse(child_answer([&] {
    const PlatformCost cost = run_int8_on_platform(platform, [&](llm::Int8Gemm& gemm) {
      const std::vector<std::vector<llm::QuantLayer>> layers = llm::quantize_model(pruned);
      llm::Transformer transformer(pruned.model, llm::int8_linear(layers, gemm));
      if (phase == Phase::Decode) {
        for (int pos = 0; pos < fed; ++pos) transformer.forward({tokens[pos]}, pos);
      } else {
        transformer.forward({tokens.begin(), tokens.begin() + fed}, 0);
      }
    });
    return Json{{"cycles", cost.job_cycles},
                {"energy_pj", cost.job_energy_pj},
                {"outputs_checked", cost.outputs_checked},
                {"mismatches", cost.mismatches}}
        .dump();
  }));
  const std::vector<uint64_t> cycles = answer.at("cycles");
  const std::vector<double> energy = answer.at("energy_pj");
  for (size_t i = 0; i < cycles.size(); ++i) v.measured.push_back({cycles[i], energy[i]});
  v.outputs_checked = answer.at("outputs_checked");
  v.mismatches = answer.at("mismatches");
  return v;
}

nlohmann::ordered_json flow_cost_json(const FlowCostModel& m) {
  using Json = nlohmann::ordered_json;
  Json blocks = Json::array();
  for (size_t b = 0; b < m.decode.cycles.size(); ++b) {
    Json patterns = Json::array();
    for (size_t c = 0; c < m.candidates.size(); ++c)
      patterns.push_back(Json{{"pattern", m.candidates[c].str()},
                              {"delta_calibration_ce", m.sensitivity.delta_ce[b][c]},
                              {"score_loss", m.sensitivity.score_loss[b][c]},
                              {"decode_cycles", m.decode.cycles[b][c]},
                              {"decode_energy_pj", m.decode.energy_pj[b][c]},
                              {"prefill_cycles", m.prefill.cycles[b][c]},
                              {"prefill_energy_pj", m.prefill.energy_pj[b][c]}});
    blocks.push_back(Json{{"block", b}, {"candidates", patterns}});
  }
  return Json{{"accuracy_model",
               "increase of the int8 model's cross-entropy on the calibration text when only the block is pruned "
               "(hardware-aware, Wanda scores of the dense calibration statistics); additive over blocks"},
              {"cost_model",
               "cycles and energy of the block's linear layers (wq wk wv wo w1 w3 w2, one accelerator job each, "
               "int32 outputs) measured on the platform; decode: 1 token per job, prefill: prefill_tokens per job"},
              {"calibration_ce", m.sensitivity.base_ce},
              {"calibration_tokens", m.sensitivity.tokens},
              {"prefill_tokens", m.prefill_tokens},
              {"blocks", blocks}};
}

std::string flow_cost_report(const FlowCostModel& m, const flow::Selection& s, const flow::PolicyOptions& options,
                             Phase phase) {
  const BlockCosts& costs = m.costs(phase);
  std::string out = fmt::format("{:>5}  {:>5}  {:>12}  {:>12}  {:>14}\n", "block", "N:M", "dCE (calib)",
                                fmt::format("{} cycles", phase_name(phase)), "energy [nJ]");
  uint64_t cycles = 0;
  double energy = 0;
  for (size_t b = 0; b < s.patterns.size(); ++b) {
    const size_t c = m.candidate(s.patterns[b]);
    out += fmt::format("{:>5}  {:>5}  {:>+12.5f}  {:>12}  {:>14.3f}\n", b, s.patterns[b].str(),
                       m.sensitivity.delta_ce[b][c], costs.cycles[b][c], costs.energy_pj[b][c] / 1e3);
    cycles += costs.cycles[b][c];
    energy += costs.energy_pj[b][c];
  }
  flow::PolicyOptions o = options;
  o.candidates = m.candidates;
  const flow::CostTables tables = m.tables(options.objective, phase);
  const flow::BudgetProblem problem = flow::flow_cost_problem(o, int(tables.cost.size()), tables);
  const double dense = flow::dense_cost(problem), cheapest = flow::cheapest_cost(problem);
  const char* unit = flow::objective_unit(options.objective);
  out += fmt::format(
      "predicted: calibration CE {:+.5f} nats/token; {} {} cycles, {:.3f} nJ; {} {:.6g} {} = {:.4f} of dense "
      "(budget {:.6g} {} = {} of dense; cheapest assignment {:.4f} of dense)\n",
      s.objective, phase_name(phase), cycles, energy / 1e3, flow::objective_name(options.objective), s.cost, unit,
      s.cost / dense, s.budget, unit, options.budget, cheapest / dense);
  if (cheapest >= dense)
    out += fmt::format(
        "note: on this platform dense is the cheapest assignment ({} {}): every budget any pattern fits, dense fits "
        "too, at no predicted loss, so the selection is dense whatever the budget\n",
        phase_name(phase), flow::objective_name(options.objective));
  return out;
}

}  // namespace flexcim
