// The int8 scheme: rounding, per-channel and per-token scales, the host GEMM and the
// int8 linear path.

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "llm/quant.h"
#include "llm_tiny_model.h"

using namespace flexcim::llm;
using flexcim::nm::Pattern;

TEST(Quantize, RoundsHalfToEvenAndClamps) {
  EXPECT_EQ(quantize(2.5f, 1.0f), 2);
  EXPECT_EQ(quantize(3.5f, 1.0f), 4);
  EXPECT_EQ(quantize(-2.5f, 1.0f), -2);
  EXPECT_EQ(quantize(0.49f, 1.0f), 0);
  EXPECT_EQ(quantize(500.0f, 1.0f), 127);
  EXPECT_EQ(quantize(-500.0f, 1.0f), -127) << "symmetric: -128 is never used";
  EXPECT_EQ(quantize(3.0f, 0.0f), 0);
}

TEST(Quantize, WeightRoundTripWithinHalfAStepPerChannel) {
  std::mt19937_64 rng(11);
  const int out = 9, in = 37;
  std::vector<float> w = test_models::random_floats(size_t(out) * in, rng, 2.0f);
  for (int j = 0; j < in; ++j) w[3 * in + j] *= 1e-3f;  // a row on a much smaller scale
  std::fill(w.begin() + 5 * in, w.begin() + 6 * in, 0.0f);  // an all-zero (pruned) row
  const QuantLayer l =
      quantize_layer(2, kW1, w.data(), out, in, Pattern{4, 8}, std::vector<uint8_t>(w.size(), 1));
  EXPECT_EQ(l.name, "blocks.2.w1");
  EXPECT_EQ(l.scales[5], 0.0f);
  for (int o = 0; o < out; ++o) {
    float max_abs = 0;
    for (int j = 0; j < in; ++j) max_abs = std::max(max_abs, std::fabs(w[o * in + j]));
    EXPECT_FLOAT_EQ(l.scales[o], max_abs / 127.0f);
    int peak = 0;
    for (int j = 0; j < in; ++j) {
      const int8_t q = l.weights[o * in + j];
      peak = std::max(peak, std::abs(int(q)));
      EXPECT_LE(std::fabs(q * l.scales[o] - w[o * in + j]), 0.5f * l.scales[o] * (1 + 1e-6f))
          << "row " << o << " col " << j;
    }
    if (o != 5) {
      EXPECT_EQ(peak, 127) << "the largest weight maps to full scale";
    }
  }
}

TEST(Quantize, ActivationsPerToken) {
  const std::vector<float> x = {0.5f, -2.54f, 1.27f, 0.0f};
  std::vector<int8_t> q(x.size());
  const float scale = quantize_activations(x.data(), int(x.size()), q.data());
  EXPECT_FLOAT_EQ(scale, 2.54f / 127.0f);
  EXPECT_EQ(q, (std::vector<int8_t>{25, -127, 64, 0}));  // 0.5/0.02 = 25, 1.27/0.02 = 63.5 -> 64
}

TEST(HostInt8Gemm, BitExactAgainstNaiveLoop) {
  std::mt19937_64 rng(5);
  QuantLayer l;
  l.out = 13;
  l.in = 70;
  l.weights.resize(size_t(l.out) * l.in);
  for (auto& w : l.weights) w = int8_t(int(rng() % 255) - 127);
  const int tokens = 3;
  std::vector<int8_t> x(size_t(tokens) * l.in);
  for (auto& v : x) v = int8_t(int(rng() % 255) - 127);
  std::vector<int32_t> y(size_t(tokens) * l.out, -1);
  HostInt8Gemm().run(l, x.data(), tokens, y.data());
  for (int t = 0; t < tokens; ++t)
    for (int o = 0; o < l.out; ++o) {
      int64_t ref = 0;
      for (int j = 0; j < l.in; ++j) ref += int64_t(l.weights[o * l.in + j]) * x[t * l.in + j];
      EXPECT_EQ(y[t * l.out + o], ref) << "token " << t << " out " << o;
    }
}

namespace {

// Counts and forwards every GEMM, the way the accelerator backend is injected.
class CountingGemm : public Int8Gemm {
 public:
  void run(const QuantLayer& layer, const int8_t* x, int tokens, int32_t* y) override {
    ++calls;
    EXPECT_EQ(tokens, expected_tokens);
    host.run(layer, x, tokens, y);
  }
  int calls = 0;
  int expected_tokens = 1;
  HostInt8Gemm host;
};

}  // namespace

TEST(Int8Linear, CloseToFloatAndOneGemmPerLinearPerChunk) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  const PrunedModel dense = unpruned(m, std::vector<Pattern>(m.config.n_layers, Pattern{8, 8}));
  ASSERT_EQ(dense.sparsity, 0.0);
  const auto layers = quantize_model(dense);
  CountingGemm gemm;
  Transformer int8(m, int8_linear(layers, gemm));
  Transformer fp(m);
  const int positions = 4;
  for (int pos = 0; pos < positions; ++pos) {
    const std::vector<float> a = int8.forward({pos + 1}, pos);
    const std::vector<float>& b = fp.forward({pos + 1}, pos);
    double max_diff = 0, max_abs = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      max_diff = std::max(max_diff, double(std::fabs(a[i] - b[i])));
      max_abs = std::max(max_abs, double(std::fabs(b[i])));
    }
    EXPECT_LT(max_diff, 0.05 * max_abs) << "position " << pos;
    EXPECT_GT(max_diff, 0.0) << "int8 differs from float at all";
  }
  EXPECT_EQ(gemm.calls, positions * m.config.n_layers * kSublayers);
  // A chunk of tokens is one GEMM per linear, each token quantised on its own: the
  // same logits as token by token.
  gemm.expected_tokens = positions;
  HostInt8Gemm host;
  Transformer chunk(m, int8_linear(layers, gemm)), stepped(m, int8_linear(layers, host));
  const std::vector<float> all = chunk.forward({1, 2, 3, 4}, 0);
  for (int pos = 0; pos < positions; ++pos) {
    const std::vector<float>& one = stepped.forward({pos + 1}, pos);
    EXPECT_TRUE(std::equal(one.begin(), one.end(), all.begin() + pos * m.config.vocab_size)) << "position " << pos;
  }
}
