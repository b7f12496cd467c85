#include "llm/pruned_model.h"

#include <fmt/format.h>

#include <stdexcept>

namespace flexcim::llm {

PrunedModel unpruned(const Model& dense, const std::vector<nm::Pattern>& patterns) {
  const int n_blocks = dense.config.n_layers;
  PrunedModel p{dense, patterns, {}, std::vector<double>(n_blocks, 0.0), 0.0};
  p.keep.resize(n_blocks);
  for (int b = 0; b < n_blocks; ++b)
    for (int s = 0; s < kSublayers; ++s) {
      const LinearView l = dense.linear(b, s);
      p.keep[b][s].assign(size_t(l.out) * l.in, 1);
    }
  return p;
}

PrunedModel prune_sequential(const Model& dense, const std::vector<std::vector<int>>& calibration,
                             const std::vector<nm::Pattern>& patterns, nm::PruneMode mode, int col_block) {
  const int n_blocks = dense.config.n_layers;
  if (patterns.size() != size_t(n_blocks))
    throw std::invalid_argument(fmt::format("{} patterns for a model of {} blocks", patterns.size(), n_blocks));
  PrunedModel p{dense, patterns, {}, std::vector<double>(n_blocks, 0.0), 0.0};
  p.keep.resize(n_blocks);
  size_t pruned_all = 0, total_all = 0;
  calibrate_blocks(p.model, calibration, [&](int b, const ChannelStats& stats) {
    size_t pruned = 0, total = 0;
    for (int s = 0; s < kSublayers; ++s) {
      const LinearView l = p.model.linear(b, s);
      const std::vector<float> scores = wanda_scores(p.model, stats, b, s);
      std::vector<uint8_t> keep = nm::prune_mask(scores.data(), l.out, l.in, patterns[b], mode, col_block);
      std::vector<float>& w = p.model.linear_weights(b, s);
      for (size_t i = 0; i < w.size(); ++i)
        if (!keep[i]) {
          w[i] = 0.0f;
          ++pruned;
        }
      total += w.size();
      p.keep[b][s] = std::move(keep);
    }
    p.block_sparsity[b] = double(pruned) / double(total);
    pruned_all += pruned;
    total_all += total;
  });
  p.sparsity = double(pruned_all) / double(total_all);
  return p;
}

}  // namespace flexcim::llm
