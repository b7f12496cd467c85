#pragma once
// A model whose blocks' linear sublayers are pruned N:M by their Wanda scores.

#include <array>
#include <cstdint>
#include <vector>

#include "llm/calibration.h"
#include "llm/model.h"
#include "nm/pattern.h"
#include "nm/prune.h"

namespace flexcim::llm {

struct PrunedModel {
  Model model;                        // the weights, zero where pruned
  std::vector<nm::Pattern> patterns;  // per block; dense blocks have n == m
  // keep[block][sublayer]: [out][in] mask, 1 = kept.
  std::vector<std::array<std::vector<uint8_t>, kSublayers>> keep;
  std::vector<double> block_sparsity;  // pruned fraction of each block's linear weights
  double sparsity = 0;                 // pruned fraction of all linear weights of all blocks
};

// Prunes block by block as Wanda does: block b's statistics come from the calibration
// sequences run through blocks 0..b-1 already pruned (calibrate_blocks), then block b
// is pruned to patterns[b] (nm::prune_mask with `mode`; col_block is the FlexCiM column
// block the HwAware mode shares pair selects over).
PrunedModel prune_sequential(const Model& dense, const std::vector<std::vector<int>>& calibration,
                             const std::vector<nm::Pattern>& patterns, nm::PruneMode mode, int col_block);

// Prunes block `block` of `pruned` in place to `pattern` by the Wanda scores of
// `stats` (that block's entries), setting its patterns, keep masks and block sparsity
// (not the model-wide sparsity). prune_sequential does this block by block.
void prune_block(PrunedModel& pruned, const ChannelStats& stats, int block, nm::Pattern pattern, nm::PruneMode mode,
                 int col_block);

// `dense` as a PrunedModel that keeps every weight (patterns: the dense blocks' n == m).
PrunedModel unpruned(const Model& dense, const std::vector<nm::Pattern>& patterns);

}  // namespace flexcim::llm
