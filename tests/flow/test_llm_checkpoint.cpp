// llama2.c checkpoint loading: the real file, round trips, and the files it must reject.

#include <gtest/gtest.h>

#include <array>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <filesystem>
#include <fstream>

#include "llm/checkpoint.h"
#include "llm/transformer.h"
#include "llm_tiny_model.h"

namespace fs = std::filesystem;
using namespace flexcim::llm;

namespace {

class CheckpointFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("flexcim_llm_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // The message of the CheckpointError loading `file` throws.
  static std::string load_error(const std::string& file) {
    try {
      load_checkpoint(file);
    } catch (const CheckpointError& e) {
      return e.what();
    }
    ADD_FAILURE() << file << " loaded without error";
    return "";
  }

  fs::path dir_;
};

void expect_same(const Model& a, const Model& b) {
  EXPECT_EQ(a.token_embedding, b.token_embedding);
  ASSERT_EQ(a.blocks.size(), b.blocks.size());
  for (size_t i = 0; i < a.blocks.size(); ++i) {
    EXPECT_EQ(a.blocks[i].rms_att, b.blocks[i].rms_att);
    EXPECT_EQ(a.blocks[i].rms_ffn, b.blocks[i].rms_ffn);
    for (int s = 0; s < kSublayers; ++s) {
      const LinearView la = a.linear(int(i), s), lb = b.linear(int(i), s);
      ASSERT_EQ(la.out, lb.out);
      ASSERT_EQ(la.in, lb.in);
      EXPECT_TRUE(std::equal(la.w, la.w + size_t(la.out) * la.in, lb.w)) << sublayer_name(s);
    }
  }
  EXPECT_EQ(a.rms_final, b.rms_final);
  EXPECT_EQ(a.wcls, b.wcls);
}

void write_bytes(const std::string& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

std::string read_bytes(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST(Checkpoint, Stories260KHeaderAndShapes) {
  const Model* m = test_models::stories260k();
  if (!m) GTEST_SKIP() << "stories260K.bin not found";
  const Config& c = m->config;
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.hidden_dim, 172);
  EXPECT_EQ(c.n_layers, 5);
  EXPECT_EQ(c.n_heads, 8);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.seq_len, 512);
  EXPECT_EQ(c.kv_dim(), 32);
  EXPECT_EQ(c.head_size(), 8);
  EXPECT_TRUE(m->wcls.empty()) << "positive vocab_size shares the embedding";
  EXPECT_EQ(checkpoint_size_bytes(c, true), 1056540u);
  const LinearView w2 = m->linear(4, kW2);
  EXPECT_EQ(w2.out, 64);
  EXPECT_EQ(w2.in, 172);
}

TEST_F(CheckpointFiles, RoundTripsSharedAndSeparateClassifier) {
  for (bool shared : {true, false}) {
    const Model m = test_models::random_model(test_models::tiny_config(), 7, shared);
    save_checkpoint(m, path("tiny.bin"));
    EXPECT_EQ(fs::file_size(path("tiny.bin")), checkpoint_size_bytes(m.config, shared));
    const Model loaded = load_checkpoint(path("tiny.bin"));
    EXPECT_EQ(loaded.config.vocab_size, m.config.vocab_size) << "negative vocab means separate wcls";
    expect_same(m, loaded);
  }
}

TEST_F(CheckpointFiles, RejectsTruncatedFileNamingSizes) {
  const Model m = test_models::random_model(test_models::tiny_config(), 7);
  save_checkpoint(m, path("full.bin"));
  const std::string bytes = read_bytes(path("full.bin"));
  write_bytes(path("truncated.bin"), bytes.substr(0, bytes.size() - 4));
  const std::string error = load_error(path("truncated.bin"));
  EXPECT_NE(error.find(path("truncated.bin")), std::string::npos) << error;
  EXPECT_NE(error.find(std::to_string(bytes.size())), std::string::npos) << error;
  EXPECT_NE(error.find(std::to_string(bytes.size() - 4)), std::string::npos) << error;

  write_bytes(path("longer.bin"), bytes + "xxxx");
  EXPECT_NE(load_error(path("longer.bin")).find("expected"), std::string::npos);
  write_bytes(path("header_only.bin"), bytes.substr(0, 10));
  EXPECT_NE(load_error(path("header_only.bin")).find("shorter than the 28-byte header"),
            std::string::npos);
}

TEST_F(CheckpointFiles, RejectsForeignFiles) {
  write_bytes(path("text.bin"), std::string("#!/bin/sh\necho this is not a model at all\n"));
  EXPECT_NE(load_error(path("text.bin")).find("not a llama2.c checkpoint"), std::string::npos);
  write_bytes(path("empty.bin"), "");
  EXPECT_NE(load_error(path("empty.bin")).find("empty.bin"), std::string::npos);
  EXPECT_NE(load_error(path("missing.bin")).find("cannot read"), std::string::npos);
}

TEST_F(CheckpointFiles, RejectsInconsistentHeaders) {
  const Model m = test_models::random_model(test_models::tiny_config(), 7);
  save_checkpoint(m, path("full.bin"));
  const std::string bytes = read_bytes(path("full.bin"));
  auto with_field = [&](int index, int32_t value) {
    std::string b = bytes;
    std::memcpy(b.data() + 4 * index, &value, 4);
    return b;
  };
  write_bytes(path("heads.bin"), with_field(3, 5));  // 5 heads do not divide dim 16
  EXPECT_NE(load_error(path("heads.bin")).find("n_heads = 5 does not divide dim = 16"),
            std::string::npos);
  write_bytes(path("kv.bin"), with_field(4, 3));  // 3 kv heads do not divide 4 heads
  EXPECT_NE(load_error(path("kv.bin")).find("n_kv_heads = 3 does not divide n_heads = 4"),
            std::string::npos);
  write_bytes(path("zero.bin"), with_field(2, 0));
  EXPECT_NE(load_error(path("zero.bin")).find("n_layers = 0"), std::string::npos);
  write_bytes(path("huge.bin"), with_field(0, 1 << 30));
  EXPECT_NE(load_error(path("huge.bin")).find("dim = 1073741824 is outside"), std::string::npos);
}

TEST_F(CheckpointFiles, RejectsNonFiniteWeights) {
  Model m = test_models::random_model(test_models::tiny_config(), 7);
  save_checkpoint(m, path("full.bin"));
  std::string bytes = read_bytes(path("full.bin"));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(bytes.data() + 28, &nan, 4);  // token_embedding[0]
  write_bytes(path("nan.bin"), bytes);
  EXPECT_NE(load_error(path("nan.bin")).find("token_embedding[0]"), std::string::npos);
}

TEST_F(CheckpointFiles, FindModelSearchOrder) {
  EXPECT_EQ(find_model("given/path.bin"), "given/path.bin");
  fs::create_directories(dir_ / "models");
  write_bytes(path("models/stories260K.bin"), "x");
  write_bytes(path("stories260K.bin"), "x");
  const char* old_model = std::getenv("FLEXCIM_MODEL_DIR");
  const char* old_shared = std::getenv("FLEXCIM_SHARED_DIR");
  const std::string saved_model = old_model ? old_model : "", saved_shared = old_shared ? old_shared : "";

  setenv("FLEXCIM_SHARED_DIR", dir_.c_str(), 1);
  unsetenv("FLEXCIM_MODEL_DIR");
  EXPECT_EQ(find_model(""), path("models/stories260K.bin"));
  setenv("FLEXCIM_MODEL_DIR", dir_.c_str(), 1);
  EXPECT_EQ(find_model(""), path("stories260K.bin"));
  // A directory without the file falls through to the next place.
  setenv("FLEXCIM_MODEL_DIR", (dir_ / "nowhere").c_str(), 1);
  EXPECT_EQ(find_model(""), path("models/stories260K.bin"));

  if (old_model) setenv("FLEXCIM_MODEL_DIR", saved_model.c_str(), 1); else unsetenv("FLEXCIM_MODEL_DIR");
  if (old_shared) setenv("FLEXCIM_SHARED_DIR", saved_shared.c_str(), 1); else unsetenv("FLEXCIM_SHARED_DIR");
}

TEST(Model, ValidateNamesTheBadArray) {
  Model m = test_models::random_model(test_models::tiny_config(), 7);
  m.blocks[1].w2.pop_back();
  try {
    validate(m);
    FAIL() << "validate accepted a short w2";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("block 1 w2"), std::string::npos) << e.what();
  }
}

// A 64 GiB file (sparse: it takes no disk) with a foreign header is refused from
// its first 28 bytes; reading it whole first would need 64 GiB of memory.
TEST_F(CheckpointFiles, HeaderIsCheckedBeforeTheFileIsRead) {
  {
    std::ofstream out(path("huge.bin"), std::ios::binary);
    out << "GGUF is not a llama2.c checkpoint";
  }
  fs::resize_file(path("huge.bin"), uint64_t(64) << 30);
  EXPECT_NE(load_error(path("huge.bin")).find("not a llama2.c checkpoint: header"), std::string::npos);
}

TEST_F(CheckpointFiles, HeaderArithmeticIs64Bit) {
  auto header = [](std::array<int32_t, 7> h) {
    std::string b(28, '\0');
    std::memcpy(b.data(), h.data(), 28);
    return b + std::string(64, '\0');
  };
  // -INT32_MIN does not exist: negating it was undefined behaviour.
  write_bytes(path("intmin.bin"), header({16, 24, 2, 4, 2, INT32_MIN, 32}));
  EXPECT_NE(load_error(path("intmin.bin")).find("vocab_size = -2147483648 is out of range"), std::string::npos);
  // dim * n_kv_heads = 2^31 overflowed int in kv_dim().
  const Config wide{65536, 1, 1, 32768, 32768, 1, 1};
  EXPECT_EQ(wide.kv_dim(), 65536);
  const uint64_t dim = 65536;
  const uint64_t floats = dim /*embedding*/ + 2 * dim /*rms*/ + 4 * dim * dim /*wq wk wv wo*/ + 3 * dim /*w1 w2 w3*/ +
                          dim /*rms_final*/ + 2 * 1 * 1 /*rope: seq_len x head_size/2, twice*/;
  EXPECT_EQ(checkpoint_size_bytes(wide, true), 28 + 4 * floats);
  write_bytes(path("wide.bin"), header({65536, 1, 1, 32768, 32768, 1, 1}));
  EXPECT_NE(load_error(path("wide.bin")).find(std::to_string(28 + 4 * floats)), std::string::npos);
}

// Finite weights can overflow float arithmetic on the way to the logits: that is
// an error, not NaN cross-entropy.
TEST_F(CheckpointFiles, NonFiniteLogitsAreAnError) {
  Model m = test_models::random_model(test_models::tiny_config(), 7);
  std::fill(m.rms_final.begin(), m.rms_final.end(), 1e38f);
  validate(m);  // every weight is finite
  save_checkpoint(m, path("overflow.bin"));
  const Model loaded = load_checkpoint(path("overflow.bin"));
  Transformer t(loaded);
  try {
    t.forward({kBosToken}, 0);
    FAIL() << "forward returned non-finite logits";
  } catch (const NonFiniteError& e) {
    EXPECT_NE(std::string(e.what()).find("at position 0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("overflow"), std::string::npos) << e.what();
  }
}

// The KV cache follows the positions fed: a header may claim a million of them.
TEST(Transformer, KvCacheGrowsWithThePositionsFed) {
  Config c = test_models::tiny_config();
  c.seq_len = 1 << 20;
  const Model m = test_models::random_model(c, 3);
  Transformer t(m);
  const Model small = [&] { Model s = m; s.config.seq_len = 8; return s; }();
  Transformer reference(small);
  for (int pos = 0; pos < 8; ++pos) EXPECT_EQ(t.forward({pos + 1}, pos), reference.forward({pos + 1}, pos)) << pos;
  // A chunk of positions at once crosses several growth steps.
  Transformer chunked(m);
  Transformer chunked_reference(small);
  EXPECT_EQ(chunked.forward({1, 2, 3, 4, 5}, 0), chunked_reference.forward({1, 2, 3, 4, 5}, 0));
  EXPECT_EQ(chunked.forward({6, 7, 8}, 5), chunked_reference.forward({6, 7, 8}, 5));
}
