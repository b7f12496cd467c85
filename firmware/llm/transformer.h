#pragma once
// The llama2.c forward pass in plain float: RMSNorm, RoPE, grouped-query attention
// with a KV cache, SwiGLU FFN. Every linear sublayer of every block goes through one
// LinearFn hook (order per block: wq, wk, wv, wo, w1, w3, w2 — see Sublayer), so
// calibration can record its inputs and the pruned int8 path can replace it. The
// final classifier stays dense float: it is not part of any block.

#include <cstdint>
#include <functional>
#include <random>
#include <stdexcept>
#include <vector>

#include "llm/model.h"

namespace flexcim::llm {

constexpr int kBosToken = 1;  // llama2.c's beginning-of-sequence token

// The forward pass produced an infinite or NaN logit: the model is numerically broken.
class NonFiniteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// y[t][out] = W[out][in] x[t][in] for t < tokens (row-major, one row per token).
using LinearFn = std::function<void(int block, int sublayer, const float* x, float* y, int tokens)>;

// y[t] = W x[t] for t < tokens, W row-major [out][in]; each sum runs over in in order.
void matmul(float* y, const float* x, const float* w, int out, int in, int tokens = 1);

// The dense float linear layers of `model` (which must outlive the function).
LinearFn float_linear(const Model& model);

// One decoding context with its KV cache. Tokens go through the model a chunk at a
// time (one token when decoding, a whole sequence when evaluating or calibrating),
// block by block; every token gets the same arithmetic either way. `model` must
// outlive the Transformer.
class Transformer {
 public:
  explicit Transformer(const Model& model, LinearFn linear = {});

  // Feeds `tokens` at positions start_pos, start_pos + 1, ... (< seq_len; the positions
  // before start_pos must have been fed already) and returns the next-token logits,
  // [tokens.size()][vocab_size], valid until the next call. Throws NonFiniteError if a
  // logit is not finite.
  const std::vector<float>& forward(const std::vector<int>& tokens, int start_pos);

  // The steps of forward, for calibration block by block: the token embeddings
  // ([n][dim]), then one block applied in place to the residual stream x of the n
  // tokens at positions start_pos...
  std::vector<float> embed(const std::vector<int>& tokens) const;
  void run_block(int block, std::vector<float>& x, int start_pos);

 private:
  void check_positions(size_t tokens, int start_pos) const;
  void reserve_positions(int positions);  // grows the KV cache to hold them
  void attention(int block, std::vector<float>& x, int n, int start_pos);
  void feed_forward(int block, std::vector<float>& x, int n);

  const Model& model_;
  LinearFn linear_;
  // Work buffers, resized per chunk of n tokens.
  std::vector<float> xb_;           // normalised input / attention output [n][dim]
  std::vector<float> xb2_;          // sublayer output before the residual add [n][dim]
  std::vector<float> q_;            // queries [n][dim]
  std::vector<float> att_;          // attention scores of one head (seq_len)
  std::vector<float> hb_;           // FFN gate [n][hidden_dim]
  std::vector<float> hb2_;          // FFN up [n][hidden_dim]
  // [layer][position][kv_dim], grown with the positions fed rather than allocated for
  // seq_len: a header may claim a million positions that a run never uses.
  std::vector<std::vector<float>> key_cache_;
  std::vector<std::vector<float>> value_cache_;
  std::vector<float> logits_;       // [n][vocab_size]
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

// llama2.c's generation loop: feeds `prompt` (which starts with BOS) from position 0
// and, once the prompt is used up, samples the next token, until `steps` positions
// have been run or BOS is sampled. Returns the prompt and the sampled tokens.
std::vector<int> generate(const Model& model, const std::vector<int>& prompt, int steps, float temperature,
                          uint64_t seed);

}  // namespace flexcim::llm
