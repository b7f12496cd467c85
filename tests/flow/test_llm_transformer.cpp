// The float forward pass, its linear-layer hook and sampling.

#include <gtest/gtest.h>

#include <cmath>

#include "llm/transformer.h"
#include "llm_tiny_model.h"

using namespace flexcim::llm;

TEST(Transformer, ForwardIsDeterministic) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  Transformer a(m), b(m);
  const std::vector<int> tokens = {1, 5, 9, 30, 2};
  for (int pos = 0; pos < int(tokens.size()); ++pos) {
    const std::vector<float> la = a.forward(tokens[pos], pos);
    const std::vector<float>& lb = b.forward(tokens[pos], pos);
    EXPECT_EQ(la, lb) << "position " << pos;
    for (float v : la) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(Transformer, EveryLinearGoesThroughTheHookInDocumentedOrder) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  std::vector<std::pair<int, int>> calls;
  const LinearFn dense = float_linear(m);
  Transformer hooked(m, [&](int block, int sublayer, const float* x, float* y) {
    calls.emplace_back(block, sublayer);
    dense(block, sublayer, x, y);
  });
  Transformer plain(m);
  EXPECT_EQ(hooked.forward(1, 0), plain.forward(1, 0));
  std::vector<std::pair<int, int>> expected;
  for (int b = 0; b < m.config.n_layers; ++b)
    for (int s : {kWq, kWk, kWv, kWo, kW1, kW3, kW2}) expected.emplace_back(b, s);
  EXPECT_EQ(calls, expected);
}

TEST(Transformer, HookOutputReachesTheLogits) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  const LinearFn dense = float_linear(m);
  Transformer zeroed_ffn(m, [&](int block, int sublayer, const float* x, float* y) {
    dense(block, sublayer, x, y);
    if (sublayer == kW2) std::fill(y, y + m.config.dim, 0.0f);
  });
  Transformer plain(m);
  EXPECT_NE(zeroed_ffn.forward(1, 0), plain.forward(1, 0));
}

TEST(Transformer, RejectsOutOfRangeTokenAndPosition) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  Transformer t(m);
  EXPECT_THROW(t.forward(m.config.vocab_size, 0), std::out_of_range);
  EXPECT_THROW(t.forward(-1, 0), std::out_of_range);
  EXPECT_THROW(t.forward(1, m.config.seq_len), std::out_of_range);
}

TEST(Sampler, TemperatureZeroIsArgmax) {
  Sampler s(0.0f, 1);
  EXPECT_EQ(s.sample({0.1f, 3.0f, -2.0f, 3.0f}), 1) << "first maximum wins";
}

TEST(Sampler, SeededSamplingIsReproducibleAndFollowsTheDistribution) {
  const std::vector<float> logits = {0.0f, std::log(3.0f)};  // p = 1/4, 3/4
  Sampler a(1.0f, 42), b(1.0f, 42);
  int ones = 0;
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    const int t = a.sample(logits);
    ASSERT_EQ(t, b.sample(logits));
    ones += t;
  }
  EXPECT_NEAR(double(ones) / draws, 0.75, 0.015);
}

TEST(Sampler, RejectsNegativeTemperature) {
  EXPECT_THROW(Sampler(-1.0f, 1), std::invalid_argument);
}

TEST(Generate, SeedSelectsTheSequence) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  EXPECT_EQ(generate(m, 20, 1.0f, 5), generate(m, 20, 1.0f, 5));
  EXPECT_NE(generate(m, 20, 1.0f, 5), generate(m, 20, 1.0f, 6));
  EXPECT_EQ(generate(m, 20, 0.0f, 5), generate(m, 20, 0.0f, 6)) << "greedy ignores the seed";
  EXPECT_THROW(generate(m, m.config.seq_len + 1, 0.0f, 1), std::invalid_argument);
}

TEST(Generate, SampleSequencesStartWithBos) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  const auto seqs = sample_sequences(m, 3, 10, 9);
  ASSERT_EQ(seqs.size(), 3u);
  for (const auto& s : seqs) {
    ASSERT_EQ(s.size(), 11u);
    EXPECT_EQ(s[0], kBosToken);
  }
  EXPECT_NE(seqs[0], seqs[1]) << "one sampler stream, not one seed per sequence";
}

TEST(Generate, Stories260KGreedyIsStable) {
  const Model* m = test_models::stories260k();
  if (!m) GTEST_SKIP() << "stories260K.bin not found";
  const std::vector<int> a = generate(*m, 32, 0.0f, 1);
  EXPECT_EQ(a, generate(*m, 32, 0.0f, 1));
  EXPECT_EQ(a.size(), 32u);
}
