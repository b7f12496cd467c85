// flexcim pareto [MODEL] --platform SCENARIO: accuracy against cost on one platform
// for the per-block N:M assignments of every policy -- dense, each uniform pattern,
// OWL and FLOW at several sparsities, and flow-cost at several budgets. Each point:
// the true cross-entropy and perplexity of the pruned int8 model on the evaluation
// text, its predicted calibration-CE increase, the cost model's latency and energy,
// and an on-platform run of the same model whose cycles and energy must equal the
// prediction job by job (else exit 1). Writes DIR/pareto.csv and DIR/pareto.json;
// scripts/pareto-plot draws the fronts.
#pragma once
#include <CLI/CLI.hpp>

namespace flexcim {

void add_pareto_command(CLI::App& app);

}  // namespace flexcim
