#pragma once
// How every block gets its N:M pattern: dense, one pattern everywhere (uniform),
// OWL-style (M fixed, N from the outlier ratio), FLOW (DESIGN.md section 1) or
// flow-cost (the least predicted loss within a latency or energy budget, budget.h).
// Model-independent: the caller supplies the blocks' outlier metrics and, for
// flow-cost, each block's predicted loss and platform cost per candidate.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flow/budget.h"
#include "flow/metrics.h"
#include "flow/selection.h"
#include "nm/pattern.h"

namespace flexcim::flow {

enum class PolicyKind { Dense, Uniform, Owl, Flow, FlowCost };

struct Policy {
  PolicyKind kind = PolicyKind::Dense;
  nm::Pattern uniform_pattern;  // Uniform only

  // "dense", "uniform:N:M", "owl", "flow" or "flow-cost"; throws std::invalid_argument otherwise.
  static Policy parse(std::string_view text);
  std::string str() const;  // the form parse accepts
};

// FLOW's reference candidates: 2:4, 4:4, 2:8, 4:8, 8:8.
std::vector<nm::Pattern> default_candidates();

// How FLOW treats the blocks held dense:
//   FreeBlocks  they are left out of the solve; the target is met exactly by the others
//   Reference   as the authors' code: solve over all blocks, then force the held blocks
//               dense, so the achieved sparsity ends up below the target
enum class FlowMode { FreeBlocks, Reference };

// "free-blocks" or "reference"; throws std::invalid_argument otherwise.
FlowMode parse_flow_mode(std::string_view text);
const char* flow_mode_name(FlowMode mode);

struct PolicyOptions {
  double sparsity = 0.5;  // owl, flow: target mean sparsity of the blocks not held dense
  // Held dense; unset = first and last block (flow-cost: none).
  std::optional<std::vector<int>> dense_blocks;
  // FLOW, DESIGN.md defaults.
  double flow_h = 0.5;
  double alpha = 1.0;
  double beta = 4.0;
  FlowMode flow_mode = FlowMode::FreeBlocks;
  std::vector<nm::Pattern> candidates = default_candidates();
  // OWL-style baseline: M = owl_m with the candidates' N for that M; OWL paper's
  // outlier multiplier and lambda.
  double owl_h = 5.0;
  double owl_lambda = 0.08;
  int owl_m = 8;
  // flow-cost: the cost that is budgeted, and the budget as a fraction of the cost of
  // the all-dense assignment on the same platform and workload.
  Objective objective = Objective::Latency;
  double budget = 1.0;
};

// flow-cost's inputs, [block][candidate] in PolicyOptions::candidates order: the
// predicted loss and the cost under PolicyOptions::objective.
struct CostTables {
  std::vector<std::vector<double>> loss, cost;
};

// The dense blocks `options` asks for in a model of n_blocks.
std::vector<int> dense_blocks(const PolicyOptions& options, int n_blocks);

// Outlier ratio and locality of every block at multiplier h.
using MetricsAt = std::function<std::vector<BlockMetrics>(double h)>;

// One pattern per block. Throws InfeasibleTarget (naming the nearest achievable
// targets), InfeasibleBudget (flow-cost; the cheapest cost is the nearest feasible
// budget) or std::invalid_argument for options the policy cannot use (flow-cost
// without tables).
Selection select_patterns(const Policy& policy, const PolicyOptions& options, int n_blocks,
                          const MetricsAt& metrics, const CostTables* tables = nullptr);

// flow-cost alone: the budget problem the options and tables pose (budget in the
// objective's unit, already scaled by the all-dense cost), and its solution.
BudgetProblem flow_cost_problem(const PolicyOptions& options, int n_blocks, const CostTables& tables);
Selection select_flow_cost(const PolicyOptions& options, int n_blocks, const CostTables& tables);

}  // namespace flexcim::flow
