#pragma once
// The accuracy model of the cost-aware selection (policy flow-cost): for every block
// and candidate pattern, how much the model's cross-entropy on the calibration text
// rises when only that block is pruned to that pattern. Cheap (one pass over the
// calibration text per block and sparse candidate) and additive by assumption: an
// assignment's predicted loss is the sum of its blocks' increases; how well that
// predicts the true perplexity of whole assignments is measured by `flexcim pareto`.
//
// Only block b pruned means its calibration statistics are the dense model's (no
// earlier block is pruned), the same Wanda scores sequential pruning would use for
// it. The model runs in the arithmetic it will be evaluated in (float or int8).
// Dense candidates lose nothing by definition and are not measured.
//
// Beside it, the cheaper proxy the firmware uses on synthetic presets: the share of
// the whole model's Wanda score (dense calibration statistics) the block's mask
// prunes away.

#include <vector>

#include "llm/eval.h"
#include "nm/pattern.h"
#include "nm/prune.h"

namespace flexcim::llm {

struct SensitivityOptions {
  nm::PruneMode prune_mode = nm::PruneMode::HwAware;
  int col_block = 32;  // rows sharing pair selects in HwAware mode (FlexCiM C)
  bool int8 = true;    // run the linears in int8, as on the accelerator
};

struct Sensitivity {
  double base_ce = 0;  // the unpruned model on the calibration text, nats/token
  long tokens = 0;     // predicted calibration tokens
  std::vector<std::vector<double>> delta_ce;  // [block][candidate], nats/token
  std::vector<std::vector<double>> score_loss;  // [block][candidate], fraction of the model's Wanda score
};

Sensitivity block_sensitivity(const Model& model, const Sequences& calibration,
                              const std::vector<nm::Pattern>& candidates, const SensitivityOptions& options);

}  // namespace flexcim::llm
