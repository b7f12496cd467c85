#include "llm_cli.h"

#include <charconv>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "digest.h"
#include "llm/checkpoint.h"

namespace flexcim::cli {

namespace fs = std::filesystem;

double rounded(double v) { return std::stod(fmt::format("{:.6g}", v)); }

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

std::vector<nm::Pattern> parse_patterns(const std::string& text) {
  std::vector<nm::Pattern> patterns;
  for (const std::string& part : split_commas(text)) patterns.push_back(nm::Pattern::parse(part));
  return patterns;
}

std::optional<std::vector<int>> parse_dense_blocks(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text == "none") return std::vector<int>{};
  std::vector<int> blocks;
  for (const std::string& part : split_commas(text)) {
    int block = -1;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), block);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || block < 0)
      throw std::invalid_argument(fmt::format(
          "--dense-blocks: \"{}\" is not a block index; expected e.g. 0,4 or none", part));
    blocks.push_back(block);
  }
  return blocks;
}

std::string patterns_str(const std::vector<nm::Pattern>& patterns) {
  std::vector<std::string> s;
  for (const nm::Pattern& p : patterns) s.push_back(p.str());
  return fmt::format("{}", fmt::join(s, ","));
}

Json pattern_list(const std::vector<nm::Pattern>& patterns) {
  Json list = Json::array();
  for (const nm::Pattern& p : patterns) list.push_back(p.str());
  return list;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
}

LoadedModel load_model(const std::string& model, const std::string& tokenizer) {
  const std::string path = llm::find_model(model);
  llm::Model m = llm::load_checkpoint(path);
  llm::Tokenizer t = llm::Tokenizer::load(llm::find_tokenizer(tokenizer, path));
  t.check_vocab(m.config.vocab_size, path);
  return {path, fs::path(path).filename().string(), std::move(m), std::move(t)};
}

void add_model_options(CLI::App* cmd, std::string& model, std::string& tokenizer) {
  cmd->add_option("model", model, "llama2.c checkpoint (default: stories260K.bin, see find_model)");
  cmd->add_option("--tokenizer", tokenizer, "llama2.c tokenizer file (default: tok512.bin beside the model)");
}

std::string default_data(const std::string& file) {
  return fmt::format("{}/../shared/data/{}", FLEXCIM_SOURCE_DIR, file);
}

void add_text_options(CLI::App* cmd, TextArgs& t, const std::string& file_flag, const std::string& stories_flag,
                      const std::string& what) {
  cmd->add_option(file_flag, t.path, fmt::format("{} text: stories separated by lines <|endoftext|>", what))
      ->capture_default_str();
  cmd->add_option(stories_flag, t.stories, fmt::format("Use the first N {} stories (0 = all)", what))
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

TokenizedText tokenize(const LoadedModel& m, const TextArgs& t, const std::string& stories_flag) {
  TokenizedText out{llm::read_text(t.path), {}, 0};
  out.sequences = llm::tokenize_stories(m.tokenizer, out.text, t.stories, m.model.config.seq_len, stories_flag);
  for (const auto& s : out.sequences) out.tokens += long(s.size());
  return out;
}

Json text_json(const TokenizedText& t) {
  return Json{{"file", t.text.path},
              {"sha256", sha256_hex(t.text.bytes)},
              {"stories", t.sequences.size()},
              {"tokens", t.tokens}};
}

Json calibration_json(const TokenizedText& calib, bool selection, bool pruning) {
  Json j = text_json(calib);
  if (selection)
    j["selection_statistics"] = "dense model: every block's inputs from the dense earlier blocks";
  if (pruning)
    j["pruning_statistics"] =
        "sequential, as Wanda's and FLOW's reference code: each block's inputs from the already pruned earlier "
        "blocks, its own weights dense";
  return j;
}

}  // namespace flexcim::cli
