// The cost-aware selection (policy flow-cost): exact against brute force over every
// assignment of small random problems, infeasible budgets, blocks held dense, bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "flow/budget.h"
#include "pattern_print.h"

namespace {

using namespace flexcim::flow;
using flexcim::nm::Pattern;

const std::vector<Pattern> kHw = {{1, 2}, {1, 4}, {2, 4}, {1, 8}, {2, 8}, {4, 8}, {4, 4}};

// The optimum by enumeration: lowest loss, then lowest cost, then the lexicographically
// first choice (block 0 most significant); sums in block order. Empty when nothing fits.
std::vector<size_t> brute_force(const BudgetProblem& p) {
  const size_t blocks = p.cost.size(), k = p.candidates.size();
  std::vector<size_t> pick(blocks, 0), best;
  double best_loss = INFINITY, best_cost = INFINITY;
  for (;;) {
    bool allowed = true;
    for (int b : p.dense_blocks) allowed = allowed && p.candidates[pick[b]].dense();
    double cost = 0, loss = 0;
    for (size_t b = 0; b < blocks; ++b) {
      cost += p.cost[b][pick[b]];
      loss += p.loss[b][pick[b]];
    }
    // Enumeration runs in lexicographic order, so only strictly better replaces.
    if (allowed && cost <= p.budget && (loss < best_loss || (loss == best_loss && cost < best_cost))) {
      best = pick;
      best_loss = loss;
      best_cost = cost;
    }
    size_t b = blocks;
    while (b-- > 0 && ++pick[b] == k) pick[b] = 0;
    if (b == size_t(-1)) return best;
  }
}

// Random tables; `integer` costs (like cycles) give many equal sums and so many ties.
BudgetProblem random_problem(std::mt19937& rng, size_t blocks, size_t candidates, bool integer) {
  BudgetProblem p;
  p.candidates.assign(kHw.end() - candidates, kHw.end());  // the dense 4:4 always among them
  std::uniform_real_distribution<double> loss(0.0, 2.0), cost(0.0, 1000.0);
  std::uniform_int_distribution<int> cycles(1, 6);
  p.loss.resize(blocks);
  p.cost.resize(blocks);
  for (size_t b = 0; b < blocks; ++b)
    for (size_t c = 0; c < candidates; ++c) {
      const bool dense = p.candidates[c].dense();
      p.loss[b].push_back(dense ? 0.0 : integer ? double(cycles(rng) % 3) : loss(rng));
      p.cost[b].push_back(integer ? double(cycles(rng)) : cost(rng));
    }
  const double lo = cheapest_cost(p), hi = dense_cost(p) * 1.2;
  p.budget = std::uniform_real_distribution<double>(lo * 0.9, hi)(rng);
  if (integer) p.budget = std::floor(p.budget);
  return p;
}

void expect_exact(const BudgetProblem& p) {
  const std::vector<size_t> expected = brute_force(p);
  if (expected.empty()) {
    EXPECT_THROW(select_under_budget(p), InfeasibleBudget);
    return;
  }
  const BudgetSelection s = select_under_budget(p);
  EXPECT_EQ(s.choice, expected);
  double cost = 0, loss = 0;
  for (size_t b = 0; b < expected.size(); ++b) {
    cost += p.cost[b][expected[b]];
    loss += p.loss[b][expected[b]];
    EXPECT_EQ(s.patterns[b], p.candidates[expected[b]]);
  }
  EXPECT_EQ(s.cost, cost);  // the same sum, in block order
  EXPECT_EQ(s.loss, loss);
  EXPECT_LE(s.cost, p.budget);
}

TEST(FlowBudget, ExactAgainstBruteForceRealCosts) {
  std::mt19937 rng(14);
  for (int trial = 0; trial < 300; ++trial)
    expect_exact(random_problem(rng, 1 + trial % 5, 2 + trial % 6, false));
}

TEST(FlowBudget, ExactAgainstBruteForceIntegerCostsWithTies) {
  std::mt19937 rng(41);
  for (int trial = 0; trial < 300; ++trial)
    expect_exact(random_problem(rng, 1 + trial % 5, 2 + trial % 6, true));
}

TEST(FlowBudget, ExactWithBlocksHeldDense) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 100; ++trial) {
    BudgetProblem p = random_problem(rng, 5, 7, trial % 2 == 1);
    p.dense_blocks = {0, 4};
    p.budget = std::uniform_real_distribution<double>(cheapest_cost(p), dense_cost(p))(rng);
    expect_exact(p);
    for (int b : p.dense_blocks) EXPECT_TRUE(select_under_budget(p).patterns[b].dense());
  }
}

TEST(FlowBudget, TheBudgetBinds) {
  // Two blocks; pruning block 0 costs less loss, so a budget that allows one sparse
  // block prunes block 0; the cheapest budget prunes both; the dense budget none.
  BudgetProblem p;
  p.candidates = {{2, 4}, {4, 4}};
  p.loss = {{0.1, 0.0}, {0.5, 0.0}};
  p.cost = {{60, 100}, {60, 100}};
  p.budget = 200;
  EXPECT_EQ(select_under_budget(p).patterns, (std::vector<Pattern>{{4, 4}, {4, 4}}));
  p.budget = 160;
  EXPECT_EQ(select_under_budget(p).patterns, (std::vector<Pattern>{{2, 4}, {4, 4}}));
  p.budget = 120;
  const BudgetSelection s = select_under_budget(p);
  EXPECT_EQ(s.patterns, (std::vector<Pattern>{{2, 4}, {2, 4}}));
  EXPECT_DOUBLE_EQ(s.loss, 0.6);
  EXPECT_EQ(s.cost, 120);
}

TEST(FlowBudget, InfeasibleBudgetNamesTheCheapestCost) {
  BudgetProblem p;
  p.candidates = {{1, 4}, {2, 4}, {4, 4}};
  p.loss = {{3, 1, 0}, {3, 1, 0}, {3, 1, 0}};
  p.cost = {{10, 20, 40}, {11, 20, 40}, {12, 20, 40}};
  p.budget = 32.5;
  try {
    select_under_budget(p);
    FAIL() << "expected InfeasibleBudget";
  } catch (const InfeasibleBudget& e) {
    EXPECT_EQ(e.cheapest(), 33);
    EXPECT_EQ(e.budget(), 32.5);
  }
  p.budget = 33;  // the nearest feasible budget is feasible
  EXPECT_EQ(select_under_budget(p).cost, 33);
  EXPECT_EQ(cheapest_cost(p), 33);
  EXPECT_EQ(dense_cost(p), 120);
}

TEST(FlowBudget, DenseCheapestMeansDenseForEveryBudget) {
  // The default platform on stories260K: sparse records are larger than dense ones, so
  // dense is cheapest and loses nothing; every feasible budget gets dense.
  BudgetProblem p;
  p.candidates = {{2, 4}, {1, 8}, {4, 4}};
  p.loss = {{0.2, 0.9, 0}, {0.3, 1.1, 0}};
  p.cost = {{105, 105, 100}, {105, 105, 100}};
  for (double budget : {200.0, 205.0, 1e9}) {
    p.budget = budget;
    EXPECT_EQ(select_under_budget(p).patterns, (std::vector<Pattern>{{4, 4}, {4, 4}}));
  }
  p.budget = 199;
  EXPECT_THROW(select_under_budget(p), InfeasibleBudget);
}

TEST(FlowBudget, RefusesMalformedProblems) {
  BudgetProblem p;
  p.candidates = {{2, 4}, {4, 4}};
  p.loss = {{0.1, 0}};
  p.cost = {{1, 2}};
  p.budget = 10;
  auto bad = [](BudgetProblem q) { EXPECT_THROW(select_under_budget(q), std::invalid_argument); };
  BudgetProblem q = p;
  q.candidates = {};
  bad(q);
  q = p;
  q.candidates = {{2, 4}, {2, 4}};
  bad(q);
  q = p;
  q.cost = {{1}};
  bad(q);
  q = p;
  q.loss = {};
  bad(q);
  q = p;
  q.cost = {{-1, 2}};
  bad(q);
  q = p;
  q.cost = {{INFINITY, 2}};
  bad(q);
  q = p;
  q.loss = {{NAN, 0}};
  bad(q);
  q = p;
  q.dense_blocks = {1};
  bad(q);
  q = p;
  q.candidates = {{2, 4}, {1, 4}};
  q.dense_blocks = {0};
  bad(q);
  q = p;
  q.budget = NAN;
  bad(q);
  EXPECT_EQ(parse_objective("energy"), Objective::Energy);
  EXPECT_THROW(parse_objective("power"), std::invalid_argument);
}

}  // namespace
