#include "flow/policy.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace flexcim::flow {
namespace {

// Dense blocks are shown as Mmax:Mmax.
int max_m(const std::vector<nm::Pattern>& candidates) {
  int m = 1;
  for (const nm::Pattern& c : candidates) m = std::max(m, c.m);
  return m;
}

// Mean sparsity of the selection over all blocks and over those not held dense.
void set_sparsities(Selection& s, const std::vector<int>& held) {
  double all = 0, free = 0;
  int free_blocks = 0;
  for (size_t b = 0; b < s.patterns.size(); ++b) {
    all += s.patterns[b].sparsity();
    if (std::find(held.begin(), held.end(), int(b)) == held.end()) {
      free += s.patterns[b].sparsity();
      ++free_blocks;
    }
  }
  s.sparsity_all = s.patterns.empty() ? 0.0 : all / double(s.patterns.size());
  s.sparsity_free = free_blocks > 0 ? free / free_blocks : 0.0;
}

}  // namespace

Policy Policy::parse(std::string_view text) {
  if (text == "dense") return {PolicyKind::Dense, {}};
  if (text == "owl") return {PolicyKind::Owl, {}};
  if (text == "flow") return {PolicyKind::Flow, {}};
  if (text == "flow-cost") return {PolicyKind::FlowCost, {}};
  constexpr std::string_view uniform = "uniform:";
  if (text.substr(0, uniform.size()) == uniform)
    return {PolicyKind::Uniform, nm::Pattern::parse(text.substr(uniform.size()))};
  throw std::invalid_argument(fmt::format(
      "unknown policy \"{}\": allowed dense, uniform:N:M (e.g. uniform:2:4), owl, flow, flow-cost", text));
}

std::string Policy::str() const {
  switch (kind) {
    case PolicyKind::Dense: return "dense";
    case PolicyKind::Uniform: return "uniform:" + uniform_pattern.str();
    case PolicyKind::Owl: return "owl";
    case PolicyKind::Flow: return "flow";
    case PolicyKind::FlowCost: return "flow-cost";
  }
  return "";
}

FlowMode parse_flow_mode(std::string_view text) {
  if (text == "free-blocks") return FlowMode::FreeBlocks;
  if (text == "reference") return FlowMode::Reference;
  throw std::invalid_argument(fmt::format("unknown FLOW mode \"{}\": allowed free-blocks, reference", text));
}

const char* flow_mode_name(FlowMode mode) { return mode == FlowMode::Reference ? "reference" : "free-blocks"; }

std::vector<nm::Pattern> default_candidates() { return {{2, 4}, {4, 4}, {2, 8}, {4, 8}, {8, 8}}; }

std::vector<int> dense_blocks(const PolicyOptions& options, int n_blocks) {
  if (options.dense_blocks) return *options.dense_blocks;
  if (n_blocks == 1) return {0};
  return {0, n_blocks - 1};
}

BudgetProblem flow_cost_problem(const PolicyOptions& options, int n_blocks, const CostTables& tables) {
  if (!(options.budget >= 0) || !std::isfinite(options.budget))
    throw std::invalid_argument(fmt::format("flow-cost: budget {} must be a finite fraction >= 0", options.budget));
  if (tables.cost.size() != size_t(n_blocks))
    throw std::invalid_argument(fmt::format("flow-cost: costs of {} blocks for {}", tables.cost.size(), n_blocks));
  BudgetProblem p;
  p.candidates = options.candidates;
  p.loss = tables.loss;
  p.cost = tables.cost;
  p.dense_blocks = options.dense_blocks.value_or(std::vector<int>{});
  p.budget = options.budget * dense_cost(p);
  return p;
}

Selection select_flow_cost(const PolicyOptions& options, int n_blocks, const CostTables& tables) {
  const BudgetProblem problem = flow_cost_problem(options, n_blocks, tables);
  const BudgetSelection chosen = select_under_budget(problem);
  Selection s;
  s.patterns = chosen.patterns;
  s.objective = chosen.loss;
  s.cost = chosen.cost;
  s.budget = problem.budget;
  set_sparsities(s, problem.dense_blocks);
  return s;
}

Selection select_patterns(const Policy& policy, const PolicyOptions& options, int n_blocks,
                          const MetricsAt& metrics, const CostTables* tables) {
  switch (policy.kind) {
    case PolicyKind::Dense: {
      // Shown as Mmax:Mmax, like the dense blocks of the other policies.
      const int m = max_m(options.candidates);
      return select_uniform(n_blocks, nm::Pattern{m, m});
    }
    case PolicyKind::Uniform:
      return select_uniform(n_blocks, policy.uniform_pattern, dense_blocks(options, n_blocks));
    case PolicyKind::Owl: {
      std::vector<int> supported_n;
      for (const nm::Pattern& c : options.candidates)
        if (c.m == options.owl_m) supported_n.push_back(c.n);
      if (supported_n.empty())
        throw std::invalid_argument(fmt::format("owl: no candidate pattern has M = {}", options.owl_m));
      return select_owl(metrics(options.owl_h), options.owl_m, supported_n, options.sparsity,
                        options.owl_lambda, dense_blocks(options, n_blocks));
    }
    case PolicyKind::Flow: {
      SelectionProblem problem;
      problem.blocks = metrics(options.flow_h);
      problem.candidates = options.candidates;
      problem.target_sparsity = options.sparsity;
      problem.alpha = options.alpha;
      problem.beta = options.beta;
      const std::vector<int> held = dense_blocks(options, n_blocks);
      if (options.flow_mode == FlowMode::FreeBlocks) {
        problem.dense_blocks = held;
        return select_flow(problem);
      }
      Selection s = select_flow(problem);  // over every block; objective as solved
      const int m = max_m(options.candidates);
      for (int b : held) {
        if (b < 0 || b >= n_blocks)
          throw std::invalid_argument(fmt::format("dense block {} outside 0..{}", b, n_blocks - 1));
        s.patterns[b] = nm::Pattern{m, m};
      }
      set_sparsities(s, held);
      return s;
    }
    case PolicyKind::FlowCost:
      if (!tables) throw std::invalid_argument("flow-cost needs each block's predicted loss and platform cost");
      return select_flow_cost(options, n_blocks, *tables);
  }
  throw std::logic_error("unhandled policy kind");
}

}  // namespace flexcim::flow
