// Pruning policies and the accuracy evaluation, on stories260K and tiny random models.

#include <gtest/gtest.h>

#include "llm/eval.h"
#include "llm_tiny_model.h"
#include "nm/prune.h"

using namespace flexcim;
using namespace flexcim::llm;

namespace {

EvalOptions short_run(const std::string& policy) {
  EvalOptions o;
  o.policy = flow::Policy::parse(policy);
  o.calibration = {2, 16, 1};
  o.evaluation = {2, 16, 2};
  return o;
}

}  // namespace

TEST(Policy, ParsesTheDocumentedForms) {
  EXPECT_EQ(flow::Policy::parse("dense").kind, flow::PolicyKind::Dense);
  EXPECT_EQ(flow::Policy::parse("owl").kind, flow::PolicyKind::Owl);
  EXPECT_EQ(flow::Policy::parse("flow").kind, flow::PolicyKind::Flow);
  const flow::Policy u = flow::Policy::parse("uniform:2:4");
  EXPECT_EQ(u.kind, flow::PolicyKind::Uniform);
  EXPECT_EQ(u.uniform_pattern, (nm::Pattern{2, 4}));
  EXPECT_EQ(u.str(), "uniform:2:4");
  EXPECT_THROW(flow::Policy::parse("wanda"), std::invalid_argument);
  EXPECT_THROW(flow::Policy::parse("uniform:4:2"), std::invalid_argument);
}

TEST(Eval, DenseStories260KHasZeroKlAndFullAgreement) {
  const Model* m = test_models::stories260k();
  if (!m) GTEST_SKIP() << "stories260K.bin not found";
  EvalOptions o;  // the defaults: 8 x 64 evaluation tokens
  const EvalResult r = evaluate(*m, o);
  EXPECT_EQ(r.tokens, 8 * 64);
  EXPECT_EQ(r.kl, 0.0);
  EXPECT_EQ(r.top1, 1.0);
  EXPECT_EQ(r.sparsity, 0.0);
  EXPECT_EQ(r.cross_entropy, r.dense_cross_entropy);
  // Sampled at temperature 1 from the model itself: cross-entropy is the model's own
  // entropy, well below uniform over 512 tokens (6.24 nats).
  EXPECT_GT(r.cross_entropy, 0.1);
  EXPECT_LT(r.cross_entropy, 3.0);
}

TEST(Eval, PruningCostsAccuracyAndIsReproducible) {
  const Model* m = test_models::stories260k();
  if (!m) GTEST_SKIP() << "stories260K.bin not found";
  EvalOptions o = short_run("uniform:2:4");
  const EvalResult a = evaluate(*m, o), b = evaluate(*m, o);
  EXPECT_EQ(a.kl, b.kl);
  EXPECT_EQ(a.top1, b.top1);
  EXPECT_GT(a.kl, 0.0);
  EXPECT_LT(a.top1, 1.0);
  EXPECT_GT(a.cross_entropy, a.dense_cross_entropy);
  // Blocks 0 and 4 dense; 2:4 prunes half of blocks 1-3 exactly (every input width,
  // w2's 172 included, is a multiple of 4): 0.5 * 3 / 5 of the linear weights.
  EXPECT_DOUBLE_EQ(a.sparsity, 0.3);
  EXPECT_EQ(a.selection.patterns[0], (nm::Pattern{4, 4}));
  EXPECT_EQ(a.selection.patterns[2], (nm::Pattern{2, 4}));
}

TEST(Eval, FlowMeetsTargetAndReportsInfeasibleOnes) {
  const Model* m = test_models::stories260k();
  if (!m) GTEST_SKIP() << "stories260K.bin not found";
  EvalOptions o = short_run("flow");
  o.policy_options.sparsity = 0.5;
  const EvalResult r = evaluate(*m, o);
  EXPECT_DOUBLE_EQ(r.selection.sparsity_free, 0.5);
  EXPECT_TRUE(r.selection.patterns.front().dense() && r.selection.patterns.back().dense());
  o.policy_options.sparsity = 0.625;
  try {
    evaluate(*m, o);
    FAIL() << "0.625 over 3 free blocks of {0, 0.5, 0.75} is not achievable";
  } catch (const flow::InfeasibleTarget& e) {
    EXPECT_FALSE(e.nearest().empty());
  }
}

TEST(Eval, HwAwarePruningIsExecutableOnFlexCiM) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  const ChannelStats stats = collect_channel_stats(m, sample_sequences(m, 2, 8, 1));
  const std::vector<nm::Pattern> patterns = {{2, 4}, {2, 8}};
  const int col_block = 8;
  const PrunedModel hw = prune_model(m, stats, patterns, nm::PruneMode::HwAware, col_block);
  for (int b = 0; b < 2; ++b)
    for (int s = 0; s < kSublayers; ++s) {
      const LinearView l = hw.model.linear(b, s);
      EXPECT_NO_THROW(nm::plan_slots(hw.keep[b][s], l.out, l.in, patterns[b], col_block))
          << "block " << b << " " << sublayer_name(s);
      for (size_t i = 0; i < hw.keep[b][s].size(); ++i)
        if (!hw.keep[b][s][i]) {
          ASSERT_EQ(l.w[i], 0.0f);
        }
    }
  const PrunedModel free = prune_model(m, stats, patterns, nm::PruneMode::Unconstrained, col_block);
  EXPECT_DOUBLE_EQ(hw.sparsity, free.sparsity) << "both keep exactly N per group";
}

namespace {

class CountingGemm : public Int8Gemm {
 public:
  void run(const QuantLayer& layer, const int8_t* x, int tokens, int32_t* y) override {
    ++calls;
    HostInt8Gemm().run(layer, x, tokens, y);
  }
  long calls = 0;
};

}  // namespace

TEST(Eval, Int8RunsEveryLinearOnTheInjectedGemm) {
  const Model m = test_models::random_model(test_models::tiny_config(), 3);
  EvalOptions o = short_run("dense");
  o.int8 = true;
  CountingGemm gemm;
  o.gemm = &gemm;
  const EvalResult r = evaluate(m, o);
  EXPECT_EQ(gemm.calls, r.tokens * m.config.n_layers * kSublayers);
  EXPECT_GT(r.kl, 0.0) << "int8 is not exact";
  EXPECT_LT(r.kl, 0.05);
}
