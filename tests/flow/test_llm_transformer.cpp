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
    const std::vector<float> la = a.forward({tokens[pos]}, pos);
    const std::vector<float>& lb = b.forward({tokens[pos]}, pos);
    EXPECT_EQ(la, lb) << "position " << pos;
    for (float v : la) ASSERT_TRUE(std::isfinite(v));
  }
}

// A whole sequence in one chunk gives every position the logits it gets token by
// token (decoding), bit for bit: evaluation and generation share one forward pass.
TEST(Transformer, ChunksGiveTheLogitsOfTokenByToken) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  const std::vector<int> tokens = {1, 5, 9, 30, 2, 17, 4};
  Transformer chunked(m), stepped(m);
  const std::vector<float> all = chunked.forward(tokens, 0);
  const int vocab = m.config.vocab_size;
  ASSERT_EQ(all.size(), tokens.size() * vocab);
  for (int pos = 0; pos < int(tokens.size()); ++pos) {
    const std::vector<float>& one = stepped.forward({tokens[pos]}, pos);
    EXPECT_TRUE(std::equal(one.begin(), one.end(), all.begin() + pos * vocab)) << "position " << pos;
  }
  // A second chunk continues the first one's cache.
  Transformer split(m);
  split.forward({1, 5, 9}, 0);
  const std::vector<float> rest = split.forward({30, 2, 17, 4}, 3);
  EXPECT_TRUE(std::equal(rest.begin(), rest.end(), all.begin() + 3 * vocab));
}

// embed + run_block over every block is the forward pass without the classifier.
TEST(Transformer, BlockByBlockMatchesForward) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  const std::vector<int> tokens = {1, 7, 3};
  std::vector<std::pair<int, int>> calls;
  const LinearFn dense = float_linear(m);
  Transformer blocks(m, [&](int block, int sublayer, const float* x, float* y, int n) {
    calls.emplace_back(block, n);
    dense(block, sublayer, x, y, n);
  });
  std::vector<float> x = blocks.embed(tokens);
  for (int b = 0; b < m.config.n_layers; ++b) blocks.run_block(b, x, 0);
  EXPECT_EQ(calls.size(), size_t(m.config.n_layers) * kSublayers);
  for (const auto& [block, n] : calls) EXPECT_EQ(n, 3) << "one call per linear for the whole chunk";
  // The last hidden state, through the classifier by hand, gives forward's logits.
  Transformer whole(m);
  const std::vector<float> logits = whole.forward(tokens, 0);
  const int dim = m.config.dim;
  std::vector<float> last(x.end() - dim, x.end()), expected(m.config.vocab_size);
  float ss = 0.0f;
  for (float v : last) ss += v * v;
  ss = 1.0f / std::sqrt(ss / dim + 1e-5f);
  for (int j = 0; j < dim; ++j) last[j] = m.rms_final[j] * (ss * last[j]);
  matmul(expected.data(), last.data(), m.classifier(), m.config.vocab_size, dim);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), logits.end() - m.config.vocab_size));
}

TEST(Transformer, EveryLinearGoesThroughTheHookInDocumentedOrder) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  std::vector<std::pair<int, int>> calls;
  const LinearFn dense = float_linear(m);
  Transformer hooked(m, [&](int block, int sublayer, const float* x, float* y, int n) {
    calls.emplace_back(block, sublayer);
    dense(block, sublayer, x, y, n);
  });
  Transformer plain(m);
  EXPECT_EQ(hooked.forward({1}, 0), plain.forward({1}, 0));
  std::vector<std::pair<int, int>> expected;
  for (int b = 0; b < m.config.n_layers; ++b)
    for (int s : {kWq, kWk, kWv, kWo, kW1, kW3, kW2}) expected.emplace_back(b, s);
  EXPECT_EQ(calls, expected);
}

TEST(Transformer, HookOutputReachesTheLogits) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  const LinearFn dense = float_linear(m);
  Transformer zeroed_ffn(m, [&](int block, int sublayer, const float* x, float* y, int n) {
    dense(block, sublayer, x, y, n);
    if (sublayer == kW2) std::fill(y, y + n * m.config.dim, 0.0f);
  });
  Transformer plain(m);
  EXPECT_NE(zeroed_ffn.forward({1}, 0), plain.forward({1}, 0));
}

TEST(Transformer, RejectsOutOfRangeTokenAndPosition) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  Transformer t(m);
  EXPECT_THROW(t.forward({m.config.vocab_size}, 0), std::out_of_range);
  EXPECT_THROW(t.forward({-1}, 0), std::out_of_range);
  EXPECT_THROW(t.forward({1}, m.config.seq_len), std::out_of_range);
  EXPECT_THROW(t.forward({1, 1}, m.config.seq_len - 1), std::out_of_range) << "the chunk runs past seq_len";
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
  const std::vector<int> bos = {kBosToken};
  EXPECT_EQ(generate(m, bos, 20, 1.0f, 5), generate(m, bos, 20, 1.0f, 5));
  EXPECT_NE(generate(m, bos, 20, 1.0f, 5), generate(m, bos, 20, 1.0f, 6));
  EXPECT_EQ(generate(m, bos, 20, 0.0f, 5), generate(m, bos, 20, 0.0f, 6)) << "greedy ignores the seed";
  EXPECT_THROW(generate(m, bos, m.config.seq_len + 1, 0.0f, 1), std::invalid_argument);
}

// llama2.c's loop: the prompt is forced, then sampling continues from its last token;
// the result holds the prompt (BOS first) and at most `steps` tokens after BOS.
TEST(Generate, ForcesThePromptThenContinues) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  const std::vector<int> prompt = {kBosToken, 7, 9, 4};
  const std::vector<int> out = generate(m, prompt, 10, 0.0f, 1);
  ASSERT_LE(out.size(), 11u);
  ASSERT_GE(out.size(), prompt.size());
  EXPECT_TRUE(std::equal(prompt.begin(), prompt.end(), out.begin()));
  // Greedy continuation equals feeding the prompt and taking argmax by hand.
  Transformer t(m);
  const std::vector<float> logits = t.forward(prompt, 0);
  const int vocab = m.config.vocab_size;
  const int next = argmax(logits.data() + (prompt.size() - 1) * vocab, vocab);
  if (next != kBosToken) {
    EXPECT_EQ(out[prompt.size()], next);
  }
  EXPECT_THROW(generate(m, prompt, 2, 0.0f, 1), std::invalid_argument) << "steps shorter than the prompt";
  EXPECT_THROW(generate(m, {7}, 5, 0.0f, 1), std::invalid_argument) << "a prompt starts with BOS";
}

TEST(Generate, Stories260KGreedyFromBosIsLlama2csDocumentedText) {
  const Model* m = test_models::stories260k();
  if (!m) GTEST_SKIP() << "stories260K.bin not found";
  const std::vector<int> a = generate(*m, {kBosToken}, 12, 0.0f, 1);
  // ../shared/models/README.md: the genuine checkpoint's greedy ids.
  EXPECT_EQ(a, (std::vector<int>{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421}));
}
