#include "llm/sensitivity.h"

#include <fmt/format.h>

#include <stdexcept>

#include "llm/calibration.h"
#include "llm/pruned_model.h"
#include "llm/quant.h"

namespace flexcim::llm {
namespace {

// Cross-entropy of `pruned` on `text`, in float or int8.
double model_ce(const PrunedModel& pruned, const Sequences& text, bool int8, long* tokens) {
  if (!int8) return cross_entropy(pruned.model, float_linear(pruned.model), text, tokens);
  HostInt8Gemm gemm;
  const std::vector<std::vector<QuantLayer>> layers = quantize_model(pruned);
  return cross_entropy(pruned.model, int8_linear(layers, gemm), text, tokens);
}

}  // namespace

Sensitivity block_sensitivity(const Model& model, const Sequences& calibration,
                              const std::vector<nm::Pattern>& candidates, const SensitivityOptions& options) {
  if (options.col_block < 1) throw std::invalid_argument(fmt::format("col_block {} must be >= 1", options.col_block));
  const int n_blocks = model.config.n_layers;
  const std::vector<nm::Pattern> dense(n_blocks, nm::Pattern{1, 1});
  const PrunedModel unpruned_model = unpruned(model, dense);
  Sensitivity s;
  s.base_ce = model_ce(unpruned_model, calibration, options.int8, &s.tokens);
  const ChannelStats stats = collect_channel_stats(model, calibration);
  double total_score = 0;
  for (int b = 0; b < n_blocks; ++b)
    for (float v : block_scores(model, stats, b)) total_score += v;
  s.delta_ce.assign(n_blocks, std::vector<double>(candidates.size(), 0.0));
  s.score_loss = s.delta_ce;
  for (int b = 0; b < n_blocks; ++b)
    for (size_t c = 0; c < candidates.size(); ++c) {
      if (candidates[c].dense()) continue;
      PrunedModel one = unpruned_model;
      prune_block(one, stats, b, candidates[c], options.prune_mode, options.col_block);
      s.delta_ce[b][c] = model_ce(one, calibration, options.int8, nullptr) - s.base_ce;
      double pruned_score = 0;
      for (int l = 0; l < kSublayers; ++l) {
        const std::vector<float> scores = wanda_scores(model, stats, b, l);
        for (size_t i = 0; i < scores.size(); ++i)
          if (!one.keep[b][l][i]) pruned_score += scores[i];
      }
      s.score_loss[b][c] = total_score > 0 ? pruned_score / total_score : 0.0;
    }
  return s;
}

}  // namespace flexcim::llm
