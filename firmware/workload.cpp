#include "workload.h"

#include <algorithm>
#include <cmath>

#include "rng.h"

namespace flexcim::fw {

namespace {
// Laplace(0, 1) exceeds 8 with probability e^-8 (0.03%): clip there, so the
// int8 grid resolves the bulk of the weights instead of the rare extremes.
constexpr float kWeightClip = 8.0f;
// Symmetric int8 with clipping at `clip` (values beyond saturate at +-127).
std::vector<int8_t> quantise(const std::vector<float>& v, float clip) {
  const float scale = clip > 0 ? 127.0f / clip : 0.0f;
  std::vector<int8_t> q(v.size());
  for (size_t i = 0; i < v.size(); ++i) q[i] = int8_t(std::lrint(std::clamp(v[i] * scale, -127.0f, 127.0f)));
  return q;
}
// int8 Laplace(0, 1) quantised with the clip at kWeightClip, at the centres of
// 65536 equal-probability bins.
std::vector<int8_t> laplace_int8_table() {
  std::vector<float> v(65536);
  for (size_t i = 0; i < v.size(); ++i) {
    const double u = (double(i) + 0.5) / double(v.size()) - 0.5;
    v[i] = float(u < 0 ? std::log1p(2 * u) : -std::log1p(-2 * u));
  }
  return quantise(v, kWeightClip);
}

// Independent random streams of one layer.
enum class Stream : uint64_t { Channels, Weights, Activations, Calibration };
Rng stream(uint64_t seed, size_t index, Stream s) {
  return Rng((seed * 0x100000001b3ull + index) * 4 + uint64_t(s));
}

// Activation scale per input channel: 1, or outlier_scale on the outlier channels.
std::vector<float> channel_scales(const LayerSpec& layer, uint64_t seed, size_t index, const SyntheticParams& params,
                                  std::vector<int>* outlier_channels = nullptr) {
  const size_t in = size_t(layer.in_features);
  Rng block_rng(seed ^ (0x5bd1e995ull * uint64_t(layer.block + 1)));
  const double factor = std::exp(params.block_spread * (2 * block_rng.uniform() - 1));
  const double fraction = std::min(1.0, params.outlier_fraction * factor);
  const float outlier_scale = float(std::max(1.0, params.outlier_scale * factor));

  Rng rng = stream(seed, index, Stream::Channels);
  std::vector<float> scale(in, 1.0f);
  const size_t outliers = size_t(std::lround(fraction * double(in)));
  for (size_t found = 0; found < outliers;) {
    const size_t c = rng.below(in);
    if (scale[c] != 1.0f) continue;
    scale[c] = outlier_scale;
    if (outlier_channels) outlier_channels->push_back(int(c));
    ++found;
  }
  if (outlier_channels) std::sort(outlier_channels->begin(), outlier_channels->end());
  return scale;
}

}  // namespace

std::vector<float> calibration_mean_sq(const LayerSpec& layer, uint64_t seed, size_t index,
                                       const SyntheticParams& params, int tokens) {
  const size_t in = size_t(layer.in_features);
  const std::vector<float> scale = channel_scales(layer, seed, index, params);
  Rng rng = stream(seed, index, Stream::Calibration);
  std::vector<double> sum(in, 0.0);
  for (int t = 0; t < tokens; ++t)
    for (size_t j = 0; j < in; ++j) {
      const double x = rng.laplace() * scale[j];
      sum[j] += x * x;
    }
  std::vector<float> mean(in);
  for (size_t j = 0; j < in; ++j) mean[j] = float(sum[j] / tokens);
  return mean;
}

LayerTensors synthesize(const LayerSpec& layer, uint64_t seed, size_t index, const SyntheticParams& params) {
  const size_t in = size_t(layer.in_features), out = size_t(layer.out_features);
  LayerTensors t;
  const std::vector<float> channel_scale = channel_scales(layer, seed, index, params, &t.outlier_channels);

  // Weights: int8 Laplace drawn through an inverse-CDF table, 16 random bits per
  // weight (four per RNG call): the tails are resolved to 1/65536, plenty for a
  // synthetic layer, and a 45M-weight layer takes milliseconds instead of seconds.
  static const std::vector<int8_t> table = laplace_int8_table();
  Rng rng = stream(seed, index, Stream::Weights);
  t.weights.resize(out * in);
  for (size_t k = 0; k < t.weights.size(); k += 4) {
    uint64_t bits = rng.next();
    for (size_t b = 0; b < 4 && k + b < t.weights.size(); ++b, bits >>= 16) t.weights[k + b] = table[bits & 0xffff];
  }
  rng = stream(seed, index, Stream::Activations);
  std::vector<float> x(size_t(layer.tokens) * in);
  for (size_t tk = 0; tk < size_t(layer.tokens); ++tk)
    for (size_t j = 0; j < in; ++j) x[tk * in + j] = float(rng.laplace()) * channel_scale[j];
  float x_max = 0;
  for (float v : x) x_max = std::max(x_max, std::fabs(v));
  t.activations = quantise(x, x_max);
  return t;
}

}  // namespace flexcim::fw
