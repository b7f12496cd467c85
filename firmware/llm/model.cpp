#include "llm/model.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace flexcim::llm {

const char* sublayer_name(int sublayer) {
  static const char* const names[kSublayers] = {"wq", "wk", "wv", "wo", "w1", "w3", "w2"};
  if (sublayer < 0 || sublayer >= kSublayers)
    throw std::out_of_range(fmt::format("sublayer {} out of range 0..{}", sublayer, kSublayers - 1));
  return names[sublayer];
}

namespace {

// Works for const and mutable blocks.
template <class Block>
auto& block_array(Block& b, int sublayer) {
  switch (sublayer) {
    case kWq: return b.wq;
    case kWk: return b.wk;
    case kWv: return b.wv;
    case kWo: return b.wo;
    case kW1: return b.w1;
    case kW3: return b.w3;
    case kW2: return b.w2;
  }
  throw std::out_of_range(fmt::format("sublayer {} out of range 0..{}", sublayer, kSublayers - 1));
}

// (out, in) of a sublayer.
std::pair<int, int> linear_shape(const Config& c, int sublayer) {
  switch (sublayer) {
    case kWq: case kWo: return {c.dim, c.dim};
    case kWk: case kWv: return {c.kv_dim(), c.dim};
    case kW1: case kW3: return {c.hidden_dim, c.dim};
    case kW2: return {c.dim, c.hidden_dim};
  }
  throw std::out_of_range(fmt::format("sublayer {} out of range 0..{}", sublayer, kSublayers - 1));
}

void check_range(const char* field, int value, int limit) {
  if (value <= 0 || value > limit)
    throw std::invalid_argument(fmt::format("{} = {} is outside 1..{}", field, value, limit));
}

// Right length and every value finite.
void check_array(const std::string& what, const std::vector<float>& v, size_t expected) {
  if (v.size() != expected)
    throw std::invalid_argument(
        fmt::format("{} has {} floats, expected {}", what, v.size(), expected));
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw std::invalid_argument(fmt::format("{}[{}] is {}, not a finite number", what, i, v[i]));
}

}  // namespace

LinearView Model::linear(int block, int sublayer) const {
  auto [out, in] = linear_shape(config, sublayer);
  const auto& w = block_array(blocks.at(block), sublayer);
  return {w.data(), out, in};
}

std::vector<float>& Model::linear_weights(int block, int sublayer) {
  return block_array(blocks.at(block), sublayer);
}

void validate(const Config& c) {
  // Limits keep every size computation far inside 64 bits; real LLaMAs fit easily.
  check_range("dim", c.dim, 1 << 16);
  check_range("hidden_dim", c.hidden_dim, 1 << 18);
  check_range("n_layers", c.n_layers, 4096);
  check_range("n_heads", c.n_heads, c.dim);
  check_range("n_kv_heads", c.n_kv_heads, c.n_heads);
  check_range("vocab_size", c.vocab_size, 1 << 22);
  check_range("seq_len", c.seq_len, 1 << 20);
  if (c.dim % c.n_heads != 0)
    throw std::invalid_argument(
        fmt::format("n_heads = {} does not divide dim = {}", c.n_heads, c.dim));
  if (c.n_heads % c.n_kv_heads != 0)
    throw std::invalid_argument(
        fmt::format("n_kv_heads = {} does not divide n_heads = {}", c.n_kv_heads, c.n_heads));
  if (c.head_size() % 2 != 0)
    throw std::invalid_argument(
        fmt::format("head size dim / n_heads = {} is odd; RoPE needs it even", c.head_size()));
}

void validate(const Model& m) {
  const Config& c = m.config;
  validate(c);
  const size_t dim = c.dim;
  check_array("token_embedding", m.token_embedding, size_t(c.vocab_size) * dim);
  if (m.blocks.size() != size_t(c.n_layers))
    throw std::invalid_argument(
        fmt::format("model has {} blocks, config says n_layers = {}", m.blocks.size(), c.n_layers));
  for (int b = 0; b < c.n_layers; ++b) {
    check_array(fmt::format("block {} rms_att", b), m.blocks[b].rms_att, dim);
    check_array(fmt::format("block {} rms_ffn", b), m.blocks[b].rms_ffn, dim);
    for (int s = 0; s < kSublayers; ++s) {
      auto [out, in] = linear_shape(c, s);
      check_array(fmt::format("block {} {}", b, sublayer_name(s)),
                   block_array(m.blocks[b], s), size_t(out) * in);
    }
  }
  check_array("rms_final", m.rms_final, dim);
  if (!m.wcls.empty()) check_array("wcls", m.wcls, size_t(c.vocab_size) * dim);
}

}  // namespace flexcim::llm
