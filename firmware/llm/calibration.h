#pragma once
// Wanda-style calibration (DESIGN.md section 1, steps 1-2): run the dense model over
// calibration sequences, record per linear sublayer and input channel j the mean of
// x_j^2 over all calibration tokens (s_j), and score weight W[o][j] as
// |W[o][j]| * sqrt(s_j). Statistics come from the dense model for every block (no
// sequential re-calibration through already pruned blocks).

#include <array>
#include <vector>

#include "llm/model.h"

namespace flexcim::llm {

struct ChannelStats {
  // mean_sq[block][sublayer][j] = mean over tokens of x_j^2 at that sublayer's input.
  std::vector<std::array<std::vector<double>, kSublayers>> mean_sq;
  long tokens = 0;  // calibration tokens (forward positions) averaged over
};

// Teacher-forces every sequence (its tokens but the last are inputs at positions
// 0, 1, ...) through the dense float model and averages over all positions.
ChannelStats collect_channel_stats(const Model& model,
                                   const std::vector<std::vector<int>>& sequences);

// Wanda scores of one sublayer, [out][in] row-major.
std::vector<float> wanda_scores(const Model& model, const ChannelStats& stats, int block,
                                int sublayer);

// One block's scores of all sublayers concatenated in Sublayer order (wq, wk, wv, wo,
// w1, w3, w2), the flat vector FLOW's outlier metrics are computed on.
std::vector<float> block_scores(const Model& model, const ChannelStats& stats, int block);

}  // namespace flexcim::llm
