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
  double sparsity = 0;  // pruned fraction of all linear weights of all blocks
};

// Prunes every block to patterns[block] (nm::prune_mask with `mode`; col_block is the
// FlexCiM column block the HwAware mode shares pair selects over).
PrunedModel prune_model(const Model& dense, const ChannelStats& stats,
                        const std::vector<nm::Pattern>& patterns, nm::PruneMode mode,
                        int col_block);

}  // namespace flexcim::llm
