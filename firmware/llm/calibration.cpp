#include "llm/calibration.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "llm/transformer.h"

namespace flexcim::llm {

ChannelStats calibrate_blocks(Model& model, const std::vector<std::vector<int>>& sequences,
                              const std::function<void(int block, const ChannelStats& stats)>& after_block) {
  const Config& c = model.config;
  if (sequences.empty()) throw std::invalid_argument("calibration needs at least one sequence");
  ChannelStats stats;
  stats.mean_sq.resize(c.n_layers);
  for (int b = 0; b < c.n_layers; ++b)
    for (int s = 0; s < kSublayers; ++s) stats.mean_sq[b][s].assign(model.linear(b, s).in, 0.0);

  const LinearFn linear = float_linear(model);
  const LinearFn recording = [&](int block, int sublayer, const float* x, float* y, int tokens) {
    std::vector<double>& sum_sq = stats.mean_sq[block][sublayer];
    for (int t = 0; t < tokens; ++t) {
      const float* xt = x + size_t(t) * sum_sq.size();
      for (size_t j = 0; j < sum_sq.size(); ++j) sum_sq[j] += double(xt[j]) * double(xt[j]);
    }
    linear(block, sublayer, x, y, tokens);
  };
  Transformer record(model, recording), run(model, linear);

  // The residual stream of every sequence at the current block's input.
  std::vector<std::vector<float>> streams;
  for (const auto& sequence : sequences) {
    if (sequence.empty()) throw std::invalid_argument("empty calibration sequence");
    streams.push_back(run.embed(sequence));
    stats.tokens += long(sequence.size());
  }
  for (int b = 0; b < c.n_layers; ++b) {
    for (const std::vector<float>& x : streams) {
      std::vector<float> scratch = x;
      record.run_block(b, scratch, 0);
    }
    for (int s = 0; s < kSublayers; ++s)
      for (double& v : stats.mean_sq[b][s]) v /= double(stats.tokens);
    if (after_block) after_block(b, stats);
    for (std::vector<float>& x : streams) run.run_block(b, x, 0);
  }
  return stats;
}

ChannelStats collect_channel_stats(const Model& model, const std::vector<std::vector<int>>& sequences) {
  Model copy = model;
  return calibrate_blocks(copy, sequences);
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
