// The llama2.c tokenizer (tok512.bin) and the story texts: encode as run.c does,
// decode, the round trip over the whole evaluation file, and every malformed
// tokenizer or text file refused with a message naming it.

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "llm/text.h"
#include "llm/tokenizer.h"
#include "llm/transformer.h"
#include "llm_tiny_model.h"

using namespace flexcim::llm;

namespace {

// run.c's encode() transcribed literally (linear lookups, a full rescan of every pair
// per merge): what Tokenizer::encode's heap must reproduce.
std::vector<int> run_c_encode(const Tokenizer& t, const std::string& text) {
  const auto lookup = [&](const std::string& s) {
    for (int i = 0; i < t.size(); ++i)
      if (t.piece(i) == s) return i;
    return -1;
  };
  std::vector<int> tokens;
  if (!text.empty()) tokens.push_back(lookup(" "));
  std::string buffer;
  for (size_t c = 0; c < text.size(); ++c) {
    if ((text[c] & 0xC0) != 0x80) buffer.clear();
    buffer += text[c];
    if (c + 1 < text.size() && (text[c + 1] & 0xC0) == 0x80 && buffer.size() < 4) continue;
    const int id = lookup(buffer);
    if (id != -1) {
      tokens.push_back(id);
    } else {
      for (unsigned char b : buffer) tokens.push_back(b + 3);
    }
    buffer.clear();
  }
  while (true) {
    float best_score = -1e10f;
    int best_id = -1, best_idx = -1;
    for (int i = 0; i + 1 < int(tokens.size()); ++i) {
      const int id = lookup(t.piece(tokens[i]) + t.piece(tokens[i + 1]));
      if (id != -1 && t.score(id) > best_score) {
        best_score = t.score(id);
        best_id = id;
        best_idx = i;
      }
    }
    if (best_idx == -1) break;
    tokens[best_idx] = best_id;
    tokens.erase(tokens.begin() + best_idx + 1);
  }
  return tokens;
}

std::string le32(int32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string lef(float v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

// A valid tokenizer file: <unk>, <s>, </s>, the 256 byte tokens, then `extra`.
std::string tokenizer_bytes(const std::vector<std::pair<std::string, float>>& extra, int max_length = 8) {
  std::string b = le32(max_length);
  const auto add = [&](const std::string& piece, float score) { b += lef(score) + le32(int32_t(piece.size())) + piece; };
  add("<unk>", 0);
  add("\n<s>\n", 0);
  add("\n</s>\n", 0);
  for (int i = 0; i < 256; ++i) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "<0x%02X>", i);
    add(hex, 0);
  }
  for (const auto& [piece, score] : extra) add(piece, score);
  return b;
}

std::string parse_error(const std::string& bytes) {
  try {
    Tokenizer::parse(bytes, "tok.bin");
  } catch (const TokenizerError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parsed without error";
  return "";
}

}  // namespace

TEST(Tokenizer, Tok512EncodesHandCheckedCases) {
  const Tokenizer* t = test_models::tok512();
  if (!t) GTEST_SKIP() << "tok512.bin not found";
  ASSERT_EQ(t->size(), 512);
  EXPECT_EQ(t->encode(""), std::vector<int>{}) << "no dummy prefix for empty text";
  // " " (410) then "A" (447): " A" is not a token, so nothing merges.
  EXPECT_EQ(t->encode("A"), (std::vector<int>{410, 447}));
  // U+2122 is a token; U+65E5 U+672C are not: each of their bytes becomes byte + 3.
  EXPECT_EQ(t->encode("\u2122"), (std::vector<int>{410, 507}));
  EXPECT_EQ(t->encode("\u65e5\u672c"), (std::vector<int>{410, 0xE6 + 3, 0x97 + 3, 0xA5 + 3, 0xE6 + 3, 0x9C + 3, 0xAC + 3}));
  // The start of the model's greedy story (../shared/models/README.md) encodes to its
  // ids: " Once" " upon" " a" " time" "," " there" " was" " a" " little" " g" "ir" "l".
  EXPECT_EQ(t->encode("Once upon a time, there was a little girl"),
            (std::vector<int>{403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421}));
}

TEST(Tokenizer, EncodeIsRunCsAlgorithm) {
  const Tokenizer* t = test_models::tok512();
  if (!t) GTEST_SKIP() << "tok512.bin not found";
  const Text& text = test_models::shared_text("tinystories-valid-eval.txt");
  for (size_t i = 0; i < 12; ++i) {
    const std::string& story = text.stories[i];
    EXPECT_EQ(t->encode(story), run_c_encode(*t, story)) << "story " << i;
  }
  // Arbitrary bytes too, malformed UTF-8 included (run.c groups a byte with at most
  // three continuation bytes whatever they are).
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string s(rng() % 24, ' ');
    for (char& c : s) c = char(rng() % 2 ? "ab e\xC3\xA9\xE2\x84\xA2"[rng() % 9] : char(1 + rng() % 255));
    EXPECT_EQ(t->encode(s), run_c_encode(*t, s)) << "case " << i;
  }
}

TEST(Tokenizer, RoundTripOverTheWholeEvaluationFile) {
  const Tokenizer* t = test_models::tok512();
  if (!t) GTEST_SKIP() << "tok512.bin not found";
  const Text& text = test_models::shared_text("tinystories-valid-eval.txt");
  // The whole file in one piece, then every story as the evaluation feeds it.
  EXPECT_EQ(t->decode(t->encode(text.bytes)), " " + text.bytes);
  ASSERT_EQ(text.stories.size(), 210u);
  for (const std::string& story : text.stories) {
    std::vector<int> ids = {kBosToken};
    const std::vector<int> encoded = t->encode(story);
    ASSERT_EQ(t->decode(encoded), " " + story);
    ids.insert(ids.end(), encoded.begin(), encoded.end());
    ASSERT_EQ(t->decode(ids), story) << "after BOS the dummy-prefix space is dropped";
  }
}

TEST(Tokenizer, DecodesByteTokensAndDropsTheSpaceAfterBos) {
  // Pairs merge one at a time: "h" "i" -> "hi" (-5), then " " "hi" -> " hi" (-2).
  const Tokenizer t =
      Tokenizer::parse(tokenizer_bytes({{" ", -1}, {" hi", -2}, {"h", -3}, {"i", -4}, {"hi", -5}}), "tok.bin");
  const int space_hi = 259 + 1;
  EXPECT_EQ(t.decode(kBosToken, space_hi), "hi");
  EXPECT_EQ(t.decode(5, space_hi), " hi");
  EXPECT_EQ(t.decode(-1, 3 + 0x41), "A") << "<0x41>";
  EXPECT_EQ(t.decode(-1, 3 + 0xE9), std::string(1, '\xE9'));
  EXPECT_EQ(t.decode({kBosToken, space_hi, 3 + '!'}), "hi!");
  EXPECT_EQ(t.encode("hi"), (std::vector<int>{space_hi}));
}

TEST(Tokenizer, RefusesTruncatedAndMalformedFiles) {
  const std::string good = tokenizer_bytes({{" ", -1}, {"ab", -2}});
  EXPECT_NO_THROW(Tokenizer::parse(good, "tok.bin"));
  // Cut inside the header, a score, a length and a token's text.
  for (size_t cut : {size_t(2), size_t(6), size_t(10), good.size() - 1}) {
    const std::string e = parse_error(good.substr(0, cut));
    EXPECT_NE(e.find("tok.bin: truncated tokenizer"), std::string::npos) << cut << ": " << e;
  }
  EXPECT_NE(parse_error(le32(0)).find("max_token_length 0"), std::string::npos);
  EXPECT_NE(parse_error(tokenizer_bytes({{" ", -1}, {"abcdefghi", -2}})).find("length 9, allowed 0..8"),
            std::string::npos);
  // A length field that would run past the end is refused before anything is allocated.
  EXPECT_NE(parse_error(le32(8) + lef(0) + le32(2000000000)).find("length 2000000000"), std::string::npos);
  EXPECT_NE(parse_error(tokenizer_bytes({{" ", -1}}).substr(0, 4 + 3 * 8 + 18)).find("truncated"), std::string::npos);
  EXPECT_NE(parse_error(tokenizer_bytes({{"x", -1}})).find("no \" \" token"), std::string::npos);
  std::string no_bytes = le32(8);
  for (const char* p : {"<unk>", "<s>", "</s>", "a"}) no_bytes += lef(0) + le32(int32_t(std::strlen(p))) + p;
  EXPECT_NE(parse_error(no_bytes).find("byte fallback"), std::string::npos);
}

TEST(Tokenizer, VocabularyMustMatchTheModel) {
  const Tokenizer t = Tokenizer::parse(tokenizer_bytes({{" ", -1}}), "tok.bin");
  EXPECT_NO_THROW(t.check_vocab(260, "m.bin"));
  try {
    t.check_vocab(512, "m.bin");
    FAIL();
  } catch (const TokenizerError& e) {
    EXPECT_STREQ(e.what(), "tok.bin: 260 tokens, but the model m.bin has a vocabulary of 512");
  }
  EXPECT_THROW(Tokenizer::load("/nonexistent/tok.bin"), TokenizerError);
}

// --- story texts ------------------------------------------------------------------

TEST(Text, SplitsOnSeparatorLinesAndStripsWhitespace) {
  const std::vector<std::string> s =
      split_stories("\nOne upon.\n  Two\n<|endoftext|>\n<|endoftext|>\n\tThree\n <|endoftext|> \nFour", "t");
  EXPECT_EQ(s, (std::vector<std::string>{"One upon.\n  Two", "Three", "Four"}));
  EXPECT_EQ(split_stories("a\n<|endoftext|>\n", "t"), std::vector<std::string>{"a"});
  EXPECT_EQ(split_stories("x <|endoftext|> y\n<|endoftext|>", "t"), std::vector<std::string>{"x <|endoftext|> y"})
      << "only whole lines separate";
}

TEST(Text, RefusesTextsWithoutStories) {
  const auto error = [](const std::string& text) {
    try {
      split_stories(text, "f.txt");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("a story\nwithout end\n").find("f.txt: no line \"<|endoftext|>\""), std::string::npos);
  EXPECT_NE(error("<|endoftext|>\n  \n<|endoftext|>\n").find("f.txt: no story"), std::string::npos);
}

TEST(Text, RefusesBytesThatAreNotUtf8WithTheirLine) {
  EXPECT_NO_THROW(check_utf8("plain \xC3\xA9 \xE2\x84\xA2 \xF0\x9F\x98\x80", "t"));
  const auto error = [](const std::string& text) {
    try {
      check_utf8(text, "f.txt");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("ok\nbad \xFF here"), "f.txt:2:5: not UTF-8 (byte 0xff at offset 7): the text must be UTF-8");
  EXPECT_NE(error("cut \xE2\x84").find("f.txt:1:5: not UTF-8"), std::string::npos);
  EXPECT_NE(error("overlong \xC0\xAF").find("not UTF-8"), std::string::npos);
  EXPECT_NE(error("surrogate \xED\xA0\x80").find("not UTF-8"), std::string::npos);
  EXPECT_NE(error(std::string("nul \0 byte", 10)).find("f.txt:1:5: NUL byte"), std::string::npos);
}

TEST(Text, SequencesAreBosAndTheStoryCutToSeqLen) {
  const Tokenizer t = Tokenizer::parse(tokenizer_bytes({{" ", -1}}), "tok.bin");
  Text text{"f.txt", "", {"ab", "abcdef"}};
  const auto seqs = tokenize_stories(t, text, 0, 5, "--stories");
  ASSERT_EQ(seqs.size(), 2u);
  EXPECT_EQ(seqs[0], (std::vector<int>{kBosToken, 259, 3 + 'a', 3 + 'b'}));
  EXPECT_EQ(seqs[1], (std::vector<int>{kBosToken, 259, 3 + 'a', 3 + 'b', 3 + 'c'}));
  EXPECT_EQ(tokenize_stories(t, text, 1, 5, "--stories").size(), 1u);
  try {
    tokenize_stories(t, text, 3, 5, "--stories");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--stories 3: f.txt has only 2 stories");
  }
}
