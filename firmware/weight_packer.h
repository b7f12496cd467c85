// Packs a pruned layer into the weight stream the accelerator's DMA reads
// (docs/weight-format.md), and decodes it back (the firmware's reference
// decoder, used by tests). The hardware has its own decoder in models/macro.cpp.
#pragma once
#include <cstdint>
#include <vector>

#include "nm/pattern.h"
#include "nm/prune.h"

namespace flexcim::fw {

struct MacroShape {
  unsigned submacros = 4, rows = 32, cols = 32;
  uint64_t tile_record_bytes() const;
  // How a pattern occupies a row: dense runs as P:P.
  nm::Pattern row_pattern(nm::Pattern p) const;
  unsigned inputs_per_tile(nm::Pattern p) const;
  uint64_t stream_bytes(int out, int in, nm::Pattern p) const;
};

// weights [out][in] int8; mask [out][in] (1 = kept). Pruned-away weights are
// dropped whatever their value. Throws nm::NotExecutable when the mask breaks
// the shared pair-select rule for blocks of `cols` output channels, and
// std::invalid_argument when the pattern cannot be mapped onto the macro.
std::vector<uint8_t> pack_weights(const int8_t* weights, const std::vector<uint8_t>& mask, int out, int in,
                                  nm::Pattern p, const MacroShape& shape);

// The effective [out][in] weights a stream makes the macros multiply.
std::vector<int8_t> unpack_weights(const std::vector<uint8_t>& stream, int out, int in, nm::Pattern p,
                                   const MacroShape& shape);

}  // namespace flexcim::fw
