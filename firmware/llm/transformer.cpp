#include "llm/transformer.h"

#include <fmt/format.h>

#include <algorithm>
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

void matmul(float* y, const float* x, const float* w, int out, int in, int tokens) {
  for (int t = 0; t < tokens; ++t) {
    const float* xt = x + size_t(t) * in;
    float* yt = y + size_t(t) * out;
    int o = 0;
    // Four rows at a time: four independent sums, each still in input order.
    for (; o + 4 <= out; o += 4) {
      const float* r0 = w + size_t(o) * in;
      const float *r1 = r0 + in, *r2 = r1 + in, *r3 = r2 + in;
      float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
      for (int j = 0; j < in; ++j) {
        s0 += r0[j] * xt[j];
        s1 += r1[j] * xt[j];
        s2 += r2[j] * xt[j];
        s3 += r3[j] * xt[j];
      }
      yt[o] = s0;
      yt[o + 1] = s1;
      yt[o + 2] = s2;
      yt[o + 3] = s3;
    }
    for (; o < out; ++o) {
      const float* row = w + size_t(o) * in;
      float sum = 0.0f;
      for (int j = 0; j < in; ++j) sum += row[j] * xt[j];
      yt[o] = sum;
    }
  }
}

LinearFn float_linear(const Model& model) {
  return [&model](int block, int sublayer, const float* x, float* y, int tokens) {
    const LinearView l = model.linear(block, sublayer);
    matmul(y, x, l.w, l.out, l.in, tokens);
  };
}

Transformer::Transformer(const Model& model, LinearFn linear)
    : model_(model), linear_(linear ? std::move(linear) : float_linear(model)) {
  validate(model);
  const Config& c = model.config;
  att_.resize(c.seq_len);
  key_cache_.resize(c.n_layers);
  value_cache_.resize(c.n_layers);
}

void Transformer::reserve_positions(int positions) {
  const size_t kv_dim = model_.config.kv_dim();
  if (key_cache_.empty() || key_cache_[0].size() >= size_t(positions) * kv_dim) return;
  const size_t held = key_cache_[0].size() / kv_dim;
  const size_t grown = std::min<size_t>(model_.config.seq_len, std::max<size_t>(2 * held, positions));
  for (auto* cache : {&key_cache_, &value_cache_})
    for (std::vector<float>& layer : *cache) layer.resize(grown * kv_dim);
}

void Transformer::check_positions(size_t tokens, int start_pos) const {
  const Config& c = model_.config;
  if (start_pos < 0 || tokens > size_t(c.seq_len) || start_pos > c.seq_len - int(tokens))
    throw std::out_of_range(fmt::format("{} tokens from position {}: positions must lie in 0..{}", tokens, start_pos,
                                        c.seq_len - 1));
}

std::vector<float> Transformer::embed(const std::vector<int>& tokens) const {
  const Config& c = model_.config;
  std::vector<float> x(tokens.size() * c.dim);
  for (size_t t = 0; t < tokens.size(); ++t) {
    const int token = tokens[t];
    if (token < 0 || token >= c.vocab_size)
      throw std::out_of_range(fmt::format("token {} outside 0..{}", token, c.vocab_size - 1));
    const float* embedding = model_.token_embedding.data() + size_t(token) * c.dim;
    std::copy(embedding, embedding + c.dim, x.begin() + std::ptrdiff_t(t * c.dim));
  }
  return x;
}

void Transformer::run_block(int block, std::vector<float>& x, int start_pos) {
  const int dim = model_.config.dim;
  const int n = int(x.size() / dim);
  check_positions(size_t(n), start_pos);
  reserve_positions(start_pos + n);
  attention(block, x, n, start_pos);
  feed_forward(block, x, n);
}

const std::vector<float>& Transformer::forward(const std::vector<int>& tokens, int start_pos) {
  const Config& c = model_.config;
  check_positions(tokens.size(), start_pos);
  std::vector<float> x = embed(tokens);
  const int n = int(tokens.size());
  reserve_positions(start_pos + n);
  for (int b = 0; b < c.n_layers; ++b) {
    attention(b, x, n, start_pos);
    feed_forward(b, x, n);
  }
  for (int t = 0; t < n; ++t) {
    float* xt = x.data() + size_t(t) * c.dim;
    rmsnorm(xt, xt, model_.rms_final.data(), c.dim);
  }
  logits_.resize(size_t(n) * c.vocab_size);
  matmul(logits_.data(), x.data(), model_.classifier(), c.vocab_size, c.dim, n);
  // Finite weights can still overflow float on the way (a weight of 1e38); every
  // number computed from such logits (cross-entropy, KL, samples) would be NaN.
  for (size_t i = 0; i < logits_.size(); ++i)
    if (!std::isfinite(logits_[i]))
      throw NonFiniteError(fmt::format("the model's logit {} at position {} is {}: its weights overflow float "
                                       "arithmetic",
                                       i % c.vocab_size, start_pos + int(i / c.vocab_size), logits_[i]));
  return logits_;
}

void Transformer::attention(int block, std::vector<float>& x, int n, int start_pos) {
  const Config& c = model_.config;
  const BlockWeights& w = model_.blocks[block];
  const int dim = c.dim, kv_dim = c.kv_dim(), head_size = c.head_size();
  const int kv_mul = c.n_heads / c.n_kv_heads;  // query heads per key/value head
  float* keys = key_cache_[block].data();
  float* values = value_cache_[block].data();

  xb_.resize(size_t(n) * dim);
  xb2_.resize(size_t(n) * dim);
  q_.resize(size_t(n) * dim);
  for (int t = 0; t < n; ++t) rmsnorm(&xb_[size_t(t) * dim], &x[size_t(t) * dim], w.rms_att.data(), dim);
  linear_(block, kWq, xb_.data(), q_.data(), n);
  linear_(block, kWk, xb_.data(), keys + size_t(start_pos) * kv_dim, n);
  linear_(block, kWv, xb_.data(), values + size_t(start_pos) * kv_dim, n);

  const float scale = 1.0f / std::sqrt(float(head_size));
  for (int t = 0; t < n; ++t) {
    const int pos = start_pos + t;
    rope(&q_[size_t(t) * dim], keys + size_t(pos) * kv_dim, pos, c);
  }
  for (int t = 0; t < n; ++t) {
    const int pos = start_pos + t;
    for (int h = 0; h < c.n_heads; ++h) {
      const float* q = &q_[size_t(t) * dim + size_t(h) * head_size];
      const size_t kv_offset = size_t(h / kv_mul) * head_size;
      for (int p = 0; p <= pos; ++p) {
        const float* key = keys + size_t(p) * kv_dim + kv_offset;
        float score = 0.0f;
        for (int i = 0; i < head_size; ++i) score += q[i] * key[i];
        att_[p] = score * scale;
      }
      softmax(att_.data(), pos + 1);
      float* out = &xb_[size_t(t) * dim + size_t(h) * head_size];
      std::fill(out, out + head_size, 0.0f);
      for (int p = 0; p <= pos; ++p) {
        const float* value = values + size_t(p) * kv_dim + kv_offset;
        for (int i = 0; i < head_size; ++i) out[i] += att_[p] * value[i];
      }
    }
  }

  linear_(block, kWo, xb_.data(), xb2_.data(), n);
  for (size_t i = 0; i < size_t(n) * dim; ++i) x[i] += xb2_[i];
}

void Transformer::feed_forward(int block, std::vector<float>& x, int n) {
  const Config& c = model_.config;
  const int dim = c.dim;
  const size_t hidden = size_t(n) * c.hidden_dim;
  hb_.resize(hidden);
  hb2_.resize(hidden);
  for (int t = 0; t < n; ++t)
    rmsnorm(&xb_[size_t(t) * dim], &x[size_t(t) * dim], model_.blocks[block].rms_ffn.data(), dim);
  linear_(block, kW1, xb_.data(), hb_.data(), n);
  linear_(block, kW3, xb_.data(), hb2_.data(), n);
  for (size_t i = 0; i < hidden; ++i) hb_[i] = silu(hb_[i]) * hb2_[i];
  linear_(block, kW2, hb_.data(), xb2_.data(), n);
  for (size_t i = 0; i < size_t(n) * dim; ++i) x[i] += xb2_[i];
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

std::vector<int> generate(const Model& model, const std::vector<int>& prompt, int steps, float temperature,
                          uint64_t seed) {
  if (prompt.empty() || prompt[0] != kBosToken)
    throw std::invalid_argument(fmt::format("the prompt must start with BOS ({})", kBosToken));
  if (steps < 0 || steps > model.config.seq_len)
    throw std::invalid_argument(
        fmt::format("{} steps outside 0..{} (the model's seq_len)", steps, model.config.seq_len));
  if (steps < int(prompt.size()) - 1)
    throw std::invalid_argument(
        fmt::format("{} steps do not reach the end of the {}-token prompt (BOS included)", steps, prompt.size()));
  Sampler sampler(temperature, seed);
  Transformer transformer(model);
  std::vector<int> tokens = {prompt[0]};
  for (int pos = 0; pos < steps; ++pos) {
    const std::vector<float>& logits = transformer.forward({tokens.back()}, pos);
    const int next = size_t(pos) + 1 < prompt.size() ? prompt[pos + 1] : sampler.sample(logits);
    if (next == kBosToken) break;  // BOS delimits sequences
    tokens.push_back(next);
  }
  return tokens;
}

}  // namespace flexcim::llm
