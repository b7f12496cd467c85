#include "llm/transformer.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace flexcim::llm {
namespace {

constexpr float kRmsEpsilon = 1e-5f;
constexpr float kRopeTheta = 10000.0f;

void rmsnorm(float* o, const float* x, const float* weight, int n) {
  float ss = 0.0f;
  for (int j = 0; j < n; ++j) ss += x[j] * x[j];
  ss = 1.0f / std::sqrt(ss / n + kRmsEpsilon);
  for (int j = 0; j < n; ++j) o[j] = weight[j] * (ss * x[j]);
}

void softmax(float* x, int n) {
  float max = x[0];
  for (int i = 1; i < n; ++i) max = std::max(max, x[i]);
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  for (int i = 0; i < n; ++i) x[i] /= sum;
}

// Rotates each (even, odd) pair of every query head and key head by a position- and
// frequency-dependent angle.
void rope(float* q, float* k, int pos, const Config& c) {
  const int head_size = c.head_size();
  for (int i = 0; i < c.dim; i += 2) {
    const float freq = 1.0f / std::pow(kRopeTheta, float(i % head_size) / float(head_size));
    const float angle = float(pos) * freq;
    const float cos = std::cos(angle), sin = std::sin(angle);
    const int vectors = i < c.kv_dim() ? 2 : 1;  // keys are narrower than queries
    for (int v = 0; v < vectors; ++v) {
      float* vec = v == 0 ? q : k;
      const float a = vec[i], b = vec[i + 1];
      vec[i] = a * cos - b * sin;
      vec[i + 1] = a * sin + b * cos;
    }
  }
}

float silu(float x) { return x / (1.0f + std::exp(-x)); }

}  // namespace

void matmul(float* y, const float* x, const float* w, int out, int in) {
  for (int o = 0; o < out; ++o) {
    float sum = 0.0f;
    const float* row = w + size_t(o) * in;
    for (int j = 0; j < in; ++j) sum += row[j] * x[j];
    y[o] = sum;
  }
}

LinearFn float_linear(const Model& model) {
  return [&model](int block, int sublayer, const float* x, float* y) {
    const LinearView l = model.linear(block, sublayer);
    matmul(y, x, l.w, l.out, l.in);
  };
}

Transformer::Transformer(const Model& model, LinearFn linear)
    : model_(model), linear_(linear ? std::move(linear) : float_linear(model)) {
  validate(model);
  const Config& c = model.config;
  const size_t cache = size_t(c.n_layers) * c.seq_len * c.kv_dim();
  x_.resize(c.dim);
  xb_.resize(c.dim);
  xb2_.resize(c.dim);
  q_.resize(c.dim);
  att_.resize(c.seq_len);
  hb_.resize(c.hidden_dim);
  hb2_.resize(c.hidden_dim);
  key_cache_.resize(cache);
  value_cache_.resize(cache);
  logits_.resize(c.vocab_size);
}

const std::vector<float>& Transformer::forward(int token, int pos) {
  const Config& c = model_.config;
  if (token < 0 || token >= c.vocab_size)
    throw std::out_of_range(fmt::format("token {} outside 0..{}", token, c.vocab_size - 1));
  if (pos < 0 || pos >= c.seq_len)
    throw std::out_of_range(fmt::format("position {} outside 0..{}", pos, c.seq_len - 1));

  const float* embedding = model_.token_embedding.data() + size_t(token) * c.dim;
  x_.assign(embedding, embedding + c.dim);
  for (int b = 0; b < c.n_layers; ++b) {
    attention(b, pos);
    feed_forward(b);
  }
  rmsnorm(x_.data(), x_.data(), model_.rms_final.data(), c.dim);
  matmul(logits_.data(), x_.data(), model_.classifier(), c.vocab_size, c.dim);
  return logits_;
}

void Transformer::attention(int block, int pos) {
  const Config& c = model_.config;
  const BlockWeights& w = model_.blocks[block];
  const int kv_dim = c.kv_dim(), head_size = c.head_size();
  const int kv_mul = c.n_heads / c.n_kv_heads;  // query heads per key/value head
  const size_t layer_offset = size_t(block) * c.seq_len * kv_dim;
  float* k = key_cache_.data() + layer_offset + size_t(pos) * kv_dim;
  float* v = value_cache_.data() + layer_offset + size_t(pos) * kv_dim;

  rmsnorm(xb_.data(), x_.data(), w.rms_att.data(), c.dim);
  linear_(block, kWq, xb_.data(), q_.data());
  linear_(block, kWk, xb_.data(), k);
  linear_(block, kWv, xb_.data(), v);
  rope(q_.data(), k, pos, c);

  const float scale = 1.0f / std::sqrt(float(head_size));
  for (int h = 0; h < c.n_heads; ++h) {
    const float* q = q_.data() + h * head_size;
    const size_t kv_offset = size_t(h / kv_mul) * head_size;
    for (int t = 0; t <= pos; ++t) {
      const float* key = key_cache_.data() + layer_offset + size_t(t) * kv_dim + kv_offset;
      float score = 0.0f;
      for (int i = 0; i < head_size; ++i) score += q[i] * key[i];
      att_[t] = score * scale;
    }
    softmax(att_.data(), pos + 1);
    float* out = xb_.data() + h * head_size;
    std::fill(out, out + head_size, 0.0f);
    for (int t = 0; t <= pos; ++t) {
      const float* value = value_cache_.data() + layer_offset + size_t(t) * kv_dim + kv_offset;
      for (int i = 0; i < head_size; ++i) out[i] += att_[t] * value[i];
    }
  }

  linear_(block, kWo, xb_.data(), xb2_.data());
  for (int i = 0; i < c.dim; ++i) x_[i] += xb2_[i];
}

void Transformer::feed_forward(int block) {
  const Config& c = model_.config;
  rmsnorm(xb_.data(), x_.data(), model_.blocks[block].rms_ffn.data(), c.dim);
  linear_(block, kW1, xb_.data(), hb_.data());
  linear_(block, kW3, xb_.data(), hb2_.data());
  for (int i = 0; i < c.hidden_dim; ++i) hb_[i] = silu(hb_[i]) * hb2_[i];
  linear_(block, kW2, hb_.data(), xb2_.data());
  for (int i = 0; i < c.dim; ++i) x_[i] += xb2_[i];
}

int argmax(const float* v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

Sampler::Sampler(float temperature, uint64_t seed) : temperature_(temperature), rng_(seed) {
  if (!(temperature >= 0.0f) || !std::isfinite(temperature))
    throw std::invalid_argument(fmt::format("temperature {} must be >= 0", temperature));
}

double Sampler::uniform() { return double(rng_() >> 11) * 0x1.0p-53; }

int Sampler::sample(const std::vector<float>& logits) {
  const int n = int(logits.size());
  if (temperature_ == 0.0f) return argmax(logits.data(), n);
  // Softmax in double so the cumulative sum is not the precision bottleneck.
  std::vector<double> p(n);
  double max = logits[0];
  for (int i = 1; i < n; ++i) max = std::max(max, double(logits[i]));
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    p[i] = std::exp((double(logits[i]) - max) / temperature_);
    sum += p[i];
  }
  const double coin = uniform() * sum;
  double cdf = 0.0;
  for (int i = 0; i < n; ++i) {
    cdf += p[i];
    if (coin < cdf) return i;
  }
  return n - 1;  // rounding left the coin just above the total
}

namespace {

// Continues `sampler`'s stream: `steps` tokens after BOS.
std::vector<int> sample_after_bos(const Model& model, int steps, Sampler& sampler) {
  if (steps < 0 || steps > model.config.seq_len)
    throw std::invalid_argument(
        fmt::format("{} steps outside 0..{} (the model's seq_len)", steps, model.config.seq_len));
  Transformer transformer(model);
  std::vector<int> tokens;
  int token = kBosToken;
  for (int pos = 0; pos < steps; ++pos) {
    token = sampler.sample(transformer.forward(token, pos));
    tokens.push_back(token);
  }
  return tokens;
}

}  // namespace

std::vector<int> generate(const Model& model, int steps, float temperature, uint64_t seed) {
  Sampler sampler(temperature, seed);
  return sample_after_bos(model, steps, sampler);
}

std::vector<std::vector<int>> sample_sequences(const Model& model, int count, int length,
                                               uint64_t seed, float temperature) {
  if (count < 1) throw std::invalid_argument(fmt::format("sequence count {} must be >= 1", count));
  if (length < 1) throw std::invalid_argument(fmt::format("sequence length {} must be >= 1", length));
  Sampler sampler(temperature, seed);
  std::vector<std::vector<int>> sequences;
  for (int i = 0; i < count; ++i) {
    std::vector<int> s = {kBosToken};
    const std::vector<int> tokens = sample_after_bos(model, length, sampler);
    s.insert(s.end(), tokens.begin(), tokens.end());
    sequences.push_back(std::move(s));
  }
  return sequences;
}

}  // namespace flexcim::llm
