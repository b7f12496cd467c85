#pragma once
// The llama2.c forward pass in plain float: RMSNorm, RoPE, grouped-query attention
// with a KV cache, SwiGLU FFN. Every linear sublayer of every block goes through one
// LinearFn hook (order per block: wq, wk, wv, wo, w1, w3, w2 — see Sublayer), so
// calibration can record its inputs and the pruned int8 path can replace it. The
// final classifier stays dense float: it is not part of any block.

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "llm/model.h"

namespace flexcim::llm {

constexpr int kBosToken = 1;  // llama2.c's beginning-of-sequence token

// y[out] = W[out][in] x[in] for one token.
using LinearFn = std::function<void(int block, int sublayer, const float* x, float* y)>;

// y = W x, W row-major [out][in].
void matmul(float* y, const float* x, const float* w, int out, int in);

// The dense float linear layers of `model` (which must outlive the function).
LinearFn float_linear(const Model& model);

// One decoding context: processes tokens position by position and keeps the KV cache.
// `model` must outlive the Transformer.
class Transformer {
 public:
  explicit Transformer(const Model& model, LinearFn linear = {});

  // Feeds `token` at position `pos` (0 <= pos < seq_len; positions before `pos` must
  // have been fed already) and returns the next-token logits (vocab_size floats),
  // valid until the next call.
  const std::vector<float>& forward(int token, int pos);

 private:
  void attention(int block, int pos);
  void feed_forward(int block);

  const Model& model_;
  LinearFn linear_;
  std::vector<float> x_;       // residual stream (dim)
  std::vector<float> xb_;      // normalised input / attention output (dim)
  std::vector<float> xb2_;     // sublayer output before the residual add (dim)
  std::vector<float> q_;       // query (dim)
  std::vector<float> att_;     // attention scores of one head (seq_len)
  std::vector<float> hb_;      // FFN gate (hidden_dim)
  std::vector<float> hb2_;     // FFN up (hidden_dim)
  std::vector<float> key_cache_;    // [layer][seq_len][kv_dim]
  std::vector<float> value_cache_;  // [layer][seq_len][kv_dim]
  std::vector<float> logits_;  // vocab_size
};

// Index of the largest value (the first one on ties).
int argmax(const float* v, int n);

// Greedy at temperature 0, else samples softmax(logits / temperature). Uses its own
// uniform draw from std::mt19937_64 (std:: distributions differ between standard
// libraries), so a seed gives the same tokens everywhere.
class Sampler {
 public:
  Sampler(float temperature, uint64_t seed);
  int sample(const std::vector<float>& logits);

 private:
  double uniform();  // [0, 1) from the generator's top 53 bits

  float temperature_;
  std::mt19937_64 rng_;
};

// `steps` tokens sampled after BOS (BOS itself is not included).
std::vector<int> generate(const Model& model, int steps, float temperature, uint64_t seed);

// `count` sequences of BOS followed by `length` tokens sampled at `temperature`, all
// drawn from one Sampler seeded with `seed`. Calibration and evaluation data: the
// tokenizer of stories260K is not available, so the model writes its own text.
std::vector<std::vector<int>> sample_sequences(const Model& model, int count, int length,
                                               uint64_t seed, float temperature = 1.0f);

}  // namespace flexcim::llm
