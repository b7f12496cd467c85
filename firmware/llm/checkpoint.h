#pragma once
// llama2.c legacy checkpoint files (DESIGN.md section 5): seven little-endian int32
// (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len), then float32
// arrays: token embedding, attention RMSNorm, wq, wk, wv, wo, FFN RMSNorm, w1, w2, w3
// (each for all layers), final RMSNorm, two RoPE tables (seq_len x head_size/2 each,
// skipped: the forward pass computes RoPE itself) and, only when vocab_size is
// negative, a separate classifier (|vocab_size| x dim). Positive vocab_size means the
// classifier shares the token embedding.

#include <cstdint>
#include <stdexcept>
#include <string>

#include "llm/model.h"

namespace flexcim::llm {

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads and validates a checkpoint; the file size must match the header exactly.
Model load_checkpoint(const std::string& path);

// Writes `model` in the same format (RoPE tables included) so the loader round-trips.
void save_checkpoint(const Model& model, const std::string& path);

// Size in bytes a checkpoint with this header must have.
uint64_t checkpoint_size_bytes(const Config& config, bool shared_classifier);

// The model file to use: `given` if non-empty; else $FLEXCIM_MODEL_DIR/stories260K.bin;
// else $FLEXCIM_SHARED_DIR/models/stories260K.bin; else the shared folder next to the
// source tree. Throws CheckpointError listing every path tried when none exists.
std::string find_model(const std::string& given);

}  // namespace flexcim::llm
