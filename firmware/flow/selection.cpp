#include "flow/selection.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace flexcim::flow {
namespace {

using nm::Pattern;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTieTolerance = 1e-9;
constexpr int64_t kMaxUnitsPerBlock = 1 << 20;   // lcm(M) bound
constexpr int64_t kMaxStates = 100'000'000;       // DP table size bound

// Sparsities measured in integer units of 1 / lcm(candidate M).
struct SparsityUnits {
  int64_t per_block;         // lcm(M): one block fully sparse
  std::vector<int64_t> of;   // units of each candidate
};

SparsityUnits sparsity_units(const std::vector<Pattern>& candidates, size_t n_free, const char* where) {
  int64_t lcm = 1;
  for (const Pattern& p : candidates) {
    lcm = std::lcm<int64_t>(lcm, p.m);
    if (lcm > kMaxUnitsPerBlock)
      throw std::invalid_argument(fmt::format("{}: lcm of the candidate M values exceeds {}", where, kMaxUnitsPerBlock));
  }
  const double states = static_cast<double>(n_free) * (static_cast<double>(n_free) * lcm + 1);
  if (states > kMaxStates)
    throw std::invalid_argument(fmt::format("{}: {} blocks x lcm(M) {} is too large for the exact selection",
                                            where, n_free, lcm));
  SparsityUnits u{lcm, {}};
  for (const Pattern& p : candidates) u.of.push_back((p.m - p.n) * (lcm / p.m));
  return u;
}

// reachable[s]: some assignment of n_free blocks sums to s units.
std::vector<bool> reachable_sums(const SparsityUnits& u, size_t n_free) {
  std::vector<bool> now(n_free * u.per_block + 1, false);
  now[0] = true;
  for (size_t b = 0; b < n_free; ++b) {
    std::vector<bool> next(now.size(), false);
    for (size_t s = 0; s < now.size(); ++s)
      if (now[s])
        for (int64_t units : u.of) next[s + units] = true;
    now = std::move(next);
  }
  return now;
}

// Minimises sum_b cost[b][c_b] subject to sum_b units[c_b] == target * n_free * lcm.
// Returns the chosen candidate index per free block, or throws InfeasibleTarget.
std::vector<size_t> solve_exact(const std::vector<std::vector<double>>& cost, const SparsityUnits& u,
                                double target) {
  const size_t n_free = cost.size(), width = n_free * u.per_block + 1;
  const double exact = target * static_cast<double>(n_free * u.per_block);
  const int64_t goal = std::llround(exact);
  // rest[b][s]: minimum cost of blocks b.. using exactly s units.
  std::vector<std::vector<double>> rest(n_free + 1, std::vector<double>(width, kInf));
  rest[n_free][0] = 0;
  for (size_t b = n_free; b-- > 0;)
    for (size_t s = 0; s < width; ++s)
      for (size_t c = 0; c < u.of.size(); ++c)
        if (static_cast<int64_t>(s) >= u.of[c] && rest[b + 1][s - u.of[c]] < kInf)
          rest[b][s] = std::min(rest[b][s], cost[b][c] + rest[b + 1][s - u.of[c]]);

  if (std::abs(exact - goal) > 1e-6 || rest[0][goal] == kInf) {
    std::vector<double> nearest;
    const double scale = static_cast<double>(width - 1);
    for (int64_t s = std::min<int64_t>(std::ceil(exact) - 1, width - 1); s >= 0; --s)
      if (s < exact - 1e-6 && rest[0][s] < kInf) {
        nearest.push_back(s / scale);
        break;
      }
    for (int64_t s = std::max<int64_t>(std::floor(exact) + 1, 0); s < static_cast<int64_t>(width); ++s)
      if (s > exact + 1e-6 && rest[0][s] < kInf) {
        nearest.push_back(s / scale);
        break;
      }
    throw InfeasibleTarget(target, nearest);
  }
  // Forward pass: the earliest candidate within tolerance of the optimum, block by block.
  std::vector<size_t> choice(n_free);
  int64_t s = goal;
  for (size_t b = 0; b < n_free; ++b)
    for (size_t c = 0; c < u.of.size(); ++c)
      if (s >= u.of[c] && rest[b + 1][s - u.of[c]] < kInf &&
          cost[b][c] + rest[b + 1][s - u.of[c]] <= rest[b][s] + kTieTolerance) {
        choice[b] = c;
        s -= u.of[c];
        break;
      }
  return choice;
}

// Indices of the blocks not held dense, after validating dense_blocks.
std::vector<size_t> free_blocks(size_t n_blocks, const std::vector<int>& dense_blocks, const char* where) {
  if (n_blocks == 0) throw std::invalid_argument(fmt::format("{}: no blocks", where));
  std::vector<bool> dense(n_blocks, false);
  for (int d : dense_blocks) {
    if (d < 0 || static_cast<size_t>(d) >= n_blocks)
      throw std::invalid_argument(fmt::format("{}: dense block {} outside 0..{}", where, d, n_blocks - 1));
    if (dense[d]) throw std::invalid_argument(fmt::format("{}: dense block {} listed twice", where, d));
    dense[d] = true;
  }
  std::vector<size_t> free;
  for (size_t b = 0; b < n_blocks; ++b)
    if (!dense[b]) free.push_back(b);
  if (free.empty()) throw std::invalid_argument(fmt::format("{}: every block is held dense", where));
  return free;
}

void check_target(double target, const char* where) {
  if (!(target >= 0 && target <= 1))
    throw std::invalid_argument(fmt::format("{}: target sparsity {} outside [0, 1]", where, target));
}

void check_weight(double w, const char* name, const char* where) {
  if (!(w >= 0) || !std::isfinite(w))
    throw std::invalid_argument(fmt::format("{}: {} = {} must be finite and >= 0", where, name, w));
}

// Normalised outlier ratio of the free blocks.
std::vector<double> free_outlier_norm(const std::vector<BlockMetrics>& blocks, const std::vector<size_t>& free) {
  std::vector<double> raw;
  for (size_t b : free) raw.push_back(blocks[b].outlier_ratio_pct);
  return minmax01(raw);
}

// Builds the result: dense pattern on held blocks, chosen ones on the free blocks.
Selection assemble(size_t n_blocks, Pattern dense, const std::vector<size_t>& free,
                   const std::vector<Pattern>& chosen, double objective) {
  Selection sel;
  sel.patterns.assign(n_blocks, dense);
  double free_sum = 0;
  for (size_t i = 0; i < free.size(); ++i) {
    sel.patterns[free[i]] = chosen[i];
    free_sum += chosen[i].sparsity();
  }
  sel.objective = objective;
  sel.sparsity_free = free_sum / free.size();
  sel.sparsity_all = free_sum / n_blocks;  // dense blocks contribute 0
  return sel;
}

}  // namespace

void check_candidates(const std::vector<Pattern>& candidates, const char* where) {
  if (candidates.empty()) throw std::invalid_argument(fmt::format("{}: no candidate patterns", where));
  std::set<std::pair<int, int>> seen;
  for (const Pattern& p : candidates) {
    p.validate(where);
    if (!seen.insert({p.n, p.m}).second)
      throw std::invalid_argument(fmt::format("{}: candidate {} listed twice", where, p.str()));
  }
}

InfeasibleTarget::InfeasibleTarget(double target, std::vector<double> nearest)
    : std::runtime_error(fmt::format("target sparsity {} is not achievable exactly with these candidates and blocks; "
                                     "nearest achievable: {}",
                                     target, fmt::join(nearest, ", "))),
      target_(target),
      nearest_(std::move(nearest)) {}

Selection select_flow(const SelectionProblem& problem) {
  const char* where = "select_flow";
  check_candidates(problem.candidates, where);
  check_target(problem.target_sparsity, where);
  check_weight(problem.alpha, "alpha", where);
  check_weight(problem.beta, "beta", where);
  const std::vector<size_t> free = free_blocks(problem.blocks.size(), problem.dense_blocks, where);
  const SparsityUnits units = sparsity_units(problem.candidates, free.size(), where);

  int n_max = 0, m_max = 0;
  for (const Pattern& p : problem.candidates) {
    n_max = std::max(n_max, p.n);
    m_max = std::max(m_max, p.m);
  }
  const std::vector<double> o = free_outlier_norm(problem.blocks, free);
  std::vector<double> raw_d;
  for (size_t b : free) raw_d.push_back(problem.blocks[b].locality);
  const std::vector<double> d = minmax01(raw_d);

  std::vector<std::vector<double>> cost(free.size());
  for (size_t i = 0; i < free.size(); ++i)
    for (const Pattern& p : problem.candidates)
      cost[i].push_back(problem.alpha * std::abs(p.n - o[i] * n_max) +
                        problem.beta * std::abs(p.m - (1 - d[i]) * m_max));

  const std::vector<size_t> choice = solve_exact(cost, units, problem.target_sparsity);
  std::vector<Pattern> chosen;
  double objective = 0;
  for (size_t i = 0; i < free.size(); ++i) {
    chosen.push_back(problem.candidates[choice[i]]);
    objective += cost[i][choice[i]];
  }
  return assemble(problem.blocks.size(), Pattern{m_max, m_max}, free, chosen, objective);
}

Selection select_owl(const std::vector<BlockMetrics>& blocks, int m, const std::vector<int>& supported_n,
                     double target, double owl_lambda, const std::vector<int>& dense_blocks) {
  const char* where = "select_owl";
  if (supported_n.empty()) throw std::invalid_argument(fmt::format("{}: no supported N", where));
  std::vector<Pattern> candidates;
  for (int n : supported_n) candidates.push_back(Pattern{n, m});
  check_candidates(candidates, where);
  check_target(target, where);
  check_weight(owl_lambda, "owl_lambda", where);
  const std::vector<size_t> free = free_blocks(blocks.size(), dense_blocks, where);
  const SparsityUnits units = sparsity_units(candidates, free.size(), where);

  const std::vector<double> o = free_outlier_norm(blocks, free);
  const double o_mean = std::accumulate(o.begin(), o.end(), 0.0) / o.size();
  std::vector<double> wanted;  // s_i
  std::vector<std::vector<double>> cost(free.size());
  for (size_t i = 0; i < free.size(); ++i) {
    wanted.push_back(target - owl_lambda * (o[i] - o_mean));
    for (const Pattern& p : candidates) cost[i].push_back(std::abs(p.sparsity() - wanted[i]));
  }
  const std::vector<size_t> choice = solve_exact(cost, units, target);

  // Hand the chosen sparsities out in outlier order: most outliers -> least sparse.
  std::vector<size_t> by_outliers(free.size());
  std::iota(by_outliers.begin(), by_outliers.end(), 0);
  std::stable_sort(by_outliers.begin(), by_outliers.end(), [&](size_t a, size_t b) { return o[a] > o[b]; });
  std::vector<Pattern> sorted;
  for (size_t c : choice) sorted.push_back(candidates[c]);
  std::stable_sort(sorted.begin(), sorted.end(), [](Pattern a, Pattern b) { return a.n > b.n; });
  std::vector<Pattern> chosen(free.size());
  double objective = 0;
  for (size_t r = 0; r < free.size(); ++r) {
    const size_t i = by_outliers[r];
    chosen[i] = sorted[r];
    objective += std::abs(sorted[r].sparsity() - wanted[i]);
  }
  return assemble(blocks.size(), Pattern{m, m}, free, chosen, objective);
}

Selection select_uniform(size_t n_blocks, Pattern p, const std::vector<int>& dense_blocks) {
  p.validate("select_uniform");
  const std::vector<size_t> free = free_blocks(n_blocks, dense_blocks, "select_uniform");
  return assemble(n_blocks, Pattern{p.m, p.m}, free, std::vector<Pattern>(free.size(), p), 0);
}

std::vector<double> achievable_targets(const std::vector<Pattern>& candidates, size_t n_free_blocks) {
  const char* where = "achievable_targets";
  check_candidates(candidates, where);
  if (n_free_blocks == 0) throw std::invalid_argument(fmt::format("{}: no free blocks", where));
  const SparsityUnits units = sparsity_units(candidates, n_free_blocks, where);
  const std::vector<bool> reachable = reachable_sums(units, n_free_blocks);
  std::vector<double> targets;
  for (size_t s = 0; s < reachable.size(); ++s)
    if (reachable[s]) targets.push_back(static_cast<double>(s) / (reachable.size() - 1));
  return targets;
}

}  // namespace flexcim::flow
