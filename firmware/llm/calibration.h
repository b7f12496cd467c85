#pragma once
// Wanda-style calibration (DESIGN.md section 1, steps 1-2): run calibration sequences
// through the model block by block, record per linear sublayer and input channel j the
// mean of x_j^2 over all calibration tokens (s_j), and score weight W[o][j] as
// |W[o][j]| * sqrt(s_j).
//
// As in Wanda's and FLOW's reference code, a block's statistics are taken with the
// block's own weights still dense, from the inputs the earlier blocks produce as they
// are by then: dense for the statistics behind the N:M selection (a dense pass), and
// already pruned when pruning block by block (prune_sequential in pruned_model.h).

#include <array>
#include <functional>
#include <vector>

#include "llm/model.h"

namespace flexcim::llm {

struct ChannelStats {
  // mean_sq[block][sublayer][j] = mean over tokens of x_j^2 at that sublayer's input.
  std::vector<std::array<std::vector<double>, kSublayers>> mean_sq;
  long tokens = 0;  // calibration tokens (positions of all sequences) averaged over
};

// Runs every token of every sequence through `model` one block at a time. For each
// block: records its statistics, calls after_block(block, stats) (which may change
// that block's weights in `model`), then runs the block as it now is to make the
// next block's inputs. Returns the statistics of all blocks.
ChannelStats calibrate_blocks(Model& model, const std::vector<std::vector<int>>& sequences,
                              const std::function<void(int block, const ChannelStats& stats)>& after_block = {});

// The dense model's statistics (calibrate_blocks on a copy, nothing changed).
ChannelStats collect_channel_stats(const Model& model, const std::vector<std::vector<int>>& sequences);

// Wanda scores of one sublayer, [out][in] row-major.
std::vector<float> wanda_scores(const Model& model, const ChannelStats& stats, int block, int sublayer);

// One block's scores of all sublayers concatenated in Sublayer order (wq, wk, wv, wo,
// w1, w3, w2), the flat vector FLOW's outlier metrics are computed on.
std::vector<float> block_scores(const Model& model, const ChannelStats& stats, int block);

}  // namespace flexcim::llm
