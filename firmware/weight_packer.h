// Packs a pruned layer into the weight stream the accelerator's DMA reads
// (docs/weight-format.md), and decodes it back (the firmware's reference
// decoder, used by tests). The hardware has its own decoder in models/tile_record.cpp.
#pragma once
#include <cstdint>
#include <vector>

#include "nm/pattern.h"
#include "nm/prune.h"

namespace flexcim::fw {

// Tile record formats (docs/weight-format.md). Sparse: select bytes, weights,
// metadata bits; any pattern, dense as P:P. Dense: weights only, for dense
// layers (JOB_FLAGS.DENSE_TILES), the only format a dense DCiM reads.
enum class TileFormat { Sparse, Dense };

// What the firmware uses: dense records for dense layers, sparse ones otherwise.
TileFormat tile_format(nm::Pattern p);

struct MacroShape {
  unsigned submacros = 4, rows = 32, cols = 32;
  uint64_t record_bytes(TileFormat format) const;
  // How a pattern occupies a row: dense runs as P:P.
  nm::Pattern row_pattern(nm::Pattern p) const;
  unsigned inputs_per_tile(nm::Pattern p) const;
  uint64_t stream_bytes(int out, int in, nm::Pattern p, TileFormat format) const;
};

// weights [out][in] int8; mask [out][in] (1 = kept). Pruned-away weights are
// dropped whatever their value. Throws nm::NotExecutable when the mask breaks
// the shared pair-select rule for blocks of `cols` output channels, and
// std::invalid_argument when the pattern cannot be mapped onto the macro or a
// dense record is asked for a sparse pattern.
std::vector<uint8_t> pack_weights(const int8_t* weights, const std::vector<uint8_t>& mask, int out, int in,
                                  nm::Pattern p, const MacroShape& shape, TileFormat format);

// The effective [out][in] weights a stream makes the macros multiply, in int32: cells
// of one column routed to the same input add up (the macros take any valid routing;
// the packer never writes such a stream). Throws std::invalid_argument for a select
// byte naming a pair or bus group that does not exist (the macros raise
// ERR_METADATA) and for a weight routed past the layer's edge.
std::vector<int32_t> effective_weights(const std::vector<uint8_t>& stream, int out, int in, nm::Pattern p,
                                       const MacroShape& shape, TileFormat format);

// The same as int8 weights, as pack_weights takes them; also throws for an effective
// weight outside int8.
std::vector<int8_t> unpack_weights(const std::vector<uint8_t>& stream, int out, int in, nm::Pattern p,
                                   const MacroShape& shape, TileFormat format);

}  // namespace flexcim::fw
