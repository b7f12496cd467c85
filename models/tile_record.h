// The one decoder of a tile record (docs/weight-format.md) into what a macro's
// weight-write port receives: the select registers, loaded once per tile, and
// one beat per column holding that column's cell of every (row, sub-macro).
// The TLM macro writes its cells from these beats, and the RTL harness drives
// the Verilated macro's write port with the same beats (models/rtl_tile_runner.h).
//
// A dense record (JOB_FLAGS.DENSE_TILES) holds weights only: dense mode fixes
// what a sparse record would carry (sub-macro j takes bus group j, pair j/2,
// element j%2: input j of its row's P). The decoder states those fixed values;
// the RTL's dense mode wires them in, and latches nothing but the weights.
#pragma once
#include <cstdint>
#include <vector>

#include "macro_model.h"

namespace flexcim {

struct MacroGeometry;

// Select registers of one tile, index r*P + j.
struct SelectRegisters {
  std::vector<uint8_t> l1_pair;    // level-1 mux (r, i): pair of bus group i (0..M/2-1)
  std::vector<uint8_t> l2_source;  // level-2 mux (r, j): level-1 output feeding sub-macro j (0..P-1)
};

// Reads the select bytes of a sparse `record`, or states dense mode's. Returns
// the index of the first byte that names a pair or a level-1 output that does
// not exist for `mapping`, or -1.
int64_t decode_selects(const uint8_t* record, const MacroGeometry& g, bool dense_record, RowMapping mapping,
                       SelectRegisters& selects);

// Beat `col` of the weight-write port: the int8 weight and metadata bit (0/1)
// of cell (r, j, col) at index r*P + j of `weight` and `meta` (R*P entries each).
void decode_column(const uint8_t* record, const MacroGeometry& g, bool dense_record, unsigned col, int8_t* weight,
                   uint8_t* meta);

}  // namespace flexcim
