// N:M patterns, unconstrained and hardware-aware pruning, and FlexCiM slot plans.
#include <gtest/gtest.h>

#include <random>

#include "nm/pattern.h"
#include "nm/prune.h"

namespace {

using flexcim::nm::kept_score;
using flexcim::nm::NotExecutable;
using flexcim::nm::Pattern;
using flexcim::nm::plan_slots;
using flexcim::nm::prune_mask;
using flexcim::nm::PruneMode;

std::vector<float> random_scores(std::mt19937& rng, int out, int in) {
  std::uniform_real_distribution<float> dist(0.01f, 1.0f);
  std::vector<float> s(static_cast<size_t>(out) * in);
  for (float& v : s) v = dist(rng);
  return s;
}

// Best block score over every slot multiset of one (row block, group): pair k takes
// c_k in {0, 1, 2} slots (at most its real elements), sum c_k <= n.
double brute_block_group(const std::vector<float>& s, int in, Pattern p, int lo, int hi, int g) {
  const int pairs = p.m / 2, base = g * p.m;
  std::vector<int> c(pairs, 0);
  double best = 0;
  while (true) {
    int used = 0;
    bool ok = true;
    double value = 0;
    for (int k = 0; k < pairs; ++k) {
      const int first = base + 2 * k, real = std::clamp(in - first, 0, 2);
      used += c[k];
      ok = ok && c[k] <= real;
      for (int o = lo; o < hi && ok && c[k] > 0; ++o) {
        const double a = s[o * in + first], b = real == 2 ? s[o * in + first + 1] : 0.0;
        value += c[k] == 2 ? a + b : std::max(a, b);
      }
    }
    if (ok && used <= p.n) best = std::max(best, value);
    int k = 0;
    while (k < pairs && ++c[k] == 3) c[k++] = 0;
    if (k == pairs) return best;
  }
}

std::vector<uint8_t> mask_from_plan(const flexcim::nm::SlotPlan& plan) {
  std::vector<uint8_t> mask(static_cast<size_t>(plan.out) * plan.in, 0);
  const int n = plan.pattern.n;
  for (int o = 0; o < plan.out; ++o)
    for (int g = 0; g < plan.groups; ++g)
      for (int slot = 0; slot < n; ++slot) {
        const int pair = plan.pair[(static_cast<size_t>(o / plan.col_block) * plan.groups + g) * n + slot];
        const int e = plan.element[(static_cast<size_t>(o) * plan.groups + g) * n + slot];
        if (e < 0) continue;
        EXPECT_GE(pair, 0) << "row " << o << " uses an unused slot";
        mask[static_cast<size_t>(o) * plan.in + g * plan.pattern.m + 2 * pair + e] = 1;
      }
  return mask;
}

TEST(Pattern, ParsePrintAndSparsity) {
  const Pattern p = Pattern::parse("2:4");
  EXPECT_EQ(p, (Pattern{2, 4}));
  EXPECT_NE(p, (Pattern{4, 8}));
  EXPECT_EQ(p.str(), "2:4");
  EXPECT_DOUBLE_EQ(p.sparsity(), 0.5);
  EXPECT_FALSE(p.dense());
  EXPECT_TRUE(Pattern::parse("8:8").dense());
  EXPECT_DOUBLE_EQ(Pattern::parse("1:8").sparsity(), 0.875);
  EXPECT_EQ(Pattern::parse("64:64"), (Pattern{64, 64}));
}

TEST(Pattern, ParseRejectsMalformedText) {
  for (const char* bad : {"", "2", "2-4", "2:", ":4", "0:4", "5:4", "2:65", "a:b", "2:4x", " 2:4", "-1:4"}) {
    try {
      Pattern::parse(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("1 <= N <= M <= 64"), std::string::npos) << e.what();
    }
  }
}

TEST(PruneUnconstrained, KeepsTopNPerRowAndGroup) {
  const std::vector<float> s = {1, 5, 3, 2, 9, 0, 8, 7,   // row 0
                                4, 4, 4, 1, 0, 0, 0, 6};  // row 1: ties go to the lower index
  const auto mask = prune_mask(s.data(), 2, 8, {2, 4}, PruneMode::Unconstrained, 1);
  const std::vector<uint8_t> expected = {0, 1, 1, 0, 1, 0, 1, 0,
                                         1, 1, 0, 0, 1, 0, 0, 1};
  EXPECT_EQ(mask, expected);
  EXPECT_DOUBLE_EQ(kept_score(s.data(), mask), 5 + 3 + 9 + 8 + 4 + 4 + 0 + 6);
}

TEST(PruneTail, ShortTailKeptWholeLongTailKeepsN) {
  // in = 6 with 2:4: the tail group has 2 inputs (<= N) and is kept whole.
  const std::vector<float> a = {1, 2, 3, 4, 0.5f, 0.1f};
  for (PruneMode mode : {PruneMode::Unconstrained, PruneMode::HwAware}) {
    const auto mask = prune_mask(a.data(), 1, 6, {2, 4}, mode, 1);
    EXPECT_EQ(mask, (std::vector<uint8_t>{0, 0, 1, 1, 1, 1}));
  }
  // in = 7 with 2:4: tail of 3 keeps the best 2; the odd last input is a one-element pair.
  const std::vector<float> b = {1, 2, 3, 4, 0.5f, 0.1f, 0.7f};
  for (PruneMode mode : {PruneMode::Unconstrained, PruneMode::HwAware}) {
    const auto mask = prune_mask(b.data(), 1, 7, {2, 4}, mode, 1);
    EXPECT_EQ(mask, (std::vector<uint8_t>{0, 0, 1, 1, 1, 0, 1}));
  }
  // in = 5 with 2:4, HwAware: a single tail input is kept and planned on pair 0, element 0.
  const std::vector<float> c = {1, 2, 3, 4, 0.2f, 5, 6, 7, 8, 0.3f};
  const auto mask = prune_mask(c.data(), 2, 5, {2, 4}, PruneMode::HwAware, 2);
  EXPECT_EQ(mask, (std::vector<uint8_t>{0, 0, 1, 1, 1, 0, 0, 1, 1, 1}));
  const auto plan = plan_slots(mask, 2, 5, {2, 4}, 2);
  EXPECT_EQ(plan.groups, 2);
  EXPECT_EQ(plan.pair[1 * 2 + 0], 0);
  EXPECT_EQ(plan.pair[1 * 2 + 1], -1);
  EXPECT_EQ(mask_from_plan(plan), mask);
}

TEST(PruneHwAware, MatchesBruteForceOverSlotMultisets) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const int m = std::array{2, 4, 8}[trial % 3];
    const int n = 1 + static_cast<int>(rng() % (m - 1));
    const int out = 1 + static_cast<int>(rng() % 7), in = 1 + static_cast<int>(rng() % 19);
    const int col_block = 1 + static_cast<int>(rng() % 4);
    const Pattern p{n, m};
    const auto s = random_scores(rng, out, in);
    const auto mask = prune_mask(s.data(), out, in, p, PruneMode::HwAware, col_block);

    double optimum = 0;
    for (int lo = 0; lo < out; lo += col_block)
      for (int g = 0; g * m < in; ++g) optimum += brute_block_group(s, in, p, lo, std::min(out, lo + col_block), g);
    ASSERT_NEAR(kept_score(s.data(), mask), optimum, 1e-9 * optimum)
        << "trial " << trial << " pattern " << p.str() << " out " << out << " in " << in << " col_block " << col_block;
    // Positive scores: every row keeps min(N, group length) per group.
    for (int o = 0; o < out; ++o)
      for (int g = 0; g * m < in; ++g) {
        int kept = 0;
        for (int i = g * m; i < std::min(in, (g + 1) * m); ++i) kept += mask[o * in + i];
        ASSERT_EQ(kept, std::min(n, std::min(in, (g + 1) * m) - g * m)) << "trial " << trial;
      }
  }
}

TEST(PruneHwAware, SingleRowBlocksEqualUnconstrained) {
  std::mt19937 rng(3);
  const auto s = random_scores(rng, 6, 32);
  for (Pattern p : {Pattern{1, 4}, Pattern{2, 4}, Pattern{2, 8}, Pattern{4, 8}}) {
    const double free_score = kept_score(s.data(), prune_mask(s.data(), 6, 32, p, PruneMode::Unconstrained, 1));
    const double hw_score = kept_score(s.data(), prune_mask(s.data(), 6, 32, p, PruneMode::HwAware, 1));
    EXPECT_NEAR(hw_score, free_score, 1e-9) << p.str();
    const double shared = kept_score(s.data(), prune_mask(s.data(), 6, 32, p, PruneMode::HwAware, 6));
    EXPECT_LE(shared, free_score + 1e-9) << p.str();
  }
}

TEST(PlanSlots, HwAwareMaskRoundTripsThroughPlan) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 100; ++trial) {
    const Pattern p = std::array{Pattern{1, 2}, Pattern{2, 4}, Pattern{1, 4}, Pattern{2, 8}, Pattern{4, 8},
                                 Pattern{6, 8}}[trial % 6];
    const int out = 1 + static_cast<int>(rng() % 9), in = 1 + static_cast<int>(rng() % 21);
    const int col_block = 1 + static_cast<int>(rng() % 4);
    const auto s = random_scores(rng, out, in);
    const auto mask = prune_mask(s.data(), out, in, p, PruneMode::HwAware, col_block);
    const auto plan = plan_slots(mask, out, in, p, col_block);
    ASSERT_EQ(plan.blocks, (out + col_block - 1) / col_block);
    ASSERT_EQ(plan.groups, (in + p.m - 1) / p.m);
    ASSERT_EQ(mask_from_plan(plan), mask) << "trial " << trial;
    // Used slots come first, in ascending pair order.
    for (size_t bg = 0; bg < plan.pair.size() / p.n; ++bg)
      for (int slot = 1; slot < p.n; ++slot) {
        const int prev = plan.pair[bg * p.n + slot - 1], cur = plan.pair[bg * p.n + slot];
        ASSERT_TRUE(cur == -1 || (prev != -1 && prev <= cur)) << "trial " << trial;
      }
  }
}

TEST(PlanSlots, PartialLastColumnBlock) {
  // out = 5, col_block = 2: blocks {0,1}, {2,3}, {4}; the last block plans its own slots.
  const std::vector<float> s = {9, 1, 1, 1,  9, 1, 1, 1,  1, 1, 9, 1,  1, 1, 9, 1,  1, 1, 1, 9};
  const auto mask = prune_mask(s.data(), 5, 4, {1, 4}, PruneMode::HwAware, 2);
  const auto plan = plan_slots(mask, 5, 4, {1, 4}, 2);
  EXPECT_EQ(plan.blocks, 3);
  EXPECT_EQ(plan.pair, (std::vector<int8_t>{0, 1, 1}));
  EXPECT_EQ(plan.element, (std::vector<int8_t>{0, 0, 0, 0, 1}));
  EXPECT_EQ(mask_from_plan(plan), mask);
}

TEST(PlanSlots, RejectsUnsharedSelectsNamingBlockAndGroup) {
  // 2:4, col_block 2. Rows 0-1 agree; in row block 1, group 1 row 2 keeps pairs 0 and 1
  // while row 3 keeps both elements of pair 0: three slots needed, N = 2.
  std::vector<uint8_t> mask = {1, 1, 0, 0,  1, 1, 0, 0,
                               1, 1, 0, 0,  1, 1, 0, 0,
                               1, 1, 0, 0,  1, 0, 1, 0,
                               1, 1, 0, 0,  1, 1, 0, 0};
  try {
    plan_slots(mask, 4, 8, {2, 4}, 2);
    FAIL() << "accepted a mask whose rows need three pair slots";
  } catch (const NotExecutable& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("row block 1 (rows 2-3), group 1 (inputs 4-7)"), std::string::npos) << what;
    EXPECT_NE(what.find("3 pair slots"), std::string::npos) << what;
  }
  mask[3 * 8 + 6] = 1;  // row 3 now keeps three weights in group 1
  try {
    plan_slots(mask, 4, 8, {2, 4}, 2);
    FAIL() << "accepted a row keeping more than N";
  } catch (const NotExecutable& e) {
    EXPECT_NE(std::string(e.what()).find("row 3 keeps 3 weights"), std::string::npos) << e.what();
  }
  // With one row per column block every row picks its own slots.
  mask[3 * 8 + 6] = 0;
  EXPECT_NO_THROW(plan_slots(mask, 4, 8, {2, 4}, 1));
}

TEST(PlanSlots, UnconstrainedMasksGenerallyNotExecutable) {
  std::mt19937 rng(5);
  const auto s = random_scores(rng, 32, 64);
  const auto mask = prune_mask(s.data(), 32, 64, {2, 4}, PruneMode::Unconstrained, 32);
  EXPECT_THROW(plan_slots(mask, 32, 64, {2, 4}, 32), NotExecutable);
  EXPECT_NO_THROW(plan_slots(mask, 32, 64, {2, 4}, 1));
}

TEST(PruneDense, KeepsEverythingAndPlansEveryPairTwice) {
  std::mt19937 rng(1);
  const auto s = random_scores(rng, 3, 10);
  for (PruneMode mode : {PruneMode::Unconstrained, PruneMode::HwAware}) {
    const auto mask = prune_mask(s.data(), 3, 10, {8, 8}, mode, 2);
    EXPECT_EQ(mask, std::vector<uint8_t>(30, 1));
  }
  const auto plan = plan_slots(std::vector<uint8_t>(12, 1), 3, 4, {4, 4}, 2);
  EXPECT_EQ(plan.pair, (std::vector<int8_t>{0, 0, 1, 1, 0, 0, 1, 1}));
  EXPECT_EQ(std::vector<int8_t>(plan.element.begin(), plan.element.begin() + 4), (std::vector<int8_t>{0, 1, 0, 1}));
}

TEST(PruneErrors, BadInputsThrowInvalidArgument) {
  const std::vector<float> s(12, 1.0f);
  EXPECT_THROW(prune_mask(s.data(), 2, 6, {2, 3}, PruneMode::HwAware, 1), std::invalid_argument);  // odd M
  EXPECT_NO_THROW(prune_mask(s.data(), 2, 6, {2, 3}, PruneMode::Unconstrained, 1));
  EXPECT_THROW(prune_mask(s.data(), 2, 6, {2, 4}, PruneMode::HwAware, 0), std::invalid_argument);
  EXPECT_THROW(prune_mask(s.data(), 2, 6, {5, 4}, PruneMode::Unconstrained, 1), std::invalid_argument);
  EXPECT_THROW(prune_mask(s.data(), 0, 6, {2, 4}, PruneMode::Unconstrained, 1), std::invalid_argument);
  std::vector<float> negative = s;
  negative[7] = -1;
  try {
    prune_mask(negative.data(), 2, 6, {2, 4}, PruneMode::Unconstrained, 1);
    FAIL() << "accepted a negative score";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("score[1][1]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(plan_slots(std::vector<uint8_t>(11, 1), 2, 6, {2, 4}, 1), std::invalid_argument);
}

}  // namespace
