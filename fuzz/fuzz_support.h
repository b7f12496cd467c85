// What the fuzz targets share: SystemC reports that end the run (a warning or an
// error from the kernel is a bug the fuzzer found) and inputs written to files for
// the loaders that read files.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace flexcim::fuzz {

// Stops the fuzzer with `what` on stderr; libFuzzer saves the input that did it.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "\nFUZZ FINDING: %s\n", what.c_str());
  std::abort();
}

// A file only this process writes, rewritten with every input.
inline std::string input_file(const uint8_t* data, size_t size, const std::string& suffix) {
  static const std::string path = "/tmp/flexcim-fuzz-" + std::to_string(getpid()) + suffix;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                std::streamsize(size));
  return path;
}

// y[t][o] = sum_j x[t][j] * w[o][j] with int32 weights (the decoders' effective weights).
inline std::vector<int32_t> gemm(const std::vector<int8_t>& x, const std::vector<int32_t>& w, size_t tokens,
                                 size_t in, size_t out) {
  std::vector<int32_t> y(tokens * out, 0);
  for (size_t t = 0; t < tokens; ++t)
    for (size_t o = 0; o < out; ++o)
      for (size_t j = 0; j < in; ++j) y[t * out + o] += int32_t(x[t * in + j]) * w[o * in + j];
  return y;
}

// Runs `load(path)` on the input written to a file: loading may succeed or throw
// `Expected` (the loader's one-line error for a bad file); anything else escaping is
// a finding, as is an error message spread over several lines.
template <class Expected, class Load>
void load_file(const uint8_t* data, size_t size, const std::string& suffix, Load load) {
  const std::string path = input_file(data, size, suffix);
  try {
    load(path);
  } catch (const Expected& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) finding(std::string("multi-line error: ") + e.what());
  } catch (const std::exception& e) {
    finding(std::string("unexpected exception: ") + e.what());
  }
}

}  // namespace flexcim::fuzz
