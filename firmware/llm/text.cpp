#include "llm/text.h"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "llm/transformer.h"  // kBosToken

namespace flexcim::llm {
namespace {

constexpr std::string_view kSeparator = "<|endoftext|>";
constexpr std::string_view kWhitespace = " \t\n\v\f\r";

std::string_view strip(std::string_view s) {
  const size_t first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kWhitespace) - first + 1);
}

}  // namespace

std::vector<std::string> split_stories(std::string_view text, const std::string& where) {
  std::vector<std::string> stories;
  bool separated = false;
  size_t story_start = 0;
  for (size_t line_start = 0; line_start < text.size();) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    if (strip(text.substr(line_start, line_end - line_start)) == kSeparator) {
      separated = true;
      const std::string_view story = strip(text.substr(story_start, line_start - story_start));
      if (!story.empty()) stories.emplace_back(story);
      story_start = line_end + 1;
    }
    line_start = line_end + 1;
  }
  if (!separated)
    throw std::invalid_argument(fmt::format(
        "{}: no line \"{}\": stories must be separated by such lines (TinyStories format)", where, kSeparator));
  if (story_start < text.size()) {
    const std::string_view last = strip(text.substr(story_start));
    if (!last.empty()) stories.emplace_back(last);
  }
  if (stories.empty()) throw std::invalid_argument(fmt::format("{}: no story between the separator lines", where));
  return stories;
}

Text read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(fmt::format("{}: cannot read text file", path));
  Text t{path, std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), {}};
  if (in.bad()) throw std::invalid_argument(fmt::format("{}: cannot read text file", path));
  if (strip(t.bytes).empty()) throw std::invalid_argument(fmt::format("{}: empty text file: no stories", path));
  check_utf8(t.bytes, path);
  t.stories = split_stories(t.bytes, path);
  return t;
}

std::vector<std::vector<int>> tokenize_stories(const Tokenizer& tokenizer, const Text& text, int count, int seq_len,
                                               const std::string& option) {
  if (count < 0) throw std::invalid_argument(fmt::format("{} {}: must be >= 0 (0 = all)", option, count));
  if (size_t(count) > text.stories.size())
    throw std::invalid_argument(
        fmt::format("{} {}: {} has only {} stories", option, count, text.path, text.stories.size()));
  const size_t n = count == 0 ? text.stories.size() : size_t(count);
  std::vector<std::vector<int>> sequences;
  for (size_t i = 0; i < n; ++i) {
    std::vector<int> tokens = {kBosToken};
    const std::vector<int> story = tokenizer.encode(text.stories[i]);
    tokens.insert(tokens.end(), story.begin(), story.end());
    if (tokens.size() > size_t(seq_len)) tokens.resize(size_t(seq_len));
    sequences.push_back(std::move(tokens));
  }
  return sequences;
}

}  // namespace flexcim::llm
