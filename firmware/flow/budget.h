#pragma once
// Cost-aware layer-wise N:M selection (policy flow-cost): one candidate per block
// minimising the predicted accuracy loss sum_b loss[b][c_b] subject to the platform
// cost sum_b cost[b][c_b] <= budget, where cost is what the block's linear layers take
// on the accelerator at that pattern (cycles or pJ, measured on the platform) and loss
// what pruning the block to it costs the model (e.g. the calibration cross-entropy
// increase when only that block is pruned).
//
// Exact for any real costs and losses: a dynamic programme over the blocks keeps,
// after each block, every partial assignment that no other one beats in both cost and
// loss (the Pareto frontier; Nemhauser-Ullmann). Partial assignments that can no longer
// meet the budget, even with the cheapest candidate for every later block, are dropped.
//
// Ties: lower loss, then lower cost, then the assignment that picks the earliest
// candidate (in the given order) for the first block, then for the second, and so on.
// Costs and losses are summed in block order, so the reported cost is exactly the sum
// a caller adding the blocks' costs in order gets.

#include <cstddef>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "nm/pattern.h"

namespace flexcim::flow {

enum class Objective { Latency, Energy };  // cost in cycles, or in pJ

// "latency" or "energy"; throws std::invalid_argument otherwise.
Objective parse_objective(std::string_view text);
const char* objective_name(Objective objective);
const char* objective_unit(Objective objective);  // "cycles" or "pJ"

struct BudgetProblem {
  std::vector<nm::Pattern> candidates;    // must include a dense one when blocks are held dense
  std::vector<std::vector<double>> loss;  // [block][candidate]: predicted loss
  std::vector<std::vector<double>> cost;  // [block][candidate]: cost, finite and >= 0
  double budget = 0;                      // in the unit of cost
  std::vector<int> dense_blocks;          // held at the first dense candidate
};

struct BudgetSelection {
  std::vector<size_t> choice;  // candidate index per block
  std::vector<nm::Pattern> patterns;
  double loss = 0;  // sum of the chosen losses
  double cost = 0;  // sum of the chosen costs (<= budget)
};

// No assignment fits the budget; cheapest() is the lowest cost any assignment has,
// i.e. the nearest feasible budget.
class InfeasibleBudget : public std::runtime_error {
 public:
  InfeasibleBudget(double budget, double cheapest);
  double budget() const { return budget_; }
  double cheapest() const { return cheapest_; }

 private:
  double budget_, cheapest_;
};

// Throws InfeasibleBudget, or std::invalid_argument for malformed problems (no or
// duplicate candidates, tables of the wrong shape, negative or non-finite costs,
// non-finite losses, a held block without a dense candidate, a bad block index).
BudgetSelection select_under_budget(const BudgetProblem& problem);

// The cost of the cheapest assignment and of the all-dense one (held blocks dense in
// both); the latter throws std::invalid_argument when no candidate is dense.
double cheapest_cost(const BudgetProblem& problem);
double dense_cost(const BudgetProblem& problem);

}  // namespace flexcim::flow
