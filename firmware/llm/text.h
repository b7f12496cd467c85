#pragma once
// Evaluation and calibration text (DESIGN.md section 5): stories separated by lines
// "<|endoftext|>", each stripped of surrounding whitespace (space, \t, \n, \v, \f, \r);
// empty pieces (e.g. after the last separator) are not stories. A story becomes
// [BOS] + encode(story), cut to the model's seq_len.

#include <string>
#include <string_view>
#include <vector>

#include "llm/tokenizer.h"

namespace flexcim::llm {

struct Text {
  std::string path;
  std::string bytes;                 // the file as read
  std::vector<std::string> stories;  // all of them, in file order
};

// Reads and splits `path`. Throws std::invalid_argument (naming the file, and the line
// for bad bytes) for a missing or empty file, bytes that are not UTF-8 or NUL, and
// a file without any separator line.
Text read_text(const std::string& path);

// The stories of `text` split as above; `where` names the text in errors.
std::vector<std::string> split_stories(std::string_view text, const std::string& where);

// [BOS] + encode(story) cut to seq_len, for the first `count` stories (0 = all).
// Throws std::invalid_argument naming `option` when the text has fewer stories.
std::vector<std::vector<int>> tokenize_stories(const Tokenizer& tokenizer, const Text& text, int count, int seq_len,
                                               const std::string& option);

}  // namespace flexcim::llm
