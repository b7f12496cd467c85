#include "llm/policy.h"

namespace flexcim::llm {

std::vector<flow::BlockMetrics> outlier_metrics(const Model& model, const ChannelStats& stats, double h) {
  std::vector<flow::BlockMetrics> metrics;
  for (int b = 0; b < model.config.n_layers; ++b) metrics.push_back(flow::block_metrics(block_scores(model, stats, b), h));
  return metrics;
}

flow::Selection select_patterns(const Model& model, const ChannelStats& stats, const flow::Policy& policy,
                                const flow::PolicyOptions& options) {
  return flow::select_patterns(policy, options, model.config.n_layers,
                               [&](double h) { return outlier_metrics(model, stats, h); });
}

}  // namespace flexcim::llm
