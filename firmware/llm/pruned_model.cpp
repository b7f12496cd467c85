#include "llm/pruned_model.h"

#include <fmt/format.h>

#include <algorithm>
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

void prune_block(PrunedModel& p, const ChannelStats& stats, int b, nm::Pattern pattern, nm::PruneMode mode,
                 int col_block) {
  size_t pruned = 0, total = 0;
  for (int s = 0; s < kSublayers; ++s) {
    const LinearView l = p.model.linear(b, s);
    const std::vector<float> scores = wanda_scores(p.model, stats, b, s);
    std::vector<uint8_t> keep = nm::prune_mask(scores.data(), l.out, l.in, pattern, mode, col_block);
    std::vector<float>& w = p.model.linear_weights(b, s);
    for (size_t i = 0; i < w.size(); ++i)
      if (!keep[i]) {
        w[i] = 0.0f;
        ++pruned;
      }
    total += w.size();
    p.keep[b][s] = std::move(keep);
  }
  p.patterns.at(b) = pattern;
  p.block_sparsity.at(b) = double(pruned) / double(total);
}

PrunedModel prune_sequential(const Model& dense, const std::vector<std::vector<int>>& calibration,
                             const std::vector<nm::Pattern>& patterns, nm::PruneMode mode, int col_block) {
  const int n_blocks = dense.config.n_layers;
  if (patterns.size() != size_t(n_blocks))
    throw std::invalid_argument(fmt::format("{} patterns for a model of {} blocks", patterns.size(), n_blocks));
  PrunedModel p = unpruned(dense, patterns);
  calibrate_blocks(p.model, calibration,
                   [&](int b, const ChannelStats& stats) { prune_block(p, stats, b, patterns[b], mode, col_block); });
  size_t pruned = 0, total = 0;
  for (const auto& block : p.keep)
    for (const std::vector<uint8_t>& keep : block) {
      pruned += size_t(std::count(keep.begin(), keep.end(), 0));
      total += keep.size();
    }
  p.sparsity = double(pruned) / double(total);
  return p;
}

}  // namespace flexcim::llm
