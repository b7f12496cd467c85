#include "flow/budget.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "flow/selection.h"

namespace flexcim::flow {
namespace {

constexpr size_t kMaxFrontier = 4'000'000;  // partial assignments kept after one block

// A partial assignment of the first blocks.
struct Partial {
  double cost = 0, loss = 0;
  std::vector<uint8_t> choice;
};

bool better(const Partial& a, const Partial& b) {  // the order ties are broken in
  if (a.cost != b.cost) return a.cost < b.cost;
  if (a.loss != b.loss) return a.loss < b.loss;
  return a.choice < b.choice;
}

// Candidates each block may take: all, or the first dense one for a held block.
std::vector<std::vector<size_t>> allowed_candidates(const BudgetProblem& p, const char* where) {
  check_candidates(p.candidates, where);
  if (p.candidates.size() > 255) throw std::invalid_argument(fmt::format("{}: more than 255 candidates", where));
  const size_t blocks = p.cost.size();
  if (blocks == 0) throw std::invalid_argument(fmt::format("{}: no blocks", where));
  if (p.loss.size() != blocks)
    throw std::invalid_argument(fmt::format("{}: {} loss rows for {} blocks", where, p.loss.size(), blocks));
  for (size_t b = 0; b < blocks; ++b) {
    if (p.cost[b].size() != p.candidates.size() || p.loss[b].size() != p.candidates.size())
      throw std::invalid_argument(fmt::format("{}: block {} needs one cost and one loss per candidate ({})", where,
                                              b, p.candidates.size()));
    for (size_t c = 0; c < p.candidates.size(); ++c) {
      if (!(p.cost[b][c] >= 0) || !std::isfinite(p.cost[b][c]))
        throw std::invalid_argument(fmt::format("{}: block {} cost {} at {} must be finite and >= 0", where, b,
                                                p.cost[b][c], p.candidates[c].str()));
      if (!std::isfinite(p.loss[b][c]))
        throw std::invalid_argument(
            fmt::format("{}: block {} loss at {} is not finite", where, b, p.candidates[c].str()));
    }
  }
  std::vector<std::vector<size_t>> allowed(blocks);
  for (auto& a : allowed)
    for (size_t c = 0; c < p.candidates.size(); ++c) a.push_back(c);
  const auto dense = std::find_if(p.candidates.begin(), p.candidates.end(), [](nm::Pattern c) { return c.dense(); });
  std::vector<bool> held(blocks, false);
  for (int b : p.dense_blocks) {
    if (b < 0 || size_t(b) >= blocks)
      throw std::invalid_argument(fmt::format("{}: dense block {} outside 0..{}", where, b, blocks - 1));
    if (held[b]) throw std::invalid_argument(fmt::format("{}: dense block {} listed twice", where, b));
    if (dense == p.candidates.end())
      throw std::invalid_argument(fmt::format("{}: blocks held dense need a dense candidate", where));
    held[b] = true;
    allowed[b] = {size_t(dense - p.candidates.begin())};
  }
  return allowed;
}

// Per block, the cheapest allowed candidate (the earliest on ties).
std::vector<size_t> cheapest_choice(const BudgetProblem& p, const std::vector<std::vector<size_t>>& allowed) {
  std::vector<size_t> choice;
  for (size_t b = 0; b < allowed.size(); ++b) {
    size_t best = allowed[b][0];
    for (size_t c : allowed[b])
      if (p.cost[b][c] < p.cost[b][best]) best = c;
    choice.push_back(best);
  }
  return choice;
}

double sum_cost(const BudgetProblem& p, const std::vector<size_t>& choice) {
  double total = 0;
  for (size_t b = 0; b < choice.size(); ++b) total += p.cost[b][choice[b]];
  return total;
}

}  // namespace

Objective parse_objective(std::string_view text) {
  if (text == "latency") return Objective::Latency;
  if (text == "energy") return Objective::Energy;
  throw std::invalid_argument(fmt::format("unknown objective \"{}\": allowed latency, energy", text));
}

const char* objective_name(Objective objective) { return objective == Objective::Energy ? "energy" : "latency"; }
const char* objective_unit(Objective objective) { return objective == Objective::Energy ? "pJ" : "cycles"; }

InfeasibleBudget::InfeasibleBudget(double budget, double cheapest)
    : std::runtime_error(fmt::format("budget {} is below the cheapest assignment's cost {}", budget, cheapest)),
      budget_(budget),
      cheapest_(cheapest) {}

double cheapest_cost(const BudgetProblem& problem) {
  const auto allowed = allowed_candidates(problem, "cheapest_cost");
  return sum_cost(problem, cheapest_choice(problem, allowed));
}

double dense_cost(const BudgetProblem& problem) {
  const auto allowed = allowed_candidates(problem, "dense_cost");
  const auto dense =
      std::find_if(problem.candidates.begin(), problem.candidates.end(), [](nm::Pattern c) { return c.dense(); });
  if (dense == problem.candidates.end()) throw std::invalid_argument("dense_cost: no dense candidate");
  return sum_cost(problem, std::vector<size_t>(allowed.size(), size_t(dense - problem.candidates.begin())));
}

BudgetSelection select_under_budget(const BudgetProblem& problem) {
  const char* where = "select_under_budget";
  const auto allowed = allowed_candidates(problem, where);
  if (std::isnan(problem.budget)) throw std::invalid_argument(fmt::format("{}: budget is not a number", where));
  const size_t blocks = allowed.size();

  // cheapest_rest[b]: the least cost blocks b.. can add. A partial assignment is kept
  // only if it can still meet the budget; the slack covers rounding of the partial
  // sums, the final test below is exact.
  std::vector<double> cheapest_rest(blocks + 1, 0.0);
  const std::vector<size_t> cheapest = cheapest_choice(problem, allowed);
  for (size_t b = blocks; b-- > 0;) cheapest_rest[b] = cheapest_rest[b + 1] + problem.cost[b][cheapest[b]];
  const double reach = problem.budget + 1e-9 * std::abs(problem.budget);

  std::vector<Partial> frontier(1);
  for (size_t b = 0; b < blocks; ++b) {
    std::vector<Partial> next;
    next.reserve(frontier.size() * allowed[b].size());
    for (const Partial& s : frontier)
      for (size_t c : allowed[b]) {
        Partial t{s.cost + problem.cost[b][c], s.loss + problem.loss[b][c], s.choice};
        if (t.cost + cheapest_rest[b + 1] > reach) continue;
        t.choice.push_back(uint8_t(c));
        next.push_back(std::move(t));
      }
    // Keep what no cheaper (or equally cheap, earlier) partial assignment beats in loss.
    std::sort(next.begin(), next.end(), better);
    frontier.clear();
    for (Partial& s : next)
      if (frontier.empty() || s.loss < frontier.back().loss) frontier.push_back(std::move(s));
    if (frontier.size() > kMaxFrontier)
      throw std::invalid_argument(
          fmt::format("{}: more than {} non-dominated partial assignments after block {}", where, kMaxFrontier, b));
  }

  // Cost ascending, loss strictly descending: the last one within the budget wins.
  const Partial* best = nullptr;
  for (const Partial& s : frontier)
    if (s.cost <= problem.budget) best = &s;
  if (!best) throw InfeasibleBudget(problem.budget, sum_cost(problem, cheapest));

  BudgetSelection sel;
  for (uint8_t c : best->choice) {
    sel.choice.push_back(c);
    sel.patterns.push_back(problem.candidates[c]);
  }
  sel.loss = best->loss;
  sel.cost = best->cost;
  return sel;
}

}  // namespace flexcim::flow
