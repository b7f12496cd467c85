#include "llm/eval.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "llm/transformer.h"

namespace flexcim::llm {
namespace {

void log_softmax(const float* logits, int n, std::vector<double>& out) {
  double max = logits[0];
  for (int i = 1; i < n; ++i) max = std::max(max, double(logits[i]));
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += std::exp(double(logits[i]) - max);
  const double log_sum = max + std::log(sum);
  out.resize(n);
  for (int i = 0; i < n; ++i) out[i] = double(logits[i]) - log_sum;
}

// KL(p || q) for log-probabilities.
double kl_divergence(const std::vector<double>& log_p, const std::vector<double>& log_q) {
  double kl = 0.0;
  for (size_t i = 0; i < log_p.size(); ++i) kl += std::exp(log_p[i]) * (log_p[i] - log_q[i]);
  return kl;
}

bool needs_statistics(const flow::Policy& p) {
  return p.kind == flow::PolicyKind::Owl || p.kind == flow::PolicyKind::Flow;
}

}  // namespace

EvalResult evaluate(const Model& model, const Sequences& calibration, const Sequences& evaluation,
                    const EvalOptions& options, const flow::CostTables* tables) {
  if (options.col_block < 1) throw std::invalid_argument(fmt::format("col_block {} must be >= 1", options.col_block));
  if (evaluation.empty()) throw std::invalid_argument("evaluation needs at least one sequence");
  flow::Selection selection;
  const int n_blocks = model.config.n_layers;
  if (needs_statistics(options.policy)) {
    const ChannelStats stats = collect_channel_stats(model, calibration);
    selection = select_patterns(model, stats, options.policy, options.policy_options);
  } else {
    selection = flow::select_patterns(options.policy, options.policy_options, n_blocks, {}, tables);
  }
  const bool dense = options.policy.kind == flow::PolicyKind::Dense;
  const PrunedModel pruned =
      dense ? unpruned(model, selection.patterns)
            : prune_sequential(model, calibration, selection.patterns, options.prune_mode, options.col_block);
  EvalResult r = evaluate_pruned(model, pruned, evaluation, options);
  r.selection = selection;
  return r;
}

EvalResult evaluate_pruned(const Model& model, const PrunedModel& pruned, const Sequences& evaluation,
                           const EvalOptions& options) {
  if (evaluation.empty()) throw std::invalid_argument("evaluation needs at least one sequence");
  EvalResult r;
  r.block_sparsity = pruned.block_sparsity;
  r.sparsity = pruned.sparsity;

  HostInt8Gemm host_gemm;
  const std::vector<std::vector<QuantLayer>> layers =
      options.int8 ? quantize_model(pruned) : std::vector<std::vector<QuantLayer>>{};
  const LinearFn pruned_linear =
      options.int8 ? int8_linear(layers, options.gemm ? *options.gemm : host_gemm) : float_linear(pruned.model);
  // The unpruned float model gives both sides at once.
  const bool same_model = !options.int8 && pruned.sparsity == 0.0;

  const int vocab = model.config.vocab_size;
  double kl = 0.0, ce = 0.0, dense_ce = 0.0;
  long agree = 0;
  std::vector<double> log_p, log_q;
  for (const std::vector<int>& sequence : evaluation) {
    if (sequence.size() < 2) continue;  // nothing to predict
    const std::vector<int> inputs(sequence.begin(), sequence.end() - 1);
    Transformer dense_model(model);
    const std::vector<float> dense_logits = dense_model.forward(inputs, 0);
    std::vector<float> sparse_logits;
    if (!same_model) {
      Transformer sparse_model(pruned.model, pruned_linear);
      sparse_logits = sparse_model.forward(inputs, 0);
    }
    const std::vector<float>& q_logits = same_model ? dense_logits : sparse_logits;
    for (size_t pos = 0; pos < inputs.size(); ++pos) {
      const float* p_row = dense_logits.data() + pos * vocab;
      const float* q_row = q_logits.data() + pos * vocab;
      log_softmax(p_row, vocab, log_p);
      log_softmax(q_row, vocab, log_q);
      const int next = sequence[pos + 1];
      kl += kl_divergence(log_p, log_q);
      ce -= log_q[next];
      dense_ce -= log_p[next];
      agree += argmax(p_row, vocab) == argmax(q_row, vocab);
      ++r.tokens;
    }
    ++r.stories;
  }
  if (r.tokens == 0) throw std::invalid_argument("the evaluation sequences have no token to predict");
  r.kl = kl / double(r.tokens);
  r.top1 = double(agree) / double(r.tokens);
  r.cross_entropy = ce / double(r.tokens);
  r.perplexity = std::exp(r.cross_entropy);
  r.dense_cross_entropy = dense_ce / double(r.tokens);
  r.dense_perplexity = std::exp(r.dense_cross_entropy);
  return r;
}

double cross_entropy(const Model& model, const LinearFn& linear, const Sequences& sequences, long* tokens) {
  const int vocab = model.config.vocab_size;
  double ce = 0.0;
  long predicted = 0;
  std::vector<double> log_q;
  for (const std::vector<int>& sequence : sequences) {
    if (sequence.size() < 2) continue;
    Transformer transformer(model, linear);
    const std::vector<float>& logits = transformer.forward({sequence.begin(), sequence.end() - 1}, 0);
    for (size_t pos = 0; pos + 1 < sequence.size(); ++pos) {
      log_softmax(logits.data() + pos * vocab, vocab, log_q);
      ce -= log_q[sequence[pos + 1]];
      ++predicted;
    }
  }
  if (predicted == 0) throw std::invalid_argument("the sequences have no token to predict");
  if (tokens) *tokens = predicted;
  return ce / double(predicted);
}

}  // namespace flexcim::llm
