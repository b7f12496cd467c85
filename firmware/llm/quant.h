#pragma once
// The int8 scheme of the pruned model's linear layers:
//   weights      symmetric per output channel: scale_w[o] = max_j |W[o][j]| / 127
//   activations  symmetric per token, dynamic: scale_x = max_j |x_j| / 127
//   q = clamp(round_half_even(v / scale), -127, 127); a zero scale gives q = 0
//   y[o] = float(int32 sum_j Wq[o][j] * xq[j]) * scale_x * scale_w[o]
// Weights are quantised after pruning, so pruned weights are exact zeros and the
// scales come from the kept weights. Accumulation is exact: |sum| <= in * 127^2 fits
// int32 for up to 133143 inputs (quantize_layer rejects wider layers).

#include <cstdint>
#include <string>
#include <vector>

#include "llm/pruned_model.h"
#include "llm/transformer.h"
#include "nm/pattern.h"

namespace flexcim::llm {

struct QuantLayer {
  std::string name;  // "blocks.<block>.<sublayer name>", e.g. "blocks.2.w1"
  int block = 0;
  int sublayer = 0;  // Sublayer
  int out = 0, in = 0;
  std::vector<int8_t> weights;  // [out][in], pruned positions are 0
  std::vector<float> scales;    // [out]
  nm::Pattern pattern;          // N:M the block was pruned to (dense: n == m)
  std::vector<uint8_t> keep;    // [out][in], 1 = kept by pruning
};

// Quantises a row-major [out][in] weight matrix (already pruned: zeros where keep is 0).
QuantLayer quantize_layer(int block, int sublayer, const float* weights, int out, int in,
                          nm::Pattern pattern, std::vector<uint8_t> keep);

// Every linear of every block of `pruned`, indexed [block][sublayer].
std::vector<std::vector<QuantLayer>> quantize_model(const PrunedModel& pruned);

// round_half_even(v / scale) clamped to +-127; 0 when scale is 0.
int8_t quantize(float v, float scale);

// Quantises one token's activations into q (n values); returns the scale.
float quantize_activations(const float* x, int n, int8_t* q);

// Where the int8 GEMMs run: the host below, or the virtual accelerator.
class Int8Gemm {
 public:
  virtual ~Int8Gemm() = default;
  // y[t][o] = sum_j layer.weights[o][j] * x[t][j] for t < tokens; x is [tokens][in],
  // y is [tokens][out], both row-major.
  virtual void run(const QuantLayer& layer, const int8_t* x, int tokens, int32_t* y) = 0;
};

class HostInt8Gemm : public Int8Gemm {
 public:
  void run(const QuantLayer& layer, const int8_t* x, int tokens, int32_t* y) override;
};

// A LinearFn running layers[block][sublayer] on `gemm`, one GEMM per linear per chunk
// of tokens (each token quantised with its own scale); `layers` and `gemm` must
// outlive it.
LinearFn int8_linear(const std::vector<std::vector<QuantLayer>>& layers, Int8Gemm& gemm);

}  // namespace flexcim::llm
