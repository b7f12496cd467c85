#include "llm/quant.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace flexcim::llm {
namespace {

constexpr float kQmax = 127.0f;
constexpr int kMaxInputs = 2147483647 / (127 * 127);  // |accumulator| <= in * 127^2

float max_abs(const float* v, int n) {
  float m = 0.0f;
  for (int i = 0; i < n; ++i) m = std::max(m, std::fabs(v[i]));
  return m;
}

}  // namespace

int8_t quantize(float v, float scale) {
  if (scale == 0.0f) return 0;
  // nearbyint rounds half to even in the default floating-point environment.
  const float q = std::nearbyint(v / scale);
  return int8_t(std::clamp(q, -kQmax, kQmax));
}

float quantize_activations(const float* x, int n, int8_t* q) {
  const float scale = max_abs(x, n) / kQmax;
  for (int i = 0; i < n; ++i) q[i] = quantize(x[i], scale);
  return scale;
}

QuantLayer quantize_layer(int block, int sublayer, const float* weights, int out, int in,
                          nm::Pattern pattern, std::vector<uint8_t> keep) {
  if (in > kMaxInputs)
    throw std::invalid_argument(fmt::format(
        "quantize_layer: {} inputs could overflow the int32 accumulator (at most {})", in,
        kMaxInputs));
  if (keep.size() != size_t(out) * in)
    throw std::invalid_argument(fmt::format("quantize_layer: keep mask has {} entries, expected {}",
                                            keep.size(), size_t(out) * in));
  QuantLayer l;
  l.name = fmt::format("blocks.{}.{}", block, sublayer_name(sublayer));
  l.block = block;
  l.sublayer = sublayer;
  l.out = out;
  l.in = in;
  l.pattern = pattern;
  l.keep = std::move(keep);
  l.weights.resize(size_t(out) * in);
  l.scales.resize(out);
  for (int o = 0; o < out; ++o) {
    const float* row = weights + size_t(o) * in;
    l.scales[o] = max_abs(row, in) / kQmax;
    for (int j = 0; j < in; ++j) l.weights[size_t(o) * in + j] = quantize(row[j], l.scales[o]);
  }
  return l;
}

std::vector<std::vector<QuantLayer>> quantize_model(const PrunedModel& pruned) {
  const int n_blocks = pruned.model.config.n_layers;
  std::vector<std::vector<QuantLayer>> layers(n_blocks);
  for (int b = 0; b < n_blocks; ++b)
    for (int s = 0; s < kSublayers; ++s) {
      const LinearView l = pruned.model.linear(b, s);
      layers[b].push_back(
          quantize_layer(b, s, l.w, l.out, l.in, pruned.patterns.at(b), pruned.keep.at(b)[s]));
    }
  return layers;
}

void HostInt8Gemm::run(const QuantLayer& layer, const int8_t* x, int tokens, int32_t* y) {
  for (int t = 0; t < tokens; ++t) {
    const int8_t* xt = x + size_t(t) * layer.in;
    for (int o = 0; o < layer.out; ++o) {
      const int8_t* row = layer.weights.data() + size_t(o) * layer.in;
      int32_t acc = 0;
      for (int j = 0; j < layer.in; ++j) acc += int32_t(row[j]) * int32_t(xt[j]);
      y[size_t(t) * layer.out + o] = acc;
    }
  }
}

LinearFn int8_linear(const std::vector<std::vector<QuantLayer>>& layers, Int8Gemm& gemm) {
  return [&layers, &gemm](int block, int sublayer, const float* x, float* y, int tokens) {
    const QuantLayer& l = layers.at(block).at(sublayer);
    std::vector<int8_t> xq(size_t(tokens) * l.in);
    std::vector<int32_t> acc(size_t(tokens) * l.out);
    std::vector<float> x_scale(tokens);
    for (int t = 0; t < tokens; ++t)
      x_scale[t] = quantize_activations(x + size_t(t) * l.in, l.in, xq.data() + size_t(t) * l.in);
    gemm.run(l, xq.data(), tokens, acc.data());
    for (int t = 0; t < tokens; ++t)
      for (int o = 0; o < l.out; ++o) {
        const size_t i = size_t(t) * l.out + o;
        y[i] = float(acc[i]) * x_scale[t] * l.scales[o];
      }
  };
}

}  // namespace flexcim::llm
