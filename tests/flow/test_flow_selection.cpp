// FLOW layer-wise N:M selection, the OWL and uniform baselines, and achievable targets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "flow/selection.h"
#include "pattern_print.h"

namespace {

using namespace flexcim::flow;
using flexcim::nm::Pattern;

const std::vector<Pattern> kReference = {{2, 4}, {4, 4}, {2, 8}, {4, 8}, {8, 8}};

std::vector<BlockMetrics> random_blocks(std::mt19937& rng, size_t count) {
  std::uniform_real_distribution<double> ratio(0.0, 20.0), locality(1e-5, 1e-3);
  std::vector<BlockMetrics> blocks(count);
  for (auto& b : blocks) b = {ratio(rng), locality(rng)};
  return blocks;
}

bool contains(const std::vector<double>& v, double x) {
  return std::any_of(v.begin(), v.end(), [&](double y) { return std::abs(x - y) < 1e-12; });
}

// Lexicographically first (block 0 most significant, candidate order) optimal assignment
// over all candidates^free assignments; empty when no assignment meets the target.
std::vector<Pattern> brute_flow(const SelectionProblem& pr, double* objective) {
  std::vector<size_t> free;
  for (size_t b = 0; b < pr.blocks.size(); ++b)
    if (std::find(pr.dense_blocks.begin(), pr.dense_blocks.end(), static_cast<int>(b)) == pr.dense_blocks.end())
      free.push_back(b);
  std::vector<double> o, d;
  for (size_t b : free) {
    o.push_back(pr.blocks[b].outlier_ratio_pct);
    d.push_back(pr.blocks[b].locality);
  }
  o = minmax01(o);
  d = minmax01(d);
  int n_max = 0, m_max = 0;
  for (Pattern p : pr.candidates) n_max = std::max(n_max, p.n), m_max = std::max(m_max, p.m);

  std::vector<size_t> pick(free.size(), 0), best_pick;
  double best = INFINITY;
  while (true) {
    double cost = 0, sparsity = 0;
    for (size_t k = 0; k < free.size(); ++k) {
      const Pattern p = pr.candidates[pick[k]];
      cost += pr.alpha * std::abs(p.n - o[k] * n_max) + pr.beta * std::abs(p.m - (1 - d[k]) * m_max);
      sparsity += p.sparsity();
    }
    if (std::abs(sparsity / free.size() - pr.target_sparsity) < 1e-9 && cost < best - 1e-9) {
      best = cost;
      best_pick = pick;
    }
    // Odometer with the last block least significant: lexicographic order.
    size_t i = free.size();
    while (i > 0 && ++pick[i - 1] == pr.candidates.size()) pick[--i] = 0;
    if (i == 0) break;
  }
  *objective = best;
  std::vector<Pattern> patterns;
  if (best_pick.empty()) return patterns;
  patterns.assign(pr.blocks.size(), Pattern{m_max, m_max});
  for (size_t i = 0; i < free.size(); ++i) patterns[free[i]] = pr.candidates[best_pick[i]];
  return patterns;
}

TEST(AchievableTargets, ReferenceCandidatesOver32Blocks) {
  // Sparsities 0, 0.5, 0.75 are 0, 4, 6 eighths: sums over 32 blocks are the even
  // numbers 0..192 of 1/256 except 2.
  const auto t = achievable_targets(kReference, 32);
  EXPECT_EQ(t.size(), 96u);
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_EQ(t.front(), 0.0);
  EXPECT_EQ(t.back(), 0.75);
  EXPECT_TRUE(contains(t, 0.5));
  EXPECT_FALSE(contains(t, 0.6));
  EXPECT_FALSE(contains(t, 0.7));
  EXPECT_FALSE(contains(t, 2.0 / 256));
  EXPECT_TRUE(contains(t, 0.59375));
  // With the first and last block dense, 30 free blocks reach 0.6 and 0.7.
  EXPECT_TRUE(contains(achievable_targets(kReference, 30), 0.6));
  EXPECT_TRUE(contains(achievable_targets(kReference, 30), 0.7));
}

TEST(SelectFlow, HandComputedTwoBlockObjective) {
  // Normalised O = {0, 1}, D = {0, 1}; Nmax = Mmax = 8. Block 0 wants N ~ 0, M ~ 8,
  // block 1 wants N ~ 8, M ~ 0. Target 0.25 = one block at 0.5, the other dense:
  // 4:8 (cost 4) + 4:4 (cost 4 + 16 = 20) = 24 beats 8:8 (8) + 2:4 (6 + 16 = 22).
  SelectionProblem pr;
  pr.blocks = {{10, 0.1}, {30, 0.3}};
  pr.candidates = kReference;
  pr.target_sparsity = 0.25;
  Selection sel = select_flow(pr);
  EXPECT_EQ(sel.patterns, (std::vector<Pattern>{{4, 8}, {4, 4}}));
  EXPECT_DOUBLE_EQ(sel.objective, 24.0);
  EXPECT_DOUBLE_EQ(sel.sparsity_free, 0.25);
  EXPECT_DOUBLE_EQ(sel.sparsity_all, 0.25);
  // Target 0.625: 2:8 (2) + 2:4 (22) = 24.
  pr.target_sparsity = 0.625;
  sel = select_flow(pr);
  EXPECT_EQ(sel.patterns, (std::vector<Pattern>{{2, 8}, {2, 4}}));
  EXPECT_DOUBLE_EQ(sel.objective, 24.0);
}

TEST(SelectFlow, EqualMetricsNormaliseToZeroAndTiesPickEarliestCandidate) {
  // All-equal metrics normalise to O = D = 0: costs 2:4 18, 4:4 20, 2:8 2, 4:8 4, 8:8 8.
  // Target 0.5 over 4 blocks: {4:8 x4} and {2:8, 2:8, 4:8, 8:8} both cost 16; the
  // earliest candidate for block 0 (2:8 before 4:8) decides.
  SelectionProblem pr;
  pr.blocks.assign(4, {5.0, 0.01});
  pr.candidates = kReference;
  const Selection sel = select_flow(pr);
  EXPECT_EQ(sel.patterns, (std::vector<Pattern>{{2, 8}, {2, 8}, {4, 8}, {8, 8}}));
  EXPECT_DOUBLE_EQ(sel.objective, 16.0);
}

TEST(SelectFlow, DynamicProgrammeEqualsBruteForce) {
  std::mt19937 rng(2024);
  int checked = 0;
  for (size_t n_blocks = 4; n_blocks <= 6; ++n_blocks)
    for (int trial = 0; trial < 4; ++trial) {
      SelectionProblem pr;
      pr.blocks = random_blocks(rng, n_blocks);
      pr.candidates = kReference;
      if (trial == 3) pr.dense_blocks = {0, static_cast<int>(n_blocks) - 1};
      const size_t n_free = n_blocks - pr.dense_blocks.size();
      for (double target : {0.0, 0.125, 0.25, 0.4375, 0.5, 0.5625, 0.6, 0.7, 0.75}) {
        pr.target_sparsity = target;
        double expected = 0;
        const auto patterns = brute_flow(pr, &expected);
        SCOPED_TRACE(testing::Message() << n_blocks << " blocks, trial " << trial << ", target " << target);
        ASSERT_EQ(patterns.empty(), !contains(achievable_targets(kReference, n_free), target));
        if (patterns.empty()) {
          EXPECT_THROW(select_flow(pr), InfeasibleTarget);
          continue;
        }
        const Selection sel = select_flow(pr);
        EXPECT_NEAR(sel.objective, expected, 1e-9);
        EXPECT_EQ(sel.patterns, patterns);
        EXPECT_NEAR(sel.sparsity_free, target, 1e-12);
        ++checked;
      }
    }
  EXPECT_GT(checked, 60);
}

TEST(SelectFlow, InfeasibleTargetsReportNearestAchievable) {
  SelectionProblem pr;
  std::mt19937 rng(9);
  pr.blocks = random_blocks(rng, 32);
  pr.candidates = kReference;
  const std::vector<std::pair<double, std::vector<double>>> cases = {
      {0.6, {0.59375, 0.6015625}},     // 153.6 / 256: off the 1/256 grid
      {0.7, {0.6953125, 0.703125}},    // 179.2 / 256
      {2.0 / 256, {0.0, 4.0 / 256}},   // on the grid but unreachable: smallest non-zero is 4/256
      {0.8, {0.75}},                   // above the sparsest pattern
  };
  for (const auto& [target, nearest] : cases) {
    pr.target_sparsity = target;
    try {
      select_flow(pr);
      ADD_FAILURE() << "target " << target << " accepted";
    } catch (const InfeasibleTarget& e) {
      EXPECT_EQ(e.target(), target);
      EXPECT_EQ(e.nearest(), nearest) << e.what();
      EXPECT_NE(std::string(e.what()).find("nearest achievable: "), std::string::npos) << e.what();
    }
  }
}

TEST(SelectFlow, DenseBlocksHeldDenseAndExcludedFromTarget) {
  std::mt19937 rng(4);
  SelectionProblem pr;
  pr.blocks = random_blocks(rng, 32);
  pr.candidates = kReference;
  pr.target_sparsity = 0.6;  // infeasible over 32 blocks, feasible over the 30 free ones
  pr.dense_blocks = {0, 31};
  const Selection sel = select_flow(pr);
  EXPECT_EQ(sel.patterns.front(), (Pattern{8, 8}));
  EXPECT_EQ(sel.patterns.back(), (Pattern{8, 8}));
  EXPECT_NEAR(sel.sparsity_free, 0.6, 1e-12);
  EXPECT_NEAR(sel.sparsity_all, 0.6 * 30 / 32, 1e-12);
  // The metrics of dense blocks influence nothing.
  pr.blocks.front() = {1000, 1};
  pr.blocks.back() = {0, 0};
  EXPECT_EQ(select_flow(pr).patterns, sel.patterns);
}

TEST(SelectFlow, MalformedProblemsThrowInvalidArgument) {
  SelectionProblem pr;
  pr.blocks.assign(3, {1, 0.1});
  pr.candidates = {};
  EXPECT_THROW(select_flow(pr), std::invalid_argument);
  pr.candidates = {{2, 4}, {2, 4}};
  EXPECT_THROW(select_flow(pr), std::invalid_argument);
  pr.candidates = kReference;
  pr.dense_blocks = {3};
  EXPECT_THROW(select_flow(pr), std::invalid_argument);
  pr.dense_blocks = {0, 1, 2};
  EXPECT_THROW(select_flow(pr), std::invalid_argument);
  pr.dense_blocks = {};
  pr.target_sparsity = 1.5;
  EXPECT_THROW(select_flow(pr), std::invalid_argument);
}

TEST(SelectOwl, MoreOutliersKeepMoreWeights) {
  // s = 0.375 -/+ 0.5 * 0.5: block 0 wants 0.625, block 1 (more outliers) wants 0.125.
  const Selection sel = select_owl({{0, 0}, {100, 0}}, 8, {2, 4, 8}, 0.375, 0.5);
  EXPECT_EQ(sel.patterns, (std::vector<Pattern>{{2, 8}, {8, 8}}));
  EXPECT_DOUBLE_EQ(sel.objective, 0.125 + 0.125);
  EXPECT_DOUBLE_EQ(sel.sparsity_free, 0.375);
}

TEST(SelectOwl, MonotonicInOutliersAndMeetsTarget) {
  std::mt19937 rng(8);
  for (double lambda : {0.08, 0.3}) {
    const auto blocks = random_blocks(rng, 16);
    const Selection sel = select_owl(blocks, 8, {1, 2, 4, 8}, 0.625, lambda, {0});
    EXPECT_EQ(sel.patterns[0], (Pattern{8, 8}));
    EXPECT_NEAR(sel.sparsity_free, 0.625, 1e-12);
    EXPECT_NEAR(sel.sparsity_all, 0.625 * 15 / 16, 1e-12);
    int distinct = 0;
    for (size_t a = 1; a < blocks.size(); ++a) {
      distinct += sel.patterns[a] != sel.patterns[1];
      for (size_t b = 1; b < blocks.size(); ++b)
        if (blocks[a].outlier_ratio_pct > blocks[b].outlier_ratio_pct) {
          EXPECT_GE(sel.patterns[a].n, sel.patterns[b].n) << "lambda " << lambda << " blocks " << a << ", " << b;
        }
    }
    EXPECT_GT(distinct, 0) << "lambda " << lambda << " gave every block the same pattern";
  }
  EXPECT_THROW(select_owl(random_blocks(rng, 16), 8, {1, 2, 4, 8}, 0.6), InfeasibleTarget);
  EXPECT_THROW(select_owl(random_blocks(rng, 4), 8, {2, 9}, 0.5), std::invalid_argument);
}

TEST(SelectUniform, SamePatternEverywhereDenseWhereHeld) {
  const Selection sel = select_uniform(4, {2, 4}, {0, 3});
  EXPECT_EQ(sel.patterns, (std::vector<Pattern>{{4, 4}, {2, 4}, {2, 4}, {4, 4}}));
  EXPECT_DOUBLE_EQ(sel.sparsity_free, 0.5);
  EXPECT_DOUBLE_EQ(sel.sparsity_all, 0.25);
  EXPECT_EQ(sel.objective, 0.0);
  EXPECT_THROW(select_uniform(2, {2, 4}, {0, 1}), std::invalid_argument);
}

}  // namespace
