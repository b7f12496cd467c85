// Calibration statistics and Wanda scores on a model small enough to check by hand.

#include <gtest/gtest.h>

#include <cmath>

#include "llm/calibration.h"
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
  // Each sequence feeds only its first token (the last token is never an input).
  const ChannelStats stats = collect_channel_stats(m, {{0, 2}, {1, 0}});
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
  const ChannelStats stats = collect_channel_stats(m, {{0, 2}, {1, 0}});
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
  const auto seqs = sample_sequences(m, 2, 5, 1);
  const ChannelStats stats = collect_channel_stats(m, seqs);
  EXPECT_EQ(stats.tokens, 10);
  for (int b = 0; b < m.config.n_layers; ++b)
    for (int s = 0; s < kSublayers; ++s) {
      ASSERT_EQ(stats.mean_sq[b][s].size(), size_t(m.linear(b, s).in));
      for (double v : stats.mean_sq[b][s]) EXPECT_GT(v, 0.0);
    }
  EXPECT_THROW(collect_channel_stats(m, {{1}}), std::invalid_argument);
}
