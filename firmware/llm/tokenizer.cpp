#include "llm/tokenizer.h"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <queue>

#include "llm/transformer.h"  // kBosToken

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tokenizer.cpp reads little-endian files with memcpy; port it for this host"
#endif

namespace flexcim::llm {
namespace {

constexpr int kByteTokens = 3;  // <0x00> is token 3: after <unk>, <s> and </s>

// Reads little-endian fields from the file's bytes, failing with the file offset.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& origin) : bytes_(bytes), origin_(origin) {}
  bool done() const { return offset_ == bytes_.size(); }
  size_t offset() const { return offset_; }
  template <class T>
  T take(const char* what, int token) {
    need(sizeof(T), what, token);
    T v;
    std::memcpy(&v, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return v;
  }
  std::string_view take_bytes(size_t n, int token) {
    need(n, "text", token);
    const std::string_view v = bytes_.substr(offset_, n);
    offset_ += n;
    return v;
  }

 private:
  void need(size_t n, const char* what, int token) const {
    if (bytes_.size() - offset_ < n)
      throw TokenizerError(fmt::format(
          "{}: truncated tokenizer: token {}'s {} needs {} bytes at offset {}, the file ends after {}",
          origin_, token, what, n, offset_, bytes_.size() - offset_));
  }
  std::string_view bytes_;
  const std::string& origin_;
  size_t offset_ = 0;
};

std::string byte_piece(int byte) { return fmt::format("<0x{:02X}>", byte); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The byte a piece "<0x" + one or two hex digits + ... stands for, or -1 (run.c:
// sscanf(piece, "<0x%02hhX>")).
int parse_byte_piece(const std::string& piece) {
  if (piece.size() < 4 || piece.compare(0, 3, "<0x") != 0 || hex_digit(piece[3]) < 0) return -1;
  if (piece.size() > 4 && hex_digit(piece[4]) >= 0) return hex_digit(piece[3]) * 16 + hex_digit(piece[4]);
  return hex_digit(piece[3]);
}

// Bytes in the UTF-8 sequence led by `lead`, 0 for a byte that cannot lead one.
int utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

}  // namespace

Tokenizer Tokenizer::parse(std::string_view bytes, const std::string& origin) {
  Tokenizer t;
  t.origin_ = origin;
  Reader in(bytes, origin);
  const int32_t max_length = in.take<int32_t>("max_token_length", -1);
  if (max_length < 1)
    throw TokenizerError(fmt::format("{}: not a llama2.c tokenizer: max_token_length {} (must be >= 1)", origin, max_length));
  while (!in.done()) {
    const int id = t.size();
    const float score = in.take<float>("score", id);
    const int32_t length = in.take<int32_t>("length", id);
    if (length < 0 || length > max_length)
      throw TokenizerError(fmt::format("{}: token {} at offset {} has length {}, allowed 0..{} (max_token_length)",
                                       origin, id, in.offset() - 4, length, max_length));
    t.pieces_.emplace_back(in.take_bytes(size_t(length), id));
    t.scores_.push_back(score);
  }
  for (int b = 0; b < 256; ++b)
    if (t.size() <= kByteTokens + b || t.pieces_[kByteTokens + b] != byte_piece(b))
      throw TokenizerError(fmt::format(
          "{}: token {} is not {}: encode's byte fallback needs <0x00>..<0xFF> at ids {}..{}", origin,
          kByteTokens + b, byte_piece(b), kByteTokens, kByteTokens + 255));
  for (int id = 0; id < t.size(); ++id) t.ids_.emplace(t.pieces_[id], id);
  if (t.lookup(" ") < 0)
    throw TokenizerError(fmt::format("{}: no \" \" token for encode's dummy prefix", origin));
  return t;
}

Tokenizer Tokenizer::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TokenizerError(fmt::format("{}: cannot read tokenizer file", path));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw TokenizerError(fmt::format("{}: cannot read tokenizer file", path));
  return parse(bytes, path);
}

void Tokenizer::check_vocab(int vocab_size, const std::string& model) const {
  if (size() != vocab_size)
    throw TokenizerError(fmt::format("{}: {} tokens, but the model {} has a vocabulary of {}", origin_, size(), model,
                                     vocab_size));
}

int Tokenizer::lookup(std::string_view piece) const {
  const auto it = ids_.find(std::string(piece));  // pieces are short: no allocation
  return it == ids_.end() ? -1 : it->second;
}

std::vector<int> Tokenizer::encode(std::string_view text) const {
  // Symbols in a linked list; run.c rescans every adjacent pair after each merge
  // (quadratic), a heap of candidate merges ordered (score desc, position asc) picks
  // the same pair each time.
  std::vector<int> ids;
  if (!text.empty()) ids.push_back(lookup(" "));
  for (size_t i = 0; i < text.size();) {
    // A character: a byte and the continuation bytes after it, at most 4 bytes in
    // all (run.c groups bytes the same way, also for malformed UTF-8).
    size_t n = 1;
    while (n < 4 && i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) ++n;
    const int id = lookup(text.substr(i, n));
    if (id >= 0) {
      ids.push_back(id);
    } else {
      for (size_t k = 0; k < n; ++k) ids.push_back(static_cast<unsigned char>(text[i + k]) + kByteTokens);
    }
    i += n;
  }

  const int count = int(ids.size());
  std::vector<int> next(count), prev(count), version(count, 0);
  for (int i = 0; i < count; ++i) {
    next[i] = i + 1 < count ? i + 1 : -1;
    prev[i] = i - 1;
  }
  struct Merge {
    float score;
    int left, right, id, left_version, right_version;
    bool operator<(const Merge& o) const {  // the heap's top: highest score, then leftmost
      return score != o.score ? score < o.score : left > o.left;
    }
  };
  std::priority_queue<Merge> merges;
  std::string pair;
  const auto consider = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    pair = pieces_[ids[left]];
    pair += pieces_[ids[right]];
    const int id = lookup(pair);
    // run.c starts its search for the best score at -1e10 and needs a higher one.
    if (id >= 0 && scores_[id] > -1e10f) merges.push({scores_[id], left, right, id, version[left], version[right]});
  };
  for (int i = 0; i + 1 < count; ++i) consider(i, i + 1);
  while (!merges.empty()) {
    const Merge m = merges.top();
    merges.pop();
    if (version[m.left] != m.left_version || version[m.right] != m.right_version || next[m.left] != m.right)
      continue;  // one side has merged since
    ids[m.left] = m.id;
    ++version[m.left];
    version[m.right] = -1;  // gone
    next[m.left] = next[m.right];
    if (next[m.left] >= 0) prev[next[m.left]] = m.left;
    consider(prev[m.left], m.left);
    consider(m.left, next[m.left]);
  }
  std::vector<int> out;
  for (int i = count > 0 ? 0 : -1; i >= 0; i = next[i]) out.push_back(ids[i]);
  return out;
}

std::string Tokenizer::decode(int prev, int id) const {
  const std::string& piece = pieces_.at(id);
  if (prev == kBosToken && !piece.empty() && piece[0] == ' ') return piece.substr(1);
  const int byte = parse_byte_piece(piece);
  return byte >= 0 ? std::string(1, char(byte)) : piece;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  std::string text;
  int prev = -1;
  for (int id : ids) {
    if (id != kBosToken && id != kEosToken) text += decode(prev, id);
    prev = id;
  }
  return text;
}

std::string find_tokenizer(const std::string& given, const std::string& model_path) {
  if (!given.empty()) return given;
  return (std::filesystem::path(model_path).parent_path() / "tok512.bin").string();
}

void check_utf8(std::string_view text, const std::string& where) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    int n = utf8_length(lead);
    bool ok = n > 0 && i + n <= text.size() && lead != 0;
    for (int k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    // Overlong 3- and 4-byte forms, UTF-16 surrogates and code points above U+10FFFF.
    if (ok && n >= 3) {
      const unsigned char second = static_cast<unsigned char>(text[i + 1]);
      ok = !(lead == 0xE0 && second < 0xA0) && !(lead == 0xED && second >= 0xA0) &&
           !(lead == 0xF0 && second < 0x90) && !(lead == 0xF4 && second >= 0x90);
    }
    if (!ok)
      throw std::invalid_argument(fmt::format(
          "{}:{}:{}: {} (byte {:#04x} at offset {}): the text must be UTF-8", where, line, i - line_start + 1,
          lead == 0 ? "NUL byte" : "not UTF-8", lead, i));
    if (lead == '\n') {
      ++line;
      line_start = i + 1;
    }
    i += size_t(n);
  }
}

}  // namespace flexcim::llm
