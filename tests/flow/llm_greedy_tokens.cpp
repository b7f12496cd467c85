// Prints the greedy tokens of a llama2.c checkpoint from BOS, space-separated, for
// scripts/ref_llama.py --compare.   usage: llm_greedy_tokens MODEL STEPS

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <exception>
#include <string>

#include "llm/checkpoint.h"
#include "llm/transformer.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: {} MODEL STEPS\n", argv[0]);
    return 2;
  }
  try {
    const auto model = flexcim::llm::load_checkpoint(argv[1]);
    const std::vector<int> tokens =
        flexcim::llm::generate(model, {flexcim::llm::kBosToken}, std::stoi(argv[2]), 0.0f, 1);
    fmt::print("{}\n", fmt::join(tokens.begin() + 1, tokens.end(), " "));  // after BOS
  } catch (const std::exception& e) {
    fmt::print(stderr, "llm_greedy_tokens: error: {}\n", e.what());
    return 2;
  }
  return 0;
}
