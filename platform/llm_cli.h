// What the real-model commands (llm_commands, pareto) share: the model and its
// tokenizer, texts and their options, pattern lists, output files.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "llm/eval.h"
#include "llm/model.h"
#include "llm/text.h"
#include "llm/tokenizer.h"
#include "nm/pattern.h"

namespace flexcim::cli {

using Json = nlohmann::ordered_json;

// Six significant digits: stable, readable JSON and CSV.
double rounded(double v);

std::vector<std::string> split_commas(const std::string& text);
std::vector<nm::Pattern> parse_patterns(const std::string& text);  // "2:4,1:8"
// "none" = no dense blocks; empty = the default (first and last).
std::optional<std::vector<int>> parse_dense_blocks(const std::string& text);
std::string patterns_str(const std::vector<nm::Pattern>& patterns);  // "2:4,1:8"
Json pattern_list(const std::vector<nm::Pattern>& patterns);

void write_file(const std::filesystem::path& path, const std::string& text);

// The model, its tokenizer (vocabulary checked against the model) and where they came from.
struct LoadedModel {
  std::string path, name;
  llm::Model model;
  llm::Tokenizer tokenizer;
};
LoadedModel load_model(const std::string& model, const std::string& tokenizer);
void add_model_options(CLI::App* cmd, std::string& model, std::string& tokenizer);

std::string default_data(const std::string& file);  // ../shared/data/FILE

// A text file and how many of its stories to use (0 = all).
struct TextArgs {
  std::string path;
  int stories = 0;
};
void add_text_options(CLI::App* cmd, TextArgs& t, const std::string& file_flag, const std::string& stories_flag,
                      const std::string& what);

struct TokenizedText {
  llm::Text text;
  llm::Sequences sequences;
  long tokens = 0;
};
TokenizedText tokenize(const LoadedModel& m, const TextArgs& t, const std::string& stories_flag);
Json text_json(const TokenizedText& t);
// How the statistics were taken, for flow.json, eval.json and pareto.json.
Json calibration_json(const TokenizedText& calib, bool selection, bool pruning);

}  // namespace flexcim::cli
