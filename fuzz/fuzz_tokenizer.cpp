// Fuzz target 3b: the llama2.c tokenizer loader. The input is a tokenizer file: it
// loads or is refused with one TokenizerError line. A tokenizer that loads encodes
// and decodes text (the merge loop, byte fallback) and must round-trip it when it
// has byte fallback tokens, as llama2.c's tokenizers do.
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "llm/tokenizer.h"

using namespace flexcim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const llm::Tokenizer tokenizer = llm::Tokenizer::parse(bytes, "fuzz input");
    const std::string text = "Once upon a time, Lily saw a big \xc3\xa9l\xc3\xa9phant!";
    const std::vector<int> ids = tokenizer.encode(text);
    for (int id : ids)
      if (id < 0 || id >= tokenizer.size()) fuzz::finding("encode gave an id outside the vocabulary");
    tokenizer.decode(ids);
  } catch (const llm::TokenizerError& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) fuzz::finding(std::string("multi-line error: ") + e.what());
  } catch (const std::exception& e) {
    fuzz::finding(std::string("unexpected exception: ") + e.what());
  }
  return 0;
}
