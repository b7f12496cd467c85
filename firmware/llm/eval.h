#pragma once
// Accuracy of a pruned (optionally int8) model against the dense float model on
// token sequences the dense model sampled itself (stories260K has no tokenizer here):
// both models are teacher-forced over the same tokens and compared per position.

#include <cstdint>

#include "flow/selection.h"
#include "llm/model.h"
#include "llm/policy.h"
#include "llm/quant.h"
#include "nm/prune.h"

namespace flexcim::llm {

// `count` sequences of BOS + `length` tokens sampled with `seed` (see sample_sequences).
struct SequenceSet {
  int count = 8;
  int length = 64;
  uint64_t seed = 1;
};

struct EvalOptions {
  flow::Policy policy;
  flow::PolicyOptions policy_options;
  nm::PruneMode prune_mode = nm::PruneMode::Unconstrained;
  int col_block = 32;        // rows sharing pair selects in HwAware mode (FlexCiM C)
  bool int8 = false;         // run the pruned model's linears in int8 (quant.h)
  Int8Gemm* gemm = nullptr;  // where those int8 GEMMs run; nullptr = HostInt8Gemm
  SequenceSet calibration{8, 64, 1};
  SequenceSet evaluation{8, 64, 2};
  float sample_temperature = 1.0f;  // for sampling both sequence sets
};

struct EvalResult {
  double kl = 0;                   // mean per-token KL(dense || pruned), nats
  double top1 = 0;                 // fraction of positions whose argmax tokens agree
  double cross_entropy = 0;        // pruned model on the sampled next tokens, nats/token
  double dense_cross_entropy = 0;  // the same for the dense model, for reference
  double sparsity = 0;             // achieved: pruned fraction of all linear weights
  flow::Selection selection;       // per-block patterns and the nominal sparsities
  long tokens = 0;                 // positions compared
};

// Calibration statistics from options.calibration (sampled from the dense model).
ChannelStats calibrate(const Model& model, const SequenceSet& calibration, float temperature);

EvalResult evaluate(const Model& model, const EvalOptions& options);

}  // namespace flexcim::llm
