#include "llm/checkpoint.h"

#include <fmt/format.h>

#include <array>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checkpoint.cpp reads little-endian files with memcpy; port it for this host"
#endif

namespace flexcim::llm {
namespace {

constexpr uint64_t kHeaderBytes = 7 * sizeof(int32_t);

// Float counts of the arrays in file order; RoPE tables and classifier included.
struct Layout {
  uint64_t embedding, per_layer_rms, wq, wkv, wo, w13, w2, rms_final, rope, classifier;
};

Layout layout(const Config& c, bool shared_classifier) {
  const uint64_t dim = c.dim, hidden = c.hidden_dim, layers = c.n_layers;
  Layout l{};
  l.embedding = uint64_t(c.vocab_size) * dim;
  l.per_layer_rms = layers * dim;
  l.wq = layers * dim * dim;
  l.wkv = layers * uint64_t(c.kv_dim()) * dim;
  l.wo = layers * dim * dim;
  l.w13 = layers * hidden * dim;
  l.w2 = layers * dim * hidden;
  l.rms_final = dim;
  l.rope = 2 * uint64_t(c.seq_len) * uint64_t(c.head_size() / 2);
  l.classifier = shared_classifier ? 0 : l.embedding;
  return l;
}

std::string describe(const Config& c) {
  return fmt::format("dim {}, hidden_dim {}, n_layers {}, n_heads {}, n_kv_heads {}, "
                     "vocab_size {}, seq_len {}",
                     c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size,
                     c.seq_len);
}

// Sequential reader over the float payload, straight from the file: nothing is
// allocated before the header and the file size have been checked.
class FloatCursor {
 public:
  FloatCursor(std::ifstream& in, const std::string& path) : in_(in), path_(path) {}
  void skip(uint64_t count) { in_.seekg(std::streamoff(count * sizeof(float)), std::ios::cur); }
  std::vector<float> take(uint64_t count) {
    std::vector<float> v(count);
    if (!in_.read(reinterpret_cast<char*>(v.data()), std::streamsize(count * sizeof(float))))
      throw CheckpointError(fmt::format("{}: cannot read model file", path_));
    return v;
  }
  // Splits `count` floats into `parts` equal per-layer slices.
  std::vector<std::vector<float>> take_layers(uint64_t count, int parts) {
    std::vector<std::vector<float>> v;
    for (int i = 0; i < parts; ++i) v.push_back(take(count / parts));
    return v;
  }

 private:
  std::ifstream& in_;
  const std::string& path_;
};

void append(std::ofstream& out, const std::vector<float>& v) {
  out.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
}

}  // namespace

uint64_t checkpoint_size_bytes(const Config& config, bool shared_classifier) {
  const Layout l = layout(config, shared_classifier);
  const uint64_t floats = l.embedding + 2 * l.per_layer_rms + l.wq + 2 * l.wkv + l.wo +
                          2 * l.w13 + l.w2 + l.rms_final + l.rope + l.classifier;
  return kHeaderBytes + floats * sizeof(float);
}

Model load_checkpoint(const std::string& path) {
  std::error_code ec;
  const uint64_t actual = std::filesystem::file_size(path, ec);
  if (ec) throw CheckpointError(fmt::format("{}: cannot read model file: {}", path, ec.message()));
  if (actual < kHeaderBytes)
    throw CheckpointError(fmt::format(
        "{}: not a llama2.c checkpoint: {} bytes, shorter than the {}-byte header", path, actual,
        kHeaderBytes));

  std::ifstream in(path, std::ios::binary);
  std::array<int32_t, 7> h;
  if (!in.read(reinterpret_cast<char*>(h.data()), kHeaderBytes))
    throw CheckpointError(fmt::format("{}: cannot read model file", path));
  // A negative vocab_size flags a separate classifier; INT32_MIN has no positive twin.
  const bool shared = h[5] > 0;
  if (h[5] == INT32_MIN)
    throw CheckpointError(fmt::format("{}: not a llama2.c checkpoint: header vocab_size = {} is out of range", path,
                                      h[5]));
  Model m;
  Config& c = m.config;
  c = Config{h[0], h[1], h[2], h[3], h[4], h[5] < 0 ? -h[5] : h[5], h[6]};
  try {
    validate(c);
  } catch (const std::invalid_argument& e) {
    throw CheckpointError(
        fmt::format("{}: not a llama2.c checkpoint: header ({}): {}", path, describe(c), e.what()));
  }
  const uint64_t expected = checkpoint_size_bytes(c, shared);
  if (actual != expected)
    throw CheckpointError(fmt::format(
        "{}: expected {} bytes for a llama2.c checkpoint with {} ({} classifier), file has {} "
        "bytes (truncated or not a checkpoint)",
        path, expected, describe(c), shared ? "shared" : "separate", actual));

  const Layout l = layout(c, shared);
  const int n = c.n_layers;
  FloatCursor cur(in, path);
  m.token_embedding = cur.take(l.embedding);
  auto rms_att = cur.take_layers(l.per_layer_rms, n);
  auto wq = cur.take_layers(l.wq, n);
  auto wk = cur.take_layers(l.wkv, n);
  auto wv = cur.take_layers(l.wkv, n);
  auto wo = cur.take_layers(l.wo, n);
  auto rms_ffn = cur.take_layers(l.per_layer_rms, n);
  auto w1 = cur.take_layers(l.w13, n);
  auto w2 = cur.take_layers(l.w2, n);
  auto w3 = cur.take_layers(l.w13, n);
  m.rms_final = cur.take(l.rms_final);
  cur.skip(l.rope);
  if (!shared) m.wcls = cur.take(l.classifier);
  m.blocks.resize(n);
  for (int b = 0; b < n; ++b)
    m.blocks[b] = BlockWeights{std::move(rms_att[b]), std::move(wq[b]),      std::move(wk[b]),
                               std::move(wv[b]),      std::move(wo[b]),      std::move(rms_ffn[b]),
                               std::move(w1[b]),      std::move(w2[b]),      std::move(w3[b])};
  try {
    validate(m);
  } catch (const std::invalid_argument& e) {
    throw CheckpointError(fmt::format("{}: not a usable llama2.c checkpoint: {}", path, e.what()));
  }
  return m;
}

void save_checkpoint(const Model& m, const std::string& path) {
  validate(m);
  const Config& c = m.config;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw CheckpointError(fmt::format("{}: cannot open for writing", path));
  const int32_t vocab = m.wcls.empty() ? c.vocab_size : -c.vocab_size;
  const std::array<int32_t, 7> h = {c.dim,        c.hidden_dim, c.n_layers, c.n_heads,
                                    c.n_kv_heads, vocab,        c.seq_len};
  out.write(reinterpret_cast<const char*>(h.data()), kHeaderBytes);
  append(out, m.token_embedding);
  for (const auto& b : m.blocks) append(out, b.rms_att);
  for (const auto& b : m.blocks) append(out, b.wq);
  for (const auto& b : m.blocks) append(out, b.wk);
  for (const auto& b : m.blocks) append(out, b.wv);
  for (const auto& b : m.blocks) append(out, b.wo);
  for (const auto& b : m.blocks) append(out, b.rms_ffn);
  for (const auto& b : m.blocks) append(out, b.w1);
  for (const auto& b : m.blocks) append(out, b.w2);
  for (const auto& b : m.blocks) append(out, b.w3);
  append(out, m.rms_final);
  // The RoPE tables are unused by the loader; zeros keep the layout.
  append(out, std::vector<float>(layout(c, true).rope, 0.0f));
  append(out, m.wcls);
  if (!out) throw CheckpointError(fmt::format("{}: write failed", path));
}

std::string find_model(const std::string& given) {
  if (!given.empty()) return given;
  const std::string file = "stories260K.bin";
  struct Candidate {
    std::string path, origin;
  };
  std::vector<Candidate> tried;
  if (const char* dir = std::getenv("FLEXCIM_MODEL_DIR"))
    tried.push_back({fmt::format("{}/{}", dir, file), "$FLEXCIM_MODEL_DIR"});
  if (const char* dir = std::getenv("FLEXCIM_SHARED_DIR"))
    tried.push_back({fmt::format("{}/models/{}", dir, file), "$FLEXCIM_SHARED_DIR"});
  tried.push_back(
      {fmt::format("{}/../shared/models/{}", FLEXCIM_SOURCE_DIR, file), "next to the source tree"});
  std::string list;
  for (const auto& c : tried) {
    if (std::filesystem::is_regular_file(c.path)) return c.path;
    list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", c.path, c.origin);
  }
  throw CheckpointError(fmt::format(
      "model file {} not found; tried {}; give the path or set FLEXCIM_MODEL_DIR", file, list));
}

}  // namespace flexcim::llm
