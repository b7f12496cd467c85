// stories260K on the virtual FlexCiM: the pruned model's int8 linear layers run
// once through the host GEMM and once through the accelerator (firmware on the
// platform's host CPU) over the start of a real story, and every logit of every
// position must be bit-identical. A mask the hardware cannot execute is refused
// before any job starts. One platform per TEST; skipped only when stories260K.bin
// is not found.
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "accelerator_gemm.h"
#include "llm/checkpoint.h"
#include "llm/eval.h"
#include "llm/policy.h"
#include "llm/pruned_model.h"
#include "llm/quant.h"
#include "llm/transformer.h"
#include "flow/llm_tiny_model.h"
#include "nm/prune.h"
#include "platform.h"
#include "scenario.h"

namespace flexcim {
namespace {

using nm::Pattern;
using Logits = std::vector<std::vector<float>>;

constexpr int kTokens = 12;
constexpr int kLinearsPerBlock = llm::kSublayers;  // wq wk wv wo w1 w3 w2
constexpr int kColBlock = 32;                      // the default scenario's FlexCiM columns

std::optional<llm::Model> load_stories260k() {
  const llm::Model* m = llm::test_models::stories260k();
  return m ? std::optional<llm::Model>(*m) : std::nullopt;
}

// Two calibration stories keep the test fast.
llm::Sequences calibration() {
  return llm::test_models::shared_sequences("tinystories-valid-calib.txt", 2);
}

// The int8 layers of `model` pruned per block to `patterns`.
struct QuantisedModel {
  llm::PrunedModel pruned;
  std::vector<std::vector<llm::QuantLayer>> layers;
};

QuantisedModel quantise(const llm::Model& model, const std::vector<Pattern>& patterns, nm::PruneMode mode) {
  QuantisedModel q{llm::prune_sequential(model, calibration(), patterns, mode, kColBlock), {}};
  q.layers = llm::quantize_model(q.pruned);
  return q;
}

// The tokens fed at positions 0, 1, ...: BOS and the start of the first evaluation story.
std::vector<int> token_sequence() {
  std::vector<int> tokens = llm::test_models::shared_sequences("tinystories-valid-eval.txt", 1)[0];
  tokens.resize(kTokens);
  return tokens;
}

// The whole sequence as one chunk: one job per linear, all tokens in it (as eval does).
Logits logits_at_every_position(const llm::Model& model, const llm::LinearFn& linear, const std::vector<int>& tokens) {
  llm::Transformer transformer(model, linear);
  const std::vector<float>& all = transformer.forward(tokens, 0);
  const size_t vocab = size_t(model.config.vocab_size);
  Logits logits;
  for (size_t pos = 0; pos < tokens.size(); ++pos)
    logits.emplace_back(all.begin() + std::ptrdiff_t(pos * vocab), all.begin() + std::ptrdiff_t((pos + 1) * vocab));
  return logits;
}

Logits on_host(const QuantisedModel& q, const std::vector<int>& tokens) {
  llm::HostInt8Gemm gemm;
  return logits_at_every_position(q.pruned.model, llm::int8_linear(q.layers, gemm), tokens);
}

struct PlatformRun {
  Logits logits;
  uint64_t gemm_jobs = 0;
  std::vector<Accelerator::JobRecord> jobs;
};

PlatformRun on_accelerator(const QuantisedModel& q, const std::vector<int>& tokens) {
  const Scenario scenario = load_scenario(default_scenario_path());
  Platform platform("platform", scenario.platform);
  const fw::BoardInfo board = platform.board();
  PlatformRun run;
  platform.run([&](fw::Hal& hal) {
    fw::AcceleratorGemm gemm(hal, board, scenario.platform.wait, scenario.platform.poll_interval_ns);
    run.logits = logits_at_every_position(q.pruned.model, llm::int8_linear(q.layers, gemm), tokens);
    run.gemm_jobs = gemm.jobs();
  });
  run.jobs = platform.accelerator().jobs();
  return run;
}

void expect_bit_identical(const Logits& host, const Logits& accelerator) {
  ASSERT_EQ(host.size(), accelerator.size());
  for (size_t pos = 0; pos < host.size(); ++pos) {
    ASSERT_EQ(host[pos].size(), accelerator[pos].size()) << "position " << pos;
    EXPECT_EQ(std::memcmp(host[pos].data(), accelerator[pos].data(), host[pos].size() * sizeof(float)), 0)
        << "logits differ at position " << pos;
  }
}

// One job per linear for the whole sequence, in forward order, each with its
// block's N:M (dense blocks: some P:P) and no error.
void expect_jobs(const PlatformRun& run, const std::vector<Pattern>& patterns) {
  const size_t linears = patterns.size() * kLinearsPerBlock;
  EXPECT_EQ(run.gemm_jobs, linears);
  ASSERT_EQ(run.jobs.size(), linears);
  for (size_t i = 0; i < run.jobs.size(); ++i) {
    const Job& job = run.jobs[i].job;
    const Pattern& p = patterns[(i % linears) / kLinearsPerBlock];
    SCOPED_TRACE(testing::Message() << "job " << i << " (block pattern " << p.str() << ")");
    EXPECT_EQ(run.jobs[i].outcome.error, 0u);
    EXPECT_GT(run.jobs[i].outcome.cycles, 0u);
    EXPECT_EQ(job.tokens, uint32_t(kTokens));
    if (p.dense()) {
      EXPECT_EQ(job.n, job.m);
    } else {
      EXPECT_EQ(job.n, uint32_t(p.n));
      EXPECT_EQ(job.m, uint32_t(p.m));
    }
  }
}

TEST(LlmOnPlatform, FlowAtHalfSparsityGivesTheHostLogitsBitForBit) {
  const std::optional<llm::Model> model = load_stories260k();
  if (!model) GTEST_SKIP() << "stories260K.bin not found";
  ASSERT_EQ(model->config.n_layers * kLinearsPerBlock, 35);

  const llm::ChannelStats stats = llm::collect_channel_stats(*model, calibration());
  flow::PolicyOptions options;
  options.sparsity = 0.5;
  const flow::Selection selection =
      llm::select_patterns(*model, stats, flow::Policy{flow::PolicyKind::Flow, {}}, options);
  const QuantisedModel q = quantise(*model, selection.patterns, nm::PruneMode::HwAware);
  // Not vacuous: some blocks are sparse, the first and last are held dense.
  EXPECT_EQ(selection.sparsity_free, 0.5);
  EXPECT_TRUE(selection.patterns.front().dense());
  EXPECT_GT(q.pruned.sparsity, 0.2);

  const std::vector<int> tokens = token_sequence();
  const Logits host = on_host(q, tokens);
  const PlatformRun run = on_accelerator(q, tokens);
  expect_bit_identical(host, run.logits);
  expect_jobs(run, selection.patterns);
}

// Every sparse hardware pattern but 2:4 (FLOW above picks it), one per block; the
// M = 8 patterns leave a 4-input tail on w2 (hidden_dim 172).
TEST(LlmOnPlatform, MixedPatternsWithTailsGiveTheHostLogitsBitForBit) {
  const std::optional<llm::Model> model = load_stories260k();
  if (!model) GTEST_SKIP() << "stories260K.bin not found";
  ASSERT_NE(model->config.hidden_dim % 8, 0) << "the tail of the M = 8 groups is not exercised";

  const std::vector<Pattern> patterns = {{1, 8}, {2, 8}, {4, 8}, {1, 4}, {1, 2}};
  ASSERT_EQ(patterns.size(), size_t(model->config.n_layers));
  const QuantisedModel q = quantise(*model, patterns, nm::PruneMode::HwAware);

  const std::vector<int> tokens = token_sequence();
  const Logits host = on_host(q, tokens);
  const PlatformRun run = on_accelerator(q, tokens);
  expect_bit_identical(host, run.logits);
  expect_jobs(run, patterns);
}

// Unconstrained N:M masks break FlexCiM's shared pair selects: the first layer is
// refused while it is packed, so the accelerator never starts a job.
TEST(LlmOnPlatform, UnconstrainedPruningIsRefusedBeforeAnyJob) {
  const std::optional<llm::Model> model = load_stories260k();
  if (!model) GTEST_SKIP() << "stories260K.bin not found";

  const std::vector<Pattern> patterns(model->config.n_layers, Pattern{2, 4});
  const QuantisedModel q = quantise(*model, patterns, nm::PruneMode::Unconstrained);
  const std::vector<int> tokens = token_sequence();

  const Scenario scenario = load_scenario(default_scenario_path());
  Platform platform("platform", scenario.platform);
  const fw::BoardInfo board = platform.board();
  std::string message;
  try {
    platform.run([&](fw::Hal& hal) {
      fw::AcceleratorGemm gemm(hal, board, scenario.platform.wait, scenario.platform.poll_interval_ns);
      logits_at_every_position(q.pruned.model, llm::int8_linear(q.layers, gemm), tokens);
    });
    ADD_FAILURE() << "the unconstrained model ran on the accelerator";
  } catch (const nm::NotExecutable& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("blocks.0.wq"), std::string::npos) << message;
  EXPECT_NE(message.find("hardware-aware"), std::string::npos) << message;
  EXPECT_TRUE(platform.accelerator().jobs().empty());
}

}  // namespace
}  // namespace flexcim
