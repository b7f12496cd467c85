#pragma once
// Accuracy of a pruned (optionally int8) model on text (DESIGN.md section 5): every
// evaluation sequence ([BOS] + encode(story), see text.h) is fed to the pruned and the
// dense float model; at every position but the last each predicts the next token.
//   CE   = mean over all predicted tokens of -log p_pruned(next token)  (nats/token)
//   ppl  = exp(CE)
//   KL   = mean over the same positions of KL(p_dense || p_pruned)
//   top1 = fraction of those positions where both models' most likely tokens agree
// Selection statistics come from a dense pass over the calibration sequences; pruning
// is sequential (prune_sequential).

#include "flow/selection.h"
#include "llm/model.h"
#include "llm/policy.h"
#include "llm/pruned_model.h"
#include "llm/quant.h"
#include "llm/transformer.h"
#include "nm/prune.h"

namespace flexcim::llm {

using Sequences = std::vector<std::vector<int>>;

struct EvalOptions {
  flow::Policy policy;
  flow::PolicyOptions policy_options;
  nm::PruneMode prune_mode = nm::PruneMode::Unconstrained;
  int col_block = 32;        // rows sharing pair selects in HwAware mode (FlexCiM C)
  bool int8 = false;         // run the pruned model's linears in int8 (quant.h)
  Int8Gemm* gemm = nullptr;  // where those int8 GEMMs run; nullptr = HostInt8Gemm
};

struct EvalResult {
  double cross_entropy = 0;        // pruned model, nats/token
  double perplexity = 0;           // exp(cross_entropy)
  double kl = 0;                   // nats/token
  double top1 = 0;
  double dense_cross_entropy = 0;  // the dense float model on the same tokens
  double dense_perplexity = 0;
  long tokens = 0;                 // predicted tokens
  int stories = 0;
  flow::Selection selection;       // per-block patterns and the nominal sparsities
  std::vector<double> block_sparsity;  // achieved, per block
  double sparsity = 0;             // achieved: pruned fraction of all linear weights
};

// Selects patterns with the policy (statistics from `calibration`, unused for the
// dense and uniform policies), prunes sequentially on `calibration`, and measures on
// `evaluation`. flow-cost needs `tables` (see flow::select_patterns).
EvalResult evaluate(const Model& model, const Sequences& calibration, const Sequences& evaluation,
                    const EvalOptions& options, const flow::CostTables* tables = nullptr);

// Measures `pruned` (pruned from `model`) on `evaluation` as evaluate() does after
// pruning; uses options.int8 and options.gemm. The selection is left empty.
EvalResult evaluate_pruned(const Model& model, const PrunedModel& pruned, const Sequences& evaluation,
                           const EvalOptions& options);

// Mean -log p(next token) over every predicted position of `sequences` (nats/token),
// with the linear layers `linear`; `tokens`, when given, receives how many were predicted.
double cross_entropy(const Model& model, const LinearFn& linear, const Sequences& sequences, long* tokens = nullptr);

}  // namespace flexcim::llm
