// Fuzz target 3: the llama2.c checkpoint loader. The input is a model file: it
// loads or is refused with one CheckpointError line; a model that loads runs a few
// forward positions, which give finite logits or a NonFiniteError.
#include <algorithm>

#include "fuzz_support.h"
#include "llm/checkpoint.h"
#include "llm/transformer.h"

using namespace flexcim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::load_file<llm::CheckpointError>(data, size, ".bin", [](const std::string& path) {
    const llm::Model model = llm::load_checkpoint(path);
    llm::Transformer transformer(model);
    try {
      for (int pos = 0; pos < std::min(model.config.seq_len, 3); ++pos)
        transformer.forward({(pos + 1) % model.config.vocab_size}, pos);
    } catch (const llm::NonFiniteError&) {
    }
  });
  return 0;
}
