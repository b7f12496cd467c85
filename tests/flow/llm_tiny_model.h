#pragma once
// Small random LLaMA models built in memory, for tests that need no checkpoint file.

#include <cstdint>
#include <map>
#include <optional>
#include <random>

#include "llm/checkpoint.h"
#include "llm/model.h"
#include "llm/text.h"
#include "llm/tokenizer.h"

namespace flexcim::llm::test_models {

inline std::vector<float> random_floats(size_t n, std::mt19937_64& rng, float scale) {
  std::vector<float> v(n);
  // Explicit mapping of the generator's bits: std:: distributions are not portable.
  for (float& x : v) x = scale * float(double(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0);
  return v;
}

inline Config tiny_config() { return Config{16, 24, 2, 4, 2, 32, 32}; }

inline Model random_model(const Config& c, uint64_t seed, bool shared_classifier = true) {
  std::mt19937_64 rng(seed);
  const size_t dim = c.dim, hidden = c.hidden_dim, kv = c.kv_dim();
  Model m;
  m.config = c;
  m.token_embedding = random_floats(c.vocab_size * dim, rng, 1.0f);
  for (int b = 0; b < c.n_layers; ++b) {
    BlockWeights w;
    w.rms_att = random_floats(dim, rng, 1.0f);
    w.wq = random_floats(dim * dim, rng, 0.5f);
    w.wk = random_floats(kv * dim, rng, 0.5f);
    w.wv = random_floats(kv * dim, rng, 0.5f);
    w.wo = random_floats(dim * dim, rng, 0.5f);
    w.rms_ffn = random_floats(dim, rng, 1.0f);
    w.w1 = random_floats(hidden * dim, rng, 0.5f);
    w.w2 = random_floats(dim * hidden, rng, 0.5f);
    w.w3 = random_floats(hidden * dim, rng, 0.5f);
    m.blocks.push_back(std::move(w));
  }
  m.rms_final = random_floats(dim, rng, 1.0f);
  if (!shared_classifier) m.wcls = random_floats(c.vocab_size * dim, rng, 1.0f);
  return m;
}

// The real stories260K model, or nullptr when find_model finds no file.
inline const Model* stories260k() {
  static const std::optional<Model> model = []() -> std::optional<Model> {
    std::string path;
    try {
      path = find_model("");
    } catch (const CheckpointError&) {
      return std::nullopt;
    }
    return load_checkpoint(path);
  }();
  return model ? &*model : nullptr;
}

// tok512.bin beside stories260K.bin, or nullptr when the model is not found.
inline const Tokenizer* tok512() {
  static const std::optional<Tokenizer> tokenizer = []() -> std::optional<Tokenizer> {
    try {
      return Tokenizer::load(find_tokenizer("", find_model("")));
    } catch (const CheckpointError&) {
      return std::nullopt;
    }
  }();
  return tokenizer ? &*tokenizer : nullptr;
}

// A text of ../shared/data (e.g. "tinystories-valid-eval.txt"), read once.
inline const Text& shared_text(const std::string& name) {
  static std::map<std::string, Text> texts;
  auto it = texts.find(name);
  if (it == texts.end()) it = texts.emplace(name, read_text(std::string(FLEXCIM_SOURCE_DIR) + "/../shared/data/" + name)).first;
  return it->second;
}

// The first `count` stories of a shared text as the model's sequences.
inline std::vector<std::vector<int>> shared_sequences(const std::string& name, int count) {
  return tokenize_stories(*tok512(), shared_text(name), count, stories260k()->config.seq_len, "count");
}

}  // namespace flexcim::llm::test_models
