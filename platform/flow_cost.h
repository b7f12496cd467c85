// The cost-aware selection (policy flow-cost) on the real model: the accuracy model
// (llm/sensitivity.h) and the platform's cost model (cost_model.h) of every block at
// every pattern the accelerator advertises, for decode (one token per job) and
// prefill (`prefill_tokens` per job), and the selection under a budget.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cost_model.h"
#include "flow/budget.h"
#include "flow/policy.h"
#include "llm/model.h"
#include "llm/pruned_model.h"
#include "llm/sensitivity.h"
#include "scenario.h"

namespace flexcim {

enum class Phase { Decode, Prefill };
Phase parse_phase(const std::string& text);  // "decode" | "prefill"; std::invalid_argument otherwise
const char* phase_name(Phase phase);

struct FlowCostModel {
  std::vector<nm::Pattern> candidates;  // CAP_PATTERNS, sparse first, dense (P:P) last
  llm::Sensitivity sensitivity;         // [block][candidate]
  int prefill_tokens = 64;
  BlockCosts decode, prefill;           // [block][candidate]

  const BlockCosts& costs(Phase phase) const { return phase == Phase::Decode ? decode : prefill; }
  // The tables flow-cost solves on.
  flow::CostTables tables(flow::Objective objective, Phase phase) const;
  // The index of `p` among the candidates; a dense pattern maps to the dense candidate.
  // Throws std::invalid_argument for a pattern the accelerator does not advertise.
  size_t candidate(nm::Pattern p) const;
};

// The real model's linear layers as the accelerator runs them: per block wq wk wv wo
// w1 w3 w2 (the forward pass's order), `tokens` per job.
std::vector<std::vector<LayerDims>> model_blocks(const llm::Config& config, int tokens);

// Probes the candidates, measures (or reads from cache_dir) the costs and computes
// the sensitivities on `calibration`, pruning hardware-aware over the accelerator's
// columns, in int8.
FlowCostModel build_flow_cost_model(const llm::Model& model, const std::vector<std::vector<int>>& calibration,
                                    const Scenario& platform, int prefill_tokens, const std::string& cache_dir);

// The selection with options.objective and options.budget (a fraction of the
// all-dense cost in `phase`). An infeasible budget throws std::invalid_argument with
// one line naming the budget, the cheapest assignment's fraction (the nearest
// feasible budget) and the unit.
flow::Selection select_flow_cost(const FlowCostModel& model, const flow::PolicyOptions& options, Phase phase);

// One assignment's real pruned int8 model run on the platform against the cost
// model's prediction, job by job (every linear of every block, in the order the
// forward pass runs them). Decode feeds `decode_steps` tokens one at a time, prefill
// the first prefill_tokens tokens in one pass; each job is predicted by the cost of
// its shape at its block's pattern.
struct Validation {
  std::vector<JobCost> predicted, measured;
  uint64_t outputs_checked = 0, mismatches = 0;  // against the host's golden GEMM
  uint64_t cycles(bool measured_side) const;
  double energy_pj(bool measured_side) const;
  bool equal() const;  // as many jobs, each with the same cycles and the same energy
};
constexpr int kDecodeSteps = 4;
// Runs in a child process (SystemC elaborates once per process); `tokens` must hold
// at least as many tokens as the phase feeds.
Validation validate_on_platform(const FlowCostModel& model, const Scenario& platform, const llm::PrunedModel& pruned,
                                const std::vector<int>& tokens, Phase phase);

// Both models, block by block and candidate by candidate, for flow.json and pareto.json.
nlohmann::ordered_json flow_cost_json(const FlowCostModel& model);

// One line per block of the selection: the pattern, its predicted loss and its cost in
// `phase`; then the totals against the budget and, when dense is the cheapest
// assignment, the note that the selection is degenerate on this platform.
std::string flow_cost_report(const FlowCostModel& model, const flow::Selection& selection,
                             const flow::PolicyOptions& options, Phase phase);

}  // namespace flexcim
