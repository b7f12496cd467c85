#include "llm/calibration.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "llm/transformer.h"

namespace flexcim::llm {

ChannelStats collect_channel_stats(const Model& model,
                                   const std::vector<std::vector<int>>& sequences) {
  const Config& c = model.config;
  ChannelStats stats;
  stats.mean_sq.resize(c.n_layers);
  for (int b = 0; b < c.n_layers; ++b)
    for (int s = 0; s < kSublayers; ++s) stats.mean_sq[b][s].assign(model.linear(b, s).in, 0.0);

  const LinearFn dense = float_linear(model);
  const LinearFn recording = [&](int block, int sublayer, const float* x, float* y) {
    std::vector<double>& sum_sq = stats.mean_sq[block][sublayer];
    for (size_t j = 0; j < sum_sq.size(); ++j) sum_sq[j] += double(x[j]) * double(x[j]);
    dense(block, sublayer, x, y);
  };
  for (const auto& sequence : sequences) {
    if (sequence.size() < 2)
      throw std::invalid_argument(
          fmt::format("calibration sequence of {} tokens: needs at least 2", sequence.size()));
    Transformer transformer(model, recording);
    for (size_t pos = 0; pos + 1 < sequence.size(); ++pos) {
      transformer.forward(sequence[pos], int(pos));
      ++stats.tokens;
    }
  }
  if (stats.tokens == 0) throw std::invalid_argument("calibration needs at least one sequence");
  for (auto& block : stats.mean_sq)
    for (auto& sublayer : block)
      for (double& v : sublayer) v /= double(stats.tokens);
  return stats;
}

std::vector<float> wanda_scores(const Model& model, const ChannelStats& stats, int block,
                                int sublayer) {
  const LinearView l = model.linear(block, sublayer);
  const std::vector<double>& s = stats.mean_sq.at(block).at(sublayer);
  if (s.size() != size_t(l.in))
    throw std::invalid_argument(fmt::format(
        "channel statistics of blocks.{}.{} have {} channels, the layer has {} inputs", block,
        sublayer_name(sublayer), s.size(), l.in));
  std::vector<float> scores(size_t(l.out) * l.in);
  for (int o = 0; o < l.out; ++o)
    for (int j = 0; j < l.in; ++j) {
      const size_t i = size_t(o) * l.in + j;
      scores[i] = float(std::fabs(double(l.w[i])) * std::sqrt(s[j]));
    }
  return scores;
}

std::vector<float> block_scores(const Model& model, const ChannelStats& stats, int block) {
  std::vector<float> flat;
  for (int s = 0; s < kSublayers; ++s) {
    const std::vector<float> scores = wanda_scores(model, stats, block, s);
    flat.insert(flat.end(), scores.begin(), scores.end());
  }
  return flat;
}

}  // namespace flexcim::llm
