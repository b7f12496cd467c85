#include "llm/eval.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "llm/pruned_model.h"
#include "llm/transformer.h"

namespace flexcim::llm {
namespace {

std::vector<double> log_softmax(const std::vector<float>& logits) {
  double max = logits[0];
  for (float v : logits) max = std::max(max, double(v));
  double sum = 0.0;
  for (float v : logits) sum += std::exp(double(v) - max);
  const double log_sum = max + std::log(sum);
  std::vector<double> out(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) out[i] = double(logits[i]) - log_sum;
  return out;
}

// KL(p || q) for log-probabilities.
double kl_divergence(const std::vector<double>& log_p, const std::vector<double>& log_q) {
  double kl = 0.0;
  for (size_t i = 0; i < log_p.size(); ++i) kl += std::exp(log_p[i]) * (log_p[i] - log_q[i]);
  return kl;
}

}  // namespace

ChannelStats calibrate(const Model& model, const SequenceSet& calibration, float temperature) {
  return collect_channel_stats(
      model, sample_sequences(model, calibration.count, calibration.length, calibration.seed,
                              temperature));
}

EvalResult evaluate(const Model& model, const EvalOptions& options) {
  if (options.col_block < 1)
    throw std::invalid_argument(fmt::format("col_block {} must be >= 1", options.col_block));
  EvalResult r;
  const ChannelStats stats = calibrate(model, options.calibration, options.sample_temperature);
  r.selection = select_patterns(model, stats, options.policy, options.policy_options);
  const PrunedModel pruned =
      prune_model(model, stats, r.selection.patterns, options.prune_mode, options.col_block);
  r.sparsity = pruned.sparsity;

  HostInt8Gemm host_gemm;
  const std::vector<std::vector<QuantLayer>> layers =
      options.int8 ? quantize_model(pruned) : std::vector<std::vector<QuantLayer>>{};
  const LinearFn pruned_linear =
      options.int8 ? int8_linear(layers, options.gemm ? *options.gemm : host_gemm)
                   : float_linear(pruned.model);

  const auto sequences =
      sample_sequences(model, options.evaluation.count, options.evaluation.length,
                       options.evaluation.seed, options.sample_temperature);
  double kl = 0.0, ce = 0.0, dense_ce = 0.0;
  long agree = 0;
  for (const auto& sequence : sequences) {
    Transformer dense(model);
    Transformer sparse(pruned.model, pruned_linear);
    for (size_t pos = 0; pos + 1 < sequence.size(); ++pos) {
      const std::vector<float>& dense_logits = dense.forward(sequence[pos], int(pos));
      const std::vector<float>& sparse_logits = sparse.forward(sequence[pos], int(pos));
      const std::vector<double> log_p = log_softmax(dense_logits);
      const std::vector<double> log_q = log_softmax(sparse_logits);
      const int next = sequence[pos + 1];
      kl += kl_divergence(log_p, log_q);
      ce -= log_q[next];
      dense_ce -= log_p[next];
      const int n = int(dense_logits.size());
      agree += argmax(dense_logits.data(), n) == argmax(sparse_logits.data(), n);
      ++r.tokens;
    }
  }
  r.kl = kl / double(r.tokens);
  r.top1 = double(agree) / double(r.tokens);
  r.cross_entropy = ce / double(r.tokens);
  r.dense_cross_entropy = dense_ce / double(r.tokens);
  return r;
}

}  // namespace flexcim::llm
