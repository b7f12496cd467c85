// Calibration statistics and Wanda scores on a model small enough to check by hand.

#include <gtest/gtest.h>

#include <cmath>

#include "llm/calibration.h"
#include "llm/pruned_model.h"
#include "llm/transformer.h"
#include "llm_tiny_model.h"

using namespace flexcim::llm;

namespace {

// dim 2, one block, one head. At position 0 attention returns v, so with wo = 0 the
// residual stream after attention is still the embedding and every sublayer input
// follows from it by hand.
Model hand_model() {
  Model m;
  m.config = Config{2, 2, 1, 1, 1, 3, 4};
  m.token_embedding = {3, 4, 1, -2, 0.5f, 0.5f};
  BlockWeights b;
  b.rms_att = {1, 1};
  b.wq = {0.3f, -0.1f, 0.2f, 0.4f};
  b.wk = {1, 0, 0, 1};
  b.wv = {2, 0, 0, 1};
  b.wo = {0, 0, 0, 0};
  b.rms_ffn = {1, 1};
  b.w1 = {1, 0, 0, 1};
  b.w3 = {1, 0, 0, 1};
  b.w2 = {-0.5f, 0.25f, 1, 2};
  m.blocks = {b};
  m.rms_final = {1, 1};
  return m;
}

// RMSNorm with unit weights.
std::array<double, 2> normalised(double a, double b) {
  const double rms = std::sqrt((a * a + b * b) / 2 + 1e-5);
  return {a / rms, b / rms};
}

double silu(double x) { return x / (1 + std::exp(-x)); }

}  // namespace

TEST(Calibration, MeanSquaredInputsByHand) {
  const Model m = hand_model();
  // Two one-token sequences: both tokens sit at position 0.
  const ChannelStats stats = collect_channel_stats(m, {{0}, {1}});
  EXPECT_EQ(stats.tokens, 2);
  const auto x0 = normalised(3, 4), x1 = normalised(1, -2);
  for (int j = 0; j < 2; ++j) {
    const double xb_sq = (x0[j] * x0[j] + x1[j] * x1[j]) / 2;
    const double v_scale = j == 0 ? 2 : 1;  // wv = diag(2, 1)
    const double h0 = silu(x0[j]) * x0[j], h1 = silu(x1[j]) * x1[j];
    for (int s : {kWq, kWk, kWv, kW1, kW3})
      EXPECT_NEAR(stats.mean_sq[0][s][j], xb_sq, 1e-5) << sublayer_name(s) << " channel " << j;
    EXPECT_NEAR(stats.mean_sq[0][kWo][j], v_scale * v_scale * xb_sq, 1e-5) << "channel " << j;
    EXPECT_NEAR(stats.mean_sq[0][kW2][j], (h0 * h0 + h1 * h1) / 2, 1e-5) << "channel " << j;
  }
}

TEST(Calibration, WandaScoresAndBlockOrder) {
  const Model m = hand_model();
  const ChannelStats stats = collect_channel_stats(m, {{0}, {1}});
  const std::vector<float> wq = wanda_scores(m, stats, 0, kWq);
  ASSERT_EQ(wq.size(), 4u);
  for (int o = 0; o < 2; ++o)
    for (int j = 0; j < 2; ++j)
      EXPECT_NEAR(wq[o * 2 + j],
                  std::fabs(m.blocks[0].wq[o * 2 + j]) * std::sqrt(stats.mean_sq[0][kWq][j]), 1e-6);

  const std::vector<float> flat = block_scores(m, stats, 0);
  ASSERT_EQ(flat.size(), 7u * 4u);
  size_t offset = 0;
  for (int s : {kWq, kWk, kWv, kWo, kW1, kW3, kW2}) {
    const std::vector<float> part = wanda_scores(m, stats, 0, s);
    EXPECT_TRUE(std::equal(part.begin(), part.end(), flat.begin() + offset)) << sublayer_name(s);
    offset += part.size();
  }
  // wo is all zero: its scores are zero although its inputs are not.
  EXPECT_EQ(std::vector<float>(flat.begin() + 12, flat.begin() + 16), std::vector<float>(4, 0.0f));
}

TEST(Calibration, AveragesOverEveryPosition) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  const ChannelStats stats = collect_channel_stats(m, {{1, 4, 9, 2, 7}, {1, 3, 3, 8, 5}});
  EXPECT_EQ(stats.tokens, 10);
  for (int b = 0; b < m.config.n_layers; ++b)
    for (int s = 0; s < kSublayers; ++s) {
      ASSERT_EQ(stats.mean_sq[b][s].size(), size_t(m.linear(b, s).in));
      for (double v : stats.mean_sq[b][s]) EXPECT_GT(v, 0.0);
    }
  EXPECT_THROW(collect_channel_stats(m, {}), std::invalid_argument);
  EXPECT_THROW(collect_channel_stats(m, {{}}), std::invalid_argument);
}

// Wanda's sequential calibration: block 1's masks come from statistics taken on the
// output of the already pruned block 0, not on the dense model's.
TEST(Calibration, SequentialPruningCalibratesEachBlockOnThePrunedEarlierBlocks) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  const std::vector<std::vector<int>> seqs = {{1, 4, 9, 2, 7, 11}, {1, 3, 3, 8, 5, 20}};
  const std::vector<flexcim::nm::Pattern> patterns = {{1, 4}, {2, 4}};
  const auto mode = flexcim::nm::PruneMode::Unconstrained;
  const PrunedModel p = prune_sequential(m, seqs, patterns, mode, 8);

  const auto masks_from = [&](const Model& calibrated_on, int block) {
    const ChannelStats stats = collect_channel_stats(calibrated_on, seqs);
    std::array<std::vector<uint8_t>, kSublayers> keep;
    for (int s = 0; s < kSublayers; ++s) {
      const LinearView l = m.linear(block, s);
      const std::vector<float> scores = wanda_scores(m, stats, block, s);
      keep[s] = flexcim::nm::prune_mask(scores.data(), l.out, l.in, patterns[block], mode, 8);
    }
    return keep;
  };
  // Block 0 has no earlier block: the dense statistics.
  EXPECT_EQ(p.keep[0], masks_from(m, 0));
  // Block 1: the statistics of the model whose block 0 is pruned.
  Model block0_pruned = m;
  block0_pruned.blocks[0] = p.model.blocks[0];
  EXPECT_EQ(p.keep[1], masks_from(block0_pruned, 1));
  EXPECT_NE(p.keep[1], masks_from(m, 1)) << "the dense statistics would give other masks here";
  EXPECT_DOUBLE_EQ(p.block_sparsity[0], 0.75);
  EXPECT_DOUBLE_EQ(p.block_sparsity[1], 0.5);
}
