#pragma once
// llama2.c's tokenizer (tokenizer.bin format, encode and decode exactly as its run.c).
//
// File: int32 max_token_length, then per token: float32 score, int32 length, the
// token's bytes (little-endian; no count: the tokens run to the end of the file).
//
// encode(text): a dummy-prefix " " token when the text is not empty; every UTF-8
// character of the text looked up as a token, or else each of its bytes as token
// byte + 3 (byte fallback: ids 3..258 are <0x00>..<0xFF>); then, while some adjacent
// pair concatenates to a token, the pair whose token has the highest score (the
// leftmost on ties) is merged.
// decode(prev, id): the token's text, without its leading space after BOS, and the
// raw byte for a <0xXX> token.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flexcim::llm {

constexpr int kEosToken = 2;  // llama2.c's end-of-sequence token

class TokenizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Tokenizer {
 public:
  // Parses a tokenizer file's bytes; `origin` (the path) names it in errors. Every
  // length is checked against the bytes left before anything is allocated.
  // Throws TokenizerError for a truncated or malformed file.
  static Tokenizer parse(std::string_view bytes, const std::string& origin);
  static Tokenizer load(const std::string& path);

  int size() const { return int(pieces_.size()); }
  const std::string& piece(int id) const { return pieces_.at(id); }
  float score(int id) const { return scores_.at(id); }

  // Throws TokenizerError unless the tokenizer has exactly `vocab_size` tokens.
  void check_vocab(int vocab_size, const std::string& model) const;

  // Token ids of `text` (no BOS). `text` must be valid UTF-8 (see check_utf8).
  std::vector<int> encode(std::string_view text) const;

  // The text token `id` stands for after token `prev` (llama2.c's decode).
  std::string decode(int prev, int id) const;
  // The concatenated text of `ids`; BOS and EOS delimit sequences and print nothing.
  std::string decode(const std::vector<int>& ids) const;

 private:
  int lookup(std::string_view piece) const;  // -1 when no token has this text

  std::string origin_;
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::unordered_map<std::string, int> ids_;  // piece -> id; the first id wins
};

// The tokenizer to use with `model_path`: `given` if non-empty, else tok512.bin in
// the model's directory.
std::string find_tokenizer(const std::string& given, const std::string& model_path);

// Throws std::invalid_argument naming `where`, the line and column unless `text` is
// valid UTF-8 without NUL bytes.
void check_utf8(std::string_view text, const std::string& where);

}  // namespace flexcim::llm
