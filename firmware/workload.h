// The workload the firmware runs: a list of linear layers (GEMM: tokens x in
// -> out) and the synthetic int8 tensors for presets without real weights.
//
// Synthetic generator (seeded, deterministic): weights are Laplace(0, 1) — the
// heavy-tailed shape of trained LLM weights — quantised to int8 with the clip at
// 8 (scale 127/8), drawn from a 65536-entry inverse-CDF table. Activations are Laplace(0, 1) too, except a few "outlier"
// input channels (fraction `outlier_fraction`, chosen per layer) scaled by
// `outlier_scale`: the outlier features of LLM activations that FLOW's
// activation-aware scores look for; how many and how strong varies per block
// (block_spread). Activations are quantised per tensor (scale = max|x| / 127).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flow/policy.h"
#include "nm/pattern.h"
#include "nm/prune.h"

namespace flexcim::fw {

struct LayerSpec {
  std::string name;
  int block = 0;
  int in_features = 0, out_features = 0, tokens = 1;
  nm::Pattern pattern{1, 1};  // requested N:M; dense when n == m
};

struct SyntheticParams {
  double outlier_fraction = 0.01;
  double outlier_scale = 8.0;
  // Blocks of real LLMs differ in outlier density (OWL's observation, FLOW's
  // premise): block b scales both outlier parameters by exp(spread * u_b), u_b
  // uniform in [-1, 1] from the seed and the block. 0 = identical blocks.
  double block_spread = 0.0;
};

// Layer-wise N:M chosen by the firmware (FLOW or a baseline) instead of given
// per layer. "Layer" of FLOW = block: all linears of a block share one N:M.
struct SparsitySpec {
  flow::Policy policy;
  flow::PolicyOptions options;
  bool hw_candidates = false;  // candidates = what CAP_PATTERNS advertises
};

// What each sparse layer is pruned to.
enum class PruneTarget {
  Requested,  // the layer's N:M; the hardware runs the mask with the sparsest pattern that holds it
  Supported,  // the sparsest pattern the hardware advertises at least as dense (the requested one if
              // advertised, else dense): a baseline's own best model for its constraint
};

enum class OutputFormat { Int8, Int32 };  // Y as the accelerator writes it to DRAM

struct Workload {
  std::vector<LayerSpec> layers;
  uint64_t seed = 1;
  SyntheticParams synthetic;
  nm::PruneMode prune_mode = nm::PruneMode::HwAware;
  PruneTarget prune_to = PruneTarget::Requested;
  OutputFormat outputs = OutputFormat::Int8;
  int calibration_tokens = 64;  // synthetic calibration tokens per layer (Wanda statistics)
  std::optional<SparsitySpec> sparsity;
  // Program the same jobs without making, pruning, packing, computing or checking
  // tensors (runtime.h says what still needs data).
  bool timing_only = false;
};

struct LayerTensors {
  std::vector<int8_t> weights;      // [out][in]
  std::vector<int8_t> activations;  // [tokens][in]
  std::vector<int> outlier_channels;
};

// Layer `index` of a workload gets its own streams, so layers do not depend on each other.
LayerTensors synthesize(const LayerSpec& layer, uint64_t seed, size_t index, const SyntheticParams& params);

// Per input channel, the mean of x^2 over `tokens` calibration activations of the
// layer (same outlier channels as its activations, another random stream): the
// statistics behind Wanda scores |W| * sqrt(mean x^2).
std::vector<float> calibration_mean_sq(const LayerSpec& layer, uint64_t seed, size_t index,
                                       const SyntheticParams& params, int tokens);

}  // namespace flexcim::fw
