#pragma once
// FLOW and its baselines on the real model: the blocks' outlier metrics come
// from the Wanda scores of the model's weights and calibration statistics; the
// policy itself (flow/policy.h) is model-independent.

#include <vector>

#include "flow/metrics.h"
#include "flow/policy.h"
#include "flow/selection.h"
#include "llm/calibration.h"
#include "llm/model.h"

namespace flexcim::llm {

// Outlier ratio and locality of every block's flat Wanda scores at multiplier h.
std::vector<flow::BlockMetrics> outlier_metrics(const Model& model, const ChannelStats& stats, double h);

// One pattern per block. Throws flow::InfeasibleTarget (naming the nearest achievable
// targets) or std::invalid_argument for options the policy cannot use.
flow::Selection select_patterns(const Model& model, const ChannelStats& stats, const flow::Policy& policy,
                                const flow::PolicyOptions& options);

}  // namespace flexcim::llm
