#pragma once
// A LLaMA-style decoder (llama2.c layout) held as plain float arrays, so a model can
// come from a checkpoint file or be built in memory (tests build tiny random ones).

#include <cstdint>
#include <string>
#include <vector>

namespace flexcim::llm {

struct Config {
  int dim = 0;         // residual stream width
  int hidden_dim = 0;  // SwiGLU FFN width
  int n_layers = 0;    // transformer blocks
  int n_heads = 0;     // query heads
  int n_kv_heads = 0;  // key/value heads (grouped-query attention)
  int vocab_size = 0;
  int seq_len = 0;     // longest sequence the KV cache holds

  int head_size() const { return dim / n_heads; }
  int kv_dim() const { return int(int64_t(dim) * n_kv_heads / n_heads); }  // dim * n_kv_heads can pass 2^31
};

// The 7 linear sublayers of a block, in the order the forward pass calls them and
// the order FLOW concatenates their scores: q, k, v, o, w1 (gate), w3 (up), w2 (down).
enum Sublayer : int { kWq, kWk, kWv, kWo, kW1, kW3, kW2 };
constexpr int kSublayers = 7;
const char* sublayer_name(int sublayer);  // "wq", "wk", ..., "w2"

// Weights are row-major [out][in], y = W x.
struct BlockWeights {
  std::vector<float> rms_att;  // dim
  std::vector<float> wq;       // dim x dim
  std::vector<float> wk;       // kv_dim x dim
  std::vector<float> wv;       // kv_dim x dim
  std::vector<float> wo;       // dim x dim
  std::vector<float> rms_ffn;  // dim
  std::vector<float> w1;       // hidden x dim (gate)
  std::vector<float> w2;       // dim x hidden (down)
  std::vector<float> w3;       // hidden x dim (up)
};

// One linear sublayer's weight matrix, borrowed from a Model.
struct LinearView {
  const float* w;
  int out;
  int in;
};

struct Model {
  Config config;
  std::vector<float> token_embedding;  // vocab x dim
  std::vector<BlockWeights> blocks;    // n_layers
  std::vector<float> rms_final;        // dim
  std::vector<float> wcls;             // vocab x dim; empty = shares token_embedding

  const float* classifier() const { return wcls.empty() ? token_embedding.data() : wcls.data(); }
  LinearView linear(int block, int sublayer) const;
  std::vector<float>& linear_weights(int block, int sublayer);
};

// Throw std::invalid_argument naming the offending field: dimensions must be positive
// and within sane limits, n_heads must divide dim, n_kv_heads must divide n_heads and
// the head size must be even (RoPE rotates pairs); every array must have its length
// and hold finite values.
void validate(const Config& config);
void validate(const Model& model);

}  // namespace flexcim::llm
